import GRDB
import OpsCore

// MARK: - SQLiteStore: JobActionStore

extension SQLiteStore: JobActionStore {
    public func jobActionContext(jobID: String) async throws -> JobActionContext? {
        try readNow { db in try Self.jobActionContext(db, jobID: jobID) }
    }

    static func jobActionContext(_ db: Database, jobID: String) throws -> JobActionContext? {
        guard
            let (job, userID) = try fetchFirstDecoded(
                db, JobActionSQL.job, [jobID],
                {
                    (try PrintJob(row: $0), try $0.text(StoredColumns.jobCount))
                })
        else { return nil }
        return JobActionContext(
            job: job, userID: userID, hold: try jobHold(db, jobID: jobID), actions: try jobActions(db, jobID: jobID))
    }

    static func jobHold(_ db: Database, jobID: String) throws -> JobHold? {
        try fetchFirstDecoded(db, JobActionSQL.hold, [jobID]) { try JobHold(row: $0) }
    }

    static func jobActions(_ db: Database, jobID: String) throws -> [JobAction] {
        try fetchDecoded(db, JobActionSQL.byJob, [jobID]) { try JobAction(row: $0) }
    }

    public func reserveJobAction(_ r: JobActionReservation, audit: AuditRecord) async throws -> JobAction {
        try writeAudited { db in
            // IMMEDIATE: this transaction holds the write lock from its first read, so the rule is decided on what
            // no one else can change before the intent is in.
            let context = try r.check(try Self.jobActionContext(db, jobID: r.jobID))
            try db.execute(
                sql: JobActionSQL.insert,
                arguments: Self.arguments(r.values(orderID: context.job.orderID, userID: context.userID)))
            try Self.appendAudit(db, audit)
            return try Self.jobAction(db, id: r.id)!
        }
    }

    public func resolveJobAction(
        id: String, _ resolution: JobActionResolution, now: Timestamp, audit: AuditRecord
    ) async throws -> JobAction {
        try writeAudited { db in
            guard let action = try Self.jobAction(db, id: id) else { throw JobActionRefusal.notFound(id) }
            try db.execute(
                sql: JobActionSQL.resolve,
                arguments: Self.arguments(JobActionSQL.resolveValues(resolution, now: now, id: id)))
            if case .succeeded = resolution, action.status.isOpen {
                try Self.apply(db, action, now: now)
            }
            try Self.appendAudit(db, audit)
            return try Self.jobAction(db, id: id)!
        }
    }

    /// What a succeeded action changes on the job.
    static func apply(_ db: Database, _ action: JobAction, now: Timestamp) throws {
        switch action.kind {
        case .hold:
            try db.execute(
                sql: JobActionSQL.placeHold, arguments: [action.jobID, action.id, now.seconds, action.operatorName])
        case .release:
            try db.execute(sql: JobActionSQL.liftHold, arguments: [action.jobID])
        case .cancel:
            try db.execute(sql: JobActionSQL.liftHold, arguments: [action.jobID])
            let status = try String.fetchOne(db, sql: JobActionSQL.sandboxJobStatus, arguments: [action.jobID])
            guard let status, let current = PrintJobStatus(rawValue: status), current.canMove(to: .cancelled) else {
                return
            }
            try db.execute(sql: JobActionSQL.cancelJob, arguments: [now.seconds, action.jobID])
            let sequence = try Int64.fetchOne(db, sql: JobActionSQL.nextEventSequence, arguments: [action.jobID]) ?? 1
            try db.execute(
                sql: JobActionSQL.cancelEvent,
                arguments: [action.jobID, sequence, now.seconds, JobActionSQL.cancelMessage(action)])
        }
    }

    public func claimJobActionsToReconcile(now: Timestamp, leaseSeconds: Int64) async throws -> [JobAction] {
        try writeImmediately { db in
            let due = try fetchDecoded(db, JobActionSQL.toReconcile, [now.seconds]) { try JobAction(row: $0) }
            for action in due {
                try db.execute(sql: JobActionSQL.lease, arguments: [now.seconds + leaseSeconds, action.id])
            }
            return due
        }
    }

    public func sandboxPlatformPerform(_ call: PlatformCall, now: Timestamp) async throws -> PlatformAnswer {
        try writeImmediately { db in
            if let answer = try Self.sandboxAnswer(db, key: call.idempotencyKey) { return answer }
            let status = try String.fetchOne(db, sql: JobActionSQL.sandboxJobStatus, arguments: [call.jobID])
                .flatMap(PrintJobStatus.init(rawValue:))
            let held = try String.fetchOne(db, sql: JobActionSQL.sandboxHeld, arguments: [call.jobID]) == "hold"
            let (accepted, message) = SandboxPlatformRule.decide(call.kind, status: status, held: held)
            let reference = "plat_" + call.actionID.dropFirst(3)
            try db.execute(
                sql: JobActionSQL.sandboxRecord,
                arguments: [
                    call.idempotencyKey, call.kind.rawValue, call.jobID, call.jobID, accepted, reference, message,
                    now.seconds,
                ])
            return PlatformAnswer(accepted: accepted, reference: reference, message: message)
        }
    }

    public func sandboxPlatformAnswer(key: String) async throws -> PlatformAnswer? {
        try readNow { db in try Self.sandboxAnswer(db, key: key) }
    }

    static func sandboxAnswer(_ db: Database, key: String) throws -> PlatformAnswer? {
        try fetchFirstDecoded(db, JobActionSQL.sandboxCall, [key]) {
            PlatformAnswer(accepted: try $0.integer(0) != 0, reference: try $0.text(1), message: try $0.text(2))
        }
    }

    static func jobAction(_ db: Database, id: String) throws -> JobAction? {
        try fetchFirstDecoded(db, JobActionSQL.byID, [id]) { try JobAction(row: $0) }
    }

    static func arguments(_ values: [StoreValue]) -> StatementArguments {
        StatementArguments(values.map(\.databaseValue))
    }
}
