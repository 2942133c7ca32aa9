import Foundation
import OpsCore
import OpsEngine
import OpsStore
import OpsStorePostgres

/// `bench --db postgres://…`: the store group (search, exact id, customer 360, each next to its raw-SQL floor on
/// the same pool in the same run) and the console group (first frame, keystroke to frame) on PostgreSQL, and the
/// same figures on a SQLite copy of the data (`--compare`) in the same run.
struct PostgresBench {
    let url: String
    let sqlite: String?
    let iterations: Int
    let now: Timestamp
    let groups: Set<String>
    var importCustomers = 20_000

    func run() async throws {
        let skipped = groups.subtracting(["store", "console", "import"])
        if !skipped.isEmpty {
            Stderr.line(
                "bench: on PostgreSQL only the store, console and import groups run (skipped: \(skipped.sorted()))")
        }
        let store = try await PostgresConnect.open(url)
        let engine = Engine(store: store, clock: .frozen(now))
        let local = try sqlite.map { path in try wrap { try SQLiteStore.open(path: path) } }
        if groups.contains("store") {
            let samples = try await store.benchSamples(count: iterations, seed: 7)
            try await Task.detached { [now] in
                try await BenchCommand.measureQueries(
                    label: "PostgreSQL", customers: try await store.customerCount(), samples: samples,
                    engine: engine, floorSearch: { try await store.floorSearch($0, limit: 50) },
                    floorResolve: { try await store.floorResolve($0) },
                    floor360: { try await store.floorCustomer360($0) })
                if let local {
                    Stdout.line("")
                    // The same inputs, on SQLite.
                    try await BenchCommand.measureQueries(
                        label: "SQLite", customers: try local.userCount(), samples: samples,
                        engine: Engine(store: local, clock: .frozen(now)),
                        floorSearch: { try local.floorSearch($0, limit: 50) },
                        floorResolve: { try local.floorResolve($0) }, floor360: { try local.floorCustomer360($0) })
                }
            }.value
        }
        if groups.contains("console") {
            let samples = try await store.benchSamples(count: 300, seed: 11)
            let url = self.url
            try ConsoleBench(
                open: {
                    let fresh = try Blocking.run { try await PostgresConnect.open(url) }
                    return (
                        fresh,
                        {
                            do { try Blocking.run { await fresh.close() } } catch {
                                Stderr.line("bench: closing a PostgreSQL pool: \(error)")
                            }
                        }
                    )
                }, engine: engine, now: now, samples: samples
            ).run()
            if let sqlite {
                try ConsoleBench(
                    open: BenchCommand.openSQLite(sqlite), engine: Engine(store: local!, clock: .frozen(now)), now: now,
                    samples: samples
                ).run()
            }
        }
        if groups.contains("import") {
            do {
                try await measureImport(store)
            } catch {
                await store.close()
                throw error
            }
        }
        await store.close()
    }

    /// The generated export imported by `popsa-ops import` into an empty PostgreSQL database (a scratch one made
    /// on the same server, dropped afterwards) and into an empty SQLite file, one after the other, each in a
    /// fresh process: both hold every line to the same rules, PostgreSQL asking its facts over the connection.
    private func measureImport(_ store: PostgresStore) async throws {
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let dir = try BenchScratch.make("pg-import")
        defer { BenchScratch.remove(dir) }
        let export = dir + "/export.jsonl"
        let lines = try ImportBench.writeExport(to: export, customers: importCustomers)
        let name = "popsa_import_bench_\(getpid())"
        let scratch: PostgresLocation
        do {
            scratch = try await store.createScratchDatabase(name)
        } catch {
            Stdout.line("import: cannot create a scratch database on the server (\(error)); skipped")
            return
        }
        let postgres: Duration
        do {
            postgres = try ChildProcess.run(binary, ["import", "--db", scratch.description, export]).time
        } catch {
            try await store.dropScratchDatabase(name)
            throw error
        }
        try await store.dropScratchDatabase(name)
        let sqlite = try ChildProcess.run(binary, ["import", "--db", dir + "/ours.sqlite", export]).time
        Stdout.line("")
        Stdout.line(
            "import of \(NumberText.grouped(lines)) lines (\(NumberText.grouped(importCustomers)) customers), "
                + "one run each:"
        )
        Stdout.line(
            String(
                format: "  PostgreSQL %.2fs (%.0f lines/s)   SQLite %.2fs (%.0f lines/s)   ratio %.2fx",
                postgres.seconds, Double(lines) / postgres.seconds, sqlite.seconds, Double(lines) / sqlite.seconds,
                postgres.seconds / max(1e-9, sqlite.seconds)))
    }
}
