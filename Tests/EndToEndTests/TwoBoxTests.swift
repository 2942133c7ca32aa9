import Foundation
import OpsTestSupport
import Testing

/// Several ops boxes on one PostgreSQL database: consoles in real terminals (tmux), each its own process on its
/// own connections, and the command line beside them.
@Suite struct TwoBoxTests {
    /// Two consoles show the same order; a third process refunds it. Both show the refund within a second of its
    /// commit, with no key pressed: the commit's notification wakes them (their own check runs only once a second).
    @Test func aRefundInOneProcessShowsInTheOthersOrderScreenWithinASecond() throws {
        let store = try StoreUnderTest.fixtureCopy(.postgres)
        let order = try store.sql(
            """
            SELECT o.id FROM orders o JOIN payments pay ON pay.order_id = o.id
            WHERE o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' AND pay.provider = 'stripe'
              AND o.total_amount > 500 ORDER BY o.id LIMIT 1
            """)
        let consoles = try (0..<2).map { _ in
            try TmuxSession(
                command: TestSupport.consoleCommand(
                    term: "xterm-256color", arguments: ["--db", store.database, "--now", TestSupport.now]),
                width: 110, height: 40)
        }
        defer { consoles.forEach { $0.close() } }
        for console in consoles {
            _ = try console.waitUntil(timeout: .seconds(10)) { $0.contains("Find a customer") }
            try console.type(":order \(order)")
            try console.send(key: "enter")
            let pane = try console.waitUntil { $0.contains("PAYMENTS") && $0.contains(order) }
            #expect(pane.contains("PAYMENTS") && !pane.contains("GBP 3.17"), "\(pane)")
        }
        let refund = try TestSupport.popsaOps([
            "refund", order, "--amount", "3.17", "--reason", "damaged", "--yes", "--db", store.database,
            "--now", TestSupport.now,
        ])
        let committed = ContinuousClock.now
        #expect(refund.status == 0, "\(refund.stdout)\(refund.stderr)")
        for console in consoles {
            let pane = try console.waitUntil(timeout: .seconds(3)) { $0.contains("GBP 3.17") }
            #expect(pane.contains("GBP 3.17"), "\(pane)")
        }
        let elapsed = ContinuousClock.now - committed
        #expect(elapsed < .seconds(1), "the refund reached both screens after \(elapsed)")
    }
}
