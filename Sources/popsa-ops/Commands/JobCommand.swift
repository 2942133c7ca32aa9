import ArgumentParser
import Foundation
import Logging
import OpsConsole
import OpsCore
import OpsEngine

/// Support's actions on a print job from the command line, exactly once, with the console's rules.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Hold, release or cancel a print job at the partner, exactly once.",
        discussion: """
            JOB is a print job id or anything the search resolves to one job (a tracking number). A job can be held \
            or cancelled only before its partner starts printing; a hold is lifted with release. Who may do what \
            is set per role in the configuration's [permissions] (agents and supervisors by default; viewers \
            never). Every action is recorded before the platform is called and audited (the reason code goes to \
            the audit; a note stays with the action). Exit codes: 0 done; 1 refused by a rule, a permission or \
            the platform (the reason is printed); 64 bad arguments; 75 the platform gave no answer (the intent is \
            recorded; run `popsa-ops reconcile`).
            """,
        subcommands: [Hold.self, Release.self, Cancel.self])

    struct Hold: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hold", abstract: "Keep a job from printing until it is released.")
        @OptionGroup var options: JobActionOptions
        func validate() throws { try options.validate() }
        func run() async throws { try await options.run(.hold) }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release", abstract: "Lift a hold: the partner may print the job again.")
        @OptionGroup var options: JobActionOptions
        func validate() throws { try options.validate() }
        func run() async throws { try await options.run(.release) }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel", abstract: "Cancel a job before it prints (cannot be undone).")
        @OptionGroup var options: JobActionOptions
        func validate() throws { try options.validate() }
        func run() async throws { try await options.run(.cancel) }
    }
}

/// What every job action takes.
struct JobActionOptions: ParsableArguments {
    @Argument(help: "The print job.") var job: String
    @Option(help: ArgumentHelp("Why: \(ActionReason.choices).", valueName: "reason")) var reason: String
    @Option(help: "A note for the next agent (required for reason other; kept out of the audit chain).")
    var note: String = ""
    @Flag(help: "Confirm: without it nothing is done.") var yes = false
    @Flag(help: "Print the result as JSON.") var json = false
    @Flag(name: .customLong("read-only"), help: "Act as a viewer (actions are then refused).") var readOnly = false
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var time: TimeOptions

    func validate() throws {
        guard ActionReason(rawValue: reason) != nil else {
            throw ValidationError("--reason: \"\(reason)\" is not a reason (expected one of \(ActionReason.choices))")
        }
        guard note.count <= Note.maxLength else {
            throw ValidationError("--note: at most \(Note.maxLength) characters (this one has \(note.count))")
        }
        guard yes else { throw ValidationError("this acts on a print job at the partner: add --yes to confirm") }
    }

    func run(_ kind: JobActionKind) async throws {
        let setup = try await ServiceSetup.open(
            database: database, configuration: configuration, time: time, readOnly: readOnly)
        try await setup.store.using { store in
            func refuse(_ message: String, kind: String = "refused") throws -> Never {
                let failure = CommandFailure(message: message, code: .failure)
                if json { throw JSONFailure(failure, kind: kind) }
                throw failure
            }
            // Finish anything a crash left before starting something new; the action's own reservation re-checks.
            do {
                _ = try await setup.jobActions.reconcile(operator: setup.identity)
            } catch {
                Logger(label: "popsa-ops.job").warning(
                    "reconcile before the action failed", metadata: ["error": "\(error)"])
            }
            let engine = Engine(store: store.reads, clock: setup.clock)
            let jobID: String
            do {
                jobID = try await engine.printJob(identifiedBy: job).job.id
            } catch EngineError.notFound {
                try refuse("no print job with id \(job)", kind: "not_found")
            }
            let result: JobActionResult
            do {
                let plan = try await setup.jobActions.plan(
                    jobID: jobID, kind: kind, reason: ActionReason(rawValue: reason)!, note: note,
                    operator: setup.identity)
                result = try await setup.jobActions.execute(plan, operator: setup.identity)
            } catch let refusal as JobActionRefusal {
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
