import ArgumentParser
import Foundation
import Logging
import OpsConsole
import OpsCore
import OpsEngine

// MARK: - The commands

/// Support's actions from the command line, exactly once, with the console's rules: on print jobs, orders and
/// accounts.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Hold, release, cancel, reprint or chase a print job at the partner, exactly once.",
        discussion: """
            JOB is a print job id or anything the search resolves to one job (a tracking number). A job can be held \
            or cancelled only before its partner starts printing; a hold is lifted with release; a job that was \
            shipped, delivered or failed can be reprinted once (reasons damaged, lost_in_delivery, print_quality, \
            other). \(ActionOptions.common)
            """,
        subcommands: [Hold.self, Release.self, Cancel.self, Reprint.self, Chase.self])

    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hold", abstract: "Keep a job from printing until it is released.")
        @OptionGroup var options: ActionOptions
        @Argument(help: "The print job.") var job: String
        func validate() throws { try options.validate(.hold) }
        func run() async throws { try await options.run(.hold, job) }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release", abstract: "Lift a hold: the partner may print the job again.")
        @OptionGroup var options: ActionOptions
        @Argument(help: "The print job.") var job: String
        func validate() throws { try options.validate(.release) }
        func run() async throws { try await options.run(.release, job) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel", abstract: "Cancel a job before it prints (cannot be undone).")
        @OptionGroup var options: ActionOptions
        @Argument(help: "The print job.") var job: String
        func validate() throws { try options.validate(.cancel) }
        func run() async throws { try await options.run(.cancel, job) }
    }

    struct Chase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "chase",
            abstract: "Ask the partner for news of a job still in progress (its answer arrives as a partner update).")
        @OptionGroup var options: ActionOptions
        @Argument(help: "The print job.") var job: String
        func validate() throws { try options.validate(.chase) }
        func run() async throws { try await options.run(.chase, job) }
    }

    struct Reprint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reprint",
            abstract: "Print and ship a job again, as a new job linked to it (damaged, lost, print quality).")
        @OptionGroup var options: ActionOptions
        @Argument(help: "The print job.") var job: String
        func validate() throws { try options.validate(.reprint) }
        func run() async throws { try await options.run(.reprint, job) }
    }
}

struct OrderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order",
        abstract: "Change an order's shipping address, or send its confirmation again, exactly once.",
        discussion: """
            ORDER is an order id or anything the search resolves to one order (a payment, pi_/ch_, a print job). \
            The address changes only while the order's print jobs have not gone to the partner (queued), and only \
            within its country; options not given keep the current values. \(ActionOptions.common)
            """,
        subcommands: [ChangeAddress.self, ResendConfirmation.self])

    struct ChangeAddress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "change-address", abstract: "Ship the order to a new address (same country).")
        @OptionGroup var options: ActionOptions
        @Argument(help: "The order.") var order: String
        @Option(help: "Recipient name.") var name: String?
        @Option(help: "First address line.") var line1: String?
        @Option(help: "Second address line (\"\" to clear it).") var line2: String?
        @Option(help: "City.") var city: String?
        @Option(help: "Region, county or state.") var region: String?
        @Option(help: "Postcode.") var postcode: String?
        @Option(help: "Country (ISO 3166-1 alpha-2); a change of country is refused.") var country: String?
        func validate() throws {
            try options.validate(.changeAddress)
            guard [name, line1, line2, city, region, postcode, country].contains(where: { $0 != nil }) else {
                throw ValidationError("give the new address: --line1, --city, --postcode… (others stay as they are)")
            }
        }
        func run() async throws {
            try await options.run(.changeAddress, order) { old in
                Address(
                    name: name ?? old.name, line1: line1 ?? old.line1, line2: line2 ?? old.line2,
                    city: city ?? old.city,
                    region: region ?? old.region, postcode: postcode ?? old.postcode, country: country ?? old.country)
            }
        }
    }

    struct ResendConfirmation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resend-confirmation", abstract: "Email the order confirmation to the customer again.")
        @OptionGroup var options: ActionOptions
        @Argument(help: "The order.") var order: String
        func validate() throws { try options.validate(.resendConfirmation) }
        func run() async throws { try await options.run(.resendConfirmation, order) }
    }
}

struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Lock or unlock a customer's account, or send a password-reset link, exactly once.",
        discussion: """
            USER is a user id or anything the search resolves to one customer (an email, an order id). Unlocking \
            is for supervisors by default (a lock is often fraud); a locked account gets no reset link (unlock \
            it first). \(ActionOptions.common)
            """,
        subcommands: [Lock.self, Unlock.self, PasswordReset.self])

    struct Lock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "lock", abstract: "Stop the customer signing in.")
        @OptionGroup var options: ActionOptions
        @Argument(help: "The customer.") var user: String
        func validate() throws { try options.validate(.lock) }
        func run() async throws { try await options.run(.lock, user) }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unlock", abstract: "Let the customer sign in again.")
        @OptionGroup var options: ActionOptions
        @Argument(help: "The customer.") var user: String
        func validate() throws { try options.validate(.unlock) }
        func run() async throws { try await options.run(.unlock, user) }
    }

    struct PasswordReset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "password-reset", abstract: "Email the customer a password-reset link.")
        @OptionGroup var options: ActionOptions
        @Argument(help: "The customer.") var user: String
        func validate() throws { try options.validate(.passwordReset) }
        func run() async throws { try await options.run(.passwordReset, user) }
    }
}

// MARK: - ActionOptions

/// What every action takes, and the one way they run.
struct ActionOptions: ParsableArguments {
    static let common = """
        Who may do what is set per role in the configuration's [permissions] (viewers never). Every action is \
        recorded before the platform is called and audited (the reason code goes to the audit; a note and a new \
        address stay with the action). Exit codes: 0 done; 1 not found, or refused by a rule, a permission or the \
        platform (the reason is printed); 64 bad arguments; 75 the platform gave no answer (the intent is \
        recorded; run `popsa-ops reconcile`).
        """

    @Option(
        help: ArgumentHelp("Why (see each action's reasons in the error when one does not fit).", valueName: "reason"))
    var reason: String
    @Option(help: "A note for the next agent (required for reason other; kept out of the audit chain).")
    var note: String = ""
    @Flag(help: "Confirm: without it nothing is done.") var yes = false
    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(name: .customLong("read-only"), help: "Act as a viewer (actions are then refused).") var readOnly = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var time: TimeOptions

    func validate(_ kind: ActionKind) throws {
        guard let reason = ActionReason(rawValue: reason), kind.reasons.contains(reason) else {
            throw ValidationError(
                "--reason: \"\(reason)\" is not a reason to \(kind.label.lowercased()) (expected one of "
                    + kind.reasons.map(\.rawValue).joined(separator: ", ") + ")")
        }
        guard note.count <= Note.maxLength else {
            throw ValidationError("--note: at most \(Note.maxLength) characters (this one has \(note.count))")
        }
        guard yes else { throw ValidationError("this acts on the platform: add --yes to confirm") }
    }

    /// Resolves `id` to the record `kind` acts on, plans and executes the action (a change of address: the new
    /// address from the current one), and prints the outcome.
    func run(_ kind: ActionKind, _ id: String, address: ((Address) -> Address)? = nil) async throws {
        let setup = try await ServiceSetup.open(
            database: database, configuration: configuration, time: time, readOnly: readOnly)
        try await setup.store.using { store in
            func refuse(_ message: String, kind: String = "refused") throws -> Never {
                throw JSONFailure.refusal(message, kind: kind, json: json)
            }
            // Finish anything a crash left before starting something new; the action's own reservation re-checks.
            do {
                _ = try await setup.actions.reconcile(operator: setup.identity)
            } catch {
                Logger(label: "popsa-ops.actions").warning(
                    "reconcile before the action failed", metadata: ["error": "\(error)"])
            }
            let engine = Engine(store: store.reads, clock: setup.clock)
            let subject: ActionSubject
            do {
                switch kind.subject {
                case .printJob: subject = .printJob(try await engine.printJob(identifiedBy: id).job.id)
                case .order: subject = .order(try await engine.order(identifiedBy: id).detail.order.id)
                case .customer: subject = .customer(try await engine.customer(identifiedBy: id).user.id)
                }
            } catch EngineError.notFound {
                try refuse(
                    "no \(kind.subject.rawValue.replacingOccurrences(of: "_", with: " ")) with id \(id)",
                    kind: "not_found")
            }
            let result: ActionResult
            do {
                var newAddress: Address?
                if let address {
                    guard let old = try await setup.actions.context(subject).order?.shippingAddress else {
                        try refuse("\(subject.target) has no address to change")
                    }
                    newAddress = address(old)
                }
                let plan = try await setup.actions.plan(
                    subject, kind: kind, reason: ActionReason(rawValue: reason)!, note: note, address: newAddress,
                    operator: setup.identity)
                result = try await setup.actions.execute(plan, operator: setup.identity)
            } catch let refusal as ActionRefusal {
                switch refusal {
                case .notFound: try refuse(refusal.description, kind: "not_found")
                case .noteRequired: throw CommandFailure(message: "--note: \(refusal)", code: .usage)
                default: try refuse(refusal.description)
                }
            }
            if json {
                Stdout.line(
                    JSONValue.object([
                        ("outcome", .string(result.outcomeName)), ("message", .string(result.summary)),
                        ("action", result.action.json),
                    ]).serialized(pretty: true))
            } else {
                Stdout.line(TextReports.safe(result.summary))
            }
            switch result.outcome {
            case .succeeded: return
            case .failed: throw ExitCode(1)
            case .unknown: throw ExitCode(75)
            }
        }
    }
}
