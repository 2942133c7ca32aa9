import ArgumentParser
import Foundation
import Logging
import OpsConsole
import OpsCore
import OpsEngine
import OpsStore

// MARK: - RefundCommand

struct RefundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refund",
        abstract: "Refund an order through its payment's gateway, exactly once.",
        discussion: """
            The same checks as the console's dialog: the amount is read in the order's currency; it must be more \
            than zero, at most what is left, within your role's limit; a Braintree payment not yet settled can only \
            be voided in full. A payment with an open or lost chargeback is refused (the bank takes the money back: \
            a refund would pay twice) unless a supervisor adds --override-dispute and a --note saying why (the \
            audit records the override; the note stays with the refund). Exit codes: 0 refunded; 1 refused by a \
            rule or by the gateway (the reason is printed); 64 bad arguments; 75 the gateway gave no answer (the \
            intent is recorded; run `popsa-ops reconcile`).
            """)

    @Argument(help: "Order id.") var orderID: String
    @Option(help: ArgumentHelp("Amount in major units of the order's currency, e.g. 12.50.", valueName: "amount"))
    var amount: String
    @Option(help: ArgumentHelp("Why: \(RefundReason.choices).", valueName: "reason")) var reason: String
    @Option(help: "A note (required for reason other).") var note: String = ""
    @Option(help: ArgumentHelp("Which payment, when the order has more than one.", valueName: "payment-id"))
    var payment: String?
    @Flag(
        name: .customLong("override-dispute"),
        help: "Supervisors: refund despite an open or lost chargeback (needs --note; audited).")
    var overrideDispute = false
    @Flag(help: "Confirm: without it nothing is refunded.") var yes = false
    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(name: .customLong("read-only"), help: "Act as a viewer (refunds are then refused).") var readOnly = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var time: TimeOptions

    func validate() throws {
        guard RefundReason(rawValue: reason) != nil else {
            throw ValidationError("--reason: \"\(reason)\" is not a reason (expected one of \(RefundReason.choices))")
        }
        guard yes else { throw ValidationError("refunding moves money: add --yes to confirm") }
    }

    func run() async throws {
        let setup = try await ServiceSetup.open(
            database: database, configuration: configuration, time: time, readOnly: readOnly)
        let reason = RefundReason(rawValue: reason)!
        func refuse(_ message: String, code: CommandFailure.Code = .failure, kind: String = "refused") throws -> Never {
            throw JSONFailure.refusal(message, code: code, kind: kind, json: json)
        }
        // Finish anything a crash left before starting something new.
        do {
            _ = try await setup.refunds.reconcile(operator: setup.identity)
        } catch {
            // The refund itself still runs: its own reservation re-checks what is left.
            Logger(label: "popsa-ops.refund").warning(
                "reconcile before the refund failed",
                metadata: ["error": "\(error)"])
        }
        let plan: RefundPlan
        do {
            plan = try await setup.refunds.plan(
                orderID: orderID, paymentID: payment, amountText: amount, reason: reason, note: note,
                overrideDispute: overrideDispute, operator: setup.identity)
        } catch let refusal as RefundRefusal {
            switch refusal {
            case .disputed: try refuse(refusal.description, kind: "disputed")
            case .badAmount(let message): try refuse("--amount: \(message)", code: .usage, kind: "bad_amount")
            case .orderNotFound: try refuse(refusal.description, kind: "not_found")
            default: try refuse(refusal.description)
            }
        }
        let result: RefundResult
        do {
            result = try await setup.refunds.execute(plan, operator: setup.identity)
        } catch let error as ReservationError {
            if case .disputed = error { try refuse(error.description, kind: "disputed") }
            try refuse(error.description)
        }
        if json {
            Stdout.line(
                JSONValue.object([
                    (
                        "outcome",
                        .string(
                            {
                                switch result.outcome {
                                case .succeeded: "succeeded";
                                case .failed: "failed";
                                case .unknown: "unknown"
                                }
                            }())
                    ),
                    ("message", .string(result.summary)), ("refund", result.refund.json),
                ]).serialized(pretty: true))
        } else {
            Stdout.line(result.summary)
        }
        switch result.outcome {
        case .succeeded: return
        case .failed: throw ExitCode(1)
        case .unknown: throw ExitCode(75)
        }
    }
}

// MARK: - ReconcileCommand

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Finish refunds left pending or unknown (a crash, a timeout, a gateway error).",
        discussion: """
            Exit code 0 when nothing is left unknown, 75 when some outcome is still unknown. With --payments, \
            asks the payment providers for the refunds of recent payments instead and adopts those made elsewhere \
            (the Stripe Dashboard, the Braintree Control Panel), the webhooks' safety net; exit 75 when a provider \
            could not be asked.
            """)

    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(help: "Re-read the providers' refunds of recent payments and repair drift.") var payments = false
    @Option(
        help: ArgumentHelp("With --payments: payments created this recently (e.g. 7d, 48h).", valueName: "duration"))
    var since = "7d"
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var time: TimeOptions

    func validate() throws {
        guard (try? DurationText.parse(since)).map({ $0 > 0 }) == true else {
            throw ValidationError("--since: \"\(since)\" is not a duration like 7d or 48h")
        }
    }

    func run() async throws {
        let setup = try await ServiceSetup.open(
            database: database, configuration: configuration, time: time, readOnly: false)
        if payments { return try await recheckPayments(setup) }
        let report = try await setup.refunds.reconcile(operator: setup.identity)
        // Support's actions left open are finished the same way: the platform is asked first.
        let actions = try await setup.actions.reconcile(operator: setup.identity)
        func counts(_ report: ReconcileReport) -> [(String, JSONValue)] {
            [
                ("examined", .integer(Int64(report.examined))), ("succeeded", .integer(Int64(report.succeeded))),
                ("failed", .integer(Int64(report.failed))), ("still_unknown", .integer(Int64(report.stillUnknown))),
                ("details", .array(report.lines.map(JSONValue.string))),
            ]
        }
        if json {
            Stdout.line(
                JSONValue.object(counts(report) + [("job_actions", .object(counts(actions)))]).serialized(pretty: true))
        } else {
            Stdout.line(
                "Reconciled \(report.examined) refund intent(s): \(report.succeeded) succeeded, \(report.failed) "
                    + "failed, \(report.stillUnknown) still unknown"
            )
            for line in report.lines { Stdout.line("  \(TextReports.safe(line))") }
            if actions.examined > 0 || !actions.lines.isEmpty {
                Stdout.line(
                    "Reconciled \(actions.examined) support action(s): \(actions.succeeded) succeeded, "
                        + "\(actions.failed) failed, \(actions.stillUnknown) still unknown")
                for line in actions.lines { Stdout.line("  \(TextReports.safe(line))") }
            }
        }
        if report.stillUnknown > 0 || actions.stillUnknown > 0 { throw ExitCode(75) }
    }
}

extension ReconcileCommand {
    /// Asks each provider for the refunds of recent payments and adopts those the ledger does not hold.
    func recheckPayments(_ setup: ServiceSetup) async throws {
        let report = try await setup.refunds.recheckPayments(since: try DurationText.parse(since))
        let (payments, adopted, updated, failures) = (report.payments, report.adopted, report.updated, report.failures)
        if json {
            Stdout.line(
                JSONValue.object([
                    ("payments", .integer(Int64(payments))), ("adopted", .integer(Int64(adopted))),
                    ("updated", .integer(Int64(updated))), ("failed", .array(failures.map(JSONValue.string))),
                ]).serialized(pretty: true))
        } else {
            Stdout.line(
                "Checked \(payments) payment(s) with their providers: \(adopted) refund(s) made elsewhere "
                    + "adopted, "
                    + "\(updated) moved on" + (failures.isEmpty ? "" : "; \(failures.count) could not be checked"))
            for failure in failures { Stdout.line("  \(failure)") }
        }
        if !failures.isEmpty { throw ExitCode(75) }
    }
}

// MARK: - AuditCommand

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List the audit log (newest first), or verify its hash chain.",
        subcommands: [List.self, Verify.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List entries, newest first.")
        @Option(help: "Most entries to list.") var limit = 100
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var time: TimeOptions

        func run() async throws {
            let store = try await database.openStore(now: time.timestamp, readOnly: true)
            let entries = try await store.using { try await $0.ledger.auditEntries(limit: limit) }
            if json {
                Stdout.line(JSONValue.array(entries.map(\.json)).serialized(pretty: true))
                return
            }
            var table = TextTable("#", "AT", "OPERATOR", "ACTION", "TARGET", "AMOUNT", "RESULT", "DETAIL")
            let zone = try QueryCommand.Common.displayZone()
            for e in entries {
                table.add([
                    "\(e.sequence)", e.record.at.display(in: zone),
                    e.record.operatorName + (e.record.sshClient.isEmpty ? "" : "@\(e.record.sshClient)"),
                    e.record.action,
                    e.record.target, e.record.amount?.formatted ?? "", e.record.result, e.record.detail,
                ])
            }
            Stdout.line(entries.isEmpty ? "The audit log is empty" : table.render())
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check the hash chain: exit 0 when intact, 1 naming the first edited, deleted or reordered entry."
        )
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var time: TimeOptions

        func run() async throws {
            let store = try await database.openStore(now: time.timestamp, readOnly: true)
            switch try await store.using({ try await $0.ledger.verifyAudit() }) {
            case .intact(let count):
                Stdout.line("audit log intact: \(count) entries")
            case .broken(let sequence, let problem):
                throw CommandFailure(message: "audit log broken at entry \(sequence): \(problem)", code: .failure)
            }
        }
    }
}

// MARK: - ConfigCommand

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check a configuration file.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract:
                "Validate the configuration and print it in effect, secrets masked. Exit 78 naming file, line and "
                + "key on an error."
        )
        @OptionGroup var configuration: ConfigOptions

        func run() throws {
            let config = try configuration.load()
            // The same checks as the commands that read the secret files: a key readable by others is refused here
            // too, before the day a refund needs it.
            do {
                try Secrets.checkFiles(config.payments, config.serve, platform: config.platform)
            } catch {
                throw CommandFailure(message: error.description, code: .config)
            }
            // The configured theme is part of the configuration: a name that does not resolve, or a broken file,
            // would stop the console, so it fails the check too.
            if let name = config.themeName {
                do {
                    _ = try ThemeLoader.load(name, searchPaths: ThemeLoader.searchPaths())
                } catch {
                    throw CommandFailure(message: error.description, code: .config)
                }
            }
            Stdout.line(config.describe())
        }
    }
}
