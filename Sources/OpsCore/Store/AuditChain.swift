// MARK: - AuditChain

/// The audit log's hash chain, as both stores keep it: each entry's hash (SHA-256, hex) covers the previous
/// entry's hash and its own fields in a fixed order, and the head (last sequence number and hash) is kept apart,
/// so an edited, deleted, inserted or reordered entry — or a deleted tail — breaks the chain at a place `verify`
/// can name. The stores compute the digest (OpsCore has no cryptography); the bytes it covers are defined here
/// once, so a chain copied from one store to the other still verifies.
public enum AuditChain {
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The text an entry's hash covers: the previous hash, a newline, and every field as a JSON array.
    public static func hashedText(sequence: Int64, record r: AuditRecord, previousHash: String) -> String {
        let canonical = JSONValue.array([
            .integer(sequence), .integer(r.at.seconds), .string(r.operatorName), .string(r.sshClient),
            .string(r.action),
            .string(r.target), r.amount.map { .integer($0.minorUnits) } ?? .null,
            r.amount.map { .string($0.currency.code) } ?? .null, .string(r.reason), .string(r.idempotencyKey),
            .string(r.gatewayIDs), .string(r.result), .string(r.detail),
        ]).serialized()
        return previousHash + "\n" + canonical
    }

    /// Lower-case hex of a digest's bytes.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A walk along the chain in storage order: feed it every entry, then the head.
    public struct Walk {
        let digest: (String) -> String
        public private(set) var expectedSequence: Int64 = 1
        public private(set) var previous = AuditChain.genesisHash

        /// `digest`: the store's SHA-256 of a text, in hex.
        public init(digest: @escaping (String) -> String) { self.digest = digest }

        /// The last entry checked (0 before the first).
        public var lastSequence: Int64 { expectedSequence - 1 }

        /// Checks the next entry; the break it shows, if any.
        public mutating func check(_ entry: AuditEntry) -> AuditVerification? {
            if entry.sequence != expectedSequence {
                return .broken(
                    sequence: entry.sequence,
                    problem: entry.sequence > expectedSequence
                        ? "entries \(expectedSequence)…\(entry.sequence - 1) are missing before it (deleted)"
                        : "it is out of order (expected entry \(expectedSequence) here)")
            }
            if entry.previousHash != previous {
                return .broken(
                    sequence: entry.sequence,
                    problem: "it does not follow entry \(entry.sequence - 1) (an entry before it was changed, deleted "
                        + "or reordered)")
            }
            let text = AuditChain.hashedText(
                sequence: entry.sequence, record: entry.record, previousHash: entry.previousHash)
            if digest(text) != entry.hash {
                return .broken(sequence: entry.sequence, problem: "its contents were edited (the hash does not match)")
            }
            previous = entry.hash
            expectedSequence += 1
            return nil
        }

        /// After the last entry: the head (nil when the store has none yet) must name it.
        public func checkHead(sequence: Int64?, hash: String?) -> AuditVerification? {
            let headSequence = sequence ?? 0
            let headHash = hash ?? AuditChain.genesisHash
            guard headSequence != lastSequence || headHash != previous else { return nil }
            return .broken(
                sequence: expectedSequence,
                problem: "the log ends at entry \(lastSequence) but its head records entry \(headSequence): "
                    + "newer entries were deleted")
        }
    }

    /// The words of a ledger cross-check that found an order whose refunds and audit entries disagree.
    public static func ledgerMismatch(
        target: String, ledgerIntents: Int64, ledgerSucceeded: Int64, logIntents: Int64, logSucceeded: Int64
    ) -> String {
        "the refunds of \(target) do not match the audit log (\(ledgerIntents) intents and \(ledgerSucceeded)"
            + " succeeded in the ledger, \(logIntents) and \(logSucceeded) in the log): refunds or entries were"
            + " deleted, inserted or the log was wiped"
    }

    /// Support actions checked against their entries (the same SQL on both stores): each action has exactly one
    /// `….requested` entry naming its id, and one `….succeeded` entry (`….reconciled.succeeded` too) when it
    /// succeeded, none otherwise; each such entry names an action that exists. Returns the action id, whether the
    /// action exists (1/0), its requested and succeeded entries, and whether it succeeded (1/0): the first
    /// mismatch, or no row.
    public static let actionMismatchSQL = """
        WITH log AS (
          SELECT detail AS id,
            sum(CASE WHEN action LIKE '%.requested' THEN 1 ELSE 0 END) AS requested,
            sum(CASE WHEN action LIKE '%.succeeded' THEN 1 ELSE 0 END) AS succeeded
          FROM audit_log
          WHERE (\(ActionSubject.Kind.allCases.map { "action LIKE '\($0.auditPrefix).%'" }.joined(separator: " OR ")))
            AND (action LIKE '%.requested' OR action LIKE '%.succeeded')
          GROUP BY detail
        )
        SELECT coalesce(a.id, l.id), CAST(CASE WHEN a.id IS NULL THEN 0 ELSE 1 END AS BIGINT),
          coalesce(l.requested, 0),
          coalesce(l.succeeded, 0), CAST(CASE WHEN a.status = 'succeeded' THEN 1 ELSE 0 END AS BIGINT)
        FROM support_actions a FULL OUTER JOIN log l ON l.id = a.id
        WHERE a.id IS NULL OR coalesce(l.requested, 0) <> 1
          OR coalesce(l.succeeded, 0) <> CASE WHEN a.status = 'succeeded' THEN 1 ELSE 0 END
        ORDER BY 1 LIMIT 1
        """

    /// What `actionMismatchSQL`'s row means, in words.
    public static func actionMismatch(
        id: String, exists: Bool, requested: Int64, succeeded: Int64, actionSucceeded: Bool
    ) -> String {
        guard exists else {
            return "the audit log names support action \(id), which is not in the database: the action was deleted"
        }
        return "support action \(id) (\(actionSucceeded ? "succeeded" : "not succeeded")) does not match the audit "
            + "log (\(requested) request and \(succeeded) success entries): actions or entries were deleted, "
            + "inserted or changed"
    }

    /// The audit actions that record a refund intent, and those that record a refund's success (besides an
    /// imported or external intent whose result is already `succeeded`).
    public static let intentActions = ["refund.requested", "refund.imported", "refund.external"]
    public static let successActions = ["refund.succeeded", "reconcile.succeeded", "refund.external_succeeded"]
}
