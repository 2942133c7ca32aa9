import Foundation
import GRDB
import OpsCore

extension SQLiteStore: SandboxLedger {
    public func sandboxApply(
        provider: PaymentProvider, transactionID: String, idempotencyKey: String, fingerprint: String,
        intentID: String?, window: Int64, now: Timestamp,
        decide: @Sendable (SandboxTransactionState) throws -> SandboxDecision
    ) async throws -> (SandboxRecord, replayed: Bool) {
        try writeImmediately { db in
            if let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT id, transaction_id, amount, currency, is_void, intent_id, fingerprint, created_at FROM \
                    sandbox_refunds
                    WHERE provider = ? AND idempotency_key = ?
                    """, arguments: [provider.rawValue, idempotencyKey])
            {
                let createdAt: Int64 = row[7]
                if createdAt >= now.seconds - window {
                    return (try Self.sandboxRecord(row), true)
                }
                // Past the window the gateway has forgotten the key: the request is new.
                try db.execute(
                    sql:
                        "UPDATE sandbox_refunds SET idempotency_key = idempotency_key || '#expired-' || id WHERE id "
                        + "= ?",
                    arguments: [row[0] as String])
            }
            guard let (state, _) = try Self.sandboxState(db, provider: provider, transactionID: transactionID) else {
                throw SandboxTransactionNotFound(transactionID: transactionID)
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
            try db.execute(
                sql: """
                    INSERT INTO sandbox_refunds (id, provider, transaction_id, amount, currency, is_void, \
                    idempotency_key, fingerprint,
                      intent_id, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)
                    """,
                arguments: [
                    rowID, provider.rawValue, state.transactionID, amount,
                    state.amount.currency.code, isVoid, idempotencyKey, fingerprint, intentID, now.seconds,
                ])
            if isVoid {
                try db.execute(
                    sql: """
                        INSERT INTO sandbox_transaction_status (provider, transaction_id, status) VALUES (?, ?, \
                        'voided')
                        ON CONFLICT(provider, transaction_id) DO UPDATE SET status = 'voided'
                        """, arguments: [provider.rawValue, state.transactionID])
            }
            return (
                SandboxRecord(
                    id: id, transactionID: state.transactionID,
                    amount: Money(minorUnits: amount, currency: state.amount.currency),
                    isVoid: isVoid, intentID: intentID, fingerprint: fingerprint), false
            )
        }
    }

    public func sandboxTransaction(
        provider: PaymentProvider, transactionID: String
    ) async throws -> (SandboxTransactionState, [SandboxRecord])? {
        try readNow { db in try Self.sandboxState(db, provider: provider, transactionID: transactionID) }
    }

    /// The sandbox's view of a transaction: the payment as seeded or imported, with what the sandbox has done to it.
    static func sandboxState(
        _ db: Database, provider: PaymentProvider, transactionID: String
    ) throws -> (SandboxTransactionState, [SandboxRecord])? {
        guard
            let payment = try fetchFirstDecoded(
                db,
                """
                SELECT \(Columns.payment) FROM payments pay
                WHERE pay.provider = ?1 AND (pay.provider_transaction_id = ?2 OR pay.provider_charge_id = ?2)
                """, [provider.rawValue, transactionID], { try Payment(row: $0) })
        else { return nil }
        let canonical = payment.providerTransactionID
        var status = payment.status
        if let override = try String.fetchOne(
            db,
            sql: """
                SELECT status FROM sandbox_transaction_status WHERE provider = ? AND transaction_id = ?
                """, arguments: [provider.rawValue, canonical]), let s = PaymentStatus(rawValue: override)
        {
            status = s
        }
        let records = try fetchDecoded(
            db,
            """
            SELECT id, transaction_id, amount, currency, is_void, intent_id, fingerprint, created_at FROM \
            sandbox_refunds
            WHERE provider = ? AND transaction_id = ? ORDER BY created_at, id
            """, [provider.rawValue, canonical], sandboxRecord)
        let refunded = records.filter { !$0.isVoid }.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
        return (
            SandboxTransactionState(
                provider: provider, transactionID: canonical, amount: payment.money, status: status,
                refunded: refunded), records
        )
    }

    static func sandboxRecord(_ row: Row) throws -> SandboxRecord {
        let currency = try row.storedCurrency(3, "sandbox_refunds")
        let id: String = row[0]
        let isVoid: Bool = row[4]
        return SandboxRecord(
            id: isVoid ? row[1] : id, transactionID: row[1], amount: Money(minorUnits: row[2], currency: currency),
            isVoid: isVoid, intentID: row[5], fingerprint: row[6])
    }
}
