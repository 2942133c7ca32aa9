import ArgumentParser
import Foundation
import Logging
import OpsCore
import OpsStore
import OpsStorePostgres

@main
struct PopsaOps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "popsa-ops",
        abstract: "Popsa's customer-support console.",
        discussion: """
            Run without a subcommand to open the console on the demo database. Every subcommand that reads data \
            takes --db PATH; without it, the demo database in your data directory is used (created on first use).
            """,
        version: "0.1.0",
        subcommands: [
            ConsoleCommand.self, HeadlessCommand.self, SeedCommand.self, ImportCommand.self, QueryCommand.self,
            RefundCommand.self, ReconcileCommand.self, AuditCommand.self, MetricsCommand.self, ServeCommand.self,
            ServeMetricsCommand.self, DisputeCommand.self, NoteCommand.self, JobCommand.self, OrderCommand.self,
            AccountCommand.self, PrivacyCommand.self,
            SimulateCommand.self, ConfigCommand.self, MigrateCommand.self, BenchCommand.self,
        ],
        defaultSubcommand: ConsoleCommand.self
    )

    /// Runs a command, mapping failures to their exit codes: 1 not found or refused, 64 usage, 65 bad data.
    static func main() async {
        // Databases, their -wal/-shm, the seed's temporary file, logs and exports hold customer data: whatever
        // this process creates is its owner's only.
        umask(0o077)
        // Metrics are recorded only by the commands that show or serve them (the console's dashboard, `metrics`,
        // `serve-metrics`, `bench`): a one-shot command's numbers would die with it, and building the Prometheus
        // registry is a measurable share of a `query`'s start-up.
        FileLog.bootstrap()
        let log = Logger(label: "popsa-ops")
        do {
            if let problem = CommandSuggestion.problem(Array(CommandLine.arguments.dropFirst())) {
                throw CommandFailure(message: problem, code: .usage)
            }
            var command = try parseAsRoot()
            // The subcommand's name only: arguments can carry customer data (and never secrets: see README).
            log.info("start", metadata: ["command": "\(type(of: command)._commandName)"])
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            log.notice("exit", metadata: ["code": "\(failure.code.rawValue)", "message": "\(failure.message)"])
            Stderr.line("popsa-ops: \(failure.message)")
            Foundation.exit(failure.code.rawValue)
        } catch let error where error is StoreError || error is StoredValueError {
            // A store error no command wrapped: the same words and codes as `wrap` gives.
            do { try wrap { throw error } } catch let failure as CommandFailure {
                Stderr.line("popsa-ops: \(failure.message)")
                Foundation.exit(failure.code.rawValue)
            } catch {}
            Foundation.exit(CommandFailure.Code.dataError.rawValue)
        } catch let error as StoreWriteFailure {
            log.error("store write failed", metadata: ["error": "\(error.detail)"])
            let failure = CommandFailure(storeWrite: error)
            Stderr.line("popsa-ops: \(failure.message)")
            Foundation.exit(failure.code.rawValue)
        } catch let error as PostgresStoreError {
            // A PostgreSQL failure no command wrapped.
            let failure = CommandFailure(postgres: error)
            log.error("database failed", metadata: ["error": "\(error.description)"])
            Stderr.line("popsa-ops: \(failure.message)")
            Foundation.exit(failure.code.rawValue)
        } catch let failure as JSONFailure {
            Stderr.line(failure.object.serialized())
            Foundation.exit(failure.code.rawValue)
        } catch {
            // Help and version go to stdout as argument-parser prints them; every error message (which quotes
            // what was typed, perhaps pasted from data) goes through the sanitiser like any other stderr line.
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }
            let message = fullMessage(for: error)
            if !message.isEmpty { Stderr.line(message) }
            Foundation.exit(code.rawValue)
        }
    }
}

/// A failure reported as a JSON object on stderr, for `--json` callers.
struct JSONFailure: Error {
    var object: JSONValue
    var code: CommandFailure.Code

    init(_ failure: CommandFailure, kind: String) {
        object = .object([("error", .object([("code", .string(kind)), ("message", .string(failure.message))]))])
        code = failure.code
    }

    /// A command's refusal: a JSON error object (`kind` its code) with `--json`, else the plain line.
    static func refusal(
        _ message: String, code: CommandFailure.Code = .failure, kind: String = "refused", json: Bool
    ) -> any Error {
        let failure = CommandFailure(message: message, code: code)
        return json ? JSONFailure(failure, kind: kind) : failure
    }
}
