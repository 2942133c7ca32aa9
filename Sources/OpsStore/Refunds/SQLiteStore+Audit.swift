import Crypto
import Foundation
import GRDB
import OpsCore

/// The audit log is a hash chain: each entry's hash covers its own fields and the previous entry's hash, and the
/// head (last sequence number and hash) is kept apart, so an edited, deleted, inserted or reordered entry — or a
/// deleted tail — breaks the chain at a place `verify` can name.
extension SQLiteStore {
    static let genesisHash = String(repeating: "0", count: 64)

    /// The bytes an entry's hash covers: the previous hash and every field, in a fixed order.
    static func auditHash(sequence: Int64, record r: AuditRecord, previousHash: String) -> String {
        let canonical = JSONValue.array([
            .integer(sequence), .integer(r.at.seconds), .string(r.operatorName), .string(r.sshClient), .string(r.action),
            .string(r.target), r.amount.map { .integer($0.minorUnits) } ?? .null,
            r.amount.map { .string($0.currency.code) } ?? .null, .string(r.reason), .string(r.idempotencyKey),
            .string(r.gatewayIDs), .string(r.result), .string(r.detail),
        ]).serialized()
        let digest = SHA256.hash(data: Data((previousHash + "\n" + canonical).utf8))
        return digest.map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// Appends inside the caller's write transaction.
    static func appendAudit(_ db: Database, _ record: AuditRecord) throws {
        let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1")
        let sequence: Int64 = (head?[0] ?? 0) + 1
        let previous: String = head?[1] ?? genesisHash
        let hash = auditHash(sequence: sequence, record: record, previousHash: previous)
        try db.execute(sql: """
            INSERT INTO audit_log (seq, at, operator, ssh_client, action, target, amount, currency, reason, idempotency_key,
              gateway_ids, result, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """, arguments: [sequence, record.at.seconds, record.operatorName, record.sshClient, record.action, record.target,
                             record.amount?.minorUnits, record.amount?.currency.code, record.reason, record.idempotencyKey,
                             record.gatewayIDs, record.result, record.detail, previous, hash])
        try db.execute(sql: """
            INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)
            ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
            """, arguments: [sequence, hash])
    }

    public func appendAudit(_ record: AuditRecord) async throws {
        try writeImmediately { db in try Self.appendAudit(db, record) }
    }

    static let auditColumns = """
        seq, at, operator, ssh_client, action, target, amount, currency, reason, idempotency_key, gateway_ids, result, detail,
        prev_hash, hash
        """

    static func auditEntry(_ row: Row) -> AuditEntry {
        var amount: Money?
        if let minor: Int64 = row[6], let code: String = row[7], let currency = try? Currency(code: code) {
            amount = Money(minorUnits: minor, currency: currency)
        }
        let record = AuditRecord(at: Timestamp(seconds: row[1]), operatorName: row[2], sshClient: row[3], action: row[4],
                                 target: row[5], amount: amount, reason: row[8], idempotencyKey: row[9], gatewayIDs: row[10],
                                 result: row[11], detail: row[12])
        return AuditEntry(sequence: row[0], record: record, previousHash: row[13], hash: row[14])
    }

    public func auditEntries(limit: Int) async throws -> [AuditEntry] {
        try readNow { db in
            try fetchDecoded(db, "SELECT \(Self.auditColumns) FROM audit_log ORDER BY seq DESC LIMIT ?", [limit], Self.auditEntry)
        }
    }

    public func verifyAudit() async throws -> AuditVerification {
        try readNow { db in
            var expectedSequence: Int64 = 1
            var previous = Self.genesisHash
            let cursor = try Row.fetchCursor(db, sql: "SELECT \(Self.auditColumns) FROM audit_log ORDER BY rowid")
            while let row = try cursor.next() {
                let entry = Self.auditEntry(row)
                if entry.sequence != expectedSequence {
                    return .broken(sequence: entry.sequence, problem: entry.sequence > expectedSequence
                        ? "entries \(expectedSequence)…\(entry.sequence - 1) are missing before it (deleted)"
                        : "it is out of order (expected entry \(expectedSequence) here)")
                }
                if entry.previousHash != previous {
                    return .broken(sequence: entry.sequence, problem: "it does not follow entry \(entry.sequence - 1) (an entry before it was changed, deleted or reordered)")
                }
                if Self.auditHash(sequence: entry.sequence, record: entry.record, previousHash: entry.previousHash) != entry.hash {
                    return .broken(sequence: entry.sequence, problem: "its contents were edited (the hash does not match)")
                }
                previous = entry.hash
                expectedSequence += 1
            }
            let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1")
            let headSequence: Int64 = head?[0] ?? 0
            let headHash: String = head?[1] ?? Self.genesisHash
            if headSequence != expectedSequence - 1 || headHash != previous {
                return .broken(sequence: expectedSequence, problem: "the log ends at entry \(expectedSequence - 1) but its head records entry \(headSequence): newer entries were deleted")
            }
            return .intact(entries: expectedSequence - 1)
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
