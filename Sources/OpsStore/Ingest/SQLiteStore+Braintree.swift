import GRDB
import OpsCore

// MARK: - Braintree's notifications

extension SQLiteStore {
    /// Applies one Braintree notification, exactly once (its payload digest is recorded with its effect):
    /// settlement moves a payment on (never back), a dispute notification keeps the dispute current (the same
    /// convergence rules as Stripe's), a failed refund still pending or unknown is failed (its reservation released).
    public func applyBraintreeEvent(_ event: BraintreeEvent, now: Timestamp) throws -> WebhookOutcome {
        do {
            return try writeAudited { db in
                guard try Self.recordDelivery(db, .braintree, eventID: event.id, type: event.kind, now: now) else {
                    return .duplicate
                }
                if let subject = event.dispute, event.kind.hasPrefix("dispute_") {
                    let update = try DisputeUpdate.braintree(subject, eventAt: event.at.seconds)
                    guard let payment = try Self.braintreePayment(db, update.transaction) else {
                        return .unknownPayment
                    }
                    return try Self.upsertDispute(db, update, payment: payment, now: now)
                }
                guard let transaction = event.transactionID else { return .ignored }
                switch event.kind {
                case "transaction_settled", "transaction_settlement_declined":
                    guard try Self.braintreePayment(db, transaction) != nil else { return .unknownPayment }
                    let settled = event.kind == "transaction_settled"
                    try db.execute(
                        sql: """
                            UPDATE payments SET status = ?, settled_at = CASE WHEN ? THEN coalesce(settled_at, ?) END
                            WHERE provider = 'braintree' AND provider_transaction_id = ?
                              AND status IN ('authorized', 'submitted_for_settlement', 'settling')
                            """, arguments: [settled ? "settled" : "declined", settled, now.seconds, transaction])
                    return .applied(adopted: 0, updated: db.changesCount, own: 0)
                case "refund_failed":
                    // Only a refund whose outcome was still open: a refund recorded as succeeded is money history.
                    guard
                        let refund = try Row.fetchOne(
                            db,
                            sql: """
                                SELECT id, order_id, amount, currency, status FROM refunds
                                WHERE provider = 'braintree' AND gateway_refund_id = ?
                                """, arguments: [transaction])
                    else { return .unknownPayment }
                    let id: String = refund[0], orderID: String = refund[1], status: String = refund[4]
                    guard status == "pending" || status == "unknown" else {
                        return .applied(adopted: 0, updated: 0, own: 1)
                    }
                    try db.execute(
                        sql: """
                            UPDATE refunds SET status = 'failed', failure_message = 'Braintree: the refund failed',
                              updated_at = ?, lease_until = 0 WHERE id = ?
                            """, arguments: [now.seconds, id])
                    try Self.appendAudit(
                        db,
                        .braintreeRefundFailed(
                            orderID: orderID,
                            amount: Money(minorUnits: refund[2], currency: try Currency(code: refund[3] as String)),
                            transaction: transaction, now: now))
                    try Self.updateOrderStatus(db, orderID: orderID)
                    return .applied(adopted: 0, updated: 1, own: 0)
                default:
                    return .ignored
                }
            }
        } catch let error as DatabaseError {
            throw SQLiteStore.writeFailure(error)
        }
    }

    private static func braintreePayment(_ db: Database, _ transaction: String) throws -> Row? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT id, order_id, currency FROM payments
                WHERE provider = 'braintree' AND provider_transaction_id = ?
                """, arguments: [transaction])
    }
}
