import Foundation
import Logging
import NIOSSL
import OpsCore
import PostgresNIO

// MARK: - PostgresStore

/// The store on PostgreSQL, for many ops boxes sharing one database: a connection pool (`PostgresClient`), the
/// versioned schema, the engine's reads, the refund and sandbox ledgers, the change stream, and the copy of an
/// existing SQLite database (the files beside this one, by concern).
public final class PostgresStore: Sendable {
    public let location: PostgresLocation
    /// How long a read or a write may wait for the server before it fails as unreachable (a pool waits for a
    /// connection as long as it takes: a console must say so instead of loading forever).
    public let deadline: Duration
    /// This box's copy of the audit chain's heads (see `AuditAnchor`), or nil when the caller keeps none.
    public let auditAnchor: AuditAnchor?
    /// How many of the newest customers the search's first stage reads (see `searchStaged`).
    public let searchWindow: Int64
    let client: PostgresClient
    let logger: Logger
    /// The pool works only while its `run()` does: a task for the store's lifetime.
    private let runner: Task<Void, Never>

    private init(
        location: PostgresLocation, client: PostgresClient, logger: Logger, deadline: Duration,
        auditAnchor: AuditAnchor?, searchWindow: Int64
    ) {
        self.location = location
        self.deadline = deadline
        self.auditAnchor = auditAnchor
        self.searchWindow = searchWindow
        self.client = client
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// Connects, and migrates the schema (a database written by a newer popsa-ops is refused).
    /// - Parameter password: from the environment (`POPSA_OPS_DATABASE_PASSWORD`), never from the URL.
    /// - Parameter deadline: how long the first connection may take (the pool would otherwise keep retrying for
    ///   a minute before it gives up on a server that is not there).
    /// - Parameter auditAnchor: the file this box appends the audit chain's heads to after each audited write,
    ///   and `verifyAudit` checks the chain against.
    /// - Parameter searchWindow: how many of the newest customers the search reads before it asks the index (a
    ///   test makes it small to reach the second stage on a small database).
    public static func open(
        _ location: PostgresLocation, password: String?, deadline: Duration = .seconds(10),
        auditAnchor: AuditAnchor? = nil, searchWindow: Int64 = 30_000,
        logger: Logger = Logger(label: "popsa-ops.postgres")
    ) async throws -> PostgresStore {
        var configuration: PostgresClient.Configuration
        switch location.endpoint {
        case .socket(let directory, let port):
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: location.user, password: password,
                database: location.database)
        case .tcp(let host, let port):
            // Credentials and customer data cross the network only encrypted.
            let tls: PostgresClient.Configuration.TLS =
                location.isLocal ? .prefer(.makeClientConfiguration()) : .require(.makeClientConfiguration())
            configuration = .init(
                host: host, port: port, username: location.user, password: password, database: location.database,
                tls: tls)
        }
        // A console's statements are lookups of a few rows: a parallel plan's worker start-up (milliseconds) costs
        // more than it saves, and bad estimates right after a bulk copy would pick one.
        configuration.options.additionalStartupParameters = [("max_parallel_workers_per_gather", "0")]
        let store = PostgresStore(
            location: location, client: PostgresClient(configuration: configuration, backgroundLogger: logger),
            logger: logger, deadline: deadline, auditAnchor: auditAnchor, searchWindow: searchWindow)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.client.query("SELECT 1", logger: store.logger) }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    throw PostgresStoreError.unreachable(location.description, seconds: deadline.components.seconds)
                }
                try await group.next()
                group.cancelAll()
            }
            // Connected: the migrations take what they take (a large database's may take minutes).
            try await store.migrate()
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// Stops the pool; the store cannot be used afterwards.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    // MARK: - Migrations

    /// The migrations applied, in order (`schema_migrations`).
    public func appliedMigrations() async throws -> [String] {
        var names: [String] = []
        let rows = try await client.query("SELECT name FROM schema_migrations ORDER BY version", logger: logger)
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }

    /// `work`, or `PostgresStoreError.unreachable` once `deadline` has passed (the work is cancelled).
    func withDeadline<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let (deadline, database) = (self.deadline, location.description)
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: deadline)
                throw PostgresStoreError.unreachable(database, seconds: deadline.components.seconds)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// A transaction; an error of the work inside is thrown as itself (postgres-nio wraps it).
    func transaction<T>(_ work: (PostgresConnection) async throws -> sending T) async throws -> sending T {
        do {
            return try await client.withTransaction(logger: logger, work)
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        }
    }

    func migrate() async throws {
        try await transaction { connection in
            // One migrator at a time, whichever box opens the database first.
            try await connection.query("SELECT pg_advisory_xact_lock(7076010)", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                  version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: [(Int, String)] = []
            let rows = try await connection.query(
                "SELECT version, name FROM schema_migrations ORDER BY version", logger: logger)
            for try await (version, name) in rows.decode((Int, String).self) { applied.append((version, name)) }
            let known = PostgresSchema.migrations
            if let unknown = applied.first(where: { $0.0 > known.count || known[$0.0 - 1].name != $0.1 }) {
                throw PostgresStoreError.newerSchema(location.description, migration: unknown.1)
            }
            let done = Set(applied.map(\.0))
            for (index, migration) in known.enumerated() where !done.contains(index + 1) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(index + 1), \(migration.name))",
                    logger: logger)
            }
        }
    }
}

// MARK: - PostgresStoreError

public enum PostgresStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case newerSchema(String, migration: String)
    case notEmpty(String, table: String)
    case badValue(table: String, column: String)
    case unreachable(String, seconds: Int64)
    /// A statement failed: the server's message, or what became of the connection. `kind` says how a write
    /// that failed so reads to an operator.
    case failed(String, kind: StoreWriteFailure.Kind)

    public var description: String {
        switch self {
        case .newerSchema(let database, let migration):
            "\(database) was written by a newer version of popsa-ops (its schema has \"\(migration)\", which this "
                + "version does not know); upgrade popsa-ops to open it"
        case .notEmpty(let database, let table):
            "\(database) already holds data (its \(table) table is not empty): seed and migrate fill an empty "
                + "database only"
        case .unreachable(let database, let seconds):
            "cannot reach \(database): no connection within \(seconds)s (is the server running, and are the host, "
                + "port or socket folder right?)"
        case .failed(let message, let kind):
            kind == .unreachable ? "the database connection failed: \(message)" : "the database refused: \(message)"
        case .badValue(let table, let column):
            "\(table).\(column) holds a value of another type than the schema says"
        }
    }
}

// MARK: - Errors in words

extension PostgresStore {
    /// A driver error as one line: the server's message when it sent one, else what failed (postgres-nio keeps
    /// its details out of `description`, so that a query's text never reaches a log by accident).
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else {
            // The pool gives up after failed connection attempts.
            if "\(error)".contains("ConnectionPoolError") {
                return "no connection could be made (is the server running, and are the host, port or socket folder "
                    + "right?)"
            }
            return "\(error)"
        }
        if let message = error.serverInfo?[.message] {
            return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}
