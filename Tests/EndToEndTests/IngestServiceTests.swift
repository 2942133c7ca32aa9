import Foundation
import OpsTestSupport
import Testing

/// `popsa-ops serve`: the platform's change feed, signed, applied in one transaction with the import's rules.
@Suite(.serialized) struct IngestServiceTests {
    static let secret = "whsec_test_0f1e2d3c"

    /// A running `serve` on a free loopback port, over its own copy of the fixture on either store.
    struct Server {
        let process: Process
        let port: Int
        let store: StoreUnderTest
        /// What `--db` takes: the SQLite file or the PostgreSQL URL.
        var db: String { store.database }

        init(
            environment: [String: String] = ["POPSA_OPS_INGEST_SECRET": IngestServiceTests.secret],
            config: String = "", store existing: StoreUnderTest? = nil, on kind: StoreUnderTest.Kind = .sqlite
        ) throws {
            store = try existing ?? StoreUnderTest.fixtureCopy(kind)
            port = BackgroundServer.freePort()
            let configFile = TestSupport.temporaryDirectory("serve-config") + "/config.toml"
            try config.write(toFile: configFile, atomically: true, encoding: .utf8)
            process = Process()
            process.executableURL = URL(fileURLWithPath: TestSupport.binary)
            process.arguments = [
                "serve", "--listen", "127.0.0.1:\(port)", "--db", db, "--now", TestSupport.now, "--config", configFile,
            ]
            process.environment = ["HOME": TestSupport.isolatedHome].merging(environment) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try TestSupport.launch(process)
            for _ in 0..<200 {
                if (try? TestSupport.getText("http://127.0.0.1:\(port)/healthz")) == "ok\n" { return }
                usleep(50_000)
            }
            Issue.record("serve did not answer /healthz")
        }

        /// Signs `lines` as the platform would and posts them: the status and the response body.
        func post(
            _ lines: [String], offset: Int = 0, extraSecret: String? = nil,
            secret: String = IngestServiceTests.secret, path: String = "/ingest"
        ) throws -> (status: Int, body: String) {
            let file = TestSupport.temporaryDirectory("ingest") + "/batch.jsonl"
            try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            var arguments = [
                TestSupport.packageRoot + "/Tests/Scripts/sign_and_post.py",
                "http://127.0.0.1:\(port)\(path)", secret, file, String(offset),
            ]
            if let extraSecret { arguments.append(extraSecret) }
            let out = try TestSupport.run("/usr/bin/env", ["python3"] + arguments)
            let parts = out.stdout.split(separator: "\n", maxSplits: 1).map(String.init)
            return (Int(parts.first ?? "") ?? -1, parts.count > 1 ? parts[1] : "")
        }

        func stop() -> Int32 {
            process.terminate()  // SIGTERM
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static let user =
        #"{"type":"user","id":"usr_feed1","email":"feed.one@example.com","name":"Fenna Feed","#
        + #""country":"NL","created_at":"2026-11-27T08:00:00Z"}"#
    static let print =
        #"{"type":"print","id":"prt_feed1","user_id":"usr_feed1","product":"photobook","#
        + #""title":"Zomer","page_count":20,"photo_count":0,"created_at":"2026-11-27T08:01:00Z"}"#

    @Test(arguments: StoreUnderTest.Kind.allCases) func aSignedBatchIsAppliedOnceAndSendingItAgainChangesNothing(
        _ kind: StoreUnderTest.Kind
    ) throws {
        let server = try Server(on: kind)
        defer { _ = server.stop() }
        let first = try server.post([Self.user, Self.print])
        #expect(first.status == 200, "\(first.body)")
        #expect(first.body.contains(#""records":2"#))
        let query = try TestSupport.popsaOps(["query", "customer", "usr_feed1", "--db", server.db])
        #expect(query.stdout.contains("Fenna Feed"))
        let before =
            try server.store.sql("SELECT count(*) FROM users") + "/" + server.store.sql("SELECT count(*) FROM prints")
        let again = try server.post([Self.user, Self.print])
        #expect(again.status == 200)
        let after =
            try server.store.sql("SELECT count(*) FROM users") + "/" + server.store.sql("SELECT count(*) FROM prints")
        #expect(before == after)
    }

    @Test(arguments: StoreUnderTest.Kind.allCases) func unsignedTamperedStaleAndFutureRequestsAreRefusedAndCounted(
        _ kind: StoreUnderTest.Kind
    ) throws {
        let server = try Server(on: kind)
        defer { _ = server.stop() }
        #expect(try server.post([Self.user], secret: "not-the-secret").status == 401)
        #expect(try server.post([Self.user], offset: -600).body.contains("refused as a replay"))
        #expect(try server.post([Self.user], offset: 600).body.contains("in the future"))
        let missing = try TestSupport.run(
            "/usr/bin/env",
            [
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--data-binary", Self.user,
                "http://127.0.0.1:\(server.port)/ingest",
            ])
        #expect(missing.stdout == "401")
        #expect(try server.store.sql("SELECT count(*) FROM users WHERE id = 'usr_feed1'") == "0")
        // While the secret is being rotated, a request signed with the old and the new one is accepted.
        #expect(try server.post([Self.user], extraSecret: "the-old-secret").status == 200)
        let metrics = try TestSupport.getText("http://127.0.0.1:\(server.port)/metrics")
        #expect(metrics.contains(#"popsa_ops_ingest_rejected_total{reason="mismatch"} 1"#))
        #expect(metrics.contains(#"popsa_ops_ingest_rejected_total{reason="expired"} 1"#))
        #expect(metrics.contains(#"popsa_ops_ingest_rejected_total{reason="future"} 1"#))
        #expect(metrics.contains(#"popsa_ops_ingest_rejected_total{reason="missing"} 1"#))
        #expect(metrics.contains("popsa_ops_ingest_records_total 1"))
    }

    @Test(arguments: StoreUnderTest.Kind.allCases) func aBadRecordIsNamedByLineAndNothingOfTheBatchIsKept(
        _ kind: StoreUnderTest.Kind
    ) throws {
        let server = try Server(on: kind)
        defer { _ = server.stop() }
        let bad =
            #"{"type":"print","id":"prt_feed2","user_id":"usr_nobody","product":"photobook","#
            + #""title":"X","page_count":20,"photo_count":0,"created_at":"2026-11-27T08:01:00Z"}"#
        let result = try server.post([Self.user, bad])
        #expect(result.status == 422, "\(result.body)")
        #expect(result.body.contains(#""line":2"#))
        #expect(result.body.contains(#""field":"user_id""#))
        #expect(try server.store.sql("SELECT count(*) FROM users WHERE id = 'usr_feed1'") == "0")
    }

    @Test func sigtermEndsTheServiceCleanly() throws {
        let server = try Server()
        #expect(try server.post([Self.user]).status == 200)
        #expect(server.stop() == 0)
    }

    @Test func sigkillInTheMiddleOfABatchLosesNothingOnceTheSenderRetries() throws {
        let server = try Server()
        let lines = (0..<40_000).map { i in
            #"{"type":"user","id":"usr_k\#(i)","email":"k\#(i)@example.com","name":"Kill \#(i)","country":"GB","#
                + #""created_at":"2026-11-27T08:00:00Z","version":\#(i + 1)}"#
        }
        let file = TestSupport.temporaryDirectory("sigkill") + "/batch.jsonl"
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        // The sender, in flight while the service is killed.
        let sender = Process()
        sender.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sender.arguments = [
            "python3", TestSupport.packageRoot + "/Tests/Scripts/sign_and_post.py",
            "http://127.0.0.1:\(server.port)/ingest", IngestServiceTests.secret, file,
        ]
        sender.standardOutput = FileHandle.nullDevice
        sender.standardError = FileHandle.nullDevice
        try TestSupport.launch(sender)
        usleep(400_000)
        kill(server.process.processIdentifier, SIGKILL)
        server.process.waitUntilExit()
        sender.waitUntilExit()
        #expect(server.process.terminationReason == .uncaughtSignal)
        // Whatever moment the kill hit: the batch is all there or not at all, never half.
        let after = try server.store.sql("SELECT count(*) FROM users WHERE id LIKE 'usr_k%'")
        #expect(after == "0" || after == "40000", "a killed batch left \(after) of its 40000 records")
        #expect(try server.store.sql("PRAGMA integrity_check") == "ok")
        // The sender retries against the restarted service: everything is there, once.
        let again = try Server(store: server.store)
        defer { _ = again.stop() }
        let retry = try again.post(lines)
        #expect(retry.status == 200, "\(retry.body)")
        #expect(try again.store.sql("SELECT count(*) FROM users WHERE id LIKE 'usr_k%'") == "40000")
    }

    @Test func withoutItsSecretTheServiceDoesNotStart() throws {
        let db = TestSupport.fixtureCopy()
        let result = try TestSupport.popsaOps(["serve", "--listen", "127.0.0.1:0", "--db", db])
        #expect(result.status == 78)
        #expect(result.stderr.contains("POPSA_OPS_INGEST_SECRET"))
    }

    // MARK: - Print partners

    @Test func aPartnerWhoseSecretIsMissingStopsTheServiceFromStarting() throws {
        let config = TestSupport.temporaryDirectory("bad-partner") + "/config.toml"
        try """
        [serve.partners.maple-press]
        secret_file = "/nonexistent/maple.key"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let refused = try TestSupport.popsaOps(
            ["serve", "--listen", "127.0.0.1:0", "--db", TestSupport.fixtureCopy(), "--config", config],
            environment: ["POPSA_OPS_INGEST_SECRET": Self.secret])
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("maple-press"))
    }

    @Test(arguments: StoreUnderTest.Kind.allCases) func aPartnersUpdateMovesItsJobAndUnsticksIt(
        _ kind: StoreUnderTest.Kind
    ) throws {
        let lion = "lion-secret-1"
        let config = """
            [serve.partners.lion-city-print]
            secret_env = "PARTNER_LION"
            """
        let server = try Server(
            environment: ["POPSA_OPS_INGEST_SECRET": Self.secret, "PARTNER_LION": lion], config: config, on: kind)
        defer { _ = server.stop() }
        let job = try server.store.sql(
            "SELECT id FROM print_jobs WHERE partner = 'lion-city-print' "
                + "AND status IN ('sent','accepted','printing','shipped') "
                + "ORDER BY updated_at LIMIT 1")
        try #require(!job.isEmpty)
        func stuck() throws -> String {
            try TestSupport.popsaOps(
                ["query", "print-jobs", "--stuck-for", "72h", "--db", server.db, "--now", TestSupport.now]).stdout
        }
        #expect(try stuck().contains(job))
        let path = "/partners/lion-city-print/events"
        let event =
            #"{"job_id":"\#(job)","status":"delivered","at":"2026-11-27T08:30:00Z","#
            + #""message":"Delivered to the door","tracking_number":"LC123456789SG","carrier":"SingPost"}"#
        let first = try server.post([event], secret: lion, path: path)
        #expect(first.status == 200, "\(first.body)")
        #expect(first.body.contains(#""current":true"#))
        #expect(!(try stuck().contains(job)))
        let shown = try TestSupport.popsaOps(["query", "print-job", job, "--db", server.db, "--now", TestSupport.now])
        #expect(shown.stdout.contains("LC123456789SG"))
        #expect(shown.stdout.contains("Delivered to the door"))
        // A retry is recognised; an older update joins the timeline without turning the job back.
        let eventsSQL = "SELECT count(*) FROM print_job_events WHERE job_id = '\(job)'"
        let events = try server.store.sql(eventsSQL)
        #expect(try server.post([event], secret: lion, path: path).body.contains(#""duplicate":true"#))
        #expect(try server.store.sql(eventsSQL) == events)
        let older = #"{"job_id":"\#(job)","status":"printing","at":"2026-11-20T08:00:00Z"}"#
        #expect(try server.post([older], secret: lion, path: path).body.contains(#""current":false"#))
        #expect(try server.store.sql("SELECT status FROM print_jobs WHERE id = '\(job)'") == "delivered")
        // Another partner's job, a job that does not exist, a partner not configured, a wrong signature, a bad
        // status.
        let other = try server.store.sql("SELECT id FROM print_jobs WHERE partner != 'lion-city-print' LIMIT 1")
        let theirs = #"{"job_id":"\#(other)","status":"delivered","at":"2026-11-27T08:30:00Z"}"#
        #expect(try server.post([theirs], secret: lion, path: path).status == 403)
        let nobody = #"{"job_id":"job_nope","status":"delivered","at":"2026-11-27T08:30:00Z"}"#
        #expect(try server.post([nobody], secret: lion, path: path).status == 404)
        #expect(try server.post([event], secret: lion, path: "/partners/maple-press/events").status == 404)
        #expect(try server.post([event], secret: "wrong", path: path).status == 401)
        let bad = #"{"job_id":"\#(job)","status":"lost-in-space","at":"2026-11-27T08:30:00Z"}"#
        let refusedStatus = try server.post([bad], secret: lion, path: path)
        #expect(refusedStatus.status == 422)
        #expect(refusedStatus.body.contains(#""field":"status""#))
    }
}
