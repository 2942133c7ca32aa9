import ArgumentParser
import Foundation
import Logging
import OpsConsole
import OpsCore
import OpsEngine
import OpsMetrics
import OpsStore

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the current metrics in the Prometheus text exposition format.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var time: TimeOptions

    func run() async throws {
        OpsMetrics.shared.bootstrap()
        let config = try configuration.load()
        let opened = try await database.openStore(
            now: time.timestamp, configured: .known(config.databasePath), readOnly: true)
        let totals = try await opened.using { store in
            try await Engine(store: store.reads, clock: time.clock, stuckThreshold: config.stuckThreshold)
                .businessTotals()
        }
        FileHandle.standardOutput.write(Data(OpsMetrics.shared.exposition(totals: totals).utf8))
    }
}

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract:
            "Write live platform traffic into the database: signups, orders with payments, photo uploads, partner "
            + "updates."
    )

    @Option(help: ArgumentHelp("Events per second, e.g. 20/s.", valueName: "rate")) var rate: String = "20/s"
    @Option(help: ArgumentHelp("How long, e.g. 60s, 5m.", valueName: "duration")) var duration: String = "60s"
    @Option(help: "Random seed.") var seed: UInt64 = 99
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var time: TimeOptions

    var eventsPerSecond: Int? {
        let text = rate.hasSuffix("/s") ? String(rate.dropLast(2)) : rate
        guard let n = Int(text), (1...10_000).contains(n) else { return nil }
        return n
    }

    func validate() throws {
        guard eventsPerSecond != nil else {
            throw ValidationError("--rate: \"\(rate)\" is not a rate like 20/s (1 to 10000 events a second)")
        }
        do { _ = try DurationText.parse(duration) } catch { throw ValidationError("--duration: \(error)") }
    }

    func run() async throws {
        let opened = try await database.openStore(now: time.timestamp)
        try await opened.using { store in
            guard !store.isReadOnly else {
                throw CommandFailure(message: "\(store.name) is read-only for this account", code: .noPermission)
            }
            try await simulate(into: store.traffic)
        }
    }

    private func simulate(into store: any TrafficStore) async throws {
        let seconds = try DurationText.parse(duration)
        let frozen = time.isFrozen ? time.timestamp : nil
        let simulator = TrafficSimulator(store: store, seed: seed)
        // On a terminal, a line that says what has been written so far, against the time asked for.
        let bar = ProgressBar(total: Int(seconds), unit: "s")
        let started = ContinuousClock.now
        let totals = try await simulator.run(
            eventsPerSecond: eventsPerSecond!, duration: .seconds(seconds),
            clock: { frozen ?? Timestamp(seconds: Int64(Date().timeIntervalSince1970)) },
            progress: { t in
                bar.update(
                    Int((ContinuousClock.now - started).seconds),
                    detail: " · \(t.signups) signups, \(t.orders) orders, \(t.uploads) uploads, "
                        + "\(t.jobUpdates) job updates")
            })
        bar.finish()
        Stdout.line(
            "Simulated \(totals.signups) signups, \(totals.orders) orders, \(totals.uploads) photo uploads, "
                + "\(totals.jobUpdates) print job updates"
        )
    }
}
