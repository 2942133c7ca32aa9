import OpsCore
import PostgresNIO

// MARK: - PostgresStore: FeedStore

/// `serve` on PostgreSQL: the platform's feed, partners' updates and the providers' events, with the SQLite
/// store's rules (the import's, `StripeEvent`, `DisputeUpdate`, `RefundAdoption`) and answers. Every box's `serve`
/// may take deliveries at once: a provider event's id is unique (the second insert waits for the first's commit
/// and then finds it), a partner's update locks its job row, an adoption its payment row.
extension PostgresStore: FeedStore {
    public func ingest(_ bytes: [UInt8], name: String, received: Timestamp) async throws -> ImportReport {
        try await importLines(LineReader(bytes: bytes, name: name), progress: { _, _ in }) { connection in
            try await self.touch(.platform, at: received, on: connection)
        }
    }

    public func recordPartnerEvent(
        _ event: PartnerEvent, partner: String, received: Timestamp
    ) async throws -> PartnerEventOutcome {
        try await write { connection in
            let on = PostgresTarget.connection(connection)
            try await touch(.partners, at: received, on: connection)
            guard
                let job = try await fetchFirst(
                    "SELECT partner, updated_at FROM print_jobs WHERE id = $1 FOR UPDATE", [.text(event.jobID)],
                    on: on, { (partner: try $0.text(0), updatedAt: try $0.integer(1)) })
            else { return .unknownJob }
            guard job.partner == partner else { return .notYourJob }
            if let sequence = try await fetchFirst(
                """
                SELECT sequence FROM print_job_events WHERE job_id = $1 AND at = $2 AND status = $3 AND message = $4
                """,
                [.text(event.jobID), .integer(event.at.seconds), .text(event.status.rawValue), .text(event.message)],
                on: on, { try $0.integer(0) })
            {
                return .duplicate(sequence: Int(sequence))
            }
            let sequence =
                try await fetchFirst(
                    "SELECT coalesce(max(sequence), 0)::bigint + 1 FROM print_job_events WHERE job_id = $1",
                    [.text(event.jobID)], on: on, { try $0.integer(0) }) ?? 1
            try await execute(
                "INSERT INTO print_job_events (job_id, sequence, at, status, message) VALUES ($1, $2, $3, $4, $5)",
                [
                    .text(event.jobID), .integer(sequence), .integer(event.at.seconds), .text(event.status.rawValue),
                    .text(event.message),
                ], on: on)
            let current = event.isCurrent(jobUpdatedAt: job.updatedAt)
            if current {
                try await execute(
                    """
                    UPDATE print_jobs SET status = $1, updated_at = $2,
                      tracking_number = coalesce($3, tracking_number), carrier = coalesce($4, carrier)
                    WHERE id = $5
                    """,
                    [
                        .text(event.status.rawValue), .integer(event.at.seconds),
                        event.trackingNumber.map { .text($0) } ?? .null, event.carrier.map { .text($0) } ?? .null,
                        .text(event.jobID),
                    ], on: on)
            }
            return .recorded(sequence: Int(sequence), current: current)
        }
    }

    public func applyStripeEvent(_ event: StripeEvent, now: Timestamp) async throws -> WebhookOutcome {
        try await writeAudited { connection in
            let on = PostgresTarget.connection(connection)
            guard try await recordDelivery(.stripe, eventID: event.id, type: event.type, now: now, on: connection)
            else { return .duplicate }
            switch event.effect {
            case .refunds(let refunds):
                var adoptions: [RefundAdoption] = []
                for refund in refunds {
                    guard let payment = try await stripePayment(charge: refund.charge, intent: refund.intent, on: on)
                    else {
                        adoptions.append(.unknownPayment)
                        continue
                    }
                    adoptions.append(
                        try await adopt(
                            refund.refund, payment: payment, source: "Stripe event \(event.id)", now: now,
                            on: connection))
                }
                return RefundAdoption.outcome(adoptions)
            case .dispute(let update):
                guard let payment = try await stripePayment(charge: update.charge, intent: update.intent, on: on)
                else { return .unknownPayment }
                return try await upsertDispute(update, payment: payment, now: now, on: on)
            case .settled(let intent):
                let settled = try await fetch(
                    """
                    UPDATE payments SET status = 'settled', settled_at = coalesce(settled_at, $1)
                    WHERE provider = 'stripe' AND provider_transaction_id = $2
                      AND status IN ('authorized', 'submitted_for_settlement', 'settling')
                    RETURNING id
                    """, [.integer(now.seconds), .text(intent)], on: on, { try $0.text(0) })
                if settled.isEmpty, try await stripePayment(charge: "", intent: intent, on: on) == nil {
                    return .unknownPayment
                }
                return .applied(adopted: 0, updated: settled.count, own: 0)
            case .ignored:
                return .ignored
            }
        }
    }

    public func applyBraintreeEvent(_ event: BraintreeEvent, now: Timestamp) async throws -> WebhookOutcome {
        try await writeAudited { connection in
            let on = PostgresTarget.connection(connection)
            guard try await recordDelivery(.braintree, eventID: event.id, type: event.kind, now: now, on: connection)
            else { return .duplicate }
            if let subject = event.dispute, event.kind.hasPrefix("dispute_") {
                let update = try DisputeUpdate.braintree(subject, eventAt: event.at.seconds)
                guard let payment = try await braintreePayment(update.transaction, on: on) else {
                    return .unknownPayment
                }
                return try await upsertDispute(update, payment: payment, now: now, on: on)
            }
            guard let transaction = event.transactionID else { return .ignored }
            switch event.kind {
            case "transaction_settled", "transaction_settlement_declined":
                guard try await braintreePayment(transaction, on: on) != nil else { return .unknownPayment }
                let settled = event.kind == "transaction_settled"
                let moved = try await fetch(
                    """
                    UPDATE payments SET status = $1,
                      settled_at = CASE WHEN $2 = 1 THEN coalesce(settled_at, $3) END
                    WHERE provider = 'braintree' AND provider_transaction_id = $4
                      AND status IN ('authorized', 'submitted_for_settlement', 'settling')
                    RETURNING id
                    """,
                    [
                        .text(settled ? "settled" : "declined"), .flag(settled), .integer(now.seconds),
                        .text(transaction),
                    ],
                    on: on, { try $0.text(0) })
                return .applied(adopted: 0, updated: moved.count, own: 0)
            case "refund_failed":
                // Only a refund whose outcome was still open: a refund recorded as succeeded is money history.
                guard
                    let refund = try await fetchFirst(
                        """
                        SELECT id, order_id, amount, currency, status FROM refunds
                        WHERE provider = 'braintree' AND gateway_refund_id = $1 FOR UPDATE
                        """, [.text(transaction)], on: on,
                        {
                            (
                                id: try $0.text(0), orderID: try $0.text(1), amount: try $0.integer(2),
                                currency: try $0.text(3), status: try $0.text(4)
                            )
                        })
                else { return .unknownPayment }
                guard refund.status == "pending" || refund.status == "unknown" else {
                    return .applied(adopted: 0, updated: 0, own: 1)
                }
                try await execute(
                    """
                    UPDATE refunds SET status = 'failed', failure_message = 'Braintree: the refund failed',
                      updated_at = $1, lease_until = 0 WHERE id = $2
                    """, [.integer(now.seconds), .text(refund.id)], on: on)
                try await appendAudit(
                    .braintreeRefundFailed(
                        orderID: refund.orderID,
                        amount: Money(minorUnits: refund.amount, currency: try Currency(code: refund.currency)),
                        transaction: transaction, now: now),
                    on: connection)
                try await updateOrderStatus(orderID: refund.orderID, on: on)
                return .applied(adopted: 0, updated: 1, own: 0)
            default:
                return .ignored
            }
        }
    }

    public func knowsStripeCharge(_ charge: String) async throws -> Bool {
        try await stripePayment(charge: charge, intent: "", on: .pool) != nil
    }

    public func linkStripeCharge(_ charge: String, toIntent intent: String) async throws -> Bool {
        try await write { connection in
            try await fetch(
                """
                UPDATE payments SET provider_charge_id = $1
                WHERE provider = 'stripe' AND provider_transaction_id = $2 AND provider_charge_id IS NULL
                RETURNING id
                """, [.text(charge), .text(intent)], on: .connection(connection), { try $0.text(0) }
            ).isEmpty == false
        }
    }

    public func recordFeedRejection(_ source: FeedSource, reason: String, at: Timestamp) async throws {
        try await write { connection in
            try await execute(
                """
                INSERT INTO feed_sources (source, rejected, last_error, last_error_at) VALUES ($1, 1, $2, $3)
                ON CONFLICT (source) DO UPDATE SET rejected = feed_sources.rejected + 1,
                  last_error = excluded.last_error, last_error_at = excluded.last_error_at
                """, [.text(source.rawValue), .text(reason), .integer(at.seconds)], on: .connection(connection))
        }
    }
}

// MARK: - The pieces

extension PostgresStore {
    /// Notes a delivery from `source` in the caller's transaction: its freshness, and one more delivery in the
    /// dashboard's minute and hour buckets (kind `feed`, keyed by source), as SQLite's `Schema.touch`.
    func touch(_ source: FeedSource, at: Timestamp, on connection: PostgresConnection) async throws {
        let on = PostgresTarget.connection(connection)
        let values: [StoreValue] = [.text(source.rawValue), .integer(at.seconds)]
        try await execute(
            """
            INSERT INTO feed_sources (source, last_at, deliveries) VALUES ($1, $2, 1)
            ON CONFLICT (source) DO UPDATE SET last_at = greatest(coalesce(feed_sources.last_at, 0), excluded.last_at),
              deliveries = feed_sources.deliveries + 1
            """, values, on: on)
        for (table, size) in [("activity_minute", 60), ("activity_hour", 3600)] {
            try await execute(
                """
                INSERT INTO \(table) VALUES ('feed', $1, $2 / \(size) * \(size), 1, 0)
                ON CONFLICT (kind, bucket, key) DO UPDATE SET count = \(table).count + 1
                """, values, on: on)
        }
    }

    /// Notes the provider's delivery and records the event id: false when it was recorded already (a
    /// redelivery). A second box inserting the same id waits for the first's commit, then finds it.
    func recordDelivery(
        _ provider: PaymentProvider, eventID: String, type: String, now: Timestamp, on connection: PostgresConnection
    ) async throws -> Bool {
        try await touch(provider == .stripe ? .stripe : .braintree, at: now, on: connection)
        return try await fetch(
            """
            INSERT INTO webhook_events (provider, event_id, type, received_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (provider, event_id) DO NOTHING RETURNING 1
            """, [.text(provider.rawValue), .text(eventID), .text(type), .integer(now.seconds)],
            on: .connection(connection), { _ in () }
        ).isEmpty == false
    }

    /// The Stripe payment a charge or payment intent belongs to, its row locked for the transaction.
    func stripePayment(charge: String, intent: String, on target: PostgresTarget) async throws -> Payment? {
        try await fetchFirst(
            """
            SELECT \(StoredColumns.payment) FROM payments pay WHERE pay.provider = 'stripe'
              AND (pay.provider_transaction_id IN ($1, $2) OR pay.provider_charge_id = $1)
            """ + (target.isConnection ? " FOR UPDATE" : ""), [.text(charge), .text(intent)], on: target
        ) { try Payment(row: $0) }
    }

    func braintreePayment(_ transaction: String, on target: PostgresTarget) async throws -> Payment? {
        try await fetchFirst(
            """
            SELECT \(StoredColumns.payment) FROM payments pay
            WHERE pay.provider = 'braintree' AND pay.provider_transaction_id = $1 FOR UPDATE
            """, [.text(transaction)], on: target
        ) { try Payment(row: $0) }
    }

    /// Inserts a dispute, or moves it to its new state when `DisputeUpdate.replaces` says so.
    func upsertDispute(
        _ update: DisputeUpdate, payment: Payment, now: Timestamp, on: PostgresTarget
    ) async throws -> WebhookOutcome {
        let amount = try update.minorUnits(in: payment.currency)
        if let stored = try await fetchFirst(
            "SELECT status, event_at FROM disputes WHERE id = $1 FOR UPDATE", [.text(update.id)], on: on,
            { (status: try $0.text(0), eventAt: try $0.integer(1)) })
        {
            let was = DisputeStatus(rawValue: stored.status) ?? .needsResponse
            guard update.replaces(status: was, eventAt: stored.eventAt) else {
                return .dispute(id: update.id, status: was, changed: false)
            }
        }
        try await execute(
            """
            INSERT INTO disputes (id, payment_id, order_id, provider, amount, currency, reason, status,
              provider_status, evidence_due_by, created_at, updated_at, event_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (id) DO UPDATE SET amount = excluded.amount, reason = excluded.reason,
              status = excluded.status, provider_status = excluded.provider_status,
              evidence_due_by = excluded.evidence_due_by, updated_at = excluded.updated_at,
              event_at = excluded.event_at
            """,
            [
                .text(update.id), .text(payment.id), .text(payment.orderID), .text(update.provider.rawValue),
                .integer(amount), .text(payment.currency.code), .text(update.reason), .text(update.status.rawValue),
                .text(update.providerStatus), update.evidenceDueBy.map { .integer($0) } ?? .null,
                .integer(update.created), .integer(now.seconds), .integer(update.eventAt),
            ], on: on)
        return .dispute(id: update.id, status: update.status, changed: true)
    }
}

extension PostgresTarget {
    var isConnection: Bool {
        if case .connection = self { return true }
        return false
    }
}
