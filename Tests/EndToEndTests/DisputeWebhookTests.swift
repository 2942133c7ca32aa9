import Foundation
import OpsTestSupport
import Testing

/// A chargeback opened by a Stripe event (signed by Stripe's own library, posted to `serve`) blocks refunds in the
/// console and on the command line until it is won, or a supervisor overrides it with a note.
@Suite(.serialized) struct DisputeWebhookTests {
    static func disputeEvent(
        _ id: String, type: String, dispute: String, charge: String, amount: Int64, currency: String,
        status: String, created: Int64
    ) -> String {
        #"{"id":"\#(id)","object":"event","type":"\#(type)","created":\#(created),"data":{"object":{"#
            + #""id":"\#(dispute)","object":"dispute","amount":\#(amount),"currency":"\#(currency.lowercased())","#
            + #""charge":"\#(charge)","payment_intent":"\#(charge)","reason":"product_not_received","#
            + #""status":"\#(status)","created":\#(created),"evidence_details":{"due_by":\#(created + 3 * 86_400)}"#
            + "}}}"
    }

    @Test(arguments: StoreUnderTest.Kind.allCases) func aChargebackBlocksRefundsEverywhereUntilWonOrOverridden(
        _ kind: StoreUnderTest.Kind
    ) throws {
        let server = try IngestServiceTests.Server(
            environment: [
                "POPSA_OPS_INGEST_SECRET": IngestServiceTests.secret,
                "STRIPE_WEBHOOK_SECRET": StripeWebhookTests.secret,
            ], on: kind)
        defer { _ = server.stop() }
        let order = ConsoleScripts.placeholders["refundable_order"]!
        let row = try server.store.fields(
            "SELECT provider_transaction_id || '|' || amount FROM payments WHERE order_id = '\(order)' LIMIT 1"
        )
        try #require(row.count == 2)
        let (charge, amount) = (row[0], Int64(row[1])!)
        let opened = Self.disputeEvent(
            "evt_dp_1", type: "charge.dispute.created", dispute: "dp_e2e", charge: charge, amount: amount,
            currency: "GBP", status: "needs_response", created: TestSupport.nowTimestamp.seconds - 3600)
        let answer = try StripeWebhookTests().send(opened, to: server)
        #expect(answer.status == 200 && answer.body.contains(#""status":"needs_response""#), "\(answer.body)")

        // The console: the disputes list, the order's banner and diagnosis, the refund dialog, the customer.
        let console = try ConsoleScripts.run("dispute", size: "100x30", database: server.db)
        #expect(console.status == 0, "\(console.stderr)")
        TestSupport.assertGolden(server.store.screenAsOnSQLite(console.stdout), "console/dispute-100x30.txt")

        // The command line: an agent is refused, with the reason; a supervisor without the override too.
        let agent = try TestSupport.popsaOps(
            ["refund", order, "--amount", "1.00", "--reason", "damaged", "--yes", "--db", server.db, "--json"])
        #expect(agent.status == 1, "\(agent.stdout)\(agent.stderr)")
        let said = agent.stdout + agent.stderr
        #expect(said.contains("disputed") && said.contains("Do not refund") && said.contains("dp_e2e"), "\(said)")
        let config = TestSupport.temporaryDirectory("dispute") + "/config.toml"
        try "[operators]\ndefault_role = \"supervisor\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let supervisor = ["refund", order, "--amount", "1.00", "--reason", "damaged", "--yes", "--db", server.db]
        let refused = try TestSupport.popsaOps(supervisor + ["--config", config])
        #expect(refused.status == 1 && refused.stderr.contains("a supervisor may override"), "\(refused.stderr)")
        #expect(try server.store.sql("SELECT count(*) FROM refunds WHERE order_id = '\(order)'") == "0")
        let overridden = try TestSupport.popsaOps(
            supervisor + ["--config", config, "--override-dispute", "--note", "issuer withdrew it by phone"])
        #expect(overridden.status == 0, "\(overridden.stdout)\(overridden.stderr)")
        let audit = try TestSupport.popsaOps(["audit", "list", "--json", "--db", server.db])
        #expect(audit.stdout.contains("overrides needs response chargeback dp_e2e"), "\(audit.stdout)")

        // The evidence Popsa holds, in Stripe's evidence fields.
        let evidence = try TestSupport.popsaOps(["dispute", "evidence", "dp_e2e", "--db", server.db, "--json"])
        #expect(evidence.status == 0 && evidence.stdout.contains(#""customer_email_address""#), "\(evidence.stdout)")

        // Won: refunds are allowed again; a late "under review" event does not reopen it.
        let won = Self.disputeEvent(
            "evt_dp_2", type: "charge.dispute.closed", dispute: "dp_e2e", charge: charge, amount: amount,
            currency: "GBP", status: "won", created: TestSupport.nowTimestamp.seconds - 60)
        #expect(try StripeWebhookTests().send(won, to: server).body.contains(#""status":"won""#))
        let late = Self.disputeEvent(
            "evt_dp_3", type: "charge.dispute.updated", dispute: "dp_e2e", charge: charge, amount: amount,
            currency: "GBP", status: "under_review", created: TestSupport.nowTimestamp.seconds - 1800)
        #expect(try StripeWebhookTests().send(late, to: server).body.contains(#""changed":false"#))
        let after = try TestSupport.popsaOps(
            ["refund", order, "--amount", "1.00", "--reason", "damaged", "--yes", "--db", server.db])
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
    }
}
