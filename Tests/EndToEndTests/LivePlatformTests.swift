import Foundation
import OpsTestSupport
import Testing

/// Support's actions through the live platform's API gateway (a loopback simulator with faults): the request is
/// the gateway's (service path, bearer token, the intent's idempotency key), and a lost answer is found by its
/// key, never acted on twice.
@Suite(.serialized) struct LivePlatformTests {
    static let later = "2026-11-27T09:10:00Z"  // past the creator's lease

    struct Live {
        let server: BackgroundServer
        let store: StoreUnderTest
        let config: String
        var base: String { "http://127.0.0.1:\(server.port)" }

        init(timeout: String = "5s") throws {
            server = try TestSupport.platformSimulator()
            store = try StoreUnderTest.fixtureCopy(.sqlite)
            config = TestSupport.temporaryDirectory("live-platform") + "/config.toml"
            try """
            [platform]
            mode = "live"
            api_base = "http://127.0.0.1:\(server.port)"
            timeout = "\(timeout)"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        }

        func run(
            _ arguments: [String], now: String = TestSupport.now, token: String? = "platform-token"
        ) throws
            -> TestSupport.Output
        {
            try TestSupport.popsaOps(
                arguments + ["--db", store.database, "--config", config, "--now", now],
                environment: token.map { ["POPSA_PLATFORM_TOKEN": $0] } ?? [:])
        }

        func faults(_ json: String) throws { try TestSupport.postJSON(base + "/_control/faults", json) }

        /// The requests the gateway saw for `path`, and how many times it acted on each key.
        func seen(_ path: String) throws -> (requests: [[String: String]], performed: [String: Int]) {
            let data = Data(try TestSupport.getText(base + "/_control/state").utf8)
            let state = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            let requests = (state["requests"] as! [[String: Any]]).compactMap { r -> [String: String]? in
                guard r["path"] as? String == path else { return nil }
                return ["key": r["key"] as? String ?? "", "authorization": r["authorization"] as? String ?? ""]
            }
            return (requests, state["performed"] as! [String: Int])
        }

        func queuedJob() throws -> String {
            try store.sql("SELECT id FROM print_jobs WHERE status = 'queued' ORDER BY id LIMIT 1")
        }
    }

    @Test func actionsGoThroughTheGatewayWithTheTokenAndTheIntentsKey() throws {
        let live = try Live()
        let job = try live.queuedJob()
        let held = try live.run(["job", "hold", job, "--reason", "wrong_design", "--yes"])
        #expect(held.status == 0, "\(held.stdout)\(held.stderr)")
        let key = try live.store.sql("SELECT idempotency_key FROM support_actions")
        let seen = try live.seen("/printjobs/PrintJobs.Hold")
        #expect(seen.requests == [["key": key, "authorization": "Bearer platform-token"]], "\(seen.requests)")
        #expect(try live.store.sql("SELECT reference FROM support_actions") == "plat_000001")
        // A reprint's new job is the platform's.
        let delivered = try live.store.sql("SELECT id FROM print_jobs WHERE status = 'delivered' ORDER BY id LIMIT 1")
        let reprint = try live.run(["job", "reprint", delivered, "--reason", "damaged", "--yes"])
        #expect(
            reprint.status == 0 && reprint.stdout.contains("reprinted as print job job_p000002"), "\(reprint.stdout)")
        #expect(try live.store.sql("SELECT status FROM print_jobs WHERE id = 'job_p000002'") == "queued")
        // A reference that is not an id (it would become the new job's) is no answer to act on: unknown, and no
        // job is made of it.
        let failed = try live.store.sql("SELECT id FROM print_jobs WHERE status = 'failed' ORDER BY id LIMIT 1")
        try live.faults(#"{"faults": [{"kind": "reference", "value": "job_x\u001b[2J; DROP"}]}"#)
        let odd = try live.run(["job", "reprint", failed, "--reason", "print_quality", "--yes"])
        #expect(odd.status == 75 && odd.stdout.contains("no usable reference"), "\(odd.stdout)\(odd.stderr)")
        #expect(try live.store.sql("SELECT count(*) FROM print_jobs WHERE id LIKE 'job_x%'") == "0")
    }

    @Test func aTimeoutAfterThePlatformActedIsFoundByItsKeyAndNotSentAgain() throws {
        let live = try Live(timeout: "1s")
        let job = try live.queuedJob()
        try live.faults(#"{"faults": [{"kind": "slow", "seconds": 3}]}"#)
        let lost = try live.run(["job", "cancel", job, "--reason", "duplicate", "--yes"])
        #expect(lost.status == 75 && lost.stdout.contains("Outcome not known yet"), "\(lost.stdout)\(lost.stderr)")
        #expect(try live.store.sql("SELECT status FROM support_actions") == "unknown")
        #expect(try live.store.sql("SELECT status FROM print_jobs WHERE id = '\(job)'") == "queued")
        // Without the token this process cannot ask: the intent is named as waiting, and why (exit 75), not
        // passed over in silence.
        let tokenless = try live.run(["reconcile"], now: Self.later, token: nil)
        #expect(tokenless.status == 75, "\(tokenless.stdout)\(tokenless.stderr)")
        #expect(
            tokenless.stdout.contains("cannot be finished by this process")
                && tokenless.stdout.contains("POPSA_PLATFORM_TOKEN"), "\(tokenless.stdout)")
        #expect(try live.store.sql("SELECT status FROM support_actions") == "unknown")
        let reconciled = try live.run(["reconcile"], now: Self.later)
        #expect(reconciled.status == 0 && reconciled.stdout.contains("found at the platform by its key"))
        let seen = try live.seen("/printjobs/PrintJobs.Cancel")
        #expect(seen.requests.count == 1 && seen.performed.values.reduce(0, +) == 1, "\(seen)")
        #expect(try live.store.sql("SELECT status FROM print_jobs WHERE id = '\(job)'") == "cancelled")
    }

    @Test func aFailureBeforeThePlatformActedIsSentAgainWithTheSameKey() throws {
        let live = try Live()
        let job = try live.queuedJob()
        try live.faults(#"{"faults": [{"kind": "status", "code": 503}]}"#)
        let failed = try live.run(["job", "hold", job, "--reason", "wrong_design", "--yes"])
        #expect(failed.status == 75 && failed.stdout.contains("HTTP 503"), "\(failed.stdout)\(failed.stderr)")
        let reconciled = try live.run(["reconcile"], now: Self.later)
        #expect(reconciled.status == 0 && reconciled.stdout.contains("sent again with its key"), "\(reconciled.stdout)")
        let seen = try live.seen("/printjobs/PrintJobs.Hold")
        #expect(seen.requests.count == 2 && Set(seen.requests.map { $0["key"]! }).count == 1, "\(seen.requests)")
        #expect(seen.performed.values.reduce(0, +) == 1)
        #expect(try live.store.sql("SELECT count(*) FROM job_holds WHERE job_id = '\(job)'") == "1")
    }

    /// Killed at each step (after the intent, after the platform acted, unable to record its answer): one
    /// reconcile later the platform has acted exactly once.
    @Test(arguments: ["after-reserve", "after-gateway", "fail-recording"])
    func killedAtAnyStepThePlatformActsExactlyOnce(point: String) throws {
        let live = try Live()
        let job = try live.queuedJob()
        let killed = try TestSupport.popsaOps(
            [
                "job", "cancel", job, "--reason", "duplicate", "--yes", "--db", live.store.database, "--config",
                live.config, "--now", TestSupport.now,
            ], environment: ["POPSA_PLATFORM_TOKEN": "platform-token", "POPSA_OPS_TEST_FAULT": point])
        #expect(killed.status == (point == "fail-recording" ? 75 : 86), "\(killed.stdout)\(killed.stderr)")
        let reconciled = try live.run(["reconcile"], now: Self.later)
        #expect(reconciled.status == 0, "\(reconciled.stdout)\(reconciled.stderr)")
        let seen = try live.seen("/printjobs/PrintJobs.Cancel")
        #expect(seen.performed.values.reduce(0, +) == 1, "\(seen)")
        #expect(Set(seen.requests.map { $0["key"]! }).count == 1, "\(seen.requests)")
        #expect(try live.store.sql("SELECT status FROM support_actions") == "succeeded")
        #expect(try live.store.sql("SELECT status FROM print_jobs WHERE id = '\(job)'") == "cancelled")
    }

    @Test func aRefusalIsSaidInThePlatformsWordsAndNothingChanges() throws {
        let live = try Live()
        let job = try live.queuedJob()
        try live.faults(#"{"faults": [{"kind": "refuse", "code": 409, "detail": "job is already at the press"}]}"#)
        let refused = try live.run(["job", "cancel", job, "--reason", "duplicate", "--yes"])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(
            refused.stdout.contains("The platform refused to cancel (print job \(job)): job is already at the press"))
        #expect(try live.store.sql("SELECT status FROM support_actions") == "failed")
        #expect(try live.store.sql("SELECT status FROM print_jobs WHERE id = '\(job)'") == "queued")
        // A token the gateway does not accept is a refusal too: nothing was done.
        let wrong = try live.run(["job", "hold", job, "--reason", "duplicate", "--yes"], token: "stolen")
        #expect(wrong.status == 1 && wrong.stdout.contains("invalid token"), "\(wrong.stdout)\(wrong.stderr)")
    }

    @Test func withoutTheTokenNothingIsRecordedAndTheMessageSaysWhichSecret() throws {
        let live = try Live()
        let job = try live.queuedJob()
        let refused = try live.run(["job", "hold", job, "--reason", "duplicate", "--yes"], token: nil)
        #expect(refused.status == 1 && refused.stderr.contains("POPSA_PLATFORM_TOKEN"), "\(refused.stderr)")
        #expect(try live.store.sql("SELECT count(*) FROM support_actions") == "0")
        #expect(try live.seen("/printjobs/PrintJobs.Hold").requests.isEmpty)
    }
}
