import Foundation
import GRDB
import GRDBSQLite
import OpsCore
import Synchronization

// MARK: - SQLiteStore

/// Popsa's data in one SQLite file: WAL, a busy timeout, foreign keys, versioned migrations.
///
/// Interactive queries read synchronously on the calling task's thread. Every one is bounded (index probes,
/// LIMITed lists) and takes well under a millisecond to a few milliseconds, while GRDB's async read would hop
/// to a reader queue and back, which costs more than the query (measured: docs/benchmarks.md).
///
/// ```swift
/// let store = try SQLiteStore.open(path: "/tmp/demo.sqlite")
/// let hits = try await store.searchCustomers("zoe", limit: 20)
/// ```
public final class SQLiteStore: Sendable {
    /// Read-write: a pool, whose readers run concurrently with its one writer (one writer at a time across
    /// processes too, through SQLite's locks). Read-only: a single connection — a pool would open a writer
    /// connection it never uses, and each connection parses the whole schema on first use (docs/benchmarks.md,
    /// "Whole processes").
    let pool: any DatabaseWriter
    /// A dedicated connection for `PRAGMA data_version`, which only reports other connections' commits. Opened
    /// on the first change check: a one-shot command (a `query`) never needs it.
    private let watcherConnection = Mutex<DatabaseQueue?>(nil)
    public let path: String

    private init(pool: any DatabaseWriter, path: String) {
        self.pool = pool
        self.path = path
    }

    /// The watcher connection, opened once. Not read-only: a read-only connection cannot create the WAL index
    /// (-shm) when it is the only one open, which happens whenever the other processes on the file have just
    /// closed it.
    func watcher() throws -> DatabaseQueue {
        try watcherConnection.withLock { queue in
            if let queue { return queue }
            var watchConfig = Configuration()
            watchConfig.busyMode = .timeout(10)
            watchConfig.prepareDatabase { db in try Self.persistWAL(db) }
            let opened = try DatabaseQueue(path: path, configuration: watchConfig)
            queue = opened
            return opened
        }
    }

    /// Opens (creating if needed) and migrates the database at `path`.
    /// Refuses a database written by a newer popsa-ops, and a file that is not a popsa-ops database.
    public static func open(path: String, readOnly: Bool = false) throws -> SQLiteStore {
        do {
            return try openChecked(path: path, readOnly: readOnly)
        } catch let error as DatabaseError {
            throw StoreError.opening(path: path, error)
        }
    }

    private static func openChecked(path: String, readOnly: Bool) throws -> SQLiteStore {
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        config.readonly = readOnly
        config.label = "popsa-ops"
        config.prepareDatabase { db in
            // Synchronous NORMAL is durable against process crashes in WAL mode, which is what refunds need.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try persistWAL(db)
        }
        var opened: (any DatabaseWriter)?
        // Another program (an operator's sqlite3 shell) closing the file as we open it can delete the WAL files
        // under us: SQLite reports an I/O error. Opening again a moment later succeeds.
        for attempt in 1...5 {
            do {
                if readOnly {
                    opened = try DatabaseQueue(path: path, configuration: config)
                } else {
                    opened = try DatabasePool(path: path, configuration: config)
                }
                break
            } catch let error as DatabaseError where error.resultCode == .SQLITE_IOERR && attempt < 5 {
                usleep(UInt32(20_000 * attempt))
            }
        }
        let pool = opened!
        // A file that is not a SQLite database fails the check's first read with SQLITE_NOTADB.
        try checkAndMigrate(pool, path: path, readOnly: readOnly)
        return SQLiteStore(pool: pool, path: path)
    }

    /// Persistent WAL on every connection: the -wal and -shm files stay when a process closes the database.
    /// Otherwise the last connection to close deletes them (a checkpoint and a journal-mode change: a read that
    /// writes), the next open re-creates them, and another process opening meanwhile fails (SQLITE_IOERR).
    static func persistWAL(_ db: Database) throws {
        var flag: CInt = 1
        let code = withUnsafeMutablePointer(to: &flag) {
            sqlite3_file_control(db.sqliteConnection, nil, SQLITE_FCNTL_PERSIST_WAL, $0)
        }
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code)) }
    }

    private static func checkAndMigrate(_ pool: any DatabaseWriter, path: String, readOnly: Bool) throws {
        let migrator = Schema.migrator
        let (superseded, complete, hasTables, isOurs) = try pool.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            let ours = tables.contains("grdb_migrations")
            return (
                try ours && migrator.hasBeenSuperseded(db), try ours && migrator.hasCompletedMigrations(db),
                !tables.isEmpty, ours
            )
        }
        if hasTables && !isOurs {
            throw StoreError.notPopsaDatabase(path: path)
        }
        if superseded {
            throw StoreError.newerSchema(path: path)
        }
        if !complete {
            if readOnly { throw StoreError.needsMigration(path: path) }
            do {
                try migrator.migrate(pool)
            } catch let error as DatabaseError
                where ![.SQLITE_READONLY, .SQLITE_FULL, .SQLITE_CORRUPT, .SQLITE_NOTADB]
                .contains(error.resultCode)
            {
                throw StoreError.migrationFailed(path: path, reason: StoreError.words(for: error))
            }
        }
    }

    /// Whether this store was opened read-only (asked for, or a file this account may only read).
    public var isReadOnly: Bool { pool.configuration.readonly }

    /// A synchronous read on the calling thread (see the type's documentation for why).
    func readNow<T>(_ body: (Database) throws -> T) throws -> T { try pool.read(body) }

    /// The names of the applied migrations, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
    }

    /// The journal mode actually in effect ("wal").
    public func journalMode() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    public func close() throws {
        try pool.close()
        try watcherConnection.withLock { queue in try queue?.close() }
    }

    /// Number of users: a cheap check that a database has data.
    public func userCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 }
    }
}

// MARK: - StoreError

/// Why the store could not do what was asked. Messages name the file and what to do.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notPopsaDatabase(path: String)
    /// Not a SQLite database at all, or a damaged one.
    case damaged(path: String)
    /// This account may only read the file (or its folder): queries work with a read-only open, writes do not.
    case readOnly(path: String)
    case diskFull(path: String)
    case newerSchema(path: String)
    case needsMigration(path: String)
    case migrationFailed(path: String, reason: String)
    case corruptValue(table: String, column: String, value: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open database \(path): \(reason)"
        case .damaged(let path):
            "\(path) is not a popsa-ops database, or it is damaged (restore it from a backup)"
        case .readOnly(let path):
            "\(path) is read-only for this account: queries work, changes do not (open it with --read-only)"
        case .diskFull(let path):
            "the disk holding \(path) is full: nothing was written"
        case .notPopsaDatabase(let path):
            "\(path) is a SQLite database but not a popsa-ops one (it has tables but no popsa-ops schema)"
        case .newerSchema(let path):
            "\(path) was written by a newer version of popsa-ops (its schema has migrations this version does not "
                + "know); upgrade popsa-ops to open it"
        case .needsMigration(let path):
            "\(path) needs a schema upgrade, which a read-only open cannot do; open it once without --read-only"
        case .migrationFailed(let path, let reason):
            "cannot upgrade the schema of \(path): \(reason)"
        case .corruptValue(let table, let column, let value):
            "unexpected value \"\(value)\" in \(table).\(column)"
        }
    }
}

// MARK: - StoreError

extension StoreError {
    /// An error met while opening, in words; SQLite's own text never reaches the user (the log has it).
    static func opening(path: String, _ error: DatabaseError) -> StoreError {
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .damaged(path: path)
        case .SQLITE_READONLY, .SQLITE_PERM: return .readOnly(path: path)
        case .SQLITE_FULL: return .diskFull(path: path)
        default:
            StoreLog.warning("cannot open \(path): \(error)")
            return .cannotOpen(path: path, reason: words(for: error))
        }
    }

    /// A file error in a few words (the POSIX reason), without Foundation's domain and code.
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let posix = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return nsError.code == NSFileReadNoPermissionError ? "permission denied" : "unreadable"
    }

    static func words(for error: DatabaseError) -> String {
        switch error.resultCode {
        case .SQLITE_CANTOPEN: "the file cannot be opened (does its folder exist, and may this account read it?)"
        case .SQLITE_BUSY, .SQLITE_LOCKED: "another process kept it locked"
        case .SQLITE_IOERR: "a disk I/O error"
        case .SQLITE_NOMEM: "out of memory"
        default: "a database error (details in the log)"
        }
    }
}
