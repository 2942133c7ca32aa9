import Foundation
import GRDB
import OpsCore

extension SQLiteStore: RefundStore {
    /// A write transaction that takes the write lock at once (BEGIN IMMEDIATE): a reservation reads what is left and
    /// writes the intent, and no other process may write between the two.
    func writeImmediately<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError {
            throw Self.writeFailure(error)
        }
    }

    /// SQLite's result codes in an operator's words (the library's text stays in `detail`, for the log).
    static func writeFailure(_ error: DatabaseError) -> StoreWriteFailure {
        let kind: StoreWriteFailure.Kind =
            switch error.resultCode {
            case .SQLITE_FULL: .diskFull
            case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN: .readOnly
            case .SQLITE_IOERR: .ioError
            case .SQLITE_BUSY, .SQLITE_LOCKED: .busy
            default: .other
            }
        return StoreWriteFailure(kind: kind, detail: "\(error)")
    }

    public func refundContext(orderID: String) async throws -> RefundContext? {
        try readNow { db in try Self.refundContext(db, orderID: orderID) }
    }

    static func refundContext(_ db: Database, orderID: String) throws -> RefundContext? {
        guard let detail = try orderDetail(db, orderID: orderID) else { return nil }
        return RefundContext(
            order: detail.order, user: detail.user, payments: detail.payments, refunds: detail.refunds,
            disputes: detail.disputes)
    }

    public func reserveRefund(_ r: RefundReservation, audit: AuditRecord) async throws -> Refund {
        try writeAudited { db in
            guard let context = try Self.refundContext(db, orderID: r.orderID) else {
                throw ReservationError.orderNotFound(r.orderID)
            }
            let payment = try r.check(context)
            try db.execute(
                sql: """
                    INSERT INTO refunds (id, order_id, payment_id, provider, amount, currency, status, reason, note, \
                    idempotency_key,
                      gateway_refund_id, is_void, operator, failure_message, created_at, updated_at, lease_until)
                    VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, NULL, 0, ?, NULL, ?, ?, ?)
                    """,
                arguments: [
                    r.id, r.orderID, r.paymentID, payment.provider.rawValue, r.amount, payment.currency.code,
                    r.reason.rawValue, r.note, r.idempotencyKey, r.operatorName, r.now.seconds, r.now.seconds,
                    r.leaseUntil.seconds,
                ])
            try Self.appendAudit(db, audit)
            return try Self.refund(db, id: r.id)!
        }
    }

    public func resolveRefund(
        id: String, _ resolution: RefundResolution, now: Timestamp, audit: AuditRecord
    ) async throws -> Refund {
        try writeAudited { db in
            guard let refund = try Self.refund(db, id: id) else { throw ReservationError.orderNotFound(id) }
            switch resolution {
            case .succeeded(let gatewayID, let isVoid):
                try db.execute(
                    sql: """
                        UPDATE refunds SET status = 'succeeded', gateway_refund_id = ?, is_void = ?, failure_message \
                        = NULL,
                          updated_at = ?, lease_until = 0 WHERE id = ?
                        """, arguments: [gatewayID, isVoid, now.seconds, id])
                if isVoid {
                    try db.execute(
                        sql: "UPDATE payments SET status = 'voided', settled_at = NULL WHERE id = ?",
                        arguments: [refund.paymentID])
                }
                try Self.updateOrderStatus(db, orderID: refund.orderID)
            case .failed(let message):
                try db.execute(
                    sql: """
                        UPDATE refunds SET status = 'failed', failure_message = ?, updated_at = ?, lease_until = 0 \
                        WHERE id = ?
                        """, arguments: [message, now.seconds, id])
            case .unknown(let message):
                try db.execute(
                    sql: """
                        UPDATE refunds SET status = 'unknown', failure_message = ?, updated_at = ?, lease_until = 0 \
                        WHERE id = ?
                        """, arguments: [message, now.seconds, id])
            }
            try Self.appendAudit(db, audit)
            return try Self.refund(db, id: id)!
        }
    }

    /// The order's status follows the money: refunded when everything captured has come back, partially refunded
    /// when some has.
    static func updateOrderStatus(_ db: Database, orderID: String) throws {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT
                  (SELECT coalesce(sum(amount), 0) FROM payments WHERE order_id = ?1
                     AND status IN ('submitted_for_settlement', 'settling', 'settled', 'voided')),
                  (SELECT coalesce(sum(amount), 0) FROM refunds WHERE order_id = ?1 AND status = 'succeeded')
                """, arguments: [orderID])!
        let paid: Int64 = row[0], refunded: Int64 = row[1]
        guard refunded > 0 else { return }
        let status: OrderStatus = refunded >= paid ? .refunded : .partiallyRefunded
        try db.execute(
            sql: "UPDATE orders SET status = ? WHERE id = ? AND status != 'cancelled'",
            arguments: [status.rawValue, orderID])
    }

    public func claimRefundsToReconcile(now: Timestamp, leaseSeconds: Int64) async throws -> [Refund] {
        try writeImmediately { db in
            let refunds = try fetchDecoded(
                db,
                """
                SELECT \(Columns.refund) FROM refunds r
                WHERE r.status IN ('pending', 'unknown') AND r.lease_until < ? ORDER BY r.created_at, r.id
                """, [now.seconds]
            ) { try Refund(row: $0) }
            for refund in refunds {
                try db.execute(
                    sql: "UPDATE refunds SET lease_until = ? WHERE id = ?",
                    arguments: [now.seconds + leaseSeconds, refund.id])
            }
            return refunds
        }
    }

    public func leasedRefunds(now: Timestamp) async throws -> [Refund] {
        try readNow { db in
            try fetchDecoded(
                db,
                """
                SELECT \(Columns.refund) FROM refunds r
                WHERE r.status IN ('pending', 'unknown') AND r.lease_until >= ? ORDER BY r.created_at, r.id
                """, [now.seconds]
            ) { try Refund(row: $0) }
        }
    }

    public func rekeyRefund(id: String, newKey: String) async throws {
        try writeImmediately { db in
            try db.execute(sql: "UPDATE refunds SET idempotency_key = ? WHERE id = ?", arguments: [newKey, id])
        }
    }

    public func refund(id: String) async throws -> Refund? {
        try readNow { db in try Self.refund(db, id: id) }
    }

    static func refund(_ db: Database, id: String) throws -> Refund? {
        try fetchFirstDecoded(db, "SELECT \(Columns.refund) FROM refunds r WHERE r.id = ?", [id]) {
            try Refund(row: $0)
        }
    }

    /// Refund intents in a state, oldest first (for `reconcile` reports and tests).
    public func refunds(status: RefundStatus) async throws -> [Refund] {
        try readNow { db in
            try fetchDecoded(
                db, "SELECT \(Columns.refund) FROM refunds r WHERE r.status = ? ORDER BY r.created_at, r.id",
                [status.rawValue]
            ) { try Refund(row: $0) }
        }
    }
}
