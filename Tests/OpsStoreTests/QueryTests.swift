import Foundation
import GRDB
import OpsCore
import OpsEngine
import OpsStorePostgres
import OpsTestSupport
import Testing

@testable import OpsStore

@Suite struct QueryTests {
    let store = try! SQLiteStore.open(path: TestSupport.fixtureDatabase)

    func any(_ sql: String) throws -> String {
        try store.pool.read { db in try String.fetchOne(db, sql: sql)! }
    }

    /// Runs `body` with the fixture on the store of `kind` (PostgreSQL: a copy in a new database), and the SQL
    /// the checks use run on it.
    static func with(
        _ kind: StoreUnderTest.Kind, writable: Bool = false,
        _ body: (any QueryStore, (String) throws -> String) async throws -> Void
    ) async throws {
        switch kind {
        case .sqlite:
            // A private copy to write to: the shared fixture must stay as seeded for every other test.
            let path = writable ? TestSupport.fixtureCopy() : TestSupport.fixtureDatabase
            try await body(try SQLiteStore.open(path: path, readOnly: !writable)) { try TestSupport.sql(path, $0) }
        case .postgres:
            let under = try StoreUnderTest.fixtureCopy(.postgres)
            let store = try await PostgresStore.open(
                try PostgresLocation(url: under.database, defaultUser: "ops"), password: nil, deadline: .seconds(120))
            do {
                try await body(store) { try under.sql($0) }
                await store.close()
            } catch {
                await store.close()
                throw error
            }
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func fullTextSearchIsAccentInsensitiveAndPrefixBased(kind: StoreUnderTest.Kind) async throws {
        try await Self.with(kind, writable: true) { store, _ in
            let lines = [
                #"{"type":"user","id":"u_zoe","email":"zz.top@example.org","name":"Zoë Ångström","country":"SE","#
                    + #""created_at":"2026-01-01T00:00:00Z"}"#,
                #"{"type":"user","id":"u_yamada","email":"taro@example.jp","name":"山田太郎","country":"JP","#
                    + #""created_at":"2026-01-01T00:00:00Z"}"#,
            ]
            let bytes = Array(lines.joined(separator: "\n").utf8)
            if let postgres = store as? PostgresStore {
                _ = try await postgres.importJSONLines(bytes: bytes, name: "lines")
            } else {
                _ = try #require(store as? SQLiteStore).importJSONLines(bytes: bytes, name: "lines")
            }
            #expect(try await store.searchCustomers("zoe angst", limit: 10).map(\.id).contains("u_zoe"))
            #expect(try await store.searchCustomers("ANGSTROM", limit: 10).map(\.id).contains("u_zoe"))
            #expect(try await store.searchCustomers("zz.top", limit: 10).map(\.id) == ["u_zoe"])
            #expect(try await store.searchCustomers("山田", limit: 50).map(\.id).contains("u_yamada"))
            #expect(try await store.searchCustomers("  ", limit: 10).isEmpty)
            #expect(try await store.searchCustomers("\"*)(", limit: 10).isEmpty)
        }
    }

    /// Every page carries the size of its whole list, from the running counts, and it equals a plain count.
    @Test(arguments: StoreUnderTest.Kind.allCases)
    func everyPageCountsItsWholeListExactly(kind: StoreUnderTest.Kind) async throws {
        try await Self.with(kind) { store, any in
            let now = TestSupport.nowTimestamp
            let partner = try any("SELECT partner FROM print_jobs GROUP BY partner ORDER BY count(*) DESC LIMIT 1")
            let cutoff = now.seconds - 72 * 3600
            // Shipped counts: a job can be stuck in transit.
            let inProgress = "status IN ('queued', 'sent', 'accepted', 'printing', 'shipped')"
            let cases: [(PrintJobFilter, String)] = [
                (PrintJobFilter(now: now), "1 = 1"),
                (PrintJobFilter(status: .shipped, now: now), "status = 'shipped'"),
                (PrintJobFilter(partner: partner, now: now), "partner = '\(partner)'"),
                (
                    PrintJobFilter(status: .delivered, partner: partner, now: now),
                    "status = 'delivered' AND partner = '\(partner)'"
                ),
                (PrintJobFilter(stuckFor: 72 * 3600, now: now), "\(inProgress) AND updated_at < \(cutoff)"),
                (
                    PrintJobFilter(partner: partner, stuckFor: 72 * 3600, now: now),
                    "\(inProgress) AND updated_at < \(cutoff) AND partner = '\(partner)'"
                ),
                (
                    PrintJobFilter(status: .queued, stuckFor: 72 * 3600, now: now),
                    "status = 'queued' AND updated_at < \(cutoff)"
                ),
            ]
            for (filter, condition) in cases {
                let counted = Int(try any("SELECT count(*) FROM print_jobs WHERE \(condition)"))!
                for request in [PageRequest.first, .last] {
                    let page = try await store.printJobs(filter, page: request, limit: 5)
                    #expect(page.total == counted, "\(filter) \(request)")
                }
            }
            for status in [nil] + OrderStatus.allCases {
                let counted = Int(
                    try any("SELECT count(*) FROM orders" + (status.map { " WHERE status = '\($0.rawValue)'" } ?? "")))!
                #expect(try await store.orders(status: status, page: .first, limit: 5).total == counted)
            }
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func everyIdentifierResolvesToItsRecord(kind: StoreUnderTest.Kind) async throws {
        try await Self.with(kind) { store, any in
            let order = try any("SELECT id FROM orders LIMIT 1 OFFSET 3")
            let user = try any("SELECT user_id FROM orders WHERE id = '\(order)'")
            let email = try any("SELECT upper(email) FROM users WHERE id = '\(user)'")
            let print = try any("SELECT print_id FROM orders WHERE id = '\(order)'")
            let job = try any("SELECT id FROM print_jobs WHERE tracking_number IS NOT NULL LIMIT 1")
            let jobOrder = try any("SELECT order_id FROM print_jobs WHERE id = '\(job)'")
            let tracking = try any("SELECT lower(tracking_number) FROM print_jobs WHERE id = '\(job)'")
            let pi = try any(
                "SELECT provider_transaction_id FROM payments WHERE provider_transaction_id LIKE 'pi_%' LIMIT 1")
            let ch = try any("SELECT provider_charge_id FROM payments WHERE provider_transaction_id = '\(pi)'")
            let braintree = try any("SELECT provider_transaction_id FROM payments WHERE provider = 'braintree' LIMIT 1")

            #expect(try await store.resolve(identifier: user)?.kind == .user)
            #expect(try await store.resolve(identifier: " \(email) ") == ResolvedIdentifier(kind: .email, userID: user))
            #expect(
                try await store.resolve(identifier: order)
                    == ResolvedIdentifier(kind: .order, userID: user, orderID: order)
            )
            #expect(try await store.resolve(identifier: print)?.printID == print)
            #expect(try await store.resolve(identifier: job)?.orderID == jobOrder)
            let byTracking = try await store.resolve(identifier: tracking)
            #expect(byTracking?.kind == .trackingNumber && byTracking?.printJobID == job)
            #expect(try await store.resolve(identifier: pi)?.kind == .providerTransaction)
            #expect(try await store.resolve(identifier: ch)?.orderID == store.resolve(identifier: pi)?.orderID)
            #expect(try await store.resolve(identifier: braintree)?.kind == .providerTransaction)
            #expect(try await store.resolve(identifier: "ord_doesnotexist") == nil)
            #expect(try await store.resolve(identifier: "two words") == nil)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func customer360HasEverySection(kind: StoreUnderTest.Kind) async throws {
        try await Self.with(kind) { store, any in
            let user = try any("SELECT o.user_id FROM orders o JOIN refunds r ON r.order_id = o.id LIMIT 1")
            let c = try #require(try await store.customer360(userID: user))
            #expect(c.user.id == user)
            #expect(!c.prints.isEmpty && !c.orders.isEmpty && !c.payments.isEmpty && !c.refunds.isEmpty)
            #expect(c.orders.map(\.createdAt) == c.orders.map(\.createdAt).sorted(by: >))
            let photos = Int(
                try any(
                    "SELECT count(*) FROM photos ph JOIN prints p ON p.id = ph.print_id WHERE p.user_id = '\(user)'"))
            #expect(c.prints.reduce(0) { $0 + $1.photos.uploaded + $1.photos.missing } == photos)
            #expect(try await store.customer360(userID: "usr_nobody") == nil)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func orderAndPrintJobDetail(kind: StoreUnderTest.Kind) async throws {
        try await Self.with(kind) { store, any in
            let job = try any("SELECT id FROM print_jobs WHERE status = 'delivered' LIMIT 1")
            let detail = try #require(try await store.printJobDetail(jobID: job))
            #expect(detail.events.map(\.sequence) == Array(1...detail.events.count))
            #expect(detail.events.last?.status == .delivered)
            let order = try #require(try await store.orderDetail(orderID: detail.job.orderID))
            #expect(order.printJobs.map(\.id) == [job])
            #expect(order.payments.first?.amount == order.order.totalAmount)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func listsPageByKeyInBothDirections(kind: StoreUnderTest.Kind) async throws {
        try await Self.with(kind) { store, any in
            let all = try await store.orders(status: .paid, page: .first, limit: 10_000).rows
            #expect(all.count > 30)
            var forward: [OrderRow] = []
            var page = try await store.orders(status: .paid, page: .first, limit: 7)
            forward += page.rows
            while page.hasMoreAfter {
                page = try await store.orders(status: .paid, page: .after(page.rows.last!.pageCursor), limit: 7)
                forward += page.rows
            }
            #expect(forward == all)
            var backward: [OrderRow] = []
            page = try await store.orders(status: .paid, page: .last, limit: 7)
            backward = page.rows + backward
            while page.hasMoreBefore {
                page = try await store.orders(status: .paid, page: .before(page.rows.first!.pageCursor), limit: 7)
                backward = page.rows + backward
            }
            #expect(backward == all)
            #expect(all.allSatisfy { $0.status == .paid })
            #expect(all.map(\.createdAt) == all.map(\.createdAt).sorted(by: >))
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func stuckJobsAreInProgressAndLongestStuckFirst(kind: StoreUnderTest.Kind) async throws {
        try await Self.with(kind) { store, any in
            let now = TestSupport.nowTimestamp
            let stuck = try await store.printJobs(
                PrintJobFilter(stuckFor: 72 * 3600, now: now), page: .first, limit: 1000
            )
            .rows
            #expect(!stuck.isEmpty)
            #expect(stuck.allSatisfy { $0.job.isStuck(now: now, threshold: 72 * 3600) })
            #expect(stuck.map(\.job.updatedAt) == stuck.map(\.job.updatedAt).sorted())
            let partner = stuck[0].job.partner
            let byPartner = try await store.printJobs(
                PrintJobFilter(partner: partner, stuckFor: 72 * 3600, now: now), page: .first, limit: 1000
            ).rows
            #expect(byPartner.map(\.id) == stuck.filter { $0.job.partner == partner }.map(\.id))
            let delivered = try await store.printJobs(
                PrintJobFilter(status: .delivered, stuckFor: 3600, now: now), page: .first, limit: 10
            ).rows
            #expect(delivered.isEmpty)
            #expect(try await store.partners().contains(partner))
        }
    }

    @Test func changeTokenMovesWhenAnotherConnectionCommits() async throws {
        let path = TestSupport.fixtureCopy()
        let store = try SQLiteStore.open(path: path)
        let before = try await store.changeToken()
        #expect(try await store.changeToken() == before)
        let other = try DatabaseQueue(path: path)
        try await other.write { db in try db.execute(sql: "UPDATE users SET name = 'Changed' WHERE rowid = 1") }
        #expect(try await store.changeToken() != before)
    }
}
