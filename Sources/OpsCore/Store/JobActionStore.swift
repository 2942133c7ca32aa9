// MARK: - JobActionStore

/// Support's actions on print jobs, on both stores, exactly once as refunds are: the intent is recorded with its
/// key (the job's rule checked again, the job's row locked) before the platform is called, the outcome after.
public protocol JobActionStore: Sendable {
    /// The job, its hold and its actions, or nil when there is no such job.
    func jobActionContext(jobID: String) async throws -> JobActionContext?

    /// In one transaction: re-checks the rule (`JobActionReservation.check`), records the intent as pending with
    /// its key, and appends `audit`.
    func reserveJobAction(_ reservation: JobActionReservation, audit: AuditRecord) async throws -> JobAction

    /// In one transaction: records the outcome; on success applies it to the job (a hold placed or lifted, the job
    /// cancelled with a line in its timeline); appends `audit`.
    func resolveJobAction(
        id: String, _ resolution: JobActionResolution, now: Timestamp, audit: AuditRecord
    ) async throws -> JobAction

    /// Intents still pending or unknown whose lease has run out, claimed for `leaseSeconds` by the caller.
    func claimJobActionsToReconcile(now: Timestamp, leaseSeconds: Int64) async throws -> [JobAction]

    /// The sandbox platform's side, in the same database: performs `call` once per idempotency key (a repeat
    /// returns the first answer) by `SandboxPlatformRule`, and answers what a key was told, if anything.
    func sandboxPlatformPerform(_ call: PlatformCall, now: Timestamp) async throws -> PlatformAnswer
    func sandboxPlatformAnswer(key: String) async throws -> PlatformAnswer?
}
