import Foundation
import GRDB
import OpsCore
import OpsTestSupport
import Testing

@testable import OpsStore

/// Chargebacks in the store: Stripe's dispute events applied once and converging whatever order they arrive in,
/// and `dispute` records of the import format checked against their payment.
@Suite struct DisputeStoreTests {
    static let now = TestSupport.nowTimestamp

    /// A settled Stripe payment: its id, charge (payment intent), amount and currency.
    func stripePayment(_ store: SQLiteStore) throws -> (id: String, charge: String, amount: Int64, currency: String) {
        try store.pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT id, provider_transaction_id, amount, currency FROM payments
                    WHERE provider = 'stripe' AND status = 'settled' ORDER BY id LIMIT 1
                    """)!
            return (row[0], row[1], row[2], row[3])
        }
    }

    func event(
        _ id: String, _ type: String, dispute: String, charge: String, amount: Int64, currency: String,
        status: String, at: Int64
    ) -> JSONValue {
        try! JSONValue.parse(
            #"{"id":"\#(id)","object":"event","type":"\#(type)","created":\#(at),"data":{"object":{"#
                + #""id":"\#(dispute)","object":"dispute","amount":\#(amount),"currency":"\#(currency.lowercased())","#
                + #""charge":"\#(charge)","payment_intent":"\#(charge)","reason":"product_not_received","#
                + #""status":"\#(status)","created":\#(at),"evidence_details":{"due_by":\#(at + 7 * 86_400)}}}}"#)
    }

    func state(_ store: SQLiteStore) throws -> [String] {
        try store.pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT id || ' ' || status || ' ' || provider_status || ' ' || amount || ' ' || event_at
                    FROM disputes ORDER BY id
                    """)
        }
    }

    /// A dispute's life at Stripe: opened, evidence submitted, lost, the funds withdrawn.
    func life(_ p: (id: String, charge: String, amount: Int64, currency: String)) -> [JSONValue] {
        let t = Self.now.seconds - 86_400
        return [
            event(
                "evt_d1", "charge.dispute.created", dispute: "dp_1", charge: p.charge, amount: p.amount,
                currency: p.currency, status: "needs_response", at: t),
            event(
                "evt_d2", "charge.dispute.updated", dispute: "dp_1", charge: p.charge, amount: p.amount,
                currency: p.currency, status: "under_review", at: t + 100),
            event(
                "evt_d3", "charge.dispute.closed", dispute: "dp_1", charge: p.charge, amount: p.amount,
                currency: p.currency, status: "lost", at: t + 200),
            event(
                "evt_d4", "charge.dispute.funds_withdrawn", dispute: "dp_1", charge: p.charge, amount: p.amount,
                currency: p.currency, status: "lost", at: t + 200),
        ]
    }

    @Test func disputeEventsApplyOnceAndConvergeInAnyOrder() throws {
        let ordered = try SQLiteStore.open(path: TestSupport.fixtureCopy())
        let payment = try stripePayment(ordered)
        let events = life(payment)
        for e in events { _ = try ordered.applyStripeEvent(e, now: Self.now) }
        let expected = try state(ordered)
        #expect(expected.count == 1 && expected[0].hasPrefix("dp_1 lost lost \(payment.amount)"), "\(expected)")
        // Delivered again and again: duplicates, nothing changes.
        for _ in 0..<100 {
            #expect(try ordered.applyStripeEvent(events[1], now: Self.now) == .duplicate)
        }
        #expect(try state(ordered) == expected)
        // Every order of arrival ends in the same state (a late "under review" never reopens a lost dispute).
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<12 {
            let store = try SQLiteStore.open(path: TestSupport.fixtureCopy())
            for e in events.shuffled(using: &generator) { _ = try store.applyStripeEvent(e, now: Self.now) }
            #expect(try state(store) == expected)
        }
        let late = try SQLiteStore.open(path: TestSupport.fixtureCopy())
        _ = try late.applyStripeEvent(events[2], now: Self.now)
        #expect(
            try late.applyStripeEvent(events[1], now: Self.now) == .dispute(id: "dp_1", status: .lost, changed: false))
    }

    @Test func aDisputeOnAnUnknownChargeIsRecordedAndChangesNothing() throws {
        let store = try SQLiteStore.open(path: TestSupport.fixtureCopy())
        let e = event(
            "evt_x", "charge.dispute.created", dispute: "dp_x", charge: "ch_nobody", amount: 100, currency: "GBP",
            status: "needs_response", at: Self.now.seconds)
        #expect(try store.applyStripeEvent(e, now: Self.now) == .unknownPayment)
        #expect(try store.applyStripeEvent(e, now: Self.now) == .duplicate)
        #expect(try state(store).isEmpty)
    }

    @Test func disputeRecordsAreCheckedAgainstTheirPayment() throws {
        let store = try SQLiteStore.open(path: TestSupport.fixtureCopy())
        let p = try stripePayment(store)
        func line(_ fields: String) -> [UInt8] {
            Array(
                (#"{"type":"dispute","id":"dp_imp","payment_id":"\#(p.id)","created_at":"2026-11-20T00:00:00Z","#
                    + fields + "}").utf8)
        }
        func problem(_ fields: String) -> String {
            do {
                _ = try store.importJSONLines(bytes: line(fields), name: "d")
                return "imported"
            } catch { return "\(error)" }
        }
        let other = p.currency == "GBP" ? "EUR" : "GBP"
        #expect(problem(#""amount":1,"currency":"\#(other)","status":"won""#).contains("field \"currency\""))
        #expect(problem(#""amount":\#(p.amount + 1),"currency":"\#(p.currency)","status":"won""#).contains("amount"))
        #expect(problem(#""amount":1,"currency":"\#(p.currency)","status":"open""#).contains("status"))
        #expect(
            problem(#""amount":1,"currency":"\#(p.currency)","status":"won","provider":"braintree""#)
                .contains("provider"))
        #expect(try state(store).isEmpty)
        #expect(problem(#""amount":1,"currency":"\#(p.currency)","status":"under_review""#) == "imported")
        let order = try store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT order_id FROM payments WHERE id = ?", arguments: [p.id])!
        }
        let detail = try store.pool.read { db in try SQLiteStore.orderDetail(db, orderID: order) }
        #expect(detail?.disputes.map(\.id) == ["dp_imp"])
        #expect(try state(store).first?.hasPrefix("dp_imp under_review under_review 1") == true)
        // Disputes are history: a tombstone is refused, the dispute stays.
        #expect(throws: (any Error).self) {
            try store.importJSONLines(bytes: Array(#"{"type":"dispute","id":"dp_imp","deleted":true}"#.utf8), name: "d")
        }
        #expect(try state(store).count == 1)
    }

    @Test func braintreeNotificationsApplyOnceAndAFailedRefundReleasesItsAmount() async throws {
        let store = try SQLiteStore.open(path: TestSupport.fixtureCopy())
        let payment = try await store.pool.read { db in
            try Payment.fetchFirst(db, "provider = 'braintree' AND status = 'settled' AND currency = 'GBP'")
        }
        let subject = BraintreeEvent.Subject(
            id: "bt_dp_1", transactionID: payment.providerTransactionID, amount: "1.50", currency: "GBP",
            reason: "fraud", status: "open", replyBy: "2026-11-30", createdAt: nil)
        let opened = BraintreeEvent(
            id: "sha256:a", kind: "dispute_opened", at: Self.now, transactionID: nil, dispute: subject)
        #expect(
            try store.applyBraintreeEvent(opened, now: Self.now)
                == .dispute(id: "bt_dp_1", status: .needsResponse, changed: true))
        #expect(try store.applyBraintreeEvent(opened, now: Self.now) == .duplicate)
        #expect(try state(store) == ["bt_dp_1 needs_response open 150 \(Self.now.seconds)"])
        // A refund made in the Control Panel, adopted while pending, then failed at Braintree: released.
        _ = try store.adoptProviderRefunds(
            payment: payment, refunds: [ProviderRefund(id: "bt_re_9", amount: 200, status: .pending, intentID: nil)],
            source: "test", now: Self.now)
        let failed = BraintreeEvent(
            id: "sha256:b", kind: "refund_failed", at: Self.now, transactionID: "bt_re_9", dispute: nil)
        #expect(try store.applyBraintreeEvent(failed, now: Self.now) == .applied(adopted: 0, updated: 1, own: 0))
        let status = try await store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM refunds WHERE gateway_refund_id = 'bt_re_9'")
        }
        #expect(status == "failed")
        if case .broken(let sequence, let problem) = try await store.verifyAudit() {
            Issue.record("the audit no longer verifies at \(sequence): \(problem)")
        }
    }
}

extension Payment {
    /// The first payment matching `condition`, for tests.
    static func fetchFirst(_ db: Database, _ condition: String) throws -> Payment {
        try Payment(
            row: try Row.fetchOne(
                db, sql: "SELECT \(Columns.payment) FROM payments pay WHERE \(condition) ORDER BY id")!)
    }
}
