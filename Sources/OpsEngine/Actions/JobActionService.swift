import Foundation
import Logging
import OpsCore

// MARK: - JobActionPlan

/// An action an operator has chosen and the rules accept, ready to confirm.
public struct JobActionPlan: Hashable, Sendable {
    public var context: JobActionContext
    public var kind: JobActionKind
    public var reason: ActionReason
    public var note: String

    /// What confirming it does, in words.
    public var consequence: String { kind.consequence(context.job) }
}

// MARK: - JobActionResult

/// How an action ended.
public struct JobActionResult: Hashable, Sendable {
    public enum Outcome: Hashable, Sendable {
        case succeeded
        /// Refused by the platform; nothing changed.
        case failed(String)
        /// The platform did not say; the reconciler will find out.
        case unknown(String)
    }

    public var action: JobAction
    public var outcome: Outcome

    /// One line for the operator.
    public var summary: String {
        let job = "print job \(action.jobID)"
        switch outcome {
        case .succeeded: return "\(action.kind.label) done: \(job) is \(action.kind.done) (\(action.reference ?? ""))"
        case .failed(let message): return "The platform refused to \(action.kind.rawValue) \(job): \(message)"
        case .unknown(let message):
            return
                "Outcome not known yet: \(message). The reconciler will settle it; no other action on this job "
                + "meanwhile."
        }
    }

    /// `succeeded`, `failed`, `unknown`.
    public var outcomeName: String {
        switch outcome {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .unknown: "unknown"
        }
    }
}

// MARK: - JobActionService

/// Actions on print jobs exactly once, as refunds: the intent is recorded with its idempotency key (the rule
/// checked again with the job's row locked) before the platform is called; the call happens outside any
/// transaction; its outcome is recorded after. A crash at any point leaves an intent the reconciler finishes by
/// asking the platform what it did with the key before sending anything again.
public final class JobActionService: Sendable {
    let store: any JobActionStore
    let platform: any PlatformFacade
    public let permissions: ActionPermissions
    let clock: EngineClock
    let leaseSeconds: Int64
    let log = Logger(label: "popsa-ops.actions")

    public init(
        store: any JobActionStore, platform: any PlatformFacade, permissions: ActionPermissions,
        clock: EngineClock = .system, leaseSeconds: Int64 = 120
    ) {
        self.store = store
        self.platform = platform
        self.permissions = permissions
        self.clock = clock
        self.leaseSeconds = leaseSeconds
    }

    /// Checks an action as chosen: the role may take it, the job allows it now, "other" has a note.
    public func plan(
        jobID: String, kind: JobActionKind, reason: ActionReason, note: String, operator who: OperatorIdentity
    ) async throws -> JobActionPlan {
        guard permissions.allows(kind, who.role) else {
            throw JobActionRefusal.notPermitted(
                who.role == .viewer
                    ? "viewers cannot act on print jobs (read-only, or your role is viewer)"
                    : "a \(who.role.rawValue) may not \(kind.rawValue) print jobs (configuration [permissions] "
                        + "\(kind.rawValue))")
        }
        guard let context = try await store.jobActionContext(jobID: jobID) else {
            throw JobActionRefusal.notFound(jobID)
        }
        if let why = JobActionRules.refusal(kind, context) { throw JobActionRefusal.notPossible(why) }
        let note = note.trimmingWhitespace()
        if reason == .other && note.isEmpty { throw JobActionRefusal.noteRequired }
        return JobActionPlan(context: context, kind: kind, reason: reason, note: note)
    }

    /// Carries out a planned action. A refusal by the store's own check (someone acted meanwhile) throws
    /// `JobActionRefusal`; everything after the reservation is recorded and returned.
    public func execute(_ plan: JobActionPlan, operator who: OperatorIdentity) async throws -> JobActionResult {
        let now = clock.now()
        let id = RecordID.make("ja_")
        let key = UUID().uuidString.lowercased()
        let job = plan.context.job
        let action = try await store.reserveJobAction(
            JobActionReservation(
                id: String(id), jobID: job.id, kind: plan.kind, reason: plan.reason, note: plan.note,
                idempotencyKey: key, operatorName: who.name, now: now, leaseUntil: now.adding(seconds: leaseSeconds)),
            // The chain names the action by id and its reason code; the note stays in the action's row.
            audit: audit(who, plan.kind.audit("requested"), job.id, plan.reason, key, "", "ok", detail: String(id)))
        log.info(
            "job action reserved",
            metadata: ["action": "\(action.id)", "kind": "\(plan.kind.rawValue)", "job": "\(job.id)"])
        TestFaults.crash(at: .afterReserve)
        return try await drive(action, operator: who, step: "")
    }

    /// Calls the platform for an intent and records what it said.
    func drive(_ action: JobAction, operator who: OperatorIdentity, step: String) async throws -> JobActionResult {
        let resolution: JobActionResolution
        do {
            let answer = try await platform.perform(
                PlatformCall(
                    kind: action.kind, jobID: action.jobID, actionID: action.id,
                    idempotencyKey: action.idempotencyKey))
            TestFaults.crash(at: .afterGateway)
            resolution = answer.accepted ? .succeeded(reference: answer.reference) : .failed(message: answer.message)
        } catch let error as PlatformError {
            resolution = .unknown(message: error.description)
        } catch {
            resolution = .unknown(message: "\(error)")
        }
        return try await record(action, resolution, operator: who, step: step)
    }

    func record(
        _ action: JobAction, _ resolution: JobActionResolution, operator who: OperatorIdentity, step: String
    ) async throws -> JobActionResult {
        let (kind, result, detail): (String, String, String) =
            switch resolution {
            case .succeeded: ("succeeded", "ok", action.id)
            case .failed(let m): ("failed", "refused", "\(action.id): \(m)")
            case .unknown(let m): ("unknown", "unknown", "\(action.id): \(m)")
            }
        let resolved: JobAction
        do {
            try TestFaults.fail(at: .recording)
            var reference = ""
            if case .succeeded(let r) = resolution { reference = r }
            resolved = try await store.resolveJobAction(
                id: action.id, resolution, now: clock.now(),
                audit: audit(
                    who, action.kind.audit(step + kind), action.jobID, action.reason, action.idempotencyKey,
                    reference, result, detail: detail))
        } catch {
            // The platform has answered; the job may have changed. This process cannot record it: the intent stays
            // open and leased, and the reconciler asks the platform.
            log.error(
                "job action outcome not recorded",
                metadata: ["action": "\(action.id)", "platform_said": "\(kind)", "error": "\(error)"])
            return JobActionResult(
                action: action,
                outcome: .unknown(
                    "the platform answered, but the outcome could not be recorded in the database ("
                        + StoreFailure.summary(of: error) + "): recorded as unknown; run popsa-ops reconcile"))
        }
        log.info("job action resolved", metadata: ["action": "\(action.id)", "outcome": "\(kind)"])
        switch resolution {
        case .succeeded: return JobActionResult(action: resolved, outcome: .succeeded)
        case .failed(let m): return JobActionResult(action: resolved, outcome: .failed(m))
        case .unknown(let m): return JobActionResult(action: resolved, outcome: .unknown(m))
        }
    }

    /// Finishes actions left pending or unknown: asks the platform what it answered for the key, and sends the
    /// call again with the same key only when it never received it.
    public func reconcile(operator who: OperatorIdentity) async throws -> ReconcileReport {
        var report = ReconcileReport()
        for action in try await store.claimJobActionsToReconcile(now: clock.now(), leaseSeconds: leaseSeconds) {
            report.examined += 1
            let found: PlatformAnswer?
            do {
                found = try await platform.lookup(idempotencyKey: action.idempotencyKey)
            } catch {
                log.warning(
                    "reconcile cannot ask the platform", metadata: ["action": "\(action.id)", "error": "\(error)"])
                report.stillUnknown += 1
                report.lines.append(
                    "\(action.id): cannot ask the platform whether it was done (\(error)); nothing re-sent, "
                        + "still unknown")
                continue
            }
            let result: JobActionResult
            if let answer = found {
                result = try await record(
                    action,
                    answer.accepted ? .succeeded(reference: answer.reference) : .failed(message: answer.message),
                    operator: who, step: "reconciled.")
            } else {
                result = try await drive(action, operator: who, step: "reconciled.")
            }
            let how = found == nil ? "sent again with its key" : "found at the platform by its key"
            switch result.outcome {
            case .succeeded: report.succeeded += 1
            case .failed: report.failed += 1
            case .unknown: report.stillUnknown += 1
            }
            report.lines.append(
                "\(action.id) (\(action.kind.rawValue) \(action.jobID)): \(how); \(result.outcomeName)")
        }
        return report
    }

    func audit(
        _ who: OperatorIdentity, _ action: String, _ jobID: String, _ reason: ActionReason, _ key: String,
        _ reference: String, _ result: String, detail: String
    ) -> AuditRecord {
        AuditRecord(
            at: clock.now(), operatorName: who.name, sshClient: who.sshClient ?? "", action: action,
            target: "print job \(jobID)", reason: reason.rawValue, idempotencyKey: key, gatewayIDs: reference,
            result: result, detail: detail)
    }
}
