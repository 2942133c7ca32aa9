import Foundation
import OpsCore
import OpsEngine
import OpsStore
import OpsStorePostgres
import OpsTestSupport
import Synchronization
import Testing

/// A PostgreSQL database with the fixture copied in, once per test process (the copy is what `migrate` does).
/// Made by the first test that asks, in a task the others await (never a blocked thread: the cooperative pool
/// has two on this machine).
actor PostgresFixture {
    static let shared = PostgresFixture()
    private var making: Task<String, any Error>?

    func url() async throws -> String {
        if let making { return try await making.value }
        let task = Task {
            let url = try TestSupport.postgresDatabase()
            let store = try await PostgresStore.openForTests(try PostgresLocation(url: url, defaultUser: "ops"))
            do {
                _ = try await store.copy(from: try SQLiteStore.open(path: TestSupport.fixtureDatabase, readOnly: true))
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            return url
        }
        making = task
        return try await task.value
    }

    static func open() async throws -> PostgresStore {
        try await PostgresStore.openForTests(try PostgresLocation(url: try await shared.url(), defaultUser: "ops"))
    }
}

@Suite struct PostgresStoreTests {
    @Test func migrationsRunOnceAndANewerSchemaIsRefused() async throws {
        let url = try TestSupport.postgresDatabase()
        let location = try PostgresLocation(url: url, defaultUser: "ops")
        let store = try await PostgresStore.openForTests(location)
        let applied = try await store.appliedMigrations()
        #expect(
            applied == [
                "v1 entities and the customer search", "v2 refunds, audit log, sandbox ledger",
                "v3 rollups, feed sources, change sequence", "v4 stored search vectors, jobs by partner",
                "v5 record versions", "v6 provider events", "v7 prefix lexemes", "v8 notes", "v9 support actions",
            ])
        await store.close()
        // Opened again: nothing runs twice.
        let again = try await PostgresStore.openForTests(location)
        #expect(try await again.appliedMigrations() == applied)
        await again.close()
        try TestSupport.psql(url, "INSERT INTO schema_migrations (version, name) VALUES (99, 'v99 from the future')")
        await #expect(throws: PostgresStoreError.newerSchema(location.description, migration: "v99 from the future")) {
            _ = try await PostgresStore.openForTests(location)
        }
    }

    /// The copy moves every table whole, keeps the newest-first order of customers, and goes only into an empty
    /// database (all or nothing).
    @Test func aCopyMovesEveryTableIntoAnEmptyDatabaseOnly() async throws {
        let url = try await PostgresFixture.shared.url()
        for table in StoreTransfer.tables {
            let sqlite = try TestSupport.sql(TestSupport.fixtureDatabase, "SELECT count(*) FROM \(table.name)")
            let postgres = try TestSupport.psql(url, "SELECT count(*) FROM \(table.name)")
            #expect(sqlite == postgres, "\(table.name)")
            // The seed makes no chargebacks and no sandbox refunds (the ledger tests copy and make some).
            let mayBeEmpty = [
                "disputes", "sandbox_refunds", "sandbox_transaction_status", "feed_sources", "record_versions",
                "webhook_events", "notes", "support_actions", "job_holds", "sandbox_platform_calls",
            ].contains(
                table.name)
            #expect(Int(sqlite)! > 0 || mayBeEmpty, "\(table.name) has rows in the fixture")
        }
        // The indexes and foreign keys the copy set aside while the rows went in are all back, as the schema has
        // them on a database that never saw a copy.
        let schema = """
            SELECT string_agg(name, ' ' ORDER BY name) FROM (
              SELECT indexname || ':' || indexdef AS name FROM pg_indexes WHERE schemaname = 'public'
              UNION ALL SELECT conname || ':' || pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'f') x
            """
        let fresh = try TestSupport.postgresDatabase()
        let empty = try await PostgresStore.openForTests(try PostgresLocation(url: fresh, defaultUser: "ops"))
        await empty.close()
        let copied = try TestSupport.psql(url, schema)
        #expect(copied == (try TestSupport.psql(fresh, schema)) && copied.contains("FOREIGN KEY"))
        let newest = try TestSupport.sql(
            TestSupport.fixtureDatabase, "SELECT id FROM users ORDER BY rowid DESC LIMIT 3")
        #expect(try TestSupport.psql(url, "SELECT id FROM users ORDER BY seq DESC LIMIT 3") == newest)
        let store = try await PostgresFixture.open()
        let source = try SQLiteStore.open(path: TestSupport.fixtureDatabase, readOnly: true)
        await #expect(throws: PostgresStoreError.notEmpty(store.location.description, table: "users")) {
            _ = try await store.copy(from: source)
        }
        await store.close()
    }
}

extension PostgresStoreTests {
    /// Text goes through COPY's format byte for byte: the characters the format gives a meaning (backslash, tab,
    /// newline, carriage return), a literal `\N` (not a NULL), escape sequences and bidi controls.
    @Test func aCopyKeepsEveryCharacterOfText() async throws {
        let path = TestSupport.fixtureCopy()
        let hostile = "tab\there\nnew\\line\rcr \\N \u{1B}]52;c;x\u{07} \u{202E}evil ø"
        let user = try TestSupport.sql(path, "SELECT id FROM users ORDER BY id LIMIT 1")
        try TestSupport.sql(
            path,
            "UPDATE users SET name = char("
                + hostile.unicodeScalars.map { String($0.value) }.joined(separator: ",") + ") WHERE id = '\(user)'"
        )
        let url = try TestSupport.postgresDatabase()
        let store = try await PostgresStore.openForTests(try PostgresLocation(url: url, defaultUser: "ops"))
        _ = try await store.copy(from: try SQLiteStore.open(path: path, readOnly: true), batch: 7)
        let copied = try await store.customer360(userID: user)?.user.name
        #expect(copied == hostile)
        #expect(try TestSupport.psql(url, "SELECT count(*) FROM users WHERE name = '\\N'") == "0")
        await store.close()
    }
}

extension PostgresStoreTests {
    /// A database from before the running counts (its v3 undone, with data in it) gets them when opened: the
    /// migration counts what the database holds, and the dashboard's totals are those of the SQLite original.
    @Test func anOlderDatabaseIsMigratedAndItsCountsFilledIn() async throws {
        let url = try TestSupport.postgresDatabase()
        let location = try PostgresLocation(url: url, defaultUser: "ops")
        let store = try await PostgresStore.openForTests(location)
        _ = try await store.copy(from: try SQLiteStore.open(path: TestSupport.fixtureDatabase, readOnly: true))
        await store.close()
        try TestSupport.psql(
            url,
            """
            DROP TABLE activity_minute, activity_hour, job_counts, order_counts, counters, job_progress_hour,
              feed_sources CASCADE;
            DROP FUNCTION popsa_rollup_orders, popsa_rollup_users, popsa_rollup_photos, popsa_rollup_jobs,
              popsa_rollup_refunds, popsa_bump, popsa_count_job, popsa_count_progress, popsa_count_order,
              popsa_count_missing, popsa_note_change CASCADE;
            DROP SEQUENCE popsa_changes; DROP INDEX print_jobs_in_progress;
            DELETE FROM schema_migrations WHERE version = 3
            """)
        let older = try await PostgresStore.openForTests(location)
        #expect(try await older.appliedMigrations().contains("v3 rollups, feed sources, change sequence"))
        let sqlite = try SQLiteStore.open(path: TestSupport.fixtureDatabase, readOnly: true)
        let now = TestSupport.nowTimestamp
        #expect(
            try await older.businessTotals(now: now, stuckThreshold: 86_400)
                == (try await sqlite.businessTotals(now: now, stuckThreshold: 86_400)))
        await older.close()
    }
}

extension PostgresStore {
    /// A test process runs many tests at once on two cores: the first connection may wait its turn longer than a
    /// command's deadline allows.
    static func openForTests(_ location: PostgresLocation) async throws -> PostgresStore {
        try await open(location, password: nil, deadline: .seconds(120))
    }
}

// MARK: - Notifications

extension PostgresStoreTests {
    /// Counts what a change stream delivers, from a task of its own.
    final class Heard: Sendable {
        final class Count: Sendable { let value = Mutex(0) }
        let count = Count()
        let task: Task<Void, Never>

        init(_ stream: AsyncStream<Void>) {
            let count = self.count
            task = Task { for await _ in stream { count.value.withLock { $0 += 1 } } }
        }

        var value: Int { count.value.withLock { $0 } }

        /// Waits up to `timeout` for more than `than` deliveries.
        func more(than: Int, within timeout: Duration) async throws -> Bool {
            let deadline = ContinuousClock.now + timeout
            while value <= than && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            return value > than
        }
    }

    /// A commit in another session reaches a listener at once; a listener whose connection is killed comes back
    /// by itself, says so with one delivery (whatever it missed), and hears later commits again.
    @Test func commitsAreAnnouncedAndAListenerSurvivesALostConnection() async throws {
        let url = try TestSupport.postgresDatabase()
        let store = try await PostgresStore.openForTests(try PostgresLocation(url: url, defaultUser: "ops"))
        let heard = Heard(store.changes(retryAfter: .milliseconds(200)))
        defer { heard.task.cancel() }
        func commit(_ n: Int) throws {
            try TestSupport.psql(url, "INSERT INTO feed_sources (source, deliveries) VALUES ('feed\(n)', 1)")
        }
        // Until the listener has said LISTEN, a commit may go unheard: write until the first one is.
        var n = 0
        while heard.value == 0 && n < 50 {
            n += 1
            try commit(n)
            _ = try await heard.more(than: 0, within: .milliseconds(200))
        }
        let before = heard.value
        #expect(before > 0, "no commit was ever announced")
        let start = ContinuousClock.now
        try commit(1000)
        #expect(try await heard.more(than: before, within: .seconds(1)), "a commit was not announced within 1 s")
        #expect(ContinuousClock.now - start < .seconds(1))
        // The listening session is killed (a server restart, a network cut): the stream reconnects by itself.
        let afterKill = heard.value
        try TestSupport.psql(
            url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' "
                + "AND pid <> pg_backend_pid()")
        #expect(try await heard.more(than: afterKill, within: .seconds(5)), "no delivery after reconnecting")
        try await Task.sleep(for: .milliseconds(300))
        let settled = heard.value
        try commit(1001)
        #expect(try await heard.more(than: settled, within: .seconds(2)), "a commit after reconnecting was not heard")
        heard.task.cancel()
        await store.close()
    }
}
