import Foundation
import OpsTestSupport
import Testing

/// How fresh the live data is: each delivery `serve` applies is noted with its source, the status bar shows the
/// time since each source last delivered and warns past its `[silence]` threshold, the dashboard has a panel of
/// the sources (deliveries, refusals, the last error), and `/metrics` the same families.
@Suite(.serialized) struct FreshnessTests {
    func statusBar(_ db: String, at now: String, config: String? = nil) throws -> String {
        let script = "key :\ntype metrics\nkey enter\nwait\nsnapshot\n"
        var arguments = ["headless", "--db", db, "--now", now, "--size", "120x40", "--script", "-"]
        if let config { arguments += ["--config", config] }
        let result = try TestSupport.popsaOps(arguments, stdin: script)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    @Test(arguments: StoreUnderTest.Kind.allCases) func theStatusBarAndTheDashboardSayHowFreshEachSourceIs(
        _ kind: StoreUnderTest.Kind
    ) throws {
        let server = try IngestServiceTests.Server(on: kind)
        defer { _ = server.stop() }
        // Nothing delivered yet: nothing to say.
        #expect(!(try statusBar(server.db, at: "2026-11-27T09:02:00Z")).contains("feed "))
        #expect(try server.post([IngestServiceTests.user]).status == 200)
        #expect(try server.post([IngestServiceTests.user], secret: "wrong").status == 401)
        let fresh = try statusBar(server.db, at: "2026-11-27T09:02:00Z")
        let lines = fresh.split(separator: "\n")
        let bar = try #require(lines.dropLast().last)
        #expect(bar.contains("· feed 2m") && !bar.contains("feed 2m!"), "\(bar)")
        // The dashboard's panel: one delivery, one refusal and why.
        #expect(fresh.contains("Live sources"), "\(fresh)")
        #expect(fresh.contains("1 refused") && fresh.contains("the signature does not match the body"), "\(fresh)")
        // Past the default 15 minutes of silence, a warning; a longer configured threshold takes it away.
        let silent = try statusBar(server.db, at: "2026-11-27T09:30:00Z")
        #expect(silent.contains("feed 30m!"), "\(silent)")
        let config = TestSupport.temporaryDirectory("silence") + "/config.toml"
        try "[silence]\nplatform = \"1h\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let patient = try statusBar(server.db, at: "2026-11-27T09:30:00Z", config: config)
        #expect(patient.contains("feed 30m") && !patient.contains("feed 30m!"), "\(patient)")
        try "[silence]\nplatform = \"soon\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try TestSupport.popsaOps(["config", "check", "--config", config])
        #expect(bad.status == 78 && bad.stderr.contains("silence.platform"), "\(bad.stderr)")
        // /metrics: the same families, read from the database (so every process's deliveries count).
        let metrics = try TestSupport.getText("http://127.0.0.1:\(server.port)/metrics")
        #expect(metrics.contains(#"popsa_ops_feed_deliveries{source="platform"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"popsa_ops_feed_refused{source="platform"} 1"#))
        #expect(metrics.contains(#"popsa_ops_feed_last_delivery_age_seconds{source="platform"}"#))
    }
}
