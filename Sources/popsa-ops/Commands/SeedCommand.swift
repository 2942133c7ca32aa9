import ArgumentParser
import Foundation
import OpsCore
import OpsStore

struct SeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Generate a deterministic demo database.",
        discussion: "The same --users, --seed and --now always give the same data.")

    @Option(help: ArgumentHelp("The database file to create.", valueName: "path"))
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

    func run() throws {
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
        Stdout.line(
            """
            Seeded \(db) in \(String(format: "%.1f", report.seconds))s: \(NumberText.grouped(report.users)) customers, \
            \(NumberText.grouped(report.prints)) prints, \(NumberText.grouped(report.photos)) photos, \
            \(NumberText.grouped(report.orders)) orders, \
            \(NumberText.grouped(report.payments)) payments, \(NumberText.grouped(report.refunds)) refunds, \
            \(NumberText.grouped(report.printJobs)) print jobs, \
            \(NumberText.grouped(report.events)) partner events
            """)
        Stdout.line(
            "Phases: " + report.phases.map { String(format: "%@ %.1fs", $0.name, $0.seconds) }.joined(separator: ", "))
    }
}
