import Foundation
import OpsTestSupport
import Testing

/// The whole refund dialog driven headless, every bad amount included.
@Suite struct RefundDialogTests {
    static func config() throws -> String {
        let path = TestSupport.temporaryDirectory() + "/limits.toml"
        try """
        [refunds.agent_limits]
        GBP = "10.00"
        [refunds.retype_above]
        GBP = "5.00"
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: ["refund-dialog", "refund-jpy"])
    func theDialogChecksEveryAmountAndRefunds(script: String) throws {
        let db = TestSupport.fixtureCopy()
        let result = try ConsoleScripts.run(
            script, size: "100x30", extra: ["--config", try Self.config()], database: db)
        #expect(result.status == 0, "\(result.stderr)")
        // Gateway refund ids are random, as the real gateways' are: scrub them before comparing.
        let scrubbed = result.stdout.replacingOccurrences(
            of: #"re_[a-z0-9]{24}|re_[a-z0-9]+…"#, with: "re_<id>", options: .regularExpression)
        TestSupport.assertGolden(scrubbed, "console/\(script)-100x30.txt")
        if script == "refund-dialog" {
            let audit = try TestSupport.popsaOps(["audit", "--db", db])
            #expect(audit.stdout.contains("refund.succeeded"))
            #expect(audit.stdout.contains("GBP 7.50"))
        }
    }

    @Test func anOrderWithTwoPaymentsLetsTheOperatorPickOne() throws {
        let db = TestSupport.fixtureCopy()
        let order = try TestSupport.sql(
            db,
            """
            SELECT o.id FROM orders o JOIN payments pay ON pay.order_id = o.id
            WHERE o.currency = 'GBP' AND o.status = 'paid' AND pay.provider = 'stripe' AND pay.status = 'settled'
            ORDER BY o.id LIMIT 1
            """)
        // The order paid in two parts (a split payment): the Stripe payment is GBP 3.00 less, and a second payment
        // of GBP 3.00 settled at Braintree. The payments still add up to the order's total.
        let stripe = try TestSupport.sql(
            db,
            """
            SELECT json_object('type', 'payment', 'id', id, 'order_id', order_id, 'provider', provider,
              'provider_transaction_id', provider_transaction_id, 'provider_charge_id', provider_charge_id,
              'amount', amount - 300, 'currency', currency, 'status', status,
              'created_at', strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch'),
              'settled_at', strftime('%Y-%m-%dT%H:%M:%SZ', settled_at, 'unixepoch'))
            FROM payments WHERE order_id = '\(order)'
            """)
        let file = TestSupport.temporaryDirectory() + "/split.jsonl"
        try """
        \(stripe)
        {"type":"payment","id":"pay_split01","order_id":"\(order)","provider":"braintree",\
        "provider_transaction_id":"btsplit01","amount":300,"currency":"GBP","status":"settled",\
        "created_at":"2026-11-26T10:00:00Z","settled_at":"2026-11-26T12:00:00Z"}

        """.write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try TestSupport.popsaOps(["import", "--db", db, file])
        #expect(imported.status == 0, "\(imported.stderr)")
        let script = """
            key :
            type order \(order)
            key enter
            wait
            key r
            expect 1 of 2
            expect Stripe
            key backtab right
            expect Braintree btsplit01 (settled)
            expect 2 of 2
            expect ←/→ payment
            key tab
            type 3.50
            expect GBP 3.50 is more than the GBP 3.00 left to refund
            key ctrl-u
            type 2.00
            key tab right
            expect ‹ Damaged ›
            key enter
            expect Refund GBP 2.00 to
            expect via Braintree?
            key enter
            wait
            expect Refunded GBP 2.00 on order \(order) (Braintree
            """
        let result = try TestSupport.popsaOps(
            ["headless", "--db", db, "--now", TestSupport.now, "--size", "100x30", "--script", "-"],
            stdin: script)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(
            try TestSupport.sql(
                db, "SELECT payment_id || ':' || amount || ':' || status FROM refunds WHERE order_id = '\(order)'")
                == "pay_split01:200:succeeded")
        #expect(
            try TestSupport.sql(db, "SELECT count(*) FROM sandbox_refunds WHERE transaction_id = 'btsplit01'") == "1")
    }

    @Test func viewersCannotOpenTheDialog() throws {
        let result = try TestSupport.popsaOps(
            [
                "headless", "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now, "--read-only",
                "--size", "100x30", "--script", "-",
            ],
            stdin: ConsoleScripts.text("refund-jpy", size: "100x30").replacingOccurrences(
                of: "expect JPY has no minor unit, enter a whole amount", with: "expect Read-only: refunds are off"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("READ-ONLY"))
    }
}
