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

extension TwoBoxTests {
    /// The PostgreSQL server restarts under a running console: the status bar says the database is unreachable
    /// and the screen keeps what it shows; once the server is back the console says so, the badge goes, and a
    /// refund made on another box while it was away shows.
    @Test func aServerRestartUnderARunningConsoleIsSaidAndRecoveredFrom() throws {
        try RestartableCluster.with("restart") { cluster in
            let url = cluster.url
            let order = try TestSupport.psql(
                url,
                """
                SELECT o.id FROM orders o JOIN payments pay ON pay.order_id = o.id
                WHERE o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' AND o.total_amount > 500
                ORDER BY o.id LIMIT 1
                """)
            let console = try TmuxSession(
                command: TestSupport.consoleCommand(
                    term: "xterm-256color", arguments: ["--db", url, "--now", TestSupport.now]),
                width: 120, height: 40)
            defer { console.close() }
            _ = try console.waitUntil(timeout: .seconds(10)) { $0.contains("Find a customer") }
            try console.type(":order \(order)")
            try console.send(key: "enter")
            _ = try console.waitUntil { $0.contains("PAYMENTS") }

            try cluster.pause()
            var pane = try console.waitUntil(timeout: .seconds(20)) { $0.contains("DATABASE UNREACHABLE") }
            #expect(pane.contains("DATABASE UNREACHABLE"), "\(pane)")
            #expect(pane.contains("PAYMENTS") && pane.contains(order), "the screen keeps what it showed: \(pane)")

            try cluster.resume()
            // Another box refunds the moment the server is back; the console recovers and shows it.
            let refund = try TestSupport.popsaOps([
                "refund", order, "--amount", "2.19", "--reason", "damaged", "--yes", "--db", url, "--now",
                TestSupport.now,
            ])
            #expect(refund.status == 0, "\(refund.stdout)\(refund.stderr)")
            pane = try console.waitUntil(timeout: .seconds(20)) {
                !$0.contains("DATABASE UNREACHABLE") && $0.contains("GBP 2.19")
            }
            #expect(!pane.contains("DATABASE UNREACHABLE") && pane.contains("GBP 2.19"), "\(pane)")
            #expect(try console.exitStatus() == nil, "the console kept running")
        }
    }

    /// The server goes away between the gateway's answer and its recording (a restart cutting the commit): the
    /// refund says its outcome is unknown (exit 75, never "refused"), the intent stays reserved, and once the
    /// server is back the reconciler finds the refund the gateway made and records it — exactly one.
    @Test func aRefundWhoseRecordingIsCutByARestartIsReconciledOnce() throws {
        try RestartableCluster.with("cut") { cluster in
            let url = cluster.url
            let order = try TestSupport.psql(
                url,
                """
                SELECT o.id FROM orders o JOIN payments pay ON pay.order_id = o.id WHERE pay.provider = 'stripe'
                  AND o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' ORDER BY o.id LIMIT 1
                """)
            let marker = TestSupport.temporaryDirectory("cut") + "/at-recording"
            let outcome = OutputBox()
            let finished = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                outcome.set(
                    Result {
                        try TestSupport.popsaOps(
                            [
                                "refund", order, "--amount", "1.40", "--reason", "damaged", "--yes", "--db", url,
                                "--now",
                                TestSupport.now,
                            ],
                            environment: [
                                "POPSA_OPS_TEST_FAULT": "pause-before-record", "POPSA_OPS_TEST_FAULT_MARKER": marker,
                            ])
                    })
                finished.signal()
            }
            let reached = ContinuousClock.now + .seconds(30)
            while !FileManager.default.fileExists(atPath: marker) && ContinuousClock.now < reached { usleep(20_000) }
            try #require(FileManager.default.fileExists(atPath: marker), "the refund never reached its recording")
            try cluster.pause()
            try FileManager.default.removeItem(atPath: marker)
            #expect(finished.wait(timeout: .now() + 30) == .success)
            let refund = try #require(try outcome.get())
            #expect(refund.status == 75, "\(refund.stdout)\(refund.stderr)")
            #expect(
                (refund.stdout + refund.stderr).contains("the database server could not be reached")
                    && (refund.stdout + refund.stderr).contains("unknown"), "\(refund.stdout)\(refund.stderr)")

            try cluster.resume()
            // Still reserved (the money may have moved): the intent is there, not failed.
            #expect(try TestSupport.psql(url, "SELECT status FROM refunds WHERE order_id = '\(order)'") == "pending")
            let reconciled = try TestSupport.popsaOps(["reconcile", "--db", url, "--now", "2026-11-27T09:10:00Z"])
            #expect(reconciled.status == 0, "\(reconciled.stdout)\(reconciled.stderr)")
            #expect(
                try TestSupport.psql(url, "SELECT status || ' ' || amount FROM refunds WHERE order_id = '\(order)'")
                    == "succeeded 140")
            #expect(
                try TestSupport.psql(
                    url,
                    """
                    SELECT count(*) FROM sandbox_refunds s
                    JOIN payments pay ON pay.provider_transaction_id = s.transaction_id
                    WHERE pay.order_id = '\(order)'
                    """) == "1")
            #expect(try TestSupport.popsaOps(["audit", "verify", "--db", url]).status == 0)
        }
    }
}

/// The result of a process run on another thread.
final class OutputBox: @unchecked Sendable {
    // Unchecked: every access goes through the lock.
    private let lock = NSLock()
    private var result: Result<TestSupport.Output, any Error>?

    func set(_ value: Result<TestSupport.Output, any Error>) { lock.withLock { result = value } }
    func get() throws -> TestSupport.Output? { try lock.withLock { try result?.get() } }
}
