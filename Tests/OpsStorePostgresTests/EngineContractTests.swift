import Foundation
import OpsCore
import OpsEngine
import OpsStore
import OpsStorePostgres
import OpsTestSupport
import Testing

/// The engine's reads over both stores on the same data (the fixture, and its copy on PostgreSQL, whose running
/// counts the copy's inserts kept): the lists page for page, the per-partner counts, the dashboard in every
/// window, the totals `/metrics` exports, the chargebacks and the sources' freshness.
@Suite struct EngineContractTests {
    static func engines(_ body: (Engine, Engine) async throws -> Void) async throws {
        let sqlite = try SQLiteStore.open(path: TestSupport.fixtureDatabase, readOnly: true)
        let postgres = try await PostgresFixture.open()
        do {
            let clock = EngineClock.frozen(TestSupport.nowTimestamp)
            try await body(Engine(store: sqlite, clock: clock), Engine(store: postgres, clock: clock))
            await postgres.close()
        } catch {
            await postgres.close()
            throw error
        }
    }

    /// Every page of a list, walking forward from the first and back from the last.
    static func walk<Row: KeysetRow>(
        _ limit: Int, _ page: (PageRequest) async throws -> Page<Row>
    ) async throws
        -> (forward: [Page<Row>], backward: [Page<Row>])
    {
        var forward = [try await page(.first)]
        while forward.last!.hasMoreAfter, forward.count < 50 {
            forward.append(try await page(.after(forward.last!.rows.last!.pageCursor)))
        }
        var backward = [try await page(.last)]
        while backward.last!.hasMoreBefore, backward.count < 50 {
            backward.append(try await page(.before(backward.last!.rows.first!.pageCursor)))
        }
        return (forward, backward)
    }

    @Test func theListsAreTheSamePageForPage() async throws {
        try await Self.engines { sqlite, postgres in
            let word = try TestSupport.sql(TestSupport.fixtureDatabase, "SELECT name FROM users ORDER BY id LIMIT 1")
                .split(separator: " ")[0].prefix(3)
            for (status, text) in [(nil, nil), (OrderStatus.refunded, nil), (nil, String(word)), (.paid, "zz")] {
                let a = try await Self.walk(40) {
                    try await sqlite.orders(status: status, text: text, page: $0, limit: 40)
                }
                let b = try await Self.walk(40) {
                    try await postgres.orders(status: status, text: text, page: $0, limit: 40)
                }
                #expect(a.forward == b.forward, "orders \(String(describing: status)) \(text ?? "")")
                #expect(a.backward == b.backward, "orders backwards \(String(describing: status)) \(text ?? "")")
                #expect(a.forward.count > 1 || text != nil || status != nil, "the whole list has several pages")
            }
            let partner = try await sqlite.partners()[0]
            #expect(try await postgres.partners() == (try await sqlite.partners()))
            let now = TestSupport.nowTimestamp
            for filter in [
                PrintJobFilter(now: now), PrintJobFilter(status: .printing, now: now),
                PrintJobFilter(partner: partner, now: now), PrintJobFilter(stuckFor: 2 * 86_400, now: now),
                PrintJobFilter(partner: partner, stuckFor: 86_400, now: now),
                PrintJobFilter(status: .delivered, stuckFor: 3600, now: now),
                PrintJobFilter(now: now, text: String(word)),
            ] {
                let a = try await Self.walk(25) { try await sqlite.store.printJobs(filter, page: $0, limit: 25) }
                let b = try await Self.walk(25) { try await postgres.store.printJobs(filter, page: $0, limit: 25) }
                #expect(a.forward == b.forward && a.backward == b.backward, "\(filter)")
                #expect(
                    try await sqlite.store.printJobCountsByPartner(filter)
                        == (try await postgres.store.printJobCountsByPartner(filter)), "\(filter)")
            }
            // A window reloaded in place knows how many rows now come before it.
            let first = try await sqlite.orders(status: nil, page: .first, limit: 10)
            let cursor = PageRequest.from(first.rows[5].pageCursor)
            let a = try await sqlite.orders(status: nil, page: cursor, limit: 10)
            let b = try await postgres.orders(status: nil, page: cursor, limit: 10)
            #expect(a == b && a.before == 5)
        }
    }

    @Test func theDashboardAndTheTotalsAgree() async throws {
        try await Self.engines { sqlite, postgres in
            for window in MetricsWindow.allCases {
                for zone in [
                    DisplayZone.utc,
                    // Newfoundland: today starts at 03:30 UTC, inside an hour the fixture has activity in.
                    DisplayZone(
                        identifier: "America/St_Johns",
                        periods: [.init(start: .min, offset: -12_600, abbreviation: "NST")]),
                ] {
                    let a = try await sqlite.dashboard(window: window, zone: zone).business
                    let b = try await postgres.dashboard(window: window, zone: zone).business
                    #expect(a == b, "\(window) \(zone)")
                    if window == .today && zone != .utc {
                        #expect(a.orders[0] + a.signups[0] + a.uploads[0] > 0, "the clipped first hour has activity")
                    }
                    #expect(a.refundsByReason.map(\.0) == b.refundsByReason.map(\.0), "\(window)")
                    #expect(
                        a.jobsInProgressByPartner.map(\.0) == b.jobsInProgressByPartner.map(\.0)
                            && a.jobsInProgressByPartner.map(\.1) == b.jobsInProgressByPartner.map(\.1), "\(window)")
                }
            }
            let week = try await sqlite.dashboard(window: .week).business
            #expect(week.orders.reduce(0, +) > 0 && week.stuckJobs > 0, "the fixture has a week of traffic")
            #expect(try await sqlite.businessTotals() == (try await postgres.businessTotals()))
            #expect(try await sqlite.disputes() == (try await postgres.disputes()))
            #expect(try await sqlite.freshness() == (try await postgres.freshness()))
        }
    }
}
