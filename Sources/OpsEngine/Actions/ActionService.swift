import Foundation
import Logging
import OpsCore

// MARK: - ActionPlan

/// An action an operator has chosen and the rules accept, ready to confirm.
public struct ActionPlan: Hashable, Sendable {
    public var context: ActionContext
    public var kind: ActionKind
    public var reason: ActionReason
    public var note: String
    /// A change of address's new address.
    public var address: Address?

    /// What confirming it does, in words.
    public var consequence: String { kind.consequence(context, address: address) }
}

// MARK: - ActionResult

/// How an action ended.
public struct ActionResult: Hashable, Sendable {
    public typealias Outcome = ExecutionOutcome

    public var action: SupportAction
    public var outcome: Outcome

    /// One line for the operator.
    public var summary: String {
        let kind = action.kind
        switch outcome {
        case .succeeded:
            return "\(kind.label) done: \(kind.done(action.subject, reference: action.reference))"
        case .failed(let message):
            return "The platform refused to \(kind.label.lowercased()) (\(action.subject.target)): \(message)"
        case .unknown(let message):
            return
                "Outcome not known yet: \(message). The reconciler will settle it; no other action on "
                + "\(action.subject.target) meanwhile."
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

// MARK: - ActionService

/// Support's actions exactly once, as refunds: the intent is recorded with its idempotency key (the rule checked
/// again with the record's row locked) before the platform is called; the call happens outside any transaction;
/// its outcome is recorded after. A crash at any point leaves an intent the reconciler finishes by asking the
/// platform what it did with the key before sending anything again.
public final class ActionService: Sendable {
    let store: any ActionStore
    let platform: any PlatformFacade
    public let permissions: ActionPermissions
    let clock: EngineClock
    let leaseSeconds: Int64
    /// Why no action can be taken in this process (live mode without the platform's token), or nil.
    let unavailable: String?
    let log = Logger(label: "popsa-ops.actions")

    public init(
        store: any ActionStore, platform: any PlatformFacade, permissions: ActionPermissions,
        clock: EngineClock = .system, leaseSeconds: Int64 = 120, unavailable: String? = nil
    ) {
        self.unavailable = unavailable
        self.store = store
        self.platform = platform
        self.permissions = permissions
        self.clock = clock
        self.leaseSeconds = leaseSeconds
    }

    /// The record with what its actions need (the dialog's start).
    public func context(_ subject: ActionSubject) async throws -> ActionContext {
        guard let context = try await store.actionContext(subject) else { throw ActionRefusal.notFound(subject.target) }
        return context
    }

    /// Checks an action as chosen: the role may take it, the record allows it now, the reason is one of its
    /// reasons, "other" has a note, a new address is one a label can carry.
    public func plan(
        _ subject: ActionSubject, kind: ActionKind, reason: ActionReason, note: String, address: Address? = nil,
        operator who: OperatorIdentity
    ) async throws -> ActionPlan {
        guard permissions.allows(kind, who.role) else {
            throw ActionRefusal.notPermitted(
                who.role == .viewer
                    ? "viewers cannot take actions (read-only, or your role is viewer)"
                    : "a \(who.role.rawValue) may not \(kind.label.lowercased()) (configuration [permissions] "
                        + "\(kind.rawValue))")
        }
        guard kind.reasons.contains(reason) else {
            throw ActionRefusal.badReason(
                "\"\(reason.rawValue)\" is not a reason to \(kind.label.lowercased()) (expected one of "
                    + kind.reasons.map(\.rawValue).joined(separator: ", ") + ")")
        }
        if let unavailable { throw ActionRefusal.notPermitted(unavailable) }
        if kind == .changeAddress && address == nil {
            throw ActionRefusal.notPossible("a change of address needs the new address")
        }
        let context = try await context(subject)
        if let why = ActionRules.refusal(kind, context, address: address) { throw ActionRefusal.notPossible(why) }
        let note = note.trimmingWhitespace()
        if reason == .other && note.isEmpty { throw ActionRefusal.noteRequired }
        return ActionPlan(context: context, kind: kind, reason: reason, note: note, address: address)
    }

    /// Carries out a planned action. A refusal by the store's own check (someone acted meanwhile) throws
    /// `ActionRefusal`; everything after the reservation is recorded and returned.
    public func execute(_ plan: ActionPlan, operator who: OperatorIdentity) async throws -> ActionResult {
        let now = clock.now()
        let id = RecordID.make("act_")
        let key = UUID().uuidString.lowercased()
        let subject = plan.context.subject
        let action = try await store.reserveAction(
            ActionReservation(
                id: id, subject: subject, kind: plan.kind, reason: plan.reason, note: plan.note,
                address: plan.address, idempotencyKey: key, operatorName: who.name, now: now,
                leaseUntil: now.adding(seconds: leaseSeconds)),
            // The chain names the action by id and its reason code; the note and a new address stay in the
            // action's row (free text and personal data are never chained).
            audit: audit(who, plan.kind.audit("requested"), subject, plan.reason, key, "", "ok", detail: id))
        log.info(
            "action reserved",
            metadata: ["action": "\(action.id)", "kind": "\(plan.kind.rawValue)", "subject": "\(subject.target)"])
        TestFaults.crash(at: .afterReserve)
        return try await drive(action, operator: who, step: "")
    }

    /// Calls the platform for an intent and records what it said.
    func drive(_ action: SupportAction, operator who: OperatorIdentity, step: String) async throws -> ActionResult {
        let resolution: ActionResolution
        do {
            let answer = try await platform.perform(
                PlatformCall(
                    kind: action.kind, subject: action.subject, actionID: action.id,
                    idempotencyKey: action.idempotencyKey, address: action.address))
            TestFaults.crash(at: .afterGateway)
            resolution = answer.accepted ? .succeeded(reference: answer.reference) : .failed(message: answer.message)
        } catch let error as PlatformError {
            resolution = .unknown(message: error.description)
        } catch {
            log.warning("platform call failed", metadata: ["action": "\(action.id)", "error": "\(error)"])
            resolution = .unknown(message: "the platform call failed (details in the log)")
        }
        return try await record(action, resolution, operator: who, step: step)
    }

    func record(
        _ action: SupportAction, _ resolution: ActionResolution, operator who: OperatorIdentity, step: String
    ) async throws -> ActionResult {
        let (kind, result, detail): (String, String, String) =
            switch resolution {
            case .succeeded: ("succeeded", "ok", action.id)
            case .failed(let m): ("failed", "refused", "\(action.id): \(m)")
            case .unknown(let m): ("unknown", "unknown", "\(action.id): \(m)")
            }
        let resolved: SupportAction
        do {
            try TestFaults.fail(at: .recording)
            var reference = ""
            if case .succeeded(let r) = resolution { reference = r }
            resolved = try await store.resolveAction(
                id: action.id, resolution, now: clock.now(),
                audit: audit(
                    who, action.kind.audit(step + kind), action.subject, action.reason, action.idempotencyKey,
                    reference, result, detail: detail))
        } catch {
            // The platform has answered; the record may have changed. This process cannot record it: the intent
            // stays open and leased, and the reconciler asks the platform.
            log.error(
                "action outcome not recorded",
                metadata: ["action": "\(action.id)", "platform_said": "\(kind)", "error": "\(error)"])
            return ActionResult(
                action: action,
                outcome: .unknown(
                    "the platform answered, but the outcome could not be recorded in the database ("
                        + StoreFailure.summary(of: error) + "): recorded as unknown; run popsa-ops reconcile"))
        }
        log.info("action resolved", metadata: ["action": "\(action.id)", "outcome": "\(kind)"])
        switch resolution {
        case .succeeded: return ActionResult(action: resolved, outcome: .succeeded)
        case .failed(let m): return ActionResult(action: resolved, outcome: .failed(m))
        case .unknown(let m): return ActionResult(action: resolved, outcome: .unknown(m))
        }
    }

    /// Finishes actions left pending or unknown: asks the platform what it answered for the key, and sends the
    /// call again with the same key only when it never received it.
    public func reconcile(operator who: OperatorIdentity) async throws -> ReconcileReport {
        var report = ReconcileReport()
        // Without the live platform there is no one to ask: open intents wait for a process that has it, and the
        // report says so (each one still unknown, and why) rather than nothing.
        if let unavailable {
            for action in try await store.openActions() {
                report.stillUnknown += 1
                report.lines.append(
                    "\(Self.named(action)) cannot be finished by this process: \(unavailable)")
            }
            return report
        }
        for action in try await store.claimActionsToReconcile(now: clock.now(), leaseSeconds: leaseSeconds) {
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
            let result: ActionResult
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
                "\(Self.named(action)): \(how); \(result.outcomeName)")
        }
        for leased in try await store.leasedActions(now: clock.now()) {
            report.stillUnknown += 1
            report.lines.append(
                "\(Self.named(leased)) is being driven by "
                    + "\(leased.operatorName)'s process (leased); run reconcile again once it has finished")
        }
        return report
    }

    /// An action as reconcile's lines name it: `act_… (cancel print job job_…)`.
    static func named(_ action: SupportAction) -> String {
        "\(action.id) (\(action.kind.rawValue) \(action.subject.target))"
    }

    func audit(
        _ who: OperatorIdentity, _ action: String, _ subject: ActionSubject, _ reason: ActionReason, _ key: String,
        _ reference: String, _ result: String, detail: String
    ) -> AuditRecord {
        AuditRecord(
            at: clock.now(), operatorName: who.name, sshClient: who.sshClient ?? "", action: action,
            target: subject.target, reason: reason.rawValue, idempotencyKey: key, gatewayIDs: reference,
            result: result, detail: detail)
    }
}
