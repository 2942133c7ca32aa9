import Foundation
import OpsCore
import OpsEngine
import OpsTestSupport
import Synchronization
import Testing

/// A platform in front of the sandbox twin: the call goes through, then the answer is lost (a timeout after the
/// platform committed).
struct LosesPlatformAnswers: PlatformFacade {
    let base: any PlatformFacade
    func perform(_ call: PlatformCall) async throws -> PlatformAnswer {
        _ = try await base.perform(call)
        throw PlatformError.outcomeUnknown("read timeout")
    }
    func lookup(idempotencyKey: String) async throws -> PlatformAnswer? {
        try await base.lookup(idempotencyKey: idempotencyKey)
    }
}

/// A platform nothing reaches: no call arrives (connection refused).
struct UnreachablePlatform: PlatformFacade {
    func perform(_ call: PlatformCall) async throws -> PlatformAnswer {
        throw PlatformError.unreachable("connection refused")
    }
    func lookup(idempotencyKey: String) async throws -> PlatformAnswer? {
        throw PlatformError.unreachable("connection refused")
    }
}

/// Counts the calls sent to the platform (a re-send the reconciler should not make shows here).
final class CountingPlatform: PlatformFacade {
    let base: any PlatformFacade
    let performed = Mutex(0)
    init(_ base: any PlatformFacade) { self.base = base }
    func perform(_ call: PlatformCall) async throws -> PlatformAnswer {
        performed.withLock { $0 += 1 }
        return try await base.perform(call)
    }
    func lookup(idempotencyKey: String) async throws -> PlatformAnswer? {
        try await base.lookup(idempotencyKey: idempotencyKey)
    }
}

/// Holds, releases and cancels exactly once, on both stores: the rule is checked again with the job's row locked,
/// a lost answer is found at the platform by its key (never sent twice), a call that never arrived is sent again
/// with the same key, and two processes racing for one job act once.
@Suite(.serialized) struct ActionServiceTests {
    static let agent = RefundFixture.agent

    func service(
        _ f: RefundFixture, clock: EngineClock = .frozen(RefundFixture.now),
        permissions: ActionPermissions = ActionPermissions(),
        wrap: (any PlatformFacade) -> any PlatformFacade = { $0 }
    ) -> ActionService {
        let store = f.store as! any ActionStore
        return ActionService(
            store: store, platform: wrap(SandboxPlatform(store: store, clock: clock)), permissions: permissions,
            clock: clock)
    }

    func queuedJob(_ f: RefundFixture) throws -> String {
        let id = try f.under.sql("SELECT id FROM print_jobs WHERE status = 'queued' ORDER BY id LIMIT 1")
        try #require(!id.isEmpty)
        return id
    }

    static let later = EngineClock.frozen(RefundFixture.now.adding(seconds: 600))

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func aLostAnswerIsFoundAtThePlatformByItsKeyAndNeverSentAgain(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let job = try queuedJob(f)
            let lossy = service(f) { LosesPlatformAnswers(base: $0) }
            let plan = try await lossy.plan(
                .printJob(job), kind: .cancel, reason: .duplicate, note: "", operator: Self.agent)
            let result = try await lossy.execute(plan, operator: Self.agent)
            guard case .unknown = result.outcome else { Issue.record("\(result.outcome)"); return }
            // The platform cancelled it; the ops database does not know yet, and nothing else may be done to it.
            #expect(try f.count("SELECT count(*) FROM sandbox_platform_calls WHERE subject_id = '\(job)'") == 1)
            #expect(try f.under.sql("SELECT status FROM print_jobs WHERE id = '\(job)'") == "queued")
            await #expect(throws: ActionRefusal.self) {
                _ = try await service(f).plan(
                    .printJob(job), kind: .hold, reason: .duplicate, note: "", operator: Self.agent)
            }
            // Within the creator's lease the reconciler leaves it alone; after it, it asks the platform first.
            #expect(try await service(f).reconcile(operator: Self.agent).examined == 0)
            let counting = CountingPlatform(SandboxPlatform(store: f.store as! any ActionStore, clock: Self.later))
            let report = try await service(f, clock: Self.later) { _ in counting }.reconcile(operator: Self.agent)
            #expect(report.examined == 1 && report.succeeded == 1, "\(report.lines)")
            #expect(report.lines.first?.contains("found at the platform by its key") == true, "\(report.lines)")
            #expect(counting.performed.withLock { $0 } == 0)
            #expect(try f.count("SELECT count(*) FROM sandbox_platform_calls WHERE subject_id = '\(job)'") == 1)
            #expect(try f.under.sql("SELECT status FROM print_jobs WHERE id = '\(job)'") == "cancelled")
            #expect(
                try f.count(
                    "SELECT count(*) FROM audit_log WHERE action = 'job.cancel.reconciled.succeeded' AND "
                        + "target = 'print job \(job)'") == 1)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func aCallThatNeverArrivedIsSentAgainWithItsKey(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let job = try queuedJob(f)
            let cut = service(f) { _ in UnreachablePlatform() }
            let plan = try await cut.plan(
                .printJob(job), kind: .hold, reason: .wrongDesign, note: "", operator: Self.agent)
            let result = try await cut.execute(plan, operator: Self.agent)
            guard case .unknown = result.outcome else { Issue.record("\(result.outcome)"); return }
            #expect(try f.count("SELECT count(*) FROM sandbox_platform_calls") == 0)
            let report = try await service(f, clock: Self.later).reconcile(operator: Self.agent)
            #expect(report.succeeded == 1 && report.lines.first?.contains("sent again with its key") == true)
            #expect(
                try f.under.sql("SELECT idempotency_key FROM sandbox_platform_calls")
                    == result.action.idempotencyKey)
            #expect(try f.under.sql("SELECT action_id FROM job_holds WHERE job_id = '\(job)'") == result.action.id)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func concurrentCancelsOfOneJobSucceedExactlyOnce(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let job = try queuedJob(f)
            let outcomes = await withTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do {
                            let s = service(f)
                            let plan = try await s.plan(
                                .printJob(job), kind: .cancel, reason: .duplicate, note: "", operator: Self.agent)
                            return try await s.execute(plan, operator: Self.agent).outcomeName
                        } catch let refusal as ActionRefusal {
                            return "refused: \(refusal)"
                        } catch {
                            return "error: \(error)"
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "succeeded" }.count == 1, "\(outcomes)")
            #expect(outcomes.allSatisfy { $0 == "succeeded" || $0.hasPrefix("refused: ") }, "\(outcomes)")
            #expect(try f.count("SELECT count(*) FROM support_actions WHERE subject_id = '\(job)'") == 1)
            #expect(try f.count("SELECT count(*) FROM sandbox_platform_calls WHERE subject_id = '\(job)'") == 1)
            #expect(
                try f.count("SELECT count(*) FROM print_job_events WHERE job_id = '\(job)' AND status = 'cancelled'")
                    == 1)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func theRuleIsCheckedAgainWhenTheIntentIsRecorded(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let job = try queuedJob(f)
            let s = service(f)
            let plan = try await s.plan(
                .printJob(job), kind: .cancel, reason: .duplicate, note: "", operator: Self.agent)
            // The partner starts printing between the plan and the confirmation.
            _ = try f.under.sql("UPDATE print_jobs SET status = 'printing' WHERE id = '\(job)'")
            await #expect(
                throws: ActionRefusal.notPossible(
                    "print job \(job) is already printing at \(plan.context.job!.partner): it can only be cancelled "
                        + "before printing")
            ) {
                _ = try await s.execute(plan, operator: Self.agent)
            }
            #expect(try f.count("SELECT count(*) FROM support_actions") == 0)
            #expect(try f.count("SELECT count(*) FROM sandbox_platform_calls") == 0)
        }
    }

    @Test func rolesAndNotesAreEnforcedBeforeAnythingIsRecorded() async throws {
        try await RefundFixture.with(.sqlite) { f in
            let job = try queuedJob(f)
            let supervisorsOnly = ActionPermissions(roles: [.cancel: [.supervisor]])
            await #expect(throws: ActionRefusal.self) {
                _ = try await service(f, permissions: supervisorsOnly).plan(
                    .printJob(job), kind: .cancel, reason: .duplicate, note: "", operator: Self.agent)
            }
            let viewer = OperatorIdentity(name: "vic", sshClient: nil, role: .viewer)
            await #expect(throws: ActionRefusal.self) {
                _ = try await service(f).plan(
                    .printJob(job), kind: .hold, reason: .duplicate, note: "", operator: viewer)
            }
            await #expect(throws: ActionRefusal.noteRequired) {
                _ = try await service(f).plan(
                    .printJob(job), kind: .hold, reason: .other, note: "  ", operator: Self.agent)
            }
            let plan = try await service(f, permissions: supervisorsOnly).plan(
                .printJob(job), kind: .cancel, reason: .duplicate, note: "", operator: RefundFixture.supervisor)
            #expect(try await service(f).execute(plan, operator: RefundFixture.supervisor).outcome == .succeeded)
            #expect(try f.count("SELECT count(*) FROM support_actions") == 1)
        }
    }
}
