// MARK: - JobActionKind

/// What support can ask the platform to do to a print job.
public enum JobActionKind: String, DomainEnum {
    /// Keep the job from going to print (the customer is changing something); reversible with `release`.
    case hold
    case release
    /// Stop the job for good (before it prints): the partner does not print or ship it.
    case cancel

    public var label: String {
        switch self {
        case .hold: "Hold"
        case .release: "Release"
        case .cancel: "Cancel"
        }
    }

    /// As the outcome says it: `held`, `released`, `cancelled`.
    public var done: String {
        switch self {
        case .hold: "held"
        case .release: "released"
        case .cancel: "cancelled"
        }
    }

    /// What confirming it does, in words, for the confirmation and `--help`.
    public func consequence(_ job: PrintJob) -> String {
        switch self {
        case .hold: "\(job.partner) will not print print job \(job.id) until it is released"
        case .release: "\(job.partner) may print print job \(job.id) again"
        case .cancel: "\(job.partner) will not print or ship print job \(job.id); this cannot be undone"
        }
    }

    /// The audit's action names: `job.cancel.requested`, `job.cancel.succeeded`…
    public func audit(_ step: String) -> String { "job.\(rawValue).\(step)" }
}

// MARK: - ActionReason

/// Why an action was taken: a code (the audit keeps it), with free text only in the action's note.
public enum ActionReason: String, DomainEnum {
    case customerRequest = "customer_request"
    case wrongDesign = "wrong_design"
    case addressProblem = "address_problem"
    case paymentProblem = "payment_problem"
    case duplicate
    case other

    public var label: String {
        switch self {
        case .customerRequest: "Customer request"
        case .wrongDesign: "Wrong design"
        case .addressProblem: "Address problem"
        case .paymentProblem: "Payment problem"
        case .duplicate: "Duplicate"
        case .other: "Other (note required)"
        }
    }
}

// MARK: - JobActionStatus

/// An action intent's state, as a refund intent's.
public enum JobActionStatus: String, DomainEnum {
    /// Recorded with its key; the platform has not answered yet.
    case pending
    /// The platform was called and did not say what happened: the reconciler asks it.
    case unknown
    case succeeded, failed

    public var isOpen: Bool { self == .pending || self == .unknown }
}

// MARK: - JobAction

/// One action on a print job, from its intent to its outcome.
public struct JobAction: Hashable, Sendable, Identifiable {
    public var id: String
    public var jobID: String
    public var orderID: String
    public var userID: String
    public var kind: JobActionKind
    public var reason: ActionReason
    /// Free text, kept here (a table an erasure can redact), never in the audit chain.
    public var note: String
    public var status: JobActionStatus
    public var idempotencyKey: String
    public var operatorName: String
    /// What the platform said (a refusal, why the outcome is unknown), or nil.
    public var message: String?
    /// The platform's reference for what it did.
    public var reference: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var leaseUntil: Timestamp

    public init(
        id: String, jobID: String, orderID: String, userID: String, kind: JobActionKind, reason: ActionReason,
        note: String, status: JobActionStatus, idempotencyKey: String, operatorName: String, message: String?,
        reference: String?, createdAt: Timestamp, updatedAt: Timestamp, leaseUntil: Timestamp
    ) {
        self.id = id
        self.jobID = jobID
        self.orderID = orderID
        self.userID = userID
        self.kind = kind
        self.reason = reason
        self.note = note
        self.status = status
        self.idempotencyKey = idempotencyKey
        self.operatorName = operatorName
        self.message = message
        self.reference = reference
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.leaseUntil = leaseUntil
    }
}

// MARK: - JobHold

/// A job support has put on hold: since when, by which action.
public struct JobHold: Hashable, Sendable {
    public var actionID: String
    public var since: Timestamp
    public var by: String

    public init(actionID: String, since: Timestamp, by: String) {
        self.actionID = actionID
        self.since = since
        self.by = by
    }
}

// MARK: - JobActionContext

/// What deciding an action on a job needs: the job as the partner last reported it, whether support holds it,
/// and its actions (newest first).
public struct JobActionContext: Hashable, Sendable {
    public var job: PrintJob
    public var userID: String
    public var hold: JobHold?
    public var actions: [JobAction]

    public init(job: PrintJob, userID: String, hold: JobHold?, actions: [JobAction]) {
        self.job = job
        self.userID = userID
        self.hold = hold
        self.actions = actions
    }
}

// MARK: - JobActionRules

/// When each action is possible, shared by the console (which offers only those), the engine's plan and both
/// stores' reservation (checked again inside the transaction that records the intent, the job's row locked).
public enum JobActionRules {
    /// Before the partner starts printing: the states a job can still be held or cancelled in.
    public static let beforePrinting: Set<PrintJobStatus> = [.queued, .sent, .accepted]

    /// Why `kind` cannot be done to the job now, in words, or nil when it can.
    public static func refusal(_ kind: JobActionKind, _ context: JobActionContext) -> String? {
        let job = context.job
        if let open = context.actions.first(where: { $0.status.isOpen }) {
            return
                "an earlier action on print job \(job.id) (\(open.kind.rawValue) \(open.id)) has no known outcome "
                + "yet: run popsa-ops reconcile"
        }
        switch kind {
        case .hold:
            if let hold = context.hold { return "print job \(job.id) is already on hold (by \(hold.by))" }
            guard beforePrinting.contains(job.status) else { return tooLate(job, "held") }
        case .release:
            guard context.hold != nil else { return "print job \(job.id) is not on hold" }
        case .cancel:
            guard beforePrinting.contains(job.status) else { return tooLate(job, "cancelled") }
        }
        return nil
    }

    /// The actions possible on the job now.
    public static func available(_ context: JobActionContext) -> [JobActionKind] {
        JobActionKind.allCases.filter { refusal($0, context) == nil }
    }

    static func tooLate(_ job: PrintJob, _ what: String) -> String {
        switch job.status {
        case .cancelled: "print job \(job.id) is already cancelled"
        case .delivered, .failed: "print job \(job.id) is \(job.status.label): there is nothing left to stop"
        default:
            "print job \(job.id) is already \(job.status.label) at \(job.partner): it can only be \(what) before "
                + "printing"
        }
    }
}

// MARK: - ActionPermissions

/// Which roles may take each action (`[permissions]` in the configuration); viewers never.
public struct ActionPermissions: Hashable, Sendable {
    public var roles: [JobActionKind: Set<Role>]

    public init(roles: [JobActionKind: Set<Role>] = [:]) {
        var all = Dictionary(
            uniqueKeysWithValues: JobActionKind.allCases.map { ($0, Set<Role>([.agent, .supervisor])) })
        all.merge(roles) { $1 }
        self.roles = all
    }

    public func allows(_ kind: JobActionKind, _ role: Role) -> Bool {
        role != .viewer && (roles[kind] ?? []).contains(role)
    }
}

// MARK: - Reservation and resolution

/// An action intent to record.
public struct JobActionReservation: Hashable, Sendable {
    public var id: String
    public var jobID: String
    public var kind: JobActionKind
    public var reason: ActionReason
    public var note: String
    public var idempotencyKey: String
    public var operatorName: String
    public var now: Timestamp
    public var leaseUntil: Timestamp

    public init(
        id: String, jobID: String, kind: JobActionKind, reason: ActionReason, note: String, idempotencyKey: String,
        operatorName: String, now: Timestamp, leaseUntil: Timestamp
    ) {
        self.id = id
        self.jobID = jobID
        self.kind = kind
        self.reason = reason
        self.note = note
        self.idempotencyKey = idempotencyKey
        self.operatorName = operatorName
        self.now = now
        self.leaseUntil = leaseUntil
    }

    /// What both stores check inside the reservation's transaction, the job's row locked: the rule still allows
    /// the action (someone else may have acted, or the partner started printing, since the plan was checked).
    public func check(_ context: JobActionContext?) throws(JobActionRefusal) -> JobActionContext {
        guard let context else { throw .notFound(jobID) }
        if let why = JobActionRules.refusal(kind, context) { throw .notPossible(why) }
        return context
    }

    /// The intent's row, pending, in `JobActionSQL.insert`'s order.
    public func values(orderID: String, userID: String) -> [StoreValue] {
        [
            .text(id), .text(jobID), .text(orderID), .text(userID), .text(kind.rawValue), .text(reason.rawValue),
            .text(note), .text(JobActionStatus.pending.rawValue), .text(idempotencyKey), .text(operatorName),
            .integer(now.seconds), .integer(now.seconds), .integer(leaseUntil.seconds),
        ]
    }
}

/// How the platform's answer ended, to record on the intent.
public enum JobActionResolution: Hashable, Sendable {
    case succeeded(reference: String)
    case failed(message: String)
    case unknown(message: String)

    public var status: JobActionStatus {
        switch self {
        case .succeeded: .succeeded
        case .failed: .failed
        case .unknown: .unknown
        }
    }
}

/// Why an action cannot go ahead, before anything is sent. Messages are for the operator.
public enum JobActionRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    case notPermitted(String)
    case notFound(String)
    case notPossible(String)
    case noteRequired

    public var description: String {
        switch self {
        case .notPermitted(let m), .notPossible(let m): m
        case .notFound(let id): "no print job with id \(id)"
        case .noteRequired: "\"Other\" needs a note saying why"
        }
    }
}

// MARK: - The platform's side

/// One call to the platform's job service, as the facade sends it.
public struct PlatformCall: Hashable, Sendable {
    public var kind: JobActionKind
    public var jobID: String
    public var actionID: String
    public var idempotencyKey: String

    public init(kind: JobActionKind, jobID: String, actionID: String, idempotencyKey: String) {
        self.kind = kind
        self.jobID = jobID
        self.actionID = actionID
        self.idempotencyKey = idempotencyKey
    }
}

/// What the platform answered: done (with its reference), or refused (why).
public struct PlatformAnswer: Hashable, Sendable {
    public var accepted: Bool
    public var reference: String
    public var message: String

    public init(accepted: Bool, reference: String, message: String) {
        self.accepted = accepted
        self.reference = reference
        self.message = message
    }
}

/// The platform's own rule, as its sandbox twin applies it: whether a job in `status`, held or not, accepts the
/// call. The platform knows the partner's state, not support's rules (which forbid more, e.g. a second hold).
public enum SandboxPlatformRule {
    public static func decide(_ kind: JobActionKind, status: PrintJobStatus?, held: Bool) -> (Bool, String) {
        guard let status else { return (false, "job not found") }
        switch kind {
        case .hold, .cancel:
            guard JobActionRules.beforePrinting.contains(status) else {
                return (false, "job is \(status.rawValue) at the partner")
            }
            return (true, kind == .hold ? "held" : "cancelled at the partner")
        case .release:
            return held ? (true, "released") : (false, "job is not held")
        }
    }
}

// MARK: - JobActionSQL

/// The actions' SQL, the same on both stores (`?` placeholders; PostgreSQL numbers them).
public enum JobActionSQL {
    public static let columns = """
        a.id, a.job_id, a.order_id, a.user_id, a.kind, a.reason, a.note, a.status, a.idempotency_key, a.operator, \
        a.message, a.reference, a.created_at, a.updated_at, a.lease_until
        """
    public static let insert = """
        INSERT INTO job_actions (id, job_id, order_id, user_id, kind, reason, note, status, idempotency_key,
          operator, created_at, updated_at, lease_until)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    /// A job's actions, newest first (`?`: the job id).
    public static let byJob =
        "SELECT \(columns) FROM job_actions a WHERE a.job_id = ? ORDER BY a.created_at DESC, a.id DESC"
    public static let byID = "SELECT \(columns) FROM job_actions a WHERE a.id = ?"
    /// The job for the context, with its customer (`?`: the job id).
    public static let job = """
        SELECT \(StoredColumns.job), o.user_id FROM print_jobs j JOIN orders o ON o.id = j.order_id WHERE j.id = ?
        """
    public static let hold = "SELECT action_id, since, operator FROM job_holds WHERE job_id = ?"
    /// The holds on an order's jobs (`?`: the order id), each row the job id then `hold`'s columns.
    public static let holdsOfOrder = """
        SELECT h.job_id, h.action_id, h.since, h.operator FROM job_holds h JOIN print_jobs j ON j.id = h.job_id
        WHERE j.order_id = ?
        """
    /// Records the outcome (`?`: status, message, reference, now, id).
    public static let resolve =
        "UPDATE job_actions SET status = ?, message = ?, reference = ?, updated_at = ? WHERE id = ?"
    public static let placeHold = "INSERT INTO job_holds (job_id, action_id, since, operator) VALUES (?, ?, ?, ?)"
    public static let liftHold = "DELETE FROM job_holds WHERE job_id = ?"
    /// A cancelled job's status and its timeline line (`?`: now, id; then job id, sequence, now, message).
    public static let cancelJob = "UPDATE print_jobs SET status = 'cancelled', updated_at = ? WHERE id = ?"
    public static let nextEventSequence = "SELECT coalesce(max(sequence), 0) + 1 FROM print_job_events WHERE job_id = ?"
    public static let cancelEvent =
        "INSERT INTO print_job_events (job_id, sequence, at, status, message) VALUES (?, ?, ?, 'cancelled', ?)"
    /// Open intents whose lease has run out (`?`: now).
    public static let toReconcile = """
        SELECT \(columns) FROM job_actions a WHERE a.status IN ('pending', 'unknown') AND a.lease_until <= ?
        ORDER BY a.created_at, a.id
        """
    public static let lease = "UPDATE job_actions SET lease_until = ? WHERE id = ?"
    /// The sandbox platform: a call by its key; the job's state as the platform sees it; recording a call.
    public static let sandboxCall =
        "SELECT accepted, reference, message FROM sandbox_platform_calls WHERE idempotency_key = ?"
    public static let sandboxHeld = """
        SELECT method FROM sandbox_platform_calls WHERE job_id = ? AND accepted = 1 AND method IN ('hold', 'release')
        ORDER BY seq DESC LIMIT 1
        """
    /// The job's status, its row locked on PostgreSQL (the calls of one job are numbered in turn).
    public static let sandboxJobStatus = "SELECT status FROM print_jobs WHERE id = ?"
    public static let sandboxRecord = """
        INSERT INTO sandbox_platform_calls (idempotency_key, method, job_id, seq, accepted, reference, message, at)
        VALUES (?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM sandbox_platform_calls WHERE job_id = ?), ?, ?, ?, ?)
        """

    /// The message a cancelled job's timeline shows.
    public static func cancelMessage(_ action: JobAction) -> String {
        "cancelled by Popsa support (\(action.reason.label.lowercased()), by \(action.operatorName))"
    }

    /// The values of `resolve`.
    public static func resolveValues(_ resolution: JobActionResolution, now: Timestamp, id: String) -> [StoreValue] {
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
    /// A row of `JobActionSQL.hold` (at 0) or `holdsOfOrder` (at 1, after the job id).
    public init(row: some StoreRow, at o: Int = 0) throws {
        self.init(actionID: try row.text(o), since: try row.timestamp(o + 1), by: try row.text(o + 2))
    }
}

extension JobAction {
    public init(row: some StoreRow, at o: Int = 0) throws {
        self.init(
            id: try row.text(o), jobID: try row.text(o + 1), orderID: try row.text(o + 2), userID: try row.text(o + 3),
            kind: try row.storedEnum(o + 4, "job_actions", "kind"),
            reason: try row.storedEnum(o + 5, "job_actions", "reason"), note: try row.text(o + 6),
            status: try row.storedEnum(o + 7, "job_actions", "status"), idempotencyKey: try row.text(o + 8),
            operatorName: try row.text(o + 9), message: try row.optionalText(o + 10),
            reference: try row.optionalText(o + 11), createdAt: try row.timestamp(o + 12),
            updatedAt: try row.timestamp(o + 13), leaseUntil: try row.timestamp(o + 14))
    }
}
