import OpsCore
import PostgresNIO

// MARK: - PostgresStore: JobActionStore

/// Actions on print jobs on a shared database: a reservation locks the job's row (`FOR UPDATE`) before it decides,
/// so two boxes acting on one job queue on that row and the second sees the first's intent.
extension PostgresStore: JobActionStore {
    public func jobActionContext(jobID: String) async throws -> JobActionContext? {
        try await jobActionContext(jobID: jobID, on: .pool, lock: false)
    }

    func jobActionContext(jobID: String, on target: PostgresTarget, lock: Bool) async throws -> JobActionContext? {
        let id: [StoreValue] = [.text(jobID)]
        guard
            let (job, userID) = try await fetchFirst(
                Self.numbered(JobActionSQL.job) + (lock ? " FOR UPDATE OF j" : ""), id, on: target,
                { (try PrintJob(row: $0), try $0.text(StoredColumns.jobCount)) })
        else { return nil }
        return JobActionContext(
            job: job, userID: userID, hold: try await jobHold(jobID: jobID, on: target),
            actions: try await jobActions(jobID: jobID, on: target))
    }

    func jobHold(jobID: String, on target: PostgresTarget) async throws -> JobHold? {
        try await fetchFirst(Self.numbered(JobActionSQL.hold), [.text(jobID)], on: target) { try JobHold(row: $0) }
    }

    func jobActions(jobID: String, on target: PostgresTarget) async throws -> [JobAction] {
        try await fetch(Self.numbered(JobActionSQL.byJob), [.text(jobID)], on: target) { try JobAction(row: $0) }
    }

    public func reserveJobAction(_ r: JobActionReservation, audit: AuditRecord) async throws -> JobAction {
        try await writeAudited { connection in
            let on = PostgresTarget.connection(connection)
            // The job's row lock: whoever holds it is the only one deciding what may be done to that job.
            let context = try r.check(try await jobActionContext(jobID: r.jobID, on: on, lock: true))
            try await execute(
                Self.numbered(JobActionSQL.insert), r.values(orderID: context.job.orderID, userID: context.userID),
                on: on)
            try await appendAudit(audit, on: connection)
            return try await jobAction(id: r.id, on: on)!
        }
    }

    public func resolveJobAction(
        id: String, _ resolution: JobActionResolution, now: Timestamp, audit: AuditRecord
    ) async throws -> JobAction {
        try await writeAudited { connection in
            let on = PostgresTarget.connection(connection)
            guard
                let action = try await fetchFirst(
                    Self.numbered(JobActionSQL.byID) + " FOR UPDATE", [.text(id)], on: on, { try JobAction(row: $0) })
            else { throw JobActionRefusal.notFound(id) }
            try await execute(
                Self.numbered(JobActionSQL.resolve), JobActionSQL.resolveValues(resolution, now: now, id: id), on: on)
            if case .succeeded = resolution, action.status.isOpen {
                try await apply(action, now: now, on: on)
            }
            try await appendAudit(audit, on: connection)
            return try await jobAction(id: id, on: on)!
        }
    }

    /// What a succeeded action changes on the job.
    func apply(_ action: JobAction, now: Timestamp, on: PostgresTarget) async throws {
        let job: [StoreValue] = [.text(action.jobID)]
        switch action.kind {
        case .hold:
            try await execute(
                Self.numbered(JobActionSQL.placeHold),
                [.text(action.jobID), .text(action.id), .integer(now.seconds), .text(action.operatorName)], on: on)
        case .release:
            try await execute(Self.numbered(JobActionSQL.liftHold), job, on: on)
        case .cancel:
            try await execute(Self.numbered(JobActionSQL.liftHold), job, on: on)
            let status = try await fetchFirst(
                Self.numbered(JobActionSQL.sandboxJobStatus) + " FOR UPDATE", job, on: on, { try $0.text(0) })
            guard let status, let current = PrintJobStatus(rawValue: status), current.canMove(to: .cancelled) else {
                return
            }
            try await execute(
                Self.numbered(JobActionSQL.cancelJob), [.integer(now.seconds), .text(action.jobID)], on: on)
            let sequence =
                try await fetchFirst(Self.numbered(JobActionSQL.nextEventSequence), job, on: on) {
                    try $0.integer(0)
                } ?? 1
            try await execute(
                Self.numbered(JobActionSQL.cancelEvent),
                [
                    .text(action.jobID), .integer(sequence), .integer(now.seconds),
                    .text(JobActionSQL.cancelMessage(action)),
                ], on: on)
        }
    }

    public func claimJobActionsToReconcile(now: Timestamp, leaseSeconds: Int64) async throws -> [JobAction] {
        // As refunds: rows another reconciler is claiming right now are skipped, not waited for.
        let claimed = try await write { connection in
            try await fetch(
                """
                UPDATE job_actions a SET lease_until = $1 WHERE a.id IN (
                  SELECT id FROM job_actions WHERE status IN ('pending', 'unknown') AND lease_until <= $2
                  FOR UPDATE SKIP LOCKED)
                RETURNING \(JobActionSQL.columns)
                """, [.integer(now.seconds + leaseSeconds), .integer(now.seconds)], on: .connection(connection)
            ) { try JobAction(row: $0) }
        }
        return claimed.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func sandboxPlatformPerform(_ call: PlatformCall, now: Timestamp) async throws -> PlatformAnswer {
        try await write { connection in
            let on = PostgresTarget.connection(connection)
            // The job's row first: the calls of one job are decided and numbered one at a time.
            let status = try await fetchFirst(
                Self.numbered(JobActionSQL.sandboxJobStatus) + " FOR UPDATE", [.text(call.jobID)], on: on,
                { try $0.text(0) }
            ).flatMap(PrintJobStatus.init(rawValue:))
            if let answer = try await sandboxAnswer(key: call.idempotencyKey, on: on) { return answer }
            let held =
                try await fetchFirst(Self.numbered(JobActionSQL.sandboxHeld), [.text(call.jobID)], on: on) {
                    try $0.text(0)
                } == "hold"
            let (accepted, message) = SandboxPlatformRule.decide(call.kind, status: status, held: held)
            let reference = "plat_" + call.actionID.dropFirst(3)
            try await execute(
                Self.numbered(JobActionSQL.sandboxRecord),
                [
                    .text(call.idempotencyKey), .text(call.kind.rawValue), .text(call.jobID), .text(call.jobID),
                    .flag(accepted), .text(reference), .text(message), .integer(now.seconds),
                ], on: on)
            return PlatformAnswer(accepted: accepted, reference: reference, message: message)
        }
    }

    public func sandboxPlatformAnswer(key: String) async throws -> PlatformAnswer? {
        try await sandboxAnswer(key: key, on: .pool)
    }

    func sandboxAnswer(key: String, on target: PostgresTarget) async throws -> PlatformAnswer? {
        try await fetchFirst(Self.numbered(JobActionSQL.sandboxCall), [.text(key)], on: target) {
            PlatformAnswer(accepted: try $0.integer(0) != 0, reference: try $0.text(1), message: try $0.text(2))
        }
    }

    func jobAction(id: String, on target: PostgresTarget) async throws -> JobAction? {
        try await fetchFirst(Self.numbered(JobActionSQL.byID), [.text(id)], on: target) { try JobAction(row: $0) }
    }
}
