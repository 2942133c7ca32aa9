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
        let script = TestSupport.packageRoot + "/scripts/postgres.sh"
        let cluster = "/tmp/popsa-ops-pg-restart-" + UUID().uuidString.prefix(8).lowercased()
        let started = try TestSupport.runDetached("/bin/bash", [script, "start", cluster])
        defer { _ = try? TestSupport.runDetached("/bin/bash", [script, "stop", cluster]) }
        try #require(started.status == 0, "\(started.stderr)")
        let url = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let copy = try TestSupport.popsaOps(["migrate", "--from", TestSupport.fixtureDatabase, "--to", url])
        try #require(copy.status == 0, "\(copy.stderr)")
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

        let paused = try TestSupport.runDetached("/bin/bash", [script, "pause", cluster])
        try #require(paused.status == 0, "\(paused.stderr)")
        var pane = try console.waitUntil(timeout: .seconds(20)) { $0.contains("DATABASE UNREACHABLE") }
        #expect(pane.contains("DATABASE UNREACHABLE"), "\(pane)")
        #expect(pane.contains("PAYMENTS") && pane.contains(order), "the screen keeps what it showed: \(pane)")

        let resumed = try TestSupport.runDetached("/bin/bash", [script, "resume", cluster])
        try #require(resumed.status == 0, "\(resumed.stderr)")
        // Another box refunds the moment the server is back; the console recovers and shows it.
        let refund = try TestSupport.popsaOps([
            "refund", order, "--amount", "2.19", "--reason", "damaged", "--yes", "--db", url, "--now", TestSupport.now,
        ])
        #expect(refund.status == 0, "\(refund.stdout)\(refund.stderr)")
        pane = try console.waitUntil(timeout: .seconds(20)) {
            !$0.contains("DATABASE UNREACHABLE") && $0.contains("GBP 2.19")
        }
        #expect(!pane.contains("DATABASE UNREACHABLE") && pane.contains("GBP 2.19"), "\(pane)")
        #expect(try console.exitStatus() == nil, "the console kept running")
    }
}
