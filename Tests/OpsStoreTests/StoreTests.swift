import Foundation
import GRDB
import OpsCore
import OpsTestSupport
import Testing

@testable import OpsStore

@Suite struct StoreTests {
    @Test func freshDatabaseIsMigratedInWALWithForeignKeys() throws {
        let path = TestSupport.temporaryDirectory() + "/new.sqlite"
        let store = try SQLiteStore.open(path: path)
        #expect(try store.journalMode() == "wal")
        #expect(try store.appliedMigrations() == Schema.migrator.migrations)
        let fk = try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") }
        #expect(fk == 1)
    }

    @Test func anOlderDatabaseIsMigratedOnOpen() throws {
        let path = TestSupport.temporaryDirectory() + "/old.sqlite"
        let queue = try DatabaseQueue(path: path)
        let first = Schema.migrator.migrations[0]
        try Schema.migrator.migrate(queue, upTo: first)
        try queue.close()
        let store = try SQLiteStore.open(path: path)
        #expect(try store.appliedMigrations() == Schema.migrator.migrations)
    }

    @Test func aNewerDatabaseIsRefusedWithAClearMessage() throws {
        let path = TestSupport.temporaryDirectory() + "/newer.sqlite"
        try SQLiteStore.open(path: path).close()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99 from the future')") }
        try queue.close()
        #expect(throws: StoreError.newerSchema(path: path)) { try SQLiteStore.open(path: path) }
        #expect(StoreError.newerSchema(path: path).description.contains("upgrade popsa-ops"))
    }

    @Test func aForeignDatabaseIsRefused() throws {
        let path = TestSupport.temporaryDirectory() + "/other.sqlite"
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "CREATE TABLE notes (id INTEGER)") }
        try queue.close()
        #expect(throws: StoreError.notPopsaDatabase(path: path)) { try SQLiteStore.open(path: path) }
        let junk = TestSupport.temporaryDirectory() + "/junk.sqlite"
        try Data("this is not sqlite at all, not even close".utf8).write(to: URL(fileURLWithPath: junk))
        #expect(throws: (any Error).self) { try SQLiteStore.open(path: junk) }
    }

    @Test func seedIsDeterministicAndConsistent() throws {
        let dir = TestSupport.temporaryDirectory()
        let now = TestSupport.nowTimestamp
        let a = try Seeder.seed(path: dir + "/a.sqlite", users: 500, seed: 3, now: now)
        let b = try Seeder.seed(path: dir + "/b.sqlite", users: 500, seed: 3, now: now)
        #expect(a.orders == b.orders && a.photos == b.photos && a.events == b.events)
        let dumpA = try dump(dir + "/a.sqlite"), dumpB = try dump(dir + "/b.sqlite")
        #expect(dumpA == dumpB)
        let c = try Seeder.seed(path: dir + "/c.sqlite", users: 500, seed: 4, now: now)
        #expect(try dump(dir + "/c.sqlite") != dumpA || c.orders != a.orders)

        let store = try SQLiteStore.open(path: dir + "/a.sqlite")
        try store.pool.read { db in
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            // The proportions the console's screens need are all present.
            for status in ["paid", "refunded", "partially_refunded"] {
                #expect(
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM orders WHERE status = ?", arguments: [status])! > 0,
                    "\(status)")
            }
            for provider in ["stripe", "braintree"] {
                #expect(
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM payments WHERE provider = ?", arguments: [provider])! > 0)
            }
            #expect(
                try Int.fetchOne(db, sql: "SELECT count(*) FROM payments WHERE status = 'submitted_for_settlement'")!
                    > 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM photos WHERE status = 'missing'")! > 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM print_jobs WHERE status = 'failed'")! > 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(DISTINCT country) FROM users")! >= 30)
            // Every order's amounts add up; every payment is in its order's currency.
            let badTotals = try Int.fetchOne(
                db,
                sql: "SELECT count(*) FROM orders WHERE subtotal_amount + shipping_amount + tax_amount != total_amount")
            #expect(badTotals == 0)
            let badCurrency = try Int.fetchOne(
                db,
                sql: "SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.currency != o.currency"
            )
            #expect(badCurrency == 0)
        }
    }

    func dump(_ path: String) throws -> String {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try ["users", "orders", "payments", "print_jobs"].map { table in
                try String.fetchAll(db, sql: "SELECT quote(id) || '|' || quote(status) FROM \(table) ORDER BY id")
                    .joined(separator: "\n")
            }.joined(separator: "\n")
        }
    }

    /// After the counted insert the seed names each phase it starts, so a progress bar can say what runs.
    @Test func seedNamesItsPhasesAfterTheInsert() throws {
        var counted: [Int] = []
        var phases: [String] = []
        _ = try Seeder.seed(
            path: TestSupport.temporaryDirectory() + "/p.sqlite", users: 4_500, seed: 1, now: TestSupport.nowTimestamp,
            progress: { counted.append($0) }, phase: { phases.append($0) })
        #expect(counted.last == 4_500 && counted == counted.sorted())
        #expect(
            phases == [
                "audit entries for the seeded refunds", "secondary indexes", "dashboard rollups", "full-text index",
                "statistics", "switching to WAL",
            ])
    }

    @Test func seedRefusesToOverwriteWithoutReplace() throws {
        let path = TestSupport.temporaryDirectory() + "/x.sqlite"
        _ = try Seeder.seed(path: path, users: 5, seed: 1, now: TestSupport.nowTimestamp)
        #expect(throws: SeedError.exists(path: path)) {
            try Seeder.seed(path: path, users: 5, seed: 1, now: TestSupport.nowTimestamp)
        }
    }
}

@Suite struct RollupTests {
    func rows(_ store: SQLiteStore, _ table: String) throws -> [String] {
        try store.pool.read { db in
            let columns = try db.columns(in: table).map(\.name).joined(separator: " || '|' || ")
            return try String.fetchAll(db, sql: "SELECT \(columns) FROM \(table) ORDER BY 1")
        }
    }

    func all(_ store: SQLiteStore) throws -> [String] {
        try ["activity_minute", "activity_hour", "job_counts", "order_counts", "counters", "job_progress_hour"].flatMap
        { table in
            // Triggers leave emptied buckets at zero where a rebuild has no row: the same count either way.
            try rows(store, table).filter { table != "job_progress_hour" || !$0.hasSuffix("|0") }.map {
                "\(table): \($0)"
            }
        }
    }

    @Test func stuckCountsFromTheRollupEqualCountingTheJobs() async throws {
        let store = try SQLiteStore.open(path: TestSupport.fixtureCopy())
        try await TrafficSimulatorDriver.drive(store)
        let now = TestSupport.nowTimestamp
        for threshold: Int64 in [600, 3600, 4000, 72 * 3600, 72 * 3600 + 1234, 30 * 86_400] {
            let direct = try await store.pool.read { db in
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) FROM print_jobs WHERE status IN \(Schema.inProgressJobStatuses) AND \
                        updated_at < ?
                        """, arguments: [now.seconds - threshold])!
            }
            let snapshot = try await store.businessSnapshot(
                window: .day, now: now, zone: .utc, stuckThreshold: threshold)
            #expect(snapshot.stuckJobs == direct, "threshold \(threshold)")
            let totals = try await store.businessTotals(now: now, stuckThreshold: threshold)
            #expect(totals.stuckByPartner.values.reduce(0, +) == direct, "threshold \(threshold)")
        }
    }

    /// "Today" counts from the operator's midnight: in UTC, in a zone behind it, and in one half an hour off the
    /// hour (India), whose first hour is read by the minute; the same orders and revenue as counting the orders.
    @Test func todayCountsFromTheZonesMidnight() async throws {
        let store = try SQLiteStore.open(path: TestSupport.fixtureCopy())
        try await TrafficSimulatorDriver.drive(store)
        let now = TestSupport.nowTimestamp
        let zones = [
            DisplayZone.utc,
            DisplayZone(identifier: "Asia/Kolkata", periods: [.init(start: .min, offset: 19_800, abbreviation: "IST")]),
            DisplayZone(
                identifier: "Asia/Kathmandu", periods: [.init(start: .min, offset: 20_700, abbreviation: "NPT")]),
            DisplayZone(
                identifier: "America/Los_Angeles", periods: [.init(start: .min, offset: -28_800, abbreviation: "PST")]),
        ]
        for zone in zones {
            let midnight = zone.startOfDay(containing: now).seconds
            // The window runs to the end of the hour `now` is in, as every window does.
            let end = now.seconds / 3600 * 3600 + 3600
            let direct = try await store.pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT currency, count(*), sum(total_amount) FROM orders
                        WHERE created_at >= ? AND created_at < ? GROUP BY currency
                        """, arguments: [midnight, end])
            }
            let snapshot = try await store.businessSnapshot(
                window: .today, now: now, zone: zone, stuckThreshold: 72 * 3600)
            let count = direct.reduce(Int64(0)) { $0 + ($1[1] as Int64) }
            #expect(count > 0, "\(zone): the fixture has orders today")
            #expect(snapshot.orders.reduce(0, +) == count, "\(zone)")
            #expect(snapshot.from.seconds == midnight, "\(zone)")
            let revenue = Dictionary(uniqueKeysWithValues: snapshot.revenue.map { ($0.0.code, $0.1.reduce(0, +)) })
            for row in direct {
                let code: String = row[0]
                #expect(revenue[code] == row[2], "\(zone) \(code)")
            }
            #expect(snapshot.orders.count == Int((end - midnight / 3600 * 3600) / 3600), "\(zone)")
        }
    }

    @Test func theSeedCountsWhatARebuildFromTheTablesCounts() throws {
        let path = TestSupport.temporaryDirectory() + "/r.sqlite"
        _ = try Seeder.seed(path: path, users: 800, seed: 5, now: TestSupport.nowTimestamp)
        let store = try SQLiteStore.open(path: path)
        let seeded = try all(store)
        try store.pool.write { db in try Rollups.rebuild(db, now: TestSupport.nowTimestamp) }
        let rebuilt = try all(store)
        #expect(seeded.count == rebuilt.count)
        #expect(Set(seeded) == Set(rebuilt), "\(Set(seeded).symmetricDifference(Set(rebuilt)).sorted().prefix(5))")
    }

    @Test func triggersKeepRollupsInStepWithImportsAndUpdates() async throws {
        let store = try SQLiteStore.open(path: TestSupport.fixtureCopy())
        try await TrafficSimulatorDriver.drive(store)
        let live = try all(store)
        try await store.pool.write { db in try Rollups.rebuild(db, now: TestSupport.nowTimestamp) }
        let rebuilt = try all(store)
        // Minute buckets are only rebuilt for the last two days; everything else must agree exactly.
        #expect(
            Set(live.filter { !$0.hasPrefix("activity_minute") })
                == Set(rebuilt.filter { !$0.hasPrefix("activity_minute") }))
    }
}

/// Writes traffic the way `simulate` does, without waiting on its clock.
enum TrafficSimulatorDriver {
    static func drive(_ store: SQLiteStore) async throws {
        let now = TestSupport.nowTimestamp
        let generator = DemoGenerator(seed: 11, now: now)
        try await store.insert(
            (0..<30).map { generator.customer(200_000_000 + $0, signedUpAt: now.adding(seconds: -3600)) })
        _ = try await store.uploadMissingPhotos(limit: 20, now: now)
        _ = try await store.advancePrintJobs(limit: 20, now: now, seed: 3)
        // A refund succeeding moves the refund rollups and the order's status.
        let order = try await store.pool.read { db in
            try String.fetchOne(
                db,
                sql:
                    "SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.status = 'paid' AND "
                    + "p.status = 'settled' LIMIT 1"
            )!
        }
        let context = try await store.refundContext(orderID: order)!
        let refund = try await store.reserveRefund(
            RefundReservation(
                id: "ref_roll", orderID: order, paymentID: context.payments[0].id, amount: 100, reason: .damaged,
                note: "",
                idempotencyKey: "k_roll", operatorName: "t", now: now, leaseUntil: now),
            audit: AuditRecord(
                at: now, operatorName: "t", sshClient: "", action: "refund.requested", target: order, result: "ok"))
        _ = try await store.resolveRefund(
            id: refund.id, .succeeded(gatewayRefundID: "re_x", isVoid: false), now: now,
            audit: AuditRecord(
                at: now, operatorName: "t", sshClient: "", action: "refund.succeeded", target: order, result: "ok"))
    }
}
