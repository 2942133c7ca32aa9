import GRDB
import OpsCore

extension SQLiteStore {
    /// Applies one Stripe event (see `StripeEvent.read`).
    public func applyStripeEvent(_ event: JSONValue, now: Timestamp) throws -> WebhookOutcome {
        try applyStripeEvent(try StripeEvent.read(event, now: now), now: now)
    }

    /// Applies one Stripe event, exactly once: the event id is recorded in the same transaction as its effect.
    ///
    /// Refunds in `charge.refunded` (the charge with its refunds) and `refund.created|updated|failed` /
    /// `charge.refund.updated` (one refund) are matched against the ledger: one the console made (its intent id in
    /// the refund's metadata) is left to the console and the reconciler; one already known moves to its new state;
    /// one made elsewhere (the Dashboard, another tool) is adopted as an external refund, audited, and counts
    /// against what is left to refund at once.
    public func applyStripeEvent(_ event: StripeEvent, now: Timestamp) throws -> WebhookOutcome {
        do {
            return try writeAudited { db in
                guard try Self.recordDelivery(db, .stripe, eventID: event.id, type: event.type, now: now) else {
                    return .duplicate
                }
                switch event.effect {
                case .refunds(let refunds):
                    return RefundAdoption.outcome(
                        try refunds.map { refund in
                            guard let payment = try Self.stripePayment(db, charge: refund.charge, intent: refund.intent)
                            else { return .unknownPayment }
                            return try Self.adopt(
                                db, paymentID: payment[0], refund.refund, provider: .stripe,
                                source: "Stripe event \(event.id)", now: now)
                        })
                case .dispute(let update):
                    guard let payment = try Self.stripePayment(db, charge: update.charge, intent: update.intent) else {
                        return .unknownPayment
                    }
                    return try Self.upsertDispute(db, update, payment: payment, now: now)
                case .settled(let intent):
                    // The money is captured: a payment still on its way there is settled (never moved back).
                    guard
                        try Bool.fetchOne(
                            db, sql: "SELECT 1 FROM payments WHERE provider = 'stripe' AND provider_transaction_id = ?",
                            arguments: [intent]) == true
                    else { return .unknownPayment }
                    try db.execute(
                        sql: """
                            UPDATE payments SET status = 'settled', settled_at = coalesce(settled_at, ?)
                            WHERE provider = 'stripe' AND provider_transaction_id = ?
                              AND status IN ('authorized', 'submitted_for_settlement', 'settling')
                            """, arguments: [now.seconds, intent])
                    return .applied(adopted: 0, updated: db.changesCount, own: 0)
                case .ignored:
                    return .ignored
                }
            }
        } catch let error as DatabaseError {
            throw SQLiteStore.writeFailure(error)
        }
    }

    /// What every provider event does first, in its own transaction: notes the source's delivery (freshness) and
    /// records the event id. False when the id was already recorded: a redelivery, applied once already.
    static func recordDelivery(
        _ db: Database, _ provider: PaymentProvider, eventID: String, type: String, now: Timestamp
    ) throws -> Bool {
        try Schema.touch(db, provider == .stripe ? .stripe : .braintree, at: now)
        try db.execute(
            sql: """
                INSERT INTO webhook_events (provider, event_id, type, received_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(provider, event_id) DO NOTHING
                """, arguments: [provider.rawValue, eventID, type, now.seconds])
        return db.changesCount > 0
    }

    /// The Stripe payment a charge or payment intent belongs to: (id, order_id, currency), or nil.
    static func stripePayment(_ db: Database, charge: String, intent: String) throws -> Row? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT id, order_id, currency FROM payments WHERE provider = 'stripe'
                  AND (provider_transaction_id IN (?1, ?2) OR provider_charge_id = ?1)
                """, arguments: [charge, intent])
    }

    /// Inserts a dispute, or moves it to its new state when `DisputeUpdate.replaces` says so. `payment` is
    /// (id, order_id, currency).
    static func upsertDispute(
        _ db: Database, _ update: DisputeUpdate, payment: Row, now: Timestamp
    ) throws -> WebhookOutcome {
        let amount = try update.minorUnits(in: try Currency(code: payment[2] as String))
        if let stored = try Row.fetchOne(
            db, sql: "SELECT status, event_at FROM disputes WHERE id = ?", arguments: [update.id])
        {
            let was = DisputeStatus(rawValue: stored[0]) ?? .needsResponse
            guard update.replaces(status: was, eventAt: stored[1]) else {
                return .dispute(id: update.id, status: was, changed: false)
            }
        }
        try db.execute(
            sql: """
                INSERT INTO disputes (id, payment_id, order_id, provider, amount, currency, reason, status,
                  provider_status, evidence_due_by, created_at, updated_at, event_at)
                SELECT ?, id, order_id, ?, ?, currency, ?, ?, ?, ?, ?, ?, ? FROM payments WHERE id = ?
                ON CONFLICT(id) DO UPDATE SET amount = excluded.amount, reason = excluded.reason,
                  status = excluded.status, provider_status = excluded.provider_status,
                  evidence_due_by = excluded.evidence_due_by, updated_at = excluded.updated_at,
                  event_at = excluded.event_at
                """,
            arguments: [
                update.id, update.provider.rawValue, amount, update.reason, update.status.rawValue,
                update.providerStatus, update.evidenceDueBy, update.created, now.seconds, update.eventAt,
                payment[0] as String,
            ])
        return .dispute(id: update.id, status: update.status, changed: true)
    }

    /// Matches one refund a provider reports against the ledger, in the caller's transaction: the console's own
    /// (its intent id) is left alone; a known external one moves to its new state; an unknown one is adopted as an
    /// external refund, audited, counting against what is left to refund at once.
    private static func adopt(
        _ db: Database, paymentID: String, _ refund: ProviderRefund, provider: PaymentProvider, source: String,
        now: Timestamp
    ) throws -> RefundAdoption {
        guard
            let payment = try Row.fetchOne(
                db, sql: "SELECT order_id, currency FROM payments WHERE id = ?", arguments: [paymentID])
        else { return .unknownPayment }
        let orderID: String = payment[0]
        let currency = try Currency(code: payment[1] as String)
        if let ours = refund.intentID,
            try Bool.fetchOne(db, sql: "SELECT 1 FROM refunds WHERE id = ?", arguments: [ours]) == true
        {
            return .own
        }
        let status = refund.status.rawValue
        let known = try Row.fetchOne(
            db, sql: "SELECT id, status FROM refunds WHERE gateway_refund_id = ?", arguments: [refund.id]
        ).map { (id: $0[0] as String, status: $0[1] as String) }
        if let step = RefundAdoption.step(for: refund, known: known) {
            guard step == .updated, let known else { return step }
            try db.execute(
                sql: "UPDATE refunds SET status = ?, updated_at = ? WHERE id = ?",
                arguments: [status, now.seconds, known.id])
            if refund.status == .succeeded {
                try appendAudit(
                    db,
                    RefundAdoption.audit(
                        refund, orderID: orderID, currency: currency, provider: provider, source: source, now: now,
                        settled: true))
            }
            try updateOrderStatus(db, orderID: orderID)
            return .updated
        }
        let row = RefundAdoption.row(refund, provider: provider)
        try db.execute(
            sql: """
                INSERT INTO refunds (id, order_id, payment_id, provider, amount, currency, status, reason, note,
                  idempotency_key, gateway_refund_id, is_void, operator, failure_message, created_at, updated_at,
                  lease_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'other', ?, ?, ?, 0, ?, NULL, ?, ?, 0)
                """,
            arguments: [
                row.id, orderID, paymentID, provider.rawValue, refund.amount, currency.code, status, row.note, row.key,
                refund.id, provider.rawValue, now.seconds, now.seconds,
            ])
        try appendAudit(
            db,
            RefundAdoption.audit(
                refund, orderID: orderID, currency: currency, provider: provider, source: source, now: now,
                settled: false))
        try updateOrderStatus(db, orderID: orderID)
        return .adopted
    }
}

// MARK: - Charges an event names alone

extension SQLiteStore {
    /// Whether some Stripe payment here already knows `charge` (by its charge id or as its transaction id).
    public func knowsStripeCharge(_ charge: String) throws -> Bool {
        try readNow { db in try Self.stripePayment(db, charge: charge, intent: "") != nil }
    }

    /// Records that `charge` belongs to the Stripe payment recorded by `intent` (what Stripe said when asked); the
    /// payment's amount, currency and ids it was refunded against do not change. False when no payment has that
    /// intent or it already names another charge.
    public func linkStripeCharge(_ charge: String, toIntent intent: String) throws -> Bool {
        do {
            return try writeImmediately { db in
                try db.execute(
                    sql: """
                        UPDATE payments SET provider_charge_id = ?
                        WHERE provider = 'stripe' AND provider_transaction_id = ? AND provider_charge_id IS NULL
                        """, arguments: [charge, intent])
                return db.changesCount > 0
            }
        } catch let error as DatabaseError {
            throw SQLiteStore.writeFailure(error)
        }
    }
}

// MARK: - The drift check

extension SQLiteStore {
    /// Payments of `providers` created since `since`, not voided, failed or declined: those whose refunds a drift
    /// check asks the providers about.
    public func paymentsToRecheck(since: Timestamp, providers: [PaymentProvider]) throws -> [Payment] {
        try readNow { db in
            try fetchDecoded(
                db,
                """
                SELECT \(Columns.payment) FROM payments pay
                WHERE pay.created_at >= ? AND pay.status NOT IN ('voided', 'failed', 'declined')
                  AND pay.provider IN (\(providers.map { "'\($0.rawValue)'" }.joined(separator: ",")))
                ORDER BY pay.created_at
                """, [since.seconds]
            ) { try Payment(row: $0) }
        }
    }

    /// Matches what a provider reports for one payment against the ledger (see the webhook's adoption): returns
    /// how many refunds were adopted and how many moved on.
    public func adoptProviderRefunds(
        payment: Payment, refunds: [ProviderRefund], source: String, now: Timestamp
    ) throws -> (adopted: Int, updated: Int) {
        do {
            return try writeAudited { db in
                var adopted = 0, updated = 0
                for refund in refunds {
                    switch try Self.adopt(
                        db, paymentID: payment.id, refund, provider: payment.provider, source: source, now: now)
                    {
                    case .adopted: adopted += 1
                    case .updated: updated += 1
                    default: break
                    }
                }
                return (adopted, updated)
            }
        } catch let error as DatabaseError {
            throw SQLiteStore.writeFailure(error)
        }
    }
}
