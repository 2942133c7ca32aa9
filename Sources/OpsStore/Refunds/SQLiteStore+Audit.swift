import Crypto
import Foundation
import GRDB
import OpsCore

#if canImport(Glibc)
import Glibc
#endif

// MARK: - SQLiteStore

/// The audit log is a hash chain: each entry's hash covers its own fields and the previous entry's hash, and the
/// head (last sequence number and hash) is kept apart, so an edited, deleted, inserted or reordered entry — or a
/// deleted tail — breaks the chain at a place `verify` can name.
extension SQLiteStore {
    static let genesisHash = AuditChain.genesisHash

    /// An entry's hash: SHA-256 of the text the chain defines (`AuditChain.hashedText`), in hex.
    static func auditHash(sequence: Int64, record: AuditRecord, previousHash: String) -> String {
        digest(AuditChain.hashedText(sequence: sequence, record: record, previousHash: previousHash))
    }

    static func digest(_ text: String) -> String { AuditChain.hex(SHA256.hash(data: Data(text.utf8))) }

    /// Appends inside the caller's write transaction.
    static func appendAudit(_ db: Database, _ record: AuditRecord) throws {
        let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1")
        let sequence: Int64 = (head?[0] ?? 0) + 1
        let previous: String = head?[1] ?? genesisHash
        let hash = auditHash(sequence: sequence, record: record, previousHash: previous)
        try db.execute(
            sql: """
                INSERT INTO audit_log (seq, at, operator, ssh_client, action, target, amount, currency, reason, \
                idempotency_key,
                  gateway_ids, result, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                """,
            arguments: [
                sequence, record.at.seconds, record.operatorName, record.sshClient, record.action, record.target,
                record.amount?.minorUnits, record.amount?.currency.code, record.reason, record.idempotencyKey,
                record.gatewayIDs, record.result, record.detail, previous, hash,
            ])
        try db.execute(
            sql: """
                INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)
                ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
                """, arguments: [sequence, hash])
    }

    public func appendAudit(_ record: AuditRecord) async throws {
        try writeAudited { db in try Self.appendAudit(db, record) }
    }

    /// A write transaction that appends to the audit log; once it has committed, the new head is anchored
    /// outside the database.
    func writeAudited<T>(_ body: (Database) throws -> T) throws -> T {
        let result = try writeImmediately(body)
        anchorHead()
        return result
    }

    /// Where the chain's heads are anchored: an owner-only file next to the database, appended to after each
    /// commit. Rewinding the database (restoring an older copy, deleting the tail and the head) leaves the anchor
    /// ahead of the chain, which `verifyAudit` reports.
    public var auditAnchorPath: String { path + "-audit-anchor" }

    /// Appends the current head to the anchor file. A failure is logged by the caller's process and never stops
    /// the refund that caused it: the chain itself is intact, only the outside copy lags.
    func anchorHead() {
        do {
            guard
                let head = try readNow({ db in
                    try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1")
                })
            else { return }
            try AuditAnchor(path: auditAnchorPath).append(sequence: head[0], hash: head[1])
        } catch {
            StoreLog.warning("cannot anchor the audit head in \(auditAnchorPath): \(error)")
        }
    }

    /// Gives every seeded refund its audit entry (`refund.imported`), in the seed's own transaction.
    static func auditSeededRefunds(_ db: Database) throws {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT order_id, amount, currency, reason, idempotency_key, coalesce(gateway_refund_id, ''), status, \
                operator,
                  created_at FROM refunds ORDER BY created_at, id
                """)
        for row in rows {
            let currency = try Currency(code: row[2])
            try appendAudit(
                db,
                AuditRecord(
                    at: Timestamp(seconds: row[8]), operatorName: row[7], sshClient: "", action: "refund.imported",
                    target: "order \(row[0] as String)", amount: Money(minorUnits: row[1], currency: currency),
                    reason: row[3],
                    idempotencyKey: row[4], gatewayIDs: row[5], result: row[6], detail: "loaded with the demo data"))
        }
    }

    static let auditColumns = """
        seq, at, operator, ssh_client, action, target, amount, currency, reason, idempotency_key, gateway_ids, \
        result, detail,
        prev_hash, hash
        """

    static func auditEntry(_ row: Row) -> AuditEntry {
        var amount: Money?
        if let minor: Int64 = row[6], let code: String = row[7], let currency = try? Currency(code: code) {
            amount = Money(minorUnits: minor, currency: currency)
        }
        let record = AuditRecord(
            at: Timestamp(seconds: row[1]), operatorName: row[2], sshClient: row[3], action: row[4],
            target: row[5], amount: amount, reason: row[8], idempotencyKey: row[9], gatewayIDs: row[10],
            result: row[11], detail: row[12])
        return AuditEntry(sequence: row[0], record: record, previousHash: row[13], hash: row[14])
    }

    public func auditEntries(limit: Int) async throws -> [AuditEntry] {
        try readNow { db in
            try fetchDecoded(
                db, "SELECT \(Self.auditColumns) FROM audit_log ORDER BY seq DESC LIMIT ?", [limit], Self.auditEntry)
        }
    }

    public func verifyAudit() async throws -> AuditVerification {
        let chain = try walkAudit()
        guard case .intact(let entries) = chain else { return chain }
        // The anchor outside the database: every head anchored still in the chain, the chain reaching the newest.
        let anchor = AuditAnchor(path: auditAnchorPath)
        if let problem = try await anchor.problem(
            lastSequence: entries,
            hashAt: { sequence in
                try self.readNow { db in
                    try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [sequence])
                }
            })
        {
            return .broken(sequence: entries + 1, problem: problem)
        }
        if let problem = try readNow({ db in try Self.ledgerProblem(db) }) {
            return .broken(sequence: entries + 1, problem: problem)
        }
        return chain
    }

    /// The chain walked entry by entry, and its head.
    private func walkAudit() throws -> AuditVerification {
        try readNow { db in
            var walk = AuditChain.Walk(digest: Self.digest)
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(Self.auditColumns) FROM audit_log ORDER BY rowid")
            while let row = try cursor.next() {
                if let broken = walk.check(Self.auditEntry(row)) { return broken }
            }
            let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1")
            if let broken = walk.checkHead(sequence: head?[0], hash: head?[1]) { return broken }
            return .intact(entries: walk.expectedSequence - 1)
        }
    }

    /// Every refund and refund intent is matched by its audit entries, order by order: one request (or seeded
    /// import) entry per intent, and one success entry per succeeded refund, of the same amounts. Deleting refunds,
    /// inserting them, or wiping the log and its head is found here even though the remaining chain is whole.
    /// Support actions likewise, action by action (`AuditChain.actionMismatchSQL`).
    static func ledgerProblem(_ db: Database) throws -> String? {
        let rows = try Row.fetchAll(
            db,
            sql: """
                WITH ledger AS (
                  SELECT 'order ' || order_id AS target, count(*) AS intents, coalesce(sum(amount), 0) AS intent_amount,
                    sum(status = 'succeeded') AS done, coalesce(sum(CASE WHEN status = 'succeeded' THEN amount END), \
                0) AS done_amount
                  FROM refunds GROUP BY order_id
                ), audit AS (
                  SELECT target, sum(action IN ('refund.requested', 'refund.imported', 'refund.external')) AS intents,
                    coalesce(sum(CASE WHEN action IN ('refund.requested', 'refund.imported', 'refund.external') \
                THEN amount END), 0) AS \
                intent_amount,
                    sum(action IN ('refund.succeeded', 'reconcile.succeeded', 'refund.external_succeeded')
                        OR (action IN ('refund.imported', 'refund.external') AND result = 'succeeded')) AS done,
                    coalesce(sum(CASE WHEN action IN ('refund.succeeded', 'reconcile.succeeded',
                          'refund.external_succeeded')
                        OR (action IN ('refund.imported', 'refund.external') AND result = 'succeeded') THEN amount END),
                      0) AS done_amount
                  FROM audit_log WHERE action LIKE 'refund.%' OR action LIKE 'reconcile.%' GROUP BY target
                )
                SELECT coalesce(l.target, a.target), coalesce(l.intents, 0), coalesce(a.intents, 0), coalesce(l.done, \
                0),
                  coalesce(a.done, 0), coalesce(l.intent_amount, 0), coalesce(a.intent_amount, 0),
                  coalesce(l.done_amount, 0), coalesce(a.done_amount, 0)
                FROM ledger l FULL OUTER JOIN audit a ON a.target = l.target
                WHERE coalesce(l.intents, 0) != coalesce(a.intents, 0) OR coalesce(l.done, 0) != coalesce(a.done, 0)
                   OR coalesce(l.intent_amount, 0) != coalesce(a.intent_amount, 0)
                   OR coalesce(l.done_amount, 0) != coalesce(a.done_amount, 0)
                ORDER BY 1 LIMIT 1
                """)
        if let row = rows.first {
            return AuditChain.ledgerMismatch(
                target: row[0], ledgerIntents: row[1], ledgerSucceeded: row[3], logIntents: row[2],
                logSucceeded: row[4])
        }
        guard let action = try Row.fetchOne(db, sql: AuditChain.actionMismatchSQL) else { return nil }
        return AuditChain.actionMismatch(
            id: action[0], exists: action[1] as Int64 == 1, requested: action[2], succeeded: action[3],
            actionSucceeded: action[4] as Int64 == 1)
    }
}
