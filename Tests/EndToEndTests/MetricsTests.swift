import Foundation
import OpsTestSupport
import Testing

@Suite struct MetricsTests {
    /// Durations, sample counts and process age in the engine panels depend on the machine: scrubbed.
    static func scrub(_ text: String) -> String {
        var out = text.replacingOccurrences(
            of: #"p(50|95|99) [0-9.]+(µs|ms|s)"#, with: "p$1 <t>", options: .regularExpression)
        out = out.replacingOccurrences(of: #"\(\d+\)"#, with: "(<n>)", options: .regularExpression)
        out = out.replacingOccurrences(
            of: #"since start, [0-9dhms ]+ ago"#, with: "since start, <age> ago", options: .regularExpression)
        out = out.replacingOccurrences(of: #"last [0-9dhms ]+ ─"#, with: "last <age> ─", options: .regularExpression)
        // A scrubbed figure was wider or narrower than another run's: the padding after it to the panel's border
        // varies with it (seen with frame times of a loaded machine).
        out = out.replacingOccurrences(
            of: #"(<t>|<n>\)|<age>)([^│\n]*?) +│"#, with: "$1$2 │", options: .regularExpression)
        return out
    }

    @Test(arguments: ["80x24", "200x60"])
    func dashboardGolden(size: String) throws {
        let script = """
            key :
            type metrics
            key enter
            wait
            expect Orders and revenue
            snapshot
            key w
            wait
            expect Window today
            snapshot
            key p
            expect PAUSED
            key down down down
            snapshot
            """
        let result = try TestSupport.popsaOps(
            [
                "headless", "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now, "--size", size,
                "--script", "-",
            ], stdin: script)
        #expect(result.status == 0, "\(result.stderr)")
        TestSupport.assertGolden(Self.scrub(result.stdout), "console/metrics-\(size).txt")
    }

    @Test func theExpositionPassesPromtool() throws {
        let metrics = try TestSupport.popsaOps([
            "metrics", "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now,
        ])
        #expect(metrics.status == 0, "\(metrics.stderr)")
        for name in [
            "popsa_ops_orders", "popsa_ops_print_jobs", "popsa_ops_print_jobs_stuck", "popsa_ops_photos_missing",
            "popsa_ops_refunded_minor_units",
        ] {
            #expect(metrics.stdout.contains("# HELP \(name) "), "\(name)")
            #expect(metrics.stdout.contains("# TYPE \(name) gauge"), "\(name)")
        }
        #expect(metrics.stdout.contains(#"popsa_ops_orders{status="paid"}"#))
        let check = try TestSupport.run("/usr/bin/env", ["promtool", "check", "metrics"], stdin: metrics.stdout)
        #expect(check.status == 0, "promtool: \(check.stdout)\(check.stderr)")
    }

    @Test func theConfiguredDatabaseIsTheOneMeasured() throws {
        let config = TestSupport.temporaryDirectory() + "/config.toml"
        try "database = \"\(TestSupport.fixtureDatabase)\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let home = TestSupport.temporaryDirectory("home")
        let configured = try TestSupport.popsaOps(
            ["metrics", "--config", config, "--now", TestSupport.now], home: home)
        let explicit = try TestSupport.popsaOps([
            "metrics", "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now,
        ])
        #expect(configured.status == 0, "\(configured.stderr)")
        // The registry lists families in no fixed order: compare the lines, not their order.
        #expect(configured.stdout.split(separator: "\n").sorted() == explicit.stdout.split(separator: "\n").sorted())
        #expect(
            !FileManager.default.fileExists(atPath: home + "/data/popsa-ops/demo.sqlite"), "no demo database was made")
    }

    /// `serve-metrics` on a free loopback port, for `db`.
    func serveMetrics(db: String) throws -> (Process, Int) {
        let port = BackgroundServer.freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: TestSupport.binary)
        server.arguments = ["serve-metrics", "--listen", "127.0.0.1:\(port)", "--db", db, "--now", TestSupport.now]
        server.environment = ["HOME": TestSupport.isolatedHome]
        server.standardError = FileHandle.nullDevice
        try TestSupport.launch(server)
        return (server, port)
    }

    /// Scrapes /metrics until the exposition contains `marker` (the server is starting), for up to 10 s.
    func scrape(_ port: Int, until marker: String) throws -> String {
        var scraped = ""
        for _ in 0..<100 {
            scraped = try TestSupport.getText("http://127.0.0.1:\(port)/metrics")
            if scraped.contains(marker) { break }
            usleep(100_000)
        }
        return scraped
    }

    @Test func serveMetricsIsScrapedOverLoopback() throws {
        let (server, port) = try serveMetrics(db: TestSupport.fixtureDatabase)
        defer { server.terminate() }
        let scraped = try scrape(port, until: "popsa_ops_orders")
        #expect(scraped.contains("# TYPE popsa_ops_photos_missing gauge"))
        let check = try TestSupport.run("/usr/bin/env", ["promtool", "check", "metrics"], stdin: scraped)
        #expect(check.status == 0, "promtool: \(check.stdout)\(check.stderr)")
        let missing = try TestSupport.run(
            "/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/nope"])
        #expect(missing.stdout == "404")
        let bad = try TestSupport.popsaOps(["serve-metrics", "--listen", "nowhere"])
        #expect(bad.status == 64)
    }

    @Test func aFailingDatabaseIsReportedNotHidden() throws {
        let db = TestSupport.fixtureCopy()
        let (server, port) = try serveMetrics(db: db)
        defer { server.terminate() }
        var scraped = try scrape(port, until: "popsa_ops_up")
        #expect(scraped.contains("\npopsa_ops_up 1"), "\(scraped.prefix(400))")
        // The business numbers can no longer be read: the scrape says so instead of serving stale numbers as fine.
        _ = try TestSupport.sql(db, "DROP TABLE order_counts")
        scraped = try TestSupport.getText("http://127.0.0.1:\(port)/metrics")
        #expect(scraped.contains("\npopsa_ops_up 0"), "\(scraped.prefix(400))")
    }

    @Test func aConsoleSeesSimulatedTrafficFromAnotherProcess() throws {
        let db = TestSupport.fixtureCopy()
        let console = Process()
        console.executableURL = URL(fileURLWithPath: TestSupport.binary)
        console.arguments = ["headless", "--db", db, "--now", TestSupport.now, "--size", "120x40", "--script", "-"]
        console.environment = ["HOME": TestSupport.isolatedHome, "USER": "tester", "LANG": "C.UTF-8"]
        let input = Pipe(), output = Pipe()
        console.standardInput = input
        console.standardOutput = output
        console.standardError = FileHandle.nullDevice
        try TestSupport.launch(console)
        input.fileHandleForWriting.write(
            Data("key :\ntype metrics\nkey enter\nwait\nsnapshot\nsleep 5s\nsnapshot\n".utf8))
        try input.fileHandleForWriting.close()
        usleep(500_000)
        let simulate = try TestSupport.popsaOps([
            "simulate", "--db", db, "--rate", "40/s", "--duration", "3s", "--now", TestSupport.now,
        ])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        #expect(simulate.stdout.hasPrefix("Simulated "))
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        console.waitUntilExit()
        let screens = TestSupport.snapshots(text)
        #expect(screens.count == 2)
        func signups(_ screen: String) -> Int {
            guard let line = screen.split(separator: "\n").first(where: { $0.contains("signups/min") }) else {
                return -1
            }
            let digits = line.split(separator: " ").compactMap { Int($0.filter { $0.isNumber }) }
            return digits.last ?? -1
        }
        #expect(
            signups(screens[1]) > signups(screens[0]), "before: \(signups(screens[0])), after: \(signups(screens[1]))")
    }
}
