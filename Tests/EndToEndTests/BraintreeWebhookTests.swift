import Foundation
import OpsTestSupport
import Testing

/// `POST /webhooks/braintree`: notifications made and signed by Braintree's official SDK (its webhook testing
/// gateway), verified with the API key pair, read from their XML and applied once; the endpoint check answered as
/// the SDK computes it.
@Suite(.serialized) struct BraintreeWebhookTests {
    static let publicKey = "popsa_public_key"
    static let privateKey = "popsa_private_key_3c9e"

    func server(on kind: StoreUnderTest.Kind = .sqlite) throws -> IngestServiceTests.Server {
        try IngestServiceTests.Server(
            environment: [
                "POPSA_OPS_INGEST_SECRET": IngestServiceTests.secret, "BRAINTREE_PUBLIC_KEY": Self.publicKey,
                "BRAINTREE_PRIVATE_KEY": Self.privateKey,
            ], on: kind)
    }

    /// Runs the SDK script: the status and the lines of the body.
    func send(
        _ server: IngestServiceTests.Server, _ kind: String, _ id: String, mode: String = "signed"
    ) throws
        -> (status: Int, body: String)
    {
        let out = try TestSupport.run(
            "/usr/bin/env",
            [
                "python3", TestSupport.packageRoot + "/Tests/Scripts/braintree_webhook.py",
                "http://127.0.0.1:\(server.port)/webhooks/braintree", Self.publicKey, Self.privateKey, kind, id, mode,
            ])
        #expect(out.status == 0, "\(out.stderr)")
        let parts = out.stdout.split(separator: "\n", maxSplits: 1).map(String.init)
        return (Int(parts.first ?? "") ?? -1, parts.count > 1 ? parts[1] : "")
    }

    @Test func theEndpointCheckIsAnsweredAsTheSDKComputesIt() throws {
        let server = try server()
        defer { _ = server.stop() }
        let answer = try send(server, "challenge", "20f9f8ed05f77439fe955c977e4c8a53")
        #expect(answer.status == 200 && answer.body.hasSuffix("match\n"), "\(answer.body)")
        let refused = try send(server, "challenge", "not-hex-at-all-000000")
        #expect(refused.status == 400 && refused.body.contains("expected None"), "\(refused.body)")
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func settlementAndDisputesApplyOnceAndTamperedNotificationsAreRefused(_ kind: StoreUnderTest.Kind) throws {
        let server = try server(on: kind)
        defer { _ = server.stop() }
        // Settlement moves a payment still on its way there to settled, once.
        let settling = try server.store.sql(
            "SELECT provider_transaction_id FROM payments WHERE provider = 'braintree' AND status = 'settling' "
                + "ORDER BY id LIMIT 1")
        try #require(!settling.isEmpty)
        let settled = try send(server, "transaction_settled", settling)
        #expect(settled.status == 200 && settled.body.contains(#""updated":1"#), "\(settled.body)")
        #expect(
            try server.store.sql("SELECT status FROM payments WHERE provider_transaction_id = '\(settling)'")
                == "settled")
        // The SDK's sample dispute is for USD 100.00 on the transaction with the id given (and has the same id).
        let row = try server.store.fields(
            "SELECT p.provider_transaction_id || '|' || p.order_id FROM payments p JOIN orders o ON o.id = p.order_id "
                + "WHERE p.provider = 'braintree' AND p.status = 'settled' AND p.currency = 'USD' "
                + "AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id) "
                + "ORDER BY p.id LIMIT 1"
        )
        try #require(row.count == 2)
        let (transaction, order) = (row[0], row[1])
        #expect(try send(server, "dispute_opened", transaction, mode: "tampered").status == 400)
        #expect(try send(server, "dispute_opened", transaction, mode: "otherkey").status == 400)
        #expect(try server.store.sql("SELECT count(*) FROM disputes") == "0")
        let opened = try send(server, "dispute_opened", transaction)
        #expect(opened.status == 200 && opened.body.contains(#""status":"needs_response""#), "\(opened.body)")
        #expect(
            try server.store.sql(
                "SELECT status || ' ' || provider_status || ' ' || amount || ' ' || order_id FROM disputes")
                == "needs_response open 10000 \(order)")
        let refused = try TestSupport.popsaOps(
            ["refund", order, "--amount", "1.00", "--reason", "damaged", "--yes", "--db", server.db])
        #expect(refused.status == 1 && refused.stderr.contains("Braintree dispute"), "\(refused.stderr)")
        let won = try send(server, "dispute_won", transaction)
        #expect(won.body.contains(#""status":"won""#), "\(won.body)")
        let metrics = try TestSupport.getText("http://127.0.0.1:\(server.port)/metrics")
        #expect(metrics.contains(#"popsa_ops_webhook_rejected_total{provider="braintree",reason="mismatch"} 2"#))
        let allowed = try TestSupport.popsaOps(
            ["refund", order, "--amount", "1.00", "--reason", "damaged", "--yes", "--db", server.db])
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
    }
}
