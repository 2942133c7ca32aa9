// MARK: - ActionStore

/// Support's actions (on print jobs, orders and accounts), on both stores, exactly once as refunds are: the
/// intent is recorded with its key (the rule checked again, the record's row locked) before the platform is
/// called, the outcome after.
public protocol ActionStore: Sendable {
    /// The record, its customer and what the rules need, or nil when there is no such record.
    func actionContext(_ subject: ActionSubject) async throws -> ActionContext?

    /// Every action on a customer's account, orders and print jobs, newest first (timelines, the privacy export).
    func actions(userID: String) async throws -> [SupportAction]

    /// In one transaction: re-checks the rule (`ActionReservation.check`), records the intent as pending with its
    /// key, and appends `audit`.
    func reserveAction(_ reservation: ActionReservation, audit: AuditRecord) async throws -> SupportAction

    /// In one transaction: records the outcome; on success applies it to the records (`ActionSQL.effects`);
    /// appends `audit`.
    func resolveAction(
        id: String, _ resolution: ActionResolution, now: Timestamp, audit: AuditRecord
    ) async throws -> SupportAction

    /// Intents still pending or unknown whose lease has run out, claimed for `leaseSeconds` by the caller.
    func claimActionsToReconcile(now: Timestamp, leaseSeconds: Int64) async throws -> [SupportAction]

    /// Intents still pending or unknown whose lease has not run out: a live process (or one that died moments
    /// ago) is driving them, so a reconciler leaves them alone and says so.
    func leasedActions(now: Timestamp) async throws -> [SupportAction]

    /// The sandbox platform's side, in the same database: performs `call` once per idempotency key (a repeat
    /// returns the first answer) by `SandboxPlatformRule`, and answers what a key was told, if anything.
    func sandboxPlatformPerform(_ call: PlatformCall, now: Timestamp) async throws -> PlatformAnswer
    func sandboxPlatformAnswer(key: String) async throws -> PlatformAnswer?
}

extension ActionStore {
    /// Every intent still pending or unknown, leased or not (every lease ends after the epoch).
    public func openActions() async throws -> [SupportAction] { try await leasedActions(now: Timestamp(seconds: 0)) }
}

// MARK: - ActionSQL

/// The actions' SQL, the same on both stores (`?` placeholders; PostgreSQL numbers them).
public enum ActionSQL {
    public static let columns = """
        a.id, a.subject_kind, a.subject_id, a.user_id, a.order_id, a.kind, a.reason, a.note, a.address, a.status, \
        a.idempotency_key, a.operator, a.message, a.reference, a.created_at, a.updated_at, a.lease_until
        """
    public static let insert = """
        INSERT INTO support_actions (id, subject_kind, subject_id, user_id, order_id, kind, reason, note, address,
          status, idempotency_key, operator, created_at, updated_at, lease_until)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    /// A record's actions, newest first (`?`: the subject's kind and id).
    public static let bySubject = """
        SELECT \(columns) FROM support_actions a WHERE a.subject_kind = ? AND a.subject_id = ?
        ORDER BY a.created_at DESC, a.id DESC
        """
    /// A customer's actions, on any of their records, newest first (`?`: the user id).
    public static let byCustomer =
        "SELECT \(columns) FROM support_actions a WHERE a.user_id = ? ORDER BY a.created_at DESC, a.id DESC"
    public static let byID = "SELECT \(columns) FROM support_actions a WHERE a.id = ?"

    /// The record of each kind of subject with its customer (and order); `?`: the id. The row locks, where a
    /// store takes them, are on the first table named.
    public static func record(_ kind: ActionSubject.Kind) -> String {
        switch kind {
        case .printJob:
            """
            SELECT \(StoredColumns.job), \(StoredColumns.order), \(StoredColumns.user)
            FROM print_jobs j JOIN orders o ON o.id = j.order_id JOIN users u ON u.id = o.user_id WHERE j.id = ?
            """
        case .order:
            """
            SELECT \(StoredColumns.order), \(StoredColumns.user) FROM orders o JOIN users u ON u.id = o.user_id
            WHERE o.id = ?
            """
        case .customer: "SELECT \(StoredColumns.user) FROM users u WHERE u.id = ?"
        }
    }

    /// Decodes a row of `record(kind)` into the context's record part.
    public static func decodeRecord(
        _ kind: ActionSubject.Kind, _ row: some StoreRow
    ) throws -> (job: PrintJob?, order: Order?, user: User) {
        switch kind {
        case .printJob:
            (
                try PrintJob(row: row), try Order(row: row, at: StoredColumns.jobCount),
                try User(row: row, at: StoredColumns.jobCount + StoredColumns.orderCount)
            )
        case .order: (nil, try Order(row: row), try User(row: row, at: StoredColumns.orderCount))
        case .customer: (nil, nil, try User(row: row))
        }
    }

    public static let orderJobs =
        "SELECT \(StoredColumns.job) FROM print_jobs j WHERE j.order_id = ? ORDER BY j.created_at, j.id"
    public static let hold = "SELECT action_id, since, operator FROM job_holds WHERE job_id = ?"
    /// The holds on an order's jobs (`?`: the order id), each row the job id then `hold`'s columns.
    public static let holdsOfOrder = """
        SELECT h.job_id, h.action_id, h.since, h.operator FROM job_holds h JOIN print_jobs j ON j.id = h.job_id
        WHERE j.order_id = ?
        """
    /// Records the outcome (`?`: status, message, reference, now, id).
    public static let resolve =
        "UPDATE support_actions SET status = ?, message = ?, reference = ?, updated_at = ? WHERE id = ?"
    /// Open intents whose lease has run out (`?`: now).
    public static let toReconcile = """
        SELECT \(columns) FROM support_actions a WHERE a.status IN ('pending', 'unknown') AND a.lease_until <= ?
        ORDER BY a.created_at, a.id
        """
    public static let lease = "UPDATE support_actions SET lease_until = ? WHERE id = ?"
    /// Open intents still leased (`?`: now).
    public static let leased = """
        SELECT \(columns) FROM support_actions a WHERE a.status IN ('pending', 'unknown') AND a.lease_until > ?
        ORDER BY a.created_at, a.id
        """
    public static let jobStatus = "SELECT status FROM print_jobs WHERE id = ?"
    public static let nextEventSequence = "SELECT coalesce(max(sequence), 0) + 1 FROM print_job_events WHERE job_id = ?"

    /// One statement of what a succeeded action changes.
    public struct Statement: Hashable, Sendable {
        public var sql: String
        public var values: [StoreValue]
    }

    /// What a succeeded action changes, in order: `jobStatus` is the job's status now (read with its row locked)
    /// and `sequence` the job's next event number. A cancel of a job the partner has meanwhile finished changes
    /// nothing but the hold.
    public static func effects(
        of action: SupportAction, now: Timestamp, jobStatus: PrintJobStatus?, sequence: Int64, partner: String?
    ) -> [Statement] {
        let id = action.subject.id
        let at = StoreValue.integer(now.seconds)
        switch action.kind {
        case .hold:
            return [
                Statement(
                    sql: "INSERT INTO job_holds (job_id, action_id, since, operator) VALUES (?, ?, ?, ?)",
                    values: [.text(id), .text(action.id), at, .text(action.operatorName)])
            ]
        case .release:
            return [Statement(sql: "DELETE FROM job_holds WHERE job_id = ?", values: [.text(id)])]
        case .cancel:
            var out = [Statement(sql: "DELETE FROM job_holds WHERE job_id = ?", values: [.text(id)])]
            guard let jobStatus, jobStatus.canMove(to: .cancelled) else { return out }
            out.append(
                Statement(
                    sql: "UPDATE print_jobs SET status = 'cancelled', updated_at = ? WHERE id = ?",
                    values: [at, .text(id)]))
            out.append(event(id, sequence, now, "cancelled", "cancelled by Popsa support (\(why(action)))"))
            return out
        case .reprint:
            guard let reference = action.reference, let order = action.orderID, let partner else { return [] }
            return [
                Statement(
                    sql: """
                        INSERT INTO print_jobs (id, order_id, partner, status, tracking_number, carrier, created_at,
                          updated_at)
                        VALUES (?, ?, ?, 'queued', NULL, NULL, ?, ?) ON CONFLICT (id) DO NOTHING
                        """, values: [.text(reference), .text(order), .text(partner), at, at]),
                // The platform's feed may have brought the new job first: its first line is then the partner's.
                Statement(
                    sql: """
                        INSERT INTO print_job_events (job_id, sequence, at, status, message) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (job_id, sequence) DO NOTHING
                        """,
                    values: [
                        .text(reference), .integer(1), at, .text("queued"),
                        .text("reprint of \(id) ordered by Popsa support (\(why(action)))"),
                    ]),
            ]
        case .changeAddress:
            guard let address = action.address else { return [] }
            return [
                Statement(
                    sql: "UPDATE orders SET shipping_address = ? WHERE id = ?",
                    values: [.text(StoredJSON.encode(address)), .text(id)])
            ]
        case .lock, .unlock:
            return [
                Statement(
                    sql: "UPDATE users SET status = ? WHERE id = ?",
                    values: [.text(action.kind == .lock ? "locked" : "active"), .text(id)])
            ]
        case .resendConfirmation, .passwordReset, .chase:
            // The platform sends the email; nothing in the ops database changes but the action's own row.
            return []
        }
    }

    static func why(_ action: SupportAction) -> String {
        "\(action.reason.label.lowercased()), by \(action.operatorName)"
    }

    static func event(
        _ job: String, _ sequence: Int64, _ at: Timestamp, _ status: String, _ message: String
    )
        -> Statement
    {
        Statement(
            sql: "INSERT INTO print_job_events (job_id, sequence, at, status, message) VALUES (?, ?, ?, ?, ?)",
            values: [.text(job), .integer(sequence), .integer(at.seconds), .text(status), .text(message)])
    }

    /// The sandbox platform: a call by its key; its own holds; recording a call.
    public static let sandboxCall =
        "SELECT accepted, reference, message FROM sandbox_platform_calls WHERE idempotency_key = ?"
    public static let sandboxHeld = """
        SELECT method FROM sandbox_platform_calls
        WHERE subject_id = ? AND accepted = 1 AND method IN ('hold', 'release') ORDER BY seq DESC LIMIT 1
        """
    public static let sandboxRecord = """
        INSERT INTO sandbox_platform_calls (idempotency_key, method, subject_id, seq, accepted, reference, message,
          at)
        VALUES (?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM sandbox_platform_calls WHERE subject_id = ?), ?, ?, ?,
          ?)
        """
    public static let userStatus = "SELECT status FROM users WHERE id = ?"
    public static let orderExists = "SELECT count(*) FROM orders WHERE id = ?"
    public static let orderJobStatuses = "SELECT status FROM print_jobs WHERE order_id = ?"

    /// The values of `sandboxRecord`.
    public static func sandboxValues(_ call: PlatformCall, _ answer: PlatformAnswer, now: Timestamp) -> [StoreValue] {
        [
            .text(call.idempotencyKey), .text(call.kind.rawValue), .text(call.subject.id), .text(call.subject.id),
            .integer(answer.accepted ? 1 : 0), .text(answer.reference), .text(answer.message), .integer(now.seconds),
        ]
    }

    /// The values of `resolve`.
    public static func resolveValues(_ resolution: ActionResolution, now: Timestamp, id: String) -> [StoreValue] {
        let (message, reference): (String?, String?) =
            switch resolution {
            case .succeeded(let reference): (nil, reference)
            case .failed(let message), .unknown(let message): (message, nil)
            }
        return [
            .text(resolution.status.rawValue), message.map { .text($0) } ?? .null,
            reference.map { .text($0) } ?? .null, .integer(now.seconds), .text(id),
        ]
    }
}

extension JobHold {
    /// A row of `ActionSQL.hold` (at 0) or `holdsOfOrder` (at 1, after the job id).
    public init(row: some StoreRow, at o: Int = 0) throws {
        self.init(actionID: try row.text(o), since: try row.timestamp(o + 1), by: try row.text(o + 2))
    }
}

extension SupportAction {
    public init(row: some StoreRow, at o: Int = 0) throws {
        let kind = try row.text(o + 1)
        guard let subject = ActionSubject(kind: kind, id: try row.text(o + 2)) else {
            throw StoredValueError(table: "support_actions", column: "subject_kind", value: kind)
        }
        self.init(
            id: try row.text(o), subject: subject, userID: try row.text(o + 3), orderID: try row.optionalText(o + 4),
            kind: try row.storedEnum(o + 5, "support_actions", "kind"),
            reason: try row.storedEnum(o + 6, "support_actions", "reason"), note: try row.text(o + 7),
            address: try row.optionalText(o + 8).map(StoredJSON.decodeAddress),
            status: try row.storedEnum(o + 9, "support_actions", "status"), idempotencyKey: try row.text(o + 10),
            operatorName: try row.text(o + 11), message: try row.optionalText(o + 12),
            reference: try row.optionalText(o + 13), createdAt: try row.timestamp(o + 14),
            updatedAt: try row.timestamp(o + 15), leaseUntil: try row.timestamp(o + 16))
    }
}
