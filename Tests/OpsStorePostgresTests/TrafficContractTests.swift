import Foundation
import OpsCore
import OpsEngine
import OpsStore
import OpsStorePostgres
import OpsTestSupport
import Testing

/// The traffic simulator's writes on both stores: the same generated customers, uploads and partner steps leave
/// the same rows behind (the upserts both stores share), and the engine reads them back alike.
@Suite struct TrafficContractTests {
    @Test func theSameTrafficLeavesTheSameRowsOnBothStores() async throws {
        let path = TestSupport.fixtureCopy()
        let sqlite = try SQLiteStore.open(path: path)
        let url = try TestSupport.postgresDatabase()
        let postgres = try await PostgresStore.openForTests(try PostgresLocation(url: url, defaultUser: "ops"))
        defer { Task { await postgres.close() } }
        _ = try await postgres.copy(from: try SQLiteStore.open(path: TestSupport.fixtureDatabase, readOnly: true))

        let now = TestSupport.nowTimestamp
        let generator = DemoGenerator(seed: 5, now: now)
        let customers = (900_000..<900_012).map { generator.customer($0, signedUpAt: now) }
        var moved: [[Int]] = [[], []]
        for (index, store) in [sqlite as any TrafficStore, postgres].enumerated() {
            try await store.insert(customers)
            // Written twice: the second is an update of the same records, not a duplicate.
            try await store.insert(Array(customers.prefix(3)))
            for tick in 1...4 {
                let at = Timestamp(seconds: now.seconds + Int64(tick * 60))
                moved[index].append(try await store.advancePrintJobs(limit: 20, now: at, seed: UInt64(tick)))
                moved[index].append(try await store.uploadMissingPhotos(limit: 25, now: at))
            }
            #expect(try await store.customerCount() == (try await (sqlite as any TrafficStore).customerCount()))
        }
        #expect(moved[0] == moved[1] && moved[0].reduce(0, +) > 0, "\(moved)")

        let ids = customers.map { "'\($0.user.id)'" }.joined(separator: ",")
        for sql in [
            "SELECT id, email, name, country, locale, status, created_at, search_email FROM users WHERE id IN (\(ids))",
            """
            SELECT id, user_id, print_id, currency, line_items, subtotal_amount, total_amount, shipping_address,
              status, created_at FROM orders WHERE user_id IN (\(ids))
            """,
            "SELECT id, order_id, provider, provider_transaction_id, amount, status, settled_at FROM payments",
            "SELECT id, status, tracking_number, carrier, updated_at FROM print_jobs",
            "SELECT job_id, sequence, at, status, message FROM print_job_events WHERE at > \(now.seconds)",
            "SELECT count(*) FROM photos WHERE status = 'missing'",
        ] {
            let ordered = sql + " ORDER BY 1, 2"
            let a = try TestSupport.sql(path, sql.hasPrefix("SELECT count") ? sql : ordered)
            let b = try TestSupport.psql(url, sql.hasPrefix("SELECT count") ? sql : ordered)
            #expect(a == b && !a.isEmpty, "\(sql.prefix(60))")
        }
        // The engine reads a new customer alike from both, and the dashboard's running counts kept up.
        let clock = EngineClock.frozen(now)
        let (a, b) = (Engine(store: sqlite, clock: clock), Engine(store: postgres, clock: clock))
        let id = customers[4].user.id
        #expect(try await a.customer(id) == (try await b.customer(id)))
        #expect(try await a.businessTotals() == (try await b.businessTotals()))
    }
}
