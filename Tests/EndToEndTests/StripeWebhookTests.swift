import Foundation
import OpsTestSupport
import Synchronization
import Testing

/// `POST /webhooks/stripe`: events signed by Stripe's own library, applied once; refunds made in the Stripe
/// Dashboard adopted into the ledger, where they count against what is left to refund.
@Suite(.serialized) struct StripeWebhookTests {
    static let secret = "whsec_test_5f4e3d2c1b"

    func send(
        _ event: String, to server: IngestServiceTests.Server, mode: String = "signed"
    ) throws
        -> (status: Int, body: String)
    {
        let file = TestSupport.temporaryDirectory("stripe-event") + "/event.json"
        try event.write(toFile: file, atomically: true, encoding: .utf8)
        let out = try TestSupport.run(
            "/usr/bin/env",
            [
                "python3", TestSupport.packageRoot + "/Tests/Scripts/stripe_event.py",
                "http://127.0.0.1:\(server.port)/webhooks/stripe", Self.secret, file, mode,
            ])
        #expect(out.status == 0, "\(out.stderr)")
        let parts = out.stdout.split(separator: "\n", maxSplits: 1).map(String.init)
        return (Int(parts.first ?? "") ?? -1, parts.count > 1 ? parts[1] : "")
    }

    static func chargeRefunded(
        _ id: String, charge: String, refund: String, amount: Int64, currency: String,
        status: String = "succeeded"
    ) -> String {
        #"{"id":"\#(id)","object":"event","type":"charge.refunded","data":{"object":{"id":"\#(charge)","#
            + #""object":"charge","payment_intent":"\#(charge)","amount_refunded":\#(amount),"refunds":{"#
            + #""object":"list","data":[{"id":"\#(refund)","object":"refund","amount":\#(amount),"#
            + #""currency":"\#(currency.lowercased())","status":"\#(status)","charge":"\#(charge)","metadata":{}}]}}}}"#
    }

    static func refundEvent(
        _ id: String, type: String, charge: String, refund: String, amount: Int64,
        currency: String, status: String
    ) -> String {
        #"{"id":"\#(id)","object":"event","type":"\#(type)","data":{"object":{"id":"\#(refund)","object":"refund","#
            + #""amount":\#(amount),"currency":"\#(currency.lowercased())","status":"\#(status)","#
            + #""charge":"\#(charge)","payment_intent":"\#(charge)","metadata":{}}}}"#
    }

    @Test(arguments: StoreUnderTest.Kind.allCases) func aRefundMadeInTheDashboardCountsAgainstWhatIsLeftAndAppliesOnce(
        _ kind: StoreUnderTest.Kind
    ) throws {
        let server = try IngestServiceTests.Server(
            environment: ["POPSA_OPS_INGEST_SECRET": IngestServiceTests.secret, "STRIPE_WEBHOOK_SECRET": Self.secret],
            on: kind)
        defer { _ = server.stop() }
        let row = try server.store.fields(
            "SELECT p.order_id || '|' || p.provider_transaction_id || '|' || p.amount || '|' || p.currency "
                + "FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.provider = 'stripe' "
                + "AND p.status = 'settled' AND o.status = 'paid' "
                + "AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id) LIMIT 1"
        )
        try #require(row.count == 4)
        let (order, charge, amount, currency) = (row[0], row[1], Int64(row[2])!, row[3])
        func remaining() throws -> Int64 {
            Int64(
                try server.store.sql(
                    "SELECT \(amount) - coalesce(sum(amount), 0) FROM refunds WHERE order_id = '\(order)' "
                        + "AND status IN ('succeeded', 'pending', 'unknown')")) ?? -1
        }
        let external = Self.chargeRefunded(
            "evt_ext_1", charge: charge, refund: "re_ext_1", amount: 500, currency: currency)
        let first = try send(external, to: server)
        #expect(first.status == 200, "\(first.body)")
        #expect(first.body.contains(#""adopted":1"#))
        #expect(try remaining() == amount - 500)
        let shown = try TestSupport.popsaOps(["query", "order", order, "--db", server.db, "--json"])
        #expect(shown.stdout.contains(#""remaining_amount": \#(amount - 500)"#), "\(shown.stdout)")
        // Stripe delivers at least once: the same event again changes nothing.
        #expect(try send(external, to: server).body.contains(#""duplicate":true"#))
        #expect(try remaining() == amount - 500)
        // A pending refund made elsewhere is in flight at once, and settles by a later event.
        let pending = Self.refundEvent(
            "evt_ext_2", type: "refund.created", charge: charge, refund: "re_ext_2", amount: 100, currency: currency,
            status: "pending")
        #expect(try send(pending, to: server).body.contains(#""adopted":1"#))
        #expect(try remaining() == amount - 600)
        let settled = Self.refundEvent(
            "evt_ext_3", type: "refund.updated", charge: charge, refund: "re_ext_2", amount: 100, currency: currency,
            status: "succeeded")
        #expect(try send(settled, to: server).body.contains(#""updated":1"#))
        // The audit log holds the adoptions, and its cross-check with the ledger still holds.
        let verify = try TestSupport.popsaOps(["audit", "verify", "--db", server.db])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // A console refund can no longer take what the Dashboard already gave back.
        let left = try remaining()
        let tooMuch = String(format: "%d.%02d", (left + 1) / 100, (left + 1) % 100)
        let refused = try TestSupport.popsaOps(
            ["refund", order, "--amount", tooMuch, "--reason", "damaged", "--yes", "--db", server.db],
            environment: ["USER": "tester"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("left to refund"), "\(refused.stderr)")
        #expect(try remaining() == left)
    }

    @Test(arguments: StoreUnderTest.Kind.allCases) func tamperedStaleAndFutureEventsAreRefused(
        _ kind: StoreUnderTest.Kind
    ) throws {
        let server = try IngestServiceTests.Server(
            environment: ["POPSA_OPS_INGEST_SECRET": IngestServiceTests.secret, "STRIPE_WEBHOOK_SECRET": Self.secret],
            on: kind)
        defer { _ = server.stop() }
        let event = Self.chargeRefunded("evt_bad", charge: "ch_nope", refund: "re_bad", amount: 100, currency: "GBP")
        for mode in ["tampered", "stale", "future"] {
            #expect(try send(event, to: server, mode: mode).status == 400, "\(mode)")
        }
        #expect(try server.store.sql("SELECT count(*) FROM webhook_events") == "0")
        // Signed, for a payment this database does not hold: recorded (a retry is a duplicate), nothing changed.
        #expect(try send(event, to: server).body.contains("unknown_payment"))
        #expect(try send(event, to: server).body.contains("duplicate"))
    }
}

/// Two ops boxes' `serve` on one PostgreSQL database: Stripe may deliver an event to either (or both, when an
/// endpoint is registered per box); it is applied once, whichever box takes it first.
@Suite(.serialized) struct TwoBoxWebhookTests {
    @Test func oneEventDeliveredToTwoBoxesAtOnceIsAppliedOnce() throws {
        let environment = [
            "POPSA_OPS_INGEST_SECRET": IngestServiceTests.secret, "STRIPE_WEBHOOK_SECRET": StripeWebhookTests.secret,
        ]
        let first = try IngestServiceTests.Server(environment: environment, on: .postgres)
        defer { _ = first.stop() }
        let second = try IngestServiceTests.Server(environment: environment, store: first.store)
        defer { _ = second.stop() }
        let row = try first.store.fields(
            "SELECT p.order_id || '|' || p.provider_transaction_id || '|' || p.currency FROM payments p "
                + "WHERE p.provider = 'stripe' AND p.status = 'settled' "
                + "AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id) ORDER BY p.id LIMIT 1")
        try #require(row.count == 3)
        let (order, charge, currency) = (row[0], row[1], row[2])
        for trial in 1...5 {
            let event = StripeWebhookTests.chargeRefunded(
                "evt_two_\(trial)", charge: charge, refund: "re_two_\(trial)", amount: 10, currency: currency)
            let answers = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 2) { box in
                let answer: String
                do {
                    let sent = try StripeWebhookTests().send(event, to: box == 0 ? first : second)
                    answer = "\(sent.status) \(sent.body)"
                } catch {
                    answer = "not sent: \(error)"
                }
                answers.withLock { $0.append(answer) }
            }
            let both = answers.withLock { $0 }
            #expect(both.filter { $0.contains(#""adopted":1"#) }.count == 1, "\(both)")
            #expect(both.filter { $0.contains(#""duplicate":true"#) }.count == 1, "\(both)")
        }
        #expect(
            try first.store.sql("SELECT count(*) || ' ' || sum(amount) FROM refunds WHERE order_id = '\(order)'")
                == "5 50")
        #expect(try TestSupport.popsaOps(["audit", "verify", "--db", first.db]).status == 0)
    }
}

/// localstripe, registered with serve's endpoint, really delivers its own signed events.
@Suite(.serialized) struct LocalstripeDeliveryTests {
    @Test func localstripeDeliversASignedPaymentIntentSucceededThatSettlesThePayment() throws {
        let stripe = try TestSupport.localstripe.get()
        let base = "http://127.0.0.1:\(stripe.port)"
        let server = try IngestServiceTests.Server(
            environment: [
                "POPSA_OPS_INGEST_SECRET": IngestServiceTests.secret,
                "STRIPE_WEBHOOK_SECRET": StripeWebhookTests.secret,
            ])
        defer { _ = server.stop() }
        // Register serve with localstripe, then make a payment intent there: localstripe posts the event it emits.
        let endpoint = "popsa\(server.port)"
        _ = try TestSupport.run(
            "/usr/bin/env",
            [
                "curl", "-s", base + "/_config/webhooks/\(endpoint)", "-d",
                "url=http://127.0.0.1:\(server.port)/webhooks/stripe", "-d", "secret=\(StripeWebhookTests.secret)",
                "-d", "events[]=payment_intent.succeeded",
            ])
        let payment = try server.store.fields(
            "SELECT p.id || '|' || p.amount FROM payments p WHERE p.provider = 'stripe' AND p.status = 'settled' "
                + "AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id) LIMIT 1"
        )
        try #require(payment.count == 2)
        let intent = try TestSupport.localstripePaymentIntent(amount: Int64(payment[1])!, base: base)
        // The payment in our ledger is that intent, still on its way to being captured.
        _ = try server.store.sql(
            "UPDATE payments SET provider_transaction_id = '\(intent)', provider_charge_id = NULL, "
                + "status = 'submitted_for_settlement', settled_at = NULL WHERE id = '\(payment[0])'")
        // localstripe posts the event about a second after emitting it: the ledger knows the intent by then.
        var status = ""
        for _ in 0..<100 {
            status = try server.store.sql("SELECT status FROM payments WHERE id = '\(payment[0])'")
            if status == "settled" { break }
            usleep(100_000)
        }
        #expect(status == "settled")
        let delivered = try server.store.sql(
            "SELECT count(*) FROM webhook_events WHERE type = 'payment_intent.succeeded'")
        #expect(delivered != "0")
    }
}

/// `reconcile --payments`: the webhooks' safety net, against localstripe.
@Suite(.serialized) struct PaymentDriftTests {
    @Test func aRefundMadeStraightAtStripeIsAdoptedByReconcilePaymentsOnce() throws {
        let stripe = try TestSupport.localstripe.get()
        let base = "http://127.0.0.1:\(stripe.port)"
        let db = TestSupport.fixtureCopy()
        let row = try TestSupport.fields(
            db,
            "SELECT p.id || '|' || p.order_id || '|' || p.amount FROM payments p JOIN orders o ON o.id = p.order_id "
                + "WHERE p.provider = 'stripe' AND p.status = 'settled' AND p.currency = 'GBP' AND o.status = 'paid' "
                + "AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id) LIMIT 1"
        )
        try #require(row.count == 3)
        let (payment, order, amount) = (row[0], row[1], Int64(row[2])!)
        // The payment is a real payment intent at localstripe, and the only recent Stripe payment.
        let intent = try TestSupport.localstripePaymentIntent(amount: amount, base: base)
        let now = try unixSeconds(TestSupport.now)
        _ = try TestSupport.sql(
            db,
            "UPDATE payments SET created_at = created_at - 864000 WHERE created_at > \(now - 172_800); "
                + "UPDATE payments SET provider_transaction_id = '\(intent)', provider_charge_id = NULL, "
                + "created_at = \(now - 3600) WHERE id = '\(payment)'")
        // Someone refunds £3.00 in the Stripe Dashboard: straight at Stripe, outside the console.
        let outside = try TestSupport.run(
            "/usr/bin/env",
            [
                "curl", "-s", "-u", "sk_test_popsa:", base + "/v1/refunds", "-d", "payment_intent=\(intent)", "-d",
                "amount=300",
            ])
        #expect(outside.stdout.contains("re_"), "\(outside.stdout)")
        let config = try TestSupport.liveStripeConfig(stripeBase: base)
        let arguments = [
            "reconcile", "--payments", "--since", "1d", "--db", db, "--config", config, "--now", TestSupport.now,
        ]
        let first = try TestSupport.popsaOps(arguments, environment: ["STRIPE_SECRET_KEY": "sk_test_popsa"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("1 refund(s) made elsewhere adopted"), "\(first.stdout)")
        #expect(
            try TestSupport.sql(
                db, "SELECT sum(amount) FROM refunds WHERE order_id = '\(order)' AND status = 'succeeded'")
                == "300")
        let again = try TestSupport.popsaOps(arguments, environment: ["STRIPE_SECRET_KEY": "sk_test_popsa"])
        #expect(again.stdout.contains("0 refund(s) made elsewhere adopted"), "\(again.stdout)")
        #expect(try TestSupport.popsaOps(["audit", "verify", "--db", db]).status == 0)
    }
}

/// An event that names only a charge (no payment intent) this database does not know: `serve` asks Stripe which
/// payment intent the charge belongs to, records the link, and applies the event.
@Suite(.serialized) struct ChargeLookupTests {
    @Test func aRefundEventNamingOnlyItsChargeIsMatchedByAskingStripe() throws {
        let stripe = try TestSupport.localstripe.get()
        let base = "http://127.0.0.1:\(stripe.port)"
        let config = """
            [payments]
            mode = "live"
            [payments.stripe]
            api_base = "\(base)"
            """
        let environment = [
            "POPSA_OPS_INGEST_SECRET": IngestServiceTests.secret, "STRIPE_WEBHOOK_SECRET": StripeWebhookTests.secret,
            "STRIPE_SECRET_KEY": "sk_test_popsa",
        ]
        let server = try IngestServiceTests.Server(environment: environment, config: config)
        defer { _ = server.stop() }
        let row = try server.store.fields(
            "SELECT p.id || '|' || p.order_id || '|' || p.amount FROM payments p WHERE p.provider = 'stripe' "
                + "AND p.status = 'settled' AND p.currency = 'GBP' "
                + "AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id) LIMIT 1"
        )
        try #require(row.count == 3)
        let (payment, order, amount) = (row[0], row[1], Int64(row[2])!)
        // The payment is a real payment intent at localstripe; this database knows it by its pi_ only.
        let intent = try TestSupport.localstripePaymentIntent(amount: amount, base: base)
        _ = try server.store.sql(
            "UPDATE payments SET provider_transaction_id = '\(intent)', provider_charge_id = NULL "
                + "WHERE id = '\(payment)'")
        let fetched = try TestSupport.run(
            "/usr/bin/env", ["curl", "-s", "-u", "sk_test_popsa:", base + "/v1/payment_intents/" + intent])
        let charge = try #require(
            fetched.stdout.split(separator: "\"").first { $0.hasPrefix("ch_") }.map(String.init), "\(fetched.stdout)")
        // A refund made elsewhere, in an event that names only the charge.
        let event =
            #"{"id":"evt_only_charge","object":"event","type":"refund.created","data":{"object":{"#
            + #""id":"re_only_charge","object":"refund","amount":250,"currency":"gbp","status":"succeeded","#
            + #""charge":"\#(charge)","payment_intent":null,"metadata":{}}}}"#
        let answer = try StripeWebhookTests().send(event, to: server)
        #expect(answer.status == 200 && answer.body.contains(#""adopted":1"#), "\(answer.body)")
        #expect(
            try server.store.sql("SELECT provider_charge_id FROM payments WHERE id = '\(payment)'") == charge)
        #expect(
            try server.store.sql("SELECT sum(amount) FROM refunds WHERE order_id = '\(order)'") == "250")
    }
}

/// Seconds since 1970 of an ISO 8601 time (the tests' fixed "now").
private func unixSeconds(_ iso: String) throws -> Int64 {
    guard let date = ISO8601DateFormatter().date(from: iso) else { throw CocoaError(.formatting) }
    return Int64(date.timeIntervalSince1970)
}
