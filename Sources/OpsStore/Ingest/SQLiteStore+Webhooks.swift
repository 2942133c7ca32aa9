import GRDB
import OpsCore

// MARK: - What a payment provider's event did

/// What applying one provider event did.
public enum WebhookOutcome: Sendable, Equatable {
    /// The event was already applied (providers deliver at least once).
    case duplicate
    /// Applied: refunds adopted from outside the console, refunds whose state moved, refunds the console made itself.
    case applied(adopted: Int, updated: Int, own: Int)
    /// Not an event popsa-ops acts on (recorded, so a retry is also a duplicate).
    case ignored
    /// About a payment this database does not hold.
    case unknownPayment
    /// A chargeback's state: where it stands now (a late event leaves a newer state as it was: `changed` false).
    case dispute(id: String, status: DisputeStatus, changed: Bool)
}

extension SQLiteStore {
    /// Applies one Stripe event, exactly once: the event id is recorded in the same transaction as its effect.
    ///
    /// Refunds in `charge.refunded` (the charge with its refunds) and `refund.created|updated|failed` /
    /// `charge.refund.updated` (one refund) are matched against the ledger: one the console made (its intent id in
    /// the refund's metadata) is left to the console and the reconciler; one already known moves to its new state;
    /// one made elsewhere (the Dashboard, another tool) is adopted as an external refund, audited, and counts
    /// against what is left to refund at once.
    public func applyStripeEvent(_ event: JSONValue, now: Timestamp) throws -> WebhookOutcome {
        guard case .string(let id)? = event["id"], case .string(let type)? = event["type"],
            let object = event["data"]?["object"]
        else { throw RecordFieldError(field: "", message: "not a Stripe event (id, type, data.object)") }
        do {
            return try writeAudited { db in
                guard try Self.recordDelivery(db, .stripe, eventID: id, type: type, now: now) else { return .duplicate }
                let refunds: [JSONValue]
                switch type {
                case "charge.refunded":
                    guard case .array(let list)? = object["refunds"]?["data"] else {
                        return .applied(adopted: 0, updated: 0, own: 0)
                    }
                    refunds = list.map { refund in
                        // A charge's refunds name their charge; add the payment intent the charge belongs to.
                        var pairs: [(String, JSONValue)] = []
                        if case .object(let p) = refund { pairs = p }
                        if pairs.first(where: { $0.0 == "payment_intent" })?.1 ?? .null == .null,
                            let intent = object["payment_intent"]
                        {
                            pairs.append(("payment_intent", intent))
                        }
                        return .object(pairs)
                    }
                case "refund.created", "refund.updated", "refund.failed", "charge.refund.updated":
                    refunds = [object]
                case "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
                    "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated":
                    let at: Int64 = if case .integer(let created)? = event["created"] { created } else { now.seconds }
                    return try Self.applyStripeDispute(db, object, eventAt: at, now: now)
                case "payment_intent.succeeded":
                    // The money is captured: a payment still on its way there is settled (never moved back).
                    guard case .string(let intent)? = object["id"] else { return .ignored }
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
                default:
                    return .ignored
                }
                var adopted = 0, updated = 0, own = 0, unknown = 0
                for refund in refunds {
                    switch try Self.adoptStripeRefund(db, refund, eventID: id, now: now) {
                    case .adopted: adopted += 1
                    case .updated: updated += 1
                    case .own, .unchanged: own += 1
                    case .unknownPayment: unknown += 1
                    }
                }
                if unknown > 0 && adopted + updated + own == 0 { return .unknownPayment }
                return .applied(adopted: adopted, updated: updated, own: own)
            }
        } catch let error as DatabaseError {
            throw SQLiteStore.writeFailure(error)
        }
    }

    private enum Adoption { case adopted, updated, own, unchanged, unknownPayment }

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

    /// Applies a Stripe dispute object (see `upsertDispute`).
    private static func applyStripeDispute(
        _ db: Database, _ dispute: JSONValue, eventAt: Int64, now: Timestamp
    ) throws -> WebhookOutcome {
        func text(_ key: String) -> String? {
            if case .string(let s)? = dispute[key] { return s }
            return nil
        }
        guard let id = text("id"), case .integer(let amount)? = dispute["amount"], let statusText = text("status")
        else { throw RecordFieldError(field: "data.object", message: "a dispute needs id, amount and status") }
        guard let status = DisputeStatus.stripe(statusText) else {
            throw RecordFieldError(field: "data.object.status", message: "unknown dispute status \"\(statusText)\"")
        }
        let charge = text("charge") ?? "", intent = text("payment_intent") ?? ""
        guard
            let payment = try stripePayment(db, charge: charge, intent: intent)
        else { return .unknownPayment }
        if let currency = text("currency"), currency.uppercased() != payment[2] as String {
            throw RecordFieldError(
                field: "data.object.currency",
                message: "\(currency.uppercased()) differs from the payment's currency \(payment[2] as String)")
        }
        var due: Int64?
        if case .integer(let d)? = dispute["evidence_details"]?["due_by"] { due = d }
        let created: Int64 = if case .integer(let c)? = dispute["created"] { c } else { eventAt }
        return try upsertDispute(
            db, id: id, payment: payment, provider: .stripe, amount: amount, reason: text("reason") ?? "",
            status: status, providerStatus: statusText, due: due, created: created, eventAt: eventAt, now: now)
    }

    /// Inserts a dispute, or moves it to its new state unless what is stored is newer: a decided dispute is never
    /// reopened by a late event, and among events of one stage the newest wins. `payment` is (id, order_id, …).
    static func upsertDispute(
        _ db: Database, id: String, payment: Row, provider: PaymentProvider, amount: Int64, reason: String,
        status: DisputeStatus, providerStatus: String, due: Int64?, created: Int64, eventAt: Int64, now: Timestamp
    ) throws -> WebhookOutcome {
        if let stored = try Row.fetchOne(
            db, sql: "SELECT status, event_at FROM disputes WHERE id = ?", arguments: [id])
        {
            let was = DisputeStatus(rawValue: stored[0]) ?? .needsResponse, storedAt: Int64 = stored[1]
            let newer = status.rank > was.rank || (status.rank == was.rank && eventAt >= storedAt)
            guard newer, was.rank < 2 || status.rank == 2 else { return .dispute(id: id, status: was, changed: false) }
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
                id, provider.rawValue, amount, reason, status.rawValue, providerStatus, due, created, now.seconds,
                eventAt, payment[0] as String,
            ])
        return .dispute(id: id, status: status, changed: true)
    }

    /// Reads one Stripe refund object and adopts it (see `adopt`).
    private static func adoptStripeRefund(
        _ db: Database, _ refund: JSONValue, eventID: String, now: Timestamp
    ) throws -> Adoption {
        guard case .string(let refundID)? = refund["id"], case .integer(let amount)? = refund["amount"],
            case .string(let statusText)? = refund["status"]
        else { throw RecordFieldError(field: "data.object", message: "a refund needs id, amount and status") }
        func text(_ key: String) -> String? {
            if case .string(let s)? = refund[key] { return s }
            return nil
        }
        let charge = text("charge") ?? "", intent = text("payment_intent") ?? ""
        guard
            let payment = try stripePayment(db, charge: charge, intent: intent)
        else { return .unknownPayment }
        var intentID: String?
        if case .string(let ours)? = refund["metadata"]?["intent_id"] { intentID = ours }
        let status: ProviderRefund.Status =
            switch statusText {
            case "succeeded": .succeeded
            case "pending", "requires_action": .pending
            default: .failed
            }
        return try adopt(
            db, paymentID: payment[0], ProviderRefund(id: refundID, amount: amount, status: status, intentID: intentID),
            provider: .stripe, source: "Stripe event \(eventID)", now: now)
    }

    /// Matches one refund a provider reports against the ledger, in the caller's transaction: the console's own
    /// (its intent id) is left alone; a known external one moves to its new state; an unknown one is adopted as an
    /// external refund, audited, counting against what is left to refund at once.
    private static func adopt(
        _ db: Database, paymentID: String, _ refund: ProviderRefund, provider: PaymentProvider, source: String,
        now: Timestamp
    ) throws -> Adoption {
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
        let money = Money(minorUnits: refund.amount, currency: currency)
        let key = "external:\(refund.id)"
        if let known = try Row.fetchOne(
            db, sql: "SELECT id, status FROM refunds WHERE gateway_refund_id = ?", arguments: [refund.id])
        {
            let knownID: String = known[0], was: String = known[1]
            guard knownID.hasPrefix("ext_"), was != status, was != "succeeded" else { return .unchanged }
            try db.execute(
                sql: "UPDATE refunds SET status = ?, updated_at = ? WHERE id = ?",
                arguments: [status, now.seconds, knownID])
            if refund.status == .succeeded {
                try appendAudit(
                    db,
                    AuditRecord(
                        at: now, operatorName: provider.rawValue, sshClient: "", action: "refund.external_succeeded",
                        target: "order \(orderID)", amount: money, reason: RefundReason.other.rawValue,
                        idempotencyKey: key, gatewayIDs: refund.id, result: "succeeded", detail: source))
            }
            try updateOrderStatus(db, orderID: orderID)
            return .updated
        }
        try db.execute(
            sql: """
                INSERT INTO refunds (id, order_id, payment_id, provider, amount, currency, status, reason, note,
                  idempotency_key, gateway_refund_id, is_void, operator, failure_message, created_at, updated_at,
                  lease_until)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'other', ?, ?, ?, 0, ?, NULL, ?, ?, 0)
                """,
            arguments: [
                "ext_\(refund.id)", orderID, paymentID, provider.rawValue, refund.amount, currency.code, status,
                "made outside popsa-ops, at \(provider.label)", key, refund.id, provider.rawValue, now.seconds,
                now.seconds,
            ])
        try appendAudit(
            db,
            AuditRecord(
                at: now, operatorName: provider.rawValue, sshClient: "", action: "refund.external",
                target: "order \(orderID)", amount: money, reason: RefundReason.other.rawValue, idempotencyKey: key,
                gatewayIDs: refund.id, result: status, detail: "adopted from \(source)"))
        try updateOrderStatus(db, orderID: orderID)
        return .adopted
    }
}

// MARK: - Charges an event names alone

extension SQLiteStore {
    /// The charge a Stripe event names without its payment intent, when no payment here knows that charge: the
    /// event alone cannot be matched, and the caller may ask Stripe which payment intent the charge belongs to.
    public func unmatchedStripeCharge(in event: JSONValue) throws -> String? {
        guard let object = event["data"]?["object"] else { return nil }
        let isCharge: Bool = if case .string("charge")? = object["object"] { true } else { false }
        guard case .string(let charge)? = isCharge ? object["id"] : object["charge"], charge.hasPrefix("ch_") else {
            return nil
        }
        if case .string(let intent)? = object["payment_intent"], !intent.isEmpty { return nil }
        let known = try readNow { db in
            try Self.stripePayment(db, charge: charge, intent: "") != nil
        }
        return known ? nil : charge
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
