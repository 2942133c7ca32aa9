import OpsCore
import PostgresNIO

// MARK: - Refunds made elsewhere

extension PostgresStore {
    public func adoptProviderRefunds(
        payment: Payment, refunds: [ProviderRefund], source: String, now: Timestamp
    ) async throws -> (adopted: Int, updated: Int) {
        try await writeAudited { connection in
            let on = PostgresTarget.connection(connection)
            // The payment's row lock, as a reservation takes it: an adopted refund counts against what is left
            // before any box reserves more.
            _ = try await fetch("SELECT id FROM payments WHERE id = $1 FOR UPDATE", [.text(payment.id)], on: on) {
                try $0.text(0)
            }
            var adopted = 0, updated = 0
            for refund in refunds {
                switch try await adopt(refund, payment: payment, source: source, now: now, on: connection) {
                case .adopted: adopted += 1
                case .updated: updated += 1
                default: break
                }
            }
            return (adopted, updated)
        }
    }

    /// Matches one refund a provider reports against the ledger, as the SQLite store does: the console's own (its
    /// intent id) is left alone; a known external one moves to its new state; an unknown one is adopted as an
    /// external refund, audited, counting against what is left to refund at once.
    func adopt(
        _ refund: ProviderRefund, payment: Payment, source: String, now: Timestamp, on connection: PostgresConnection
    ) async throws -> RefundAdoption {
        let on = PostgresTarget.connection(connection)
        if let ours = refund.intentID, try await self.refund(id: ours, on: on) != nil { return .own }
        let status = refund.status.rawValue
        let provider = payment.provider
        func audit(settled: Bool) -> AuditRecord {
            RefundAdoption.audit(
                refund, orderID: payment.orderID, currency: payment.currency, provider: provider, source: source,
                now: now, settled: settled)
        }
        let known = try await fetchFirst(
            "SELECT id, status FROM refunds WHERE gateway_refund_id = $1", [.text(refund.id)], on: on,
            { (id: try $0.text(0), status: try $0.text(1)) })
        if let step = RefundAdoption.step(for: refund, known: known) {
            guard step == .updated, let known else { return step }
            try await execute(
                "UPDATE refunds SET status = $1, updated_at = $2 WHERE id = $3",
                [.text(status), .integer(now.seconds), .text(known.id)], on: on)
            if refund.status == .succeeded { try await appendAudit(audit(settled: true), on: connection) }
            try await updateOrderStatus(orderID: payment.orderID, on: on)
            return .updated
        }
        let row = RefundAdoption.row(refund, provider: provider)
        try await execute(
            """
            INSERT INTO refunds (id, order_id, payment_id, provider, amount, currency, status, reason, note,
              idempotency_key, gateway_refund_id, is_void, operator, failure_message, created_at, updated_at,
              lease_until)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'other', $8, $9, $10, 0, $4, NULL, $11, $11, 0)
            """,
            [
                .text(row.id), .text(payment.orderID), .text(payment.id), .text(provider.rawValue),
                .integer(refund.amount), .text(payment.currency.code), .text(status), .text(row.note), .text(row.key),
                .text(refund.id), .integer(now.seconds),
            ], on: on)
        try await appendAudit(audit(settled: false), on: connection)
        try await updateOrderStatus(orderID: payment.orderID, on: on)
        return .adopted
    }
}

// MARK: - PostgresStore: SandboxLedger

/// The sandbox gateways' ledger in the shared database, so a demo or test refund made from one box is what the
/// "gateway" remembers on every box. The transaction's payment row is locked first: two boxes applying to one
/// transaction (or replaying one key) take turns.
extension PostgresStore: SandboxLedger {
    static let sandboxColumns = "id, transaction_id, amount, currency, is_void, intent_id, fingerprint, created_at"

    public func sandboxApply(
        provider: PaymentProvider, transactionID: String, idempotencyKey: String, fingerprint: String,
        intentID: String?, window: Int64, now: Timestamp,
        decide: @Sendable (SandboxTransactionState) throws -> SandboxDecision
    ) async throws -> (SandboxRecord, replayed: Bool) {
        try await write { connection in
            let on = PostgresTarget.connection(connection)
            guard let (state, _) = try await sandboxState(provider, transactionID, lock: true, on: on) else {
                throw SandboxTransactionNotFound(transactionID: transactionID)
            }
            if let (row, record) = try await fetchFirst(
                """
                SELECT \(Self.sandboxColumns) FROM sandbox_refunds WHERE provider = $1 AND idempotency_key = $2
                """, [.text(provider.rawValue), .text(idempotencyKey)], on: on,
                { (try $0.text(0), (try Self.sandboxRecord($0), try $0.integer(7))) })
            {
                if record.1 >= now.seconds - window { return (record.0, true) }
                // Past the window the gateway has forgotten the key: the request is new.
                try await execute(
                    "UPDATE sandbox_refunds SET idempotency_key = idempotency_key || '#expired-' || id WHERE id = $1",
                    [.text(row)], on: on)
            }
            let decision = try decide(state)
            let isVoid = decision == .void
            let amount: Int64 =
                switch decision {
                case .refund(let a): a
                case .void: state.amount.minorUnits
                }
            let (id, rowID) = SandboxRecord.newIDs(
                provider: provider, isVoid: isVoid, transactionID: state.transactionID)
            try await execute(
                """
                INSERT INTO sandbox_refunds (id, provider, transaction_id, amount, currency, is_void, idempotency_key,
                  fingerprint, intent_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                """,
                [
                    .text(rowID), .text(provider.rawValue), .text(state.transactionID), .integer(amount),
                    .text(state.amount.currency.code), .flag(isVoid), .text(idempotencyKey), .text(fingerprint),
                    intentID.map { .text($0) } ?? .null, .integer(now.seconds),
                ], on: on)
            if isVoid {
                try await execute(
                    """
                    INSERT INTO sandbox_transaction_status (provider, transaction_id, status) VALUES ($1, $2, 'voided')
                    ON CONFLICT (provider, transaction_id) DO UPDATE SET status = 'voided'
                    """, [.text(provider.rawValue), .text(state.transactionID)], on: on)
            }
            let record = SandboxRecord(
                id: id, transactionID: state.transactionID,
                amount: Money(minorUnits: amount, currency: state.amount.currency), isVoid: isVoid,
                intentID: intentID, fingerprint: fingerprint)
            return (record, false)
        }
    }

    public func sandboxTransaction(
        provider: PaymentProvider, transactionID: String
    ) async throws -> (SandboxTransactionState, [SandboxRecord])? {
        try await sandboxState(provider, transactionID, lock: false, on: .pool)
    }

    /// The sandbox's view of a transaction: the payment as seeded or imported, with what the sandbox did to it.
    func sandboxState(
        _ provider: PaymentProvider, _ transactionID: String, lock: Bool, on target: PostgresTarget
    ) async throws -> (SandboxTransactionState, [SandboxRecord])? {
        guard
            let payment = try await fetchFirst(
                """
                SELECT \(StoredColumns.payment) FROM payments pay
                WHERE pay.provider = $1 AND (pay.provider_transaction_id = $2 OR pay.provider_charge_id = $2)
                \(lock ? "FOR UPDATE" : "")
                """, [.text(provider.rawValue), .text(transactionID)], on: target, { try Payment(row: $0) })
        else { return nil }
        let canonical = payment.providerTransactionID
        let key: [StoreValue] = [.text(provider.rawValue), .text(canonical)]
        var status = payment.status
        if let override = try await fetchFirst(
            "SELECT status FROM sandbox_transaction_status WHERE provider = $1 AND transaction_id = $2", key,
            on: target, { try $0.text(0) }), let s = PaymentStatus(rawValue: override)
        {
            status = s
        }
        let records = try await fetch(
            """
            SELECT \(Self.sandboxColumns) FROM sandbox_refunds WHERE provider = $1 AND transaction_id = $2
            ORDER BY created_at, id
            """, key, on: target, Self.sandboxRecord)
        let refunded = records.filter { !$0.isVoid }.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
        return (
            SandboxTransactionState(
                provider: provider, transactionID: canonical, amount: payment.money, status: status,
                refunded: refunded), records
        )
    }

    static func sandboxRecord(_ row: PostgresRecordRow) throws -> SandboxRecord {
        let isVoid = try row.integer(4) != 0
        let transaction = try row.text(1)
        return SandboxRecord(
            id: isVoid ? transaction : try row.text(0), transactionID: transaction,
            amount: Money(minorUnits: try row.integer(2), currency: try row.storedCurrency(3, "sandbox_refunds")),
            isVoid: isVoid, intentID: try row.optionalText(5), fingerprint: try row.text(6))
    }
}
