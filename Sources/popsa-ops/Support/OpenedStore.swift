import Foundation
import OpsCore
import OpsEngine
import OpsStore
import OpsStorePostgres

// MARK: - OpenedStore

/// The store a command works on, whichever it is: a SQLite file (the demo database, `--db PATH`, the
/// configuration's path) or the shared PostgreSQL database (`--db postgres://…` or the configuration's URL). The
/// commands that run on both see it through the protocols both stores implement.
struct OpenedStore: Sendable {
    /// What the engine reads: searches, records, lists, the dashboard.
    let reads: any EngineStore
    let ledger: any RefundStore & SandboxLedger
    /// Support's actions (print jobs, orders, accounts), and the sandbox platform's state.
    let actions: any ActionStore
    /// What `simulate` writes through.
    let traffic: any TrafficStore
    /// What `serve` writes through.
    let feed: any FeedStore
    /// A database this account may only read (SQLite): refunds are refused before they start.
    let isReadOnly: Bool
    /// What the status bar calls the database: the SQLite file's name, or the PostgreSQL database's.
    let name: String
    /// The SQLite store, for the commands that need the rest of its protocols.
    let sqlite: SQLiteStore?
    private let postgres: PostgresStore?

    init(_ store: SQLiteStore) {
        (reads, ledger, actions, traffic, isReadOnly) = (store, store, store, store, store.isReadOnly)
        feed = SQLiteFeed(store: store)
        (sqlite, postgres) = (store, nil)
        name = (store.path as NSString).lastPathComponent
    }

    init(_ store: PostgresStore) {
        (reads, ledger, actions, traffic, feed, isReadOnly) = (store, store, store, store, store, false)
        (sqlite, postgres) = (nil, store)
        name = store.location.database
    }

    /// Other processes' commits as the store announces them (PostgreSQL), for the console to wake on.
    var changes: (@Sendable () -> AsyncStream<Void>)? {
        guard let postgres else { return nil }
        return { postgres.changes() }
    }

    /// Lets a PostgreSQL pool go (a SQLite store closes with the process).
    func close() async { await postgres?.close() }

    /// Runs `body` on the store, closing it afterwards whatever happens.
    func using<T>(_ body: (OpenedStore) async throws -> T) async throws -> T {
        do {
            let result = try await body(self)
            await close()
            return result
        } catch {
            await close()
            throw error
        }
    }
}

extension DatabaseOptions {
    /// The PostgreSQL URL this command is pointed at (`--db`, else the configuration's `database`), or nil for
    /// SQLite.
    func postgresURL(configured: Configured = .lookUp) throws -> String? {
        let named: String?
        switch configured {
        case .known(let path): named = db ?? path
        case .lookUp: named = try db ?? Self.configuredDatabase()
        }
        guard let named, PostgresLocation.isURL(named) else { return nil }
        return named
    }

    /// Opens the chosen database, SQLite or PostgreSQL (see `open(now:configured:create:readOnly:)` for SQLite's
    /// rules; PostgreSQL is reached with the password from the environment, and migrated when older).
    func openStore(now: Timestamp, configured: Configured = .lookUp, readOnly: Bool = false) async throws -> OpenedStore
    {
        // The configuration is read once (without --db), whichever store it names.
        let known: Configured =
            switch configured {
            case .known: configured
            case .lookUp: .known(db == nil ? try Self.configuredDatabase() : nil)
            }
        if let url = try postgresURL(configured: known) {
            return OpenedStore(try await PostgresConnect.open(url))
        }
        return OpenedStore(try open(now: now, configured: known, readOnly: readOnly))
    }
}
