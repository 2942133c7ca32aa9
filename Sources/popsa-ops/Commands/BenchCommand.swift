import ArgumentParser
import Foundation
import OpsConsole
import OpsCore
import OpsCurses
import OpsEngine
import OpsMetrics
import OpsStore
import OpsStorePostgres
import OpsTUI

// MARK: - Latencies

/// Latency samples with percentiles.
struct Latencies {
    var samples: [Duration] = []

    mutating func measure<T>(_ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        let result = try await body()
        samples.append(ContinuousClock.now - start)
        return result
    }

    mutating func measureSync<T>(_ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        let result = try body()
        samples.append(ContinuousClock.now - start)
        return result
    }

    func percentile(_ p: Double) -> Duration {
        guard !samples.isEmpty else { return .zero }
        let sorted = samples.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * p / 100).rounded(.up)) - 1)
        return sorted[max(0, index)]
    }

    static func ms(_ d: Duration) -> String { String(format: "%.3f", d.seconds * 1000) }

    /// A row of a comparison table: p50 and p99 of ours and of the floor (ms), and their ratio at percentile `p`.
    static func row(_ name: String, _ ours: Latencies, _ floor: Latencies, ratioAt p: Double) -> String {
        let ratio = ours.percentile(p).seconds / max(1e-9, floor.percentile(p).seconds)
        return name.padding(toLength: 18, withPad: " ", startingAt: 0)
            + [ours.percentile(50), ours.percentile(99), floor.percentile(50), floor.percentile(99)]
            .map { ms($0).leftPadded(12) }.joined()
            + String(format: "%11.2fx", ratio)
    }
}

// MARK: - BenchCommand

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure seed time and query latency against the raw-SQL floor (build with -c release).",
        discussion: """
            Seeds --db if it does not exist (timing it), then runs each query through the engine and the same SQL \
            raw on the same database, interleaved, and prints p50/p99 of both and their ratio.
            """)

    @Option(help: ArgumentHelp("Database to benchmark; seeded first if missing.", valueName: "path"))
    var db: String = "/tmp/popsa-ops-bench.sqlite"
    @Option(help: "Customers to seed when the database is missing.") var users = 1_000_000
    @Option(help: "Queries of each kind.") var iterations = 2_000
    @Option(
        help: ArgumentHelp(
            "Groups to run (comma-separated): store, console, dashboard, process, import, ingest, live.",
            valueName: "groups"))
    var only: String = "store,console,dashboard,process,import,ingest,live"
    @Option(help: "Seconds the idle-dashboard CPU measurement runs.") var idleSeconds = 20
    @Option(
        help: ArgumentHelp(
            "With a PostgreSQL --db: a SQLite database (the same data) measured the same way in the same run.",
            valueName: "path"))
    var compare: String?
    @Option(help: "Customers in the generated export the import benchmark loads.") var importCustomers = 20_000
    @OptionGroup var time: TimeOptions

    func run() async throws {
        OpsMetrics.shared.bootstrap()
        #if DEBUG
        Stderr.line("popsa-ops bench: this is a debug build; figures are only meaningful with -c release")
        #endif
        if PostgresLocation.isURL(db) {
            let groups = Set(only.split(separator: ",").map { $0.trimmingWhitespace() })
            return try await PostgresBench(
                url: db, sqlite: compare, iterations: iterations, now: time.timestamp, groups: groups,
                importCustomers: importCustomers
            ).run()
        }
        let seededHere = !FileManager.default.fileExists(atPath: db)
        if seededHere {
            let bar = ProgressBar(total: users, unit: "customers")
            let report = try wrap {
                try Seeder.seed(
                    path: db, users: users, seed: 42, now: time.timestamp, progress: { bar.update($0) },
                    phase: bar.phase)
            }
            bar.finish()
            Stdout.line(
                String(
                    format: "seed: %@ customers, %@ orders, %@ photos in %.1fs (%@)", NumberText.grouped(report.users),
                    NumberText.grouped(report.orders), NumberText.grouped(report.photos), report.seconds,
                    report.phases.map { String(format: "%@ %.1fs", $0.name, $0.seconds) }.joined(separator: ", ")))
        } else {
            Stdout.line("seed: reusing \(db)")
        }
        let store = try wrap { try SQLiteStore.open(path: db) }
        let engine = Engine(store: store, clock: .frozen(time.timestamp))
        // Measure off the main actor, where the console's effects run: from the main actor every engine call
        // would pay two thread hops that no real caller pays.
        let iterations = self.iterations
        let groups = Set(only.split(separator: ",").map { $0.trimmingWhitespace() })
        if groups.contains("store") {
            try await Task.detached {
                try await Self.measureQueries(store: store, engine: engine, iterations: iterations)
            }.value
        }
        if groups.contains("dashboard") {
            try await DashboardBench(store: store, engine: engine, now: time.timestamp, idleSeconds: idleSeconds).run()
        }
        if groups.contains("process") {
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
            try ProcessBench(binary: binary, db: db, store: store).run()
        }
        if groups.contains("import") {
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
            try ImportBench(binary: binary, customers: importCustomers).run()
        }
        if groups.contains("ingest") {
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
            try await IngestBench(binary: binary, customers: importCustomers).run()
        }
        if groups.contains("live") {
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
            try await LiveIngestBench(binary: binary, customers: importCustomers).run()
        }
        if groups.contains("console") && seededHere {
            // Seeding leaves this process with a gigabyte of freed heap and page cache, which would count against
            // the console's resident memory: measure the console in a fresh process, as one starting on the box.
            try await Self.runConsoleInChild(db: db, now: time.now)
        } else if groups.contains("console") {
            let samples = try store.benchSamples(count: 300, seed: 11)
            try ConsoleBench(open: Self.openSQLite(db), engine: engine, now: time.timestamp, samples: samples).run()
        }
    }

    /// Opens the SQLite database afresh for each of the console benchmark's first frames.
    static func openSQLite(_ path: String) -> () throws -> (store: any EngineStore, close: () -> Void) {
        {
            let store = try SQLiteStore.open(path: path)
            return (
                store,
                {
                    do { try store.close() } catch { Stderr.line("bench: closing \(path): \(error)") }
                }
            )
        }
    }

    static func runConsoleInChild(db: String, now: String?) async throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        child.arguments = ["bench", "--db", db, "--only", "console"] + (now.map { ["--now", $0] } ?? [])
        try wrap { try child.run() }
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            throw CommandFailure(
                message: "the console benchmark's process failed (status \(child.terminationStatus))", code: .failure)
        }
    }

    static func measureQueries(store: SQLiteStore, engine: Engine, iterations: Int) async throws {
        try await measureQueries(
            label: "SQLite", customers: try store.userCount(),
            samples: try store.benchSamples(count: iterations, seed: 7),
            engine: engine, floorSearch: { try store.floorSearch($0, limit: 50) },
            floorResolve: { try store.floorResolve($0) }, floor360: { try store.floorCustomer360($0) })
    }

    /// Search, exact-id lookup and customer 360 through the engine, each next to its floor (the same SQL, raw) on
    /// the same input, in the same run.
    static func measureQueries(
        label: String, customers: Int, samples: BenchSamples, engine: Engine,
        floorSearch: (String) async throws -> Int, floorResolve: (String) async throws -> Int,
        floor360: (String) async throws -> Int
    ) async throws {
        Stdout.line(
            "\(label): customers: \(NumberText.grouped(customers)); samples: \(samples.searchTerms.count) "
                + "searches, \(samples.identifiers.count) identifiers, \(samples.userIDs.count) customers"
        )

        // Warm the page cache and statement caches, as a console that has been open a while has them.
        for term in samples.searchTerms.prefix(200) {
            _ = try await engine.search(term)
            _ = try await floorSearch(term)
        }
        for id in samples.userIDs.prefix(200) {
            _ = try await engine.customer(id)
            _ = try await floor360(id)
        }

        // Engine and floor run the same input back to back, in alternating order: whichever runs second finds
        // the pages the first one touched, so a fixed order would favour one side.
        var rows: [(String, Latencies, Latencies)] = []
        func pair(
            _ name: String, _ inputs: [String], engine engineCall: (String) async throws -> Void,
            floor floorCall: (String) async throws -> Int
        ) async throws {
            var onEngine = Latencies(), onFloor = Latencies()
            for (i, input) in inputs.enumerated() {
                if i % 2 == 0 {
                    try await onEngine.measure { try await engineCall(input) }
                    _ = try await onFloor.measure { try await floorCall(input) }
                } else {
                    _ = try await onFloor.measure { try await floorCall(input) }
                    try await onEngine.measure { try await engineCall(input) }
                }
            }
            rows.append((name, onEngine, onFloor))
        }
        try await pair(
            "free-text search", samples.searchTerms, engine: { _ = try await engine.search($0, limit: 50) },
            floor: floorSearch)
        try await pair(
            "exact-id lookup", samples.identifiers,
            engine: { id in
                if try await engine.search(id).exact == nil {
                    throw CommandFailure(message: "bench: identifier \(id) did not resolve", code: .failure)
                }
            }, floor: floorResolve)
        try await pair("customer 360", samples.userIDs, engine: { _ = try await engine.customer($0) }, floor: floor360)

        Stdout.line("")
        Stdout.line("\(label) query       engine p50  engine p99   floor p50   floor p99   p99 ratio   (ms)")
        for (name, engine, floor) in rows { Stdout.line(Latencies.row(name, engine, floor, ratioAt: 99)) }
    }
}

// MARK: - String

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
