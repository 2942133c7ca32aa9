import Crypto
import Foundation
import OpsCore
import PostgresNIO

// MARK: - PostgresStore: RefundStore

/// Refunds on a database many ops boxes share. A reservation locks its payment's row (`SELECT … FOR UPDATE`) before
/// it reads what is left, so two boxes racing for the same remainder queue on that row and the second sees the
/// first's intent; every audited write locks the chain's head row, so the chain advances one entry at a time.
extension PostgresStore: RefundStore {
    public func refundContext(orderID: String) async throws -> RefundContext? {
        try await refundContext(orderID: orderID, on: .pool)
    }

    func refundContext(orderID: String, on target: PostgresTarget) async throws -> RefundContext? {
        guard let detail = try await orderDetail(orderID: orderID, on: target) else { return nil }
        return RefundContext(
            order: detail.order, user: detail.user, payments: detail.payments, refunds: detail.refunds,
            disputes: detail.disputes)
    }

    public func reserveRefund(_ r: RefundReservation, audit: AuditRecord) async throws -> Refund {
        try await writeAudited { connection in
            let on = PostgresTarget.connection(connection)
            // The payment's row lock: whoever holds it is the only one deciding what is left on that payment.
            let locked = try await fetch(
                "SELECT id FROM payments WHERE id = $1 AND order_id = $2 FOR UPDATE",
                [.text(r.paymentID), .text(r.orderID)], on: on
            ) { try $0.text(0) }
            guard let context = try await refundContext(orderID: r.orderID, on: on) else {
                throw ReservationError.orderNotFound(r.orderID)
            }
            guard !locked.isEmpty else { throw ReservationError.paymentNotFound(r.paymentID) }
            let payment = try r.check(context)
            try await execute(
                """
                INSERT INTO refunds (id, order_id, payment_id, provider, amount, currency, status, reason, note,
                  idempotency_key, gateway_refund_id, is_void, operator, failure_message, created_at, updated_at,
                  lease_until)
                VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, NULL, 0, $10, NULL, $11, $11, $12)
                """,
                [
                    .text(r.id), .text(r.orderID), .text(r.paymentID), .text(payment.provider.rawValue),
                    .integer(r.amount), .text(payment.currency.code), .text(r.reason.rawValue), .text(r.note),
                    .text(r.idempotencyKey), .text(r.operatorName), .integer(r.now.seconds),
                    .integer(r.leaseUntil.seconds),
                ], on: on)
            try await appendAudit(audit, on: connection)
            return try await refund(id: r.id, on: on)!
        }
    }

    public func resolveRefund(
        id: String, _ resolution: RefundResolution, now: Timestamp, audit: AuditRecord
    ) async throws -> Refund {
        try await writeAudited { connection in
            let on = PostgresTarget.connection(connection)
            guard let refund = try await refund(id: id, on: on) else { throw ReservationError.orderNotFound(id) }
            switch resolution {
            case .succeeded(let gatewayID, let isVoid):
                try await execute(
                    """
                    UPDATE refunds SET status = 'succeeded', gateway_refund_id = $1, is_void = $2,
                      failure_message = NULL, updated_at = $3, lease_until = 0 WHERE id = $4
                    """, [.text(gatewayID), .flag(isVoid), .integer(now.seconds), .text(id)], on: on)
                if isVoid {
                    try await execute(
                        "UPDATE payments SET status = 'voided', settled_at = NULL WHERE id = $1",
                        [.text(refund.paymentID)], on: on)
                }
                try await updateOrderStatus(orderID: refund.orderID, on: on)
            case .failed(let message), .unknown(let message):
                let status = if case .failed = resolution { "failed" } else { "unknown" }
                try await execute(
                    """
                    UPDATE refunds SET status = $1, failure_message = $2, updated_at = $3, lease_until = 0
                    WHERE id = $4
                    """, [.text(status), .text(message), .integer(now.seconds), .text(id)], on: on)
            }
            try await appendAudit(audit, on: connection)
            return try await self.refund(id: id, on: on)!
        }
    }

    /// The order's status follows the money: refunded when everything captured has come back, partially refunded
    /// when some has.
    func updateOrderStatus(orderID: String, on target: PostgresTarget) async throws {
        guard
            let (paid, refunded) = try await fetchFirst(
                """
                SELECT
                  (SELECT coalesce(sum(amount), 0)::bigint FROM payments WHERE order_id = $1
                     AND status IN ('submitted_for_settlement', 'settling', 'settled', 'voided')),
                  (SELECT coalesce(sum(amount), 0)::bigint FROM refunds WHERE order_id = $1 AND status = 'succeeded')
                """, [.text(orderID)], on: target, { (try $0.integer(0), try $0.integer(1)) }),
            refunded > 0
        else { return }
        let status: OrderStatus = refunded >= paid ? .refunded : .partiallyRefunded
        try await execute(
            "UPDATE orders SET status = $1 WHERE id = $2 AND status <> 'cancelled'",
            [.text(status.rawValue), .text(orderID)], on: target)
    }

    public func claimRefundsToReconcile(now: Timestamp, leaseSeconds: Int64) async throws -> [Refund] {
        // Rows another reconciler is claiming right now are skipped, not waited for; a row whose lease it has just
        // extended is re-checked against `lease_until` once locked, and left out.
        let claimed = try await write { connection in
            try await fetch(
                """
                UPDATE refunds r SET lease_until = $1 WHERE r.id IN (
                  SELECT id FROM refunds WHERE status IN ('pending', 'unknown') AND lease_until < $2
                  FOR UPDATE SKIP LOCKED)
                RETURNING \(StoredColumns.refund)
                """, [.integer(now.seconds + leaseSeconds), .integer(now.seconds)], on: .connection(connection)
            ) { try Refund(row: $0) }
        }
        return claimed.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func leasedRefunds(now: Timestamp) async throws -> [Refund] {
        try await fetch(
            """
            SELECT \(StoredColumns.refund) FROM refunds r
            WHERE r.status IN ('pending', 'unknown') AND r.lease_until >= $1 ORDER BY r.created_at, r.id
            """, [.integer(now.seconds)]
        ) { try Refund(row: $0) }
    }

    public func rekeyRefund(id: String, newKey: String) async throws {
        try await write { connection in
            try await execute(
                "UPDATE refunds SET idempotency_key = $1 WHERE id = $2", [.text(newKey), .text(id)],
                on: .connection(connection))
        }
    }

    public func refund(id: String) async throws -> Refund? { try await refund(id: id, on: .pool) }

    func refund(id: String, on target: PostgresTarget) async throws -> Refund? {
        try await fetchFirst(
            "SELECT \(StoredColumns.refund) FROM refunds r WHERE r.id = $1", [.text(id)], on: target
        ) { try Refund(row: $0) }
    }

    /// Refund intents in a state, oldest first (for `reconcile` reports and tests).
    public func refunds(status: RefundStatus) async throws -> [Refund] {
        try await fetch(
            "SELECT \(StoredColumns.refund) FROM refunds r WHERE r.status = $1 ORDER BY r.created_at, r.id",
            [.text(status.rawValue)]
        ) { try Refund(row: $0) }
    }

    public func paymentsToRecheck(since: Timestamp, providers: [PaymentProvider]) async throws -> [Payment] {
        try await fetch(
            """
            SELECT \(StoredColumns.payment) FROM payments pay
            WHERE pay.created_at >= $1 AND pay.status NOT IN ('voided', 'failed', 'declined')
              AND pay.provider = ANY(string_to_array($2, ','))
            ORDER BY pay.created_at
            """, [.integer(since.seconds), .text(providers.map(\.rawValue).joined(separator: ","))]
        ) { try Payment(row: $0) }
    }
}

// MARK: - Writes

extension PostgresStore {
    /// A write transaction whose failures (other than the work's own refusals) come out as `StoreWriteFailure`,
    /// in an operator's words: the server's text goes to the log only.
    func write<T>(_ work: (PostgresConnection) async throws -> sending T) async throws -> sending T {
        do {
            // The pool would wait for a connection as long as the server is away: ask first, with the deadline
            // (a server lost after this point fails the transaction at once).
            try await execute("SELECT 1")
            return try await transaction(work)
        } catch let error as PSQLError {
            logger.error("write failed", metadata: ["error": "\(Self.describe(error))"])
            throw StoreWriteFailure(kind: Self.writeFailureKind(error), detail: Self.describe(error))
        } catch PostgresStoreError.failed(let detail, let kind) {
            logger.error("write failed", metadata: ["error": "\(detail)"])
            throw StoreWriteFailure(kind: kind, detail: detail)
        } catch let error as PostgresStoreError {
            // No connection within the deadline: nothing of the write was sent.
            logger.error("write failed", metadata: ["error": "\(error)"])
            throw StoreWriteFailure(kind: .unreachable, detail: error.description)
        }
    }

    /// The kind of a failed write, from the server's SQLSTATE (or the connection's loss).
    static func writeFailureKind(_ error: PSQLError) -> StoreWriteFailure.Kind {
        guard let state = error.serverInfo?[.sqlState] else { return .unreachable }
        switch state {
        case "53100": return .diskFull
        case "25006", "42501": return .readOnly
        case "40001", "40P01", "55P03": return .busy
        case _ where state.hasPrefix("08") || state.hasPrefix("57P"): return .unreachable
        default: return .other
        }
    }
}

// MARK: - The audit chain

extension PostgresStore {
    static func digest(_ text: String) -> String { AuditChain.hex(SHA256.hash(data: Data(text.utf8))) }

    static let auditColumns = """
        seq, at, operator, ssh_client, action, target, amount, currency, reason, idempotency_key, gateway_ids, \
        result, detail, prev_hash, hash
        """

    /// Appends inside the caller's transaction, holding the head's row lock until it commits.
    func appendAudit(_ record: AuditRecord, on connection: PostgresConnection) async throws {
        let on = PostgresTarget.connection(connection)
        // The head row exists from the first audited write on; two first writers meet on its key.
        try await execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING",
            [.text(AuditChain.genesisHash)], on: on)
        let (last, previous) = try await fetchFirst(
            "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE", on: on, { (try $0.integer(0), try $0.text(1)) }
        )!
        let sequence = last + 1
        let hash = Self.digest(AuditChain.hashedText(sequence: sequence, record: record, previousHash: previous))
        try await execute(
            """
            INSERT INTO audit_log (seq, at, operator, ssh_client, action, target, amount, currency, reason,
              idempotency_key, gateway_ids, result, detail, prev_hash, hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            """,
            [
                .integer(sequence), .integer(record.at.seconds), .text(record.operatorName), .text(record.sshClient),
                .text(record.action), .text(record.target), record.amount.map { .integer($0.minorUnits) } ?? .null,
                record.amount.map { .text($0.currency.code) } ?? .null, .text(record.reason),
                .text(record.idempotencyKey), .text(record.gatewayIDs), .text(record.result), .text(record.detail),
                .text(previous), .text(hash),
            ], on: on)
        try await execute(
            "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", [.integer(sequence), .text(hash)], on: on)
    }

    public func appendAudit(_ record: AuditRecord) async throws {
        try await writeAudited { connection in try await appendAudit(record, on: connection) }
    }

    static func auditEntry(_ row: PostgresRecordRow) throws -> AuditEntry {
        var amount: Money?
        if let minor = try row.optionalInteger(6), try row.optionalText(7) != nil {
            amount = Money(minorUnits: minor, currency: try row.storedCurrency(7, "audit_log"))
        }
        let record = AuditRecord(
            at: try row.timestamp(1), operatorName: try row.text(2), sshClient: try row.text(3),
            action: try row.text(4), target: try row.text(5), amount: amount, reason: try row.text(8),
            idempotencyKey: try row.text(9), gatewayIDs: try row.text(10), result: try row.text(11),
            detail: try row.text(12))
        return AuditEntry(
            sequence: try row.integer(0), record: record, previousHash: try row.text(13), hash: try row.text(14))
    }

    public func auditEntries(limit: Int) async throws -> [AuditEntry] {
        try await fetch(
            "SELECT \(Self.auditColumns) FROM audit_log ORDER BY seq DESC LIMIT $1", [.integer(Int64(limit))],
            Self.auditEntry)
    }

    /// The chain entry by entry (streamed in sequence order), its head, and every order's refunds against their
    /// audit entries. A PostgreSQL database has no anchor file yet: a rewound database whose ledger still matches
    /// its log is not detected here (see README, "What `audit verify` proves").
    /// A write whose transaction appends to the audit log; once it has committed, the head is anchored on this
    /// box (perhaps a head another box's entry made since: any head of the chain anchors it as well).
    func writeAudited<T>(_ work: (PostgresConnection) async throws -> sending T) async throws -> sending T {
        let result = try await write(work)
        await anchorHead()
        return result
    }

    /// Appends the chain's head to this box's anchor; a failure is logged and never stops the refund that caused
    /// it: the chain itself is whole, only its outside copy lags.
    func anchorHead() async {
        guard let auditAnchor else { return }
        do {
            let head = try await fetchFirst("SELECT seq, hash FROM audit_head WHERE id = 1", [], on: .pool) {
                (try $0.integer(0), try $0.text(1))
            }
            guard let head else { return }
            try auditAnchor.append(sequence: head.0, hash: head.1)
        } catch {
            logger.warning("audit head not anchored", metadata: ["path": "\(auditAnchor.path)", "error": "\(error)"])
        }
    }

    public func verifyAudit() async throws -> AuditVerification {
        try await client.withConnection { connection in
            var walk = AuditChain.Walk(digest: Self.digest)
            let rows = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT \(Self.auditColumns) FROM audit_log ORDER BY seq"), logger: logger)
            for try await row in rows {
                if let broken = walk.check(try Self.auditEntry(PostgresRecordRow(row))) { return broken }
            }
            let head = try await fetchFirst(
                "SELECT seq, hash FROM audit_head WHERE id = 1", on: .connection(connection),
                { (try $0.integer(0), try $0.text(1)) })
            if let broken = walk.checkHead(sequence: head?.0, hash: head?.1) { return broken }
            if let auditAnchor,
                let problem = try await auditAnchor.problem(
                    lastSequence: walk.lastSequence,
                    hashAt: { sequence in
                        try await self.fetchFirst(
                            "SELECT hash FROM audit_log WHERE seq = $1", [.integer(sequence)],
                            on: .connection(connection)
                        ) { try $0.text(0) }
                    })
            {
                return .broken(sequence: walk.expectedSequence, problem: problem)
            }
            if let problem = try await ledgerProblem(on: .connection(connection)) {
                return .broken(sequence: walk.expectedSequence, problem: problem)
            }
            return .intact(entries: walk.lastSequence)
        }
    }

    /// Every refund and intent matched by its audit entries, order by order, and every support action (as the
    /// SQLite store checks).
    func ledgerProblem(on target: PostgresTarget) async throws -> String? {
        if let problem = try await refundLedgerProblem(on: target) { return problem }
        return try await fetchFirst(AuditChain.actionMismatchSQL, on: target) { row in
            AuditChain.actionMismatch(
                id: try row.text(0), exists: try row.integer(1) == 1, requested: try row.integer(2),
                succeeded: try row.integer(3), actionSucceeded: try row.integer(4) == 1)
        }
    }

    func refundLedgerProblem(on target: PostgresTarget) async throws -> String? {
        func list(_ actions: [String]) -> String { actions.map { "'\($0)'" }.joined(separator: ", ") }
        let intent = "action IN (\(list(AuditChain.intentActions)))"
        let done =
            "(action IN (\(list(AuditChain.successActions))) OR (action IN ('refund.imported', 'refund.external') "
            + "AND result = 'succeeded'))"
        return try await fetchFirst(
            """
            WITH ledger AS (
              SELECT 'order ' || order_id AS target, count(*) AS intents, sum(amount) AS intent_amount,
                count(*) FILTER (WHERE status = 'succeeded') AS done,
                coalesce(sum(amount) FILTER (WHERE status = 'succeeded'), 0) AS done_amount
              FROM refunds GROUP BY order_id
            ), audit AS (
              SELECT target, count(*) FILTER (WHERE \(intent)) AS intents,
                coalesce(sum(amount) FILTER (WHERE \(intent)), 0) AS intent_amount,
                count(*) FILTER (WHERE \(done)) AS done, coalesce(sum(amount) FILTER (WHERE \(done)), 0) AS done_amount
              FROM audit_log WHERE action LIKE 'refund.%' OR action LIKE 'reconcile.%' GROUP BY target
            )
            SELECT coalesce(l.target, a.target), coalesce(l.intents, 0), coalesce(a.intents, 0), coalesce(l.done, 0),
              coalesce(a.done, 0)
            FROM ledger l FULL OUTER JOIN audit a ON a.target = l.target
            WHERE coalesce(l.intents, 0) <> coalesce(a.intents, 0) OR coalesce(l.done, 0) <> coalesce(a.done, 0)
               OR coalesce(l.intent_amount, 0) <> coalesce(a.intent_amount, 0)
               OR coalesce(l.done_amount, 0) <> coalesce(a.done_amount, 0)
            ORDER BY 1 LIMIT 1
            """, on: target
        ) { row in
            AuditChain.ledgerMismatch(
                target: try row.text(0), ledgerIntents: try row.integer(1), ledgerSucceeded: try row.integer(3),
                logIntents: try row.integer(2), logSucceeded: try row.integer(4))
        }
    }
}
