import ArgumentParser
import Foundation
import Logging
import OpsCore
import OpsStore
import OpsStorePostgres

// MARK: - migrate

/// Copies an ops database from SQLite into PostgreSQL, the store many ops boxes share.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy an ops database from SQLite into an empty PostgreSQL database.",
        discussion: """
            The PostgreSQL database is given as a URL (postgres://USER@HOST/DB, or postgresql:///DB?host=/run/\
            postgresql for a unix socket); its password, if it needs one, comes from POPSA_OPS_DATABASE_PASSWORD, \
            never from the URL. The schema is created (or migrated) first; the copy is one transaction, into an \
            empty database only, and takes everything: the customers and their records, the refunds and \
            intents, the audit chain (which verifies afterwards), the sandbox ledger and the feeds' freshness.
            """)

    @Option(help: ArgumentHelp("The SQLite database to copy.", valueName: "path")) var from: String
    @Option(help: ArgumentHelp("The PostgreSQL database to copy into (a URL).", valueName: "url")) var to: String

    func run() async throws {
        guard FileManager.default.fileExists(atPath: from) else {
            throw CommandFailure(message: "no database at \(from)", code: .noInput)
        }
        let source = try wrap { try SQLiteStore.open(path: from, readOnly: true) }
        let store = try await PostgresConnect.open(to)
        let started = ContinuousClock.now
        do {
            let report = try await store.copy(from: source) { table, count in
                if count % 100_000 == 0 { Stderr.line("migrate: \(table) \(NumberText.grouped(count))") }
            }
            await store.close()
            let seconds = (ContinuousClock.now - started).seconds
            Stdout.line(
                "Copied \(from) into \(store.location) in \(String(format: "%.1f", seconds))s: "
                    + report.rows.map { "\(NumberText.grouped($0.count)) \($0.table)" }.joined(separator: ", "))
        } catch let error as PostgresStoreError {
            await store.close()
            throw CommandFailure(message: error.description, code: .dataError)
        } catch {
            await store.close()
            throw CommandFailure(message: "the copy failed, nothing was kept: \(error)", code: .unavailable)
        }
    }
}

// MARK: - Reaching PostgreSQL

extension CommandFailure {
    /// A PostgreSQL failure as one line: a server away is "unavailable" (69), anything else bad data (65);
    /// `saved` says what became of the work.
    init(postgres error: PostgresStoreError, saved: String = "") {
        let code: Code =
            switch error {
            case .unreachable, .failed(_, kind: .unreachable): .unavailable
            default: .dataError
            }
        self.init(message: error.description + saved, code: code)
    }
}

enum PostgresConnect {
    /// This account's anchor of a shared database's audit chain: `$XDG_STATE_HOME/popsa-ops/audit-anchors/`, one
    /// file per database (named after its URL), the folder owner-only. Nil (and logged) when there is no state
    /// folder to keep it in: the chain is then verified without it.
    static func auditAnchor(for location: PostgresLocation) -> AuditAnchor? {
        let environment = Environment.values(of: ["XDG_STATE_HOME", "HOME"])
        guard let state = FileLog.stateFolder(environment) else { return nil }
        let folder = state + "/audit-anchors"
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            Logger(label: "popsa-ops").warning(
                "no audit anchor folder", metadata: ["path": "\(folder)", "error": "\(error)"])
            return nil
        }
        let name = String(
            location.description.unicodeScalars.map {
                ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "." || $0 == "-"
                    ? Character($0) : "_"
            })
        return AuditAnchor(path: folder + "/" + name)
    }

    /// The store at `url`, as this account (the URL may name another user), with the password from the
    /// environment; every failure is a one-line message with its exit code.
    static func open(_ url: String) async throws -> PostgresStore {
        let location: PostgresLocation
        do {
            location = try PostgresLocation(url: url, defaultUser: Operator.current().name)
        } catch {
            throw CommandFailure(message: "\(error.description)", code: .usage)
        }
        let password = Environment.values(of: [PostgresLocation.passwordVariable])[PostgresLocation.passwordVariable]
        do {
            // Five seconds for the first connection and for each read or write: a console says the database is
            // unreachable instead of loading forever.
            return try await PostgresStore.open(
                location, password: password, deadline: .seconds(5), auditAnchor: auditAnchor(for: location))
        } catch let error as PostgresStoreError {
            if case .unreachable = error { throw CommandFailure(message: error.description, code: .unavailable) }
            throw CommandFailure(message: error.description, code: .dataError)
        } catch {
            throw CommandFailure(
                message: "cannot reach \(location): \(PostgresStore.describe(error))", code: .unavailable)
        }
    }
}
