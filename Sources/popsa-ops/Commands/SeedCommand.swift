import ArgumentParser
import Foundation
import OpsCore
import OpsStore
import OpsStorePostgres

struct SeedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Generate a deterministic demo database.",
        discussion: """
            The same --users, --seed and --now always give the same data. A PostgreSQL URL as --db seeds that \
            database, which must be empty: the data is generated into a temporary SQLite file (owner-only, in \
            $TMPDIR, removed afterwards) and copied in with COPY in one transaction.
            """)

    @Option(
        help: ArgumentHelp("The database file to create, or an empty PostgreSQL database (a URL).", valueName: "path"))
    var db: String

    @Option(help: "Number of customers to generate.")
    var users: Int

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    @Flag(help: "Overwrite the file if it exists.")
    var replace = false

    @OptionGroup var time: TimeOptions

    func validate() throws {
        guard users >= 1 && users <= 20_000_000 else { throw ValidationError("--users must be between 1 and 20000000") }
    }

    func run() async throws {
        if PostgresLocation.isURL(db) { return try await seedPostgres(db) }
        if let problem = SharedDatabase.accessProblem(db) {
            throw CommandFailure(message: problem, code: .noPermission)
        }
        let shared = SharedDatabase.adoptPermissions(for: db)
        defer { if shared { SharedDatabase.shareFiles(of: db) } }
        let bar = ProgressBar(total: users, unit: "customers")
        let report = try wrap {
            try Seeder.seed(
                path: db, users: users, seed: seed, now: time.timestamp, replace: replace,
                progress: { bar.update($0) }, phase: bar.phase)
        }
        bar.finish()
        Self.printReport(report, seeded: db, seconds: report.seconds)
    }

    static func printReport(_ report: SeedReport, seeded name: String, seconds: Double) {
        Stdout.line(
            """
            Seeded \(name) in \(String(format: "%.1f", seconds))s: \(NumberText.grouped(report.users)) customers, \
            \(NumberText.grouped(report.prints)) prints, \(NumberText.grouped(report.photos)) photos, \
            \(NumberText.grouped(report.orders)) orders, \
            \(NumberText.grouped(report.payments)) payments, \(NumberText.grouped(report.refunds)) refunds, \
            \(NumberText.grouped(report.printJobs)) print jobs, \
            \(NumberText.grouped(report.events)) partner events
            """)
        Stdout.line(
            "Phases: " + report.phases.map { String(format: "%@ %.1fs", $0.name, $0.seconds) }.joined(separator: ", "))
    }

    /// Seeds an empty PostgreSQL database: generated into a temporary SQLite file, then copied in (the copy is
    /// `migrate`'s: COPY with the triggers off, the running counts rebuilt once, statistics taken).
    private func seedPostgres(_ url: String) async throws {
        guard !replace else {
            throw CommandFailure(
                message: "--replace deletes SQLite files only: seed PostgreSQL into an empty database "
                    + "(drop and create it to start again)",
                code: .usage)
        }
        let started = ContinuousClock.now
        let store = try await PostgresConnect.open(url)
        do {
            try await store.requireEmpty()
            let folder = try TemporaryFolder(prefix: "popsa-ops-seed")
            defer { folder.remove() }
            let path = folder.path + "/seed.sqlite"
            let bar = ProgressBar(total: users, unit: "customers")
            var report = try wrap {
                try Seeder.seed(
                    path: path, users: users, seed: seed, now: time.timestamp,
                    progress: { bar.update($0) }, phase: bar.phase)
            }
            bar.phase("copy into PostgreSQL")
            let copyStarted = ContinuousClock.now
            let source = try wrap { try SQLiteStore.open(path: path, readOnly: true) }
            _ = try await store.copy(from: source)
            bar.finish()
            report.phases.append(SeedReport.Phase(name: "copy", seconds: (ContinuousClock.now - copyStarted).seconds))
            await store.close()
            Self.printReport(
                report, seeded: store.location.description, seconds: (ContinuousClock.now - started).seconds)
        } catch let error as PostgresStoreError {
            await store.close()
            throw CommandFailure(message: error.description, code: .dataError)
        } catch {
            await store.close()
            throw error
        }
    }
}
