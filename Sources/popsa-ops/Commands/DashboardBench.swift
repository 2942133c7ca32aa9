import Foundation
import OpsConsole
import OpsCore
import OpsCurses
import OpsEngine
import OpsStore
import OpsTUI

/// Dashboard figures on a large database: a refresh through the engine against the same SQL raw, per window;
/// and the CPU an idle dashboard uses, with the real loop and the ncurses backend drawing into a file.
struct DashboardBench {
    let store: SQLiteStore
    let engine: Engine
    let now: Timestamp
    let idleSeconds: Int

    func run() async throws {
        Stdout.line("")
        Stdout.line("dashboard refresh      engine p50  engine p99   floor p50   floor p99   (ms)")
        for window in MetricsWindow.allCases {
            var onEngine = Latencies(), onFloor = Latencies()
            for i in 0..<300 {
                if i % 2 == 0 {
                    _ = try await onEngine.measure { try await engine.dashboard(window: window) }
                    _ = try onFloor.measureSync {
                        try store.floorDashboard(window: window, now: now, stuckThreshold: engine.stuckThreshold)
                    }
                } else {
                    _ = try onFloor.measureSync {
                        try store.floorDashboard(window: window, now: now, stuckThreshold: engine.stuckThreshold)
                    }
                    _ = try await onEngine.measure { try await engine.dashboard(window: window) }
                }
            }
            Stdout.line(
                "  window \(window.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0))"
                    + [
                        onEngine.percentile(50), onEngine.percentile(99), onFloor.percentile(50),
                        onFloor.percentile(99),
                    ]
                    .map { Latencies.ms($0).leftPadded(12) }.joined())
        }
        try idleCPU()
    }

    /// Runs the interactive loop on the dashboard for a while, with no keys, and reports the CPU it took.
    func idleCPU() throws {
        let path = NSTemporaryDirectory() + "popsa-ops-idle-\(getpid()).out"
        guard let file = fopen(path, "w+") else { return }
        defer { fclose(file); unlink(path) }
        let waker = Waker()
        let backend = try CursesBackend(
            wakeFD: waker.readFD, output: file, forcedSize: Size(width: 160, height: 48), readsKeys: false,
            environment: ["TERM": "xterm-256color"])
        defer { backend.shutdown() }
        let session = Session(
            operatorName: "bench", sshClient: nil, role: .agent, databaseName: "bench", readOnly: false)
        var state = AppState(size: backend.size, theme: .builtIn, session: session, now: now, clockFrozen: true)
        state.refreshMilliseconds = 2000
        let console = Console(state: state, environment: ConsoleEnvironment(engine: engine), waker: waker)
        console.command("metrics")
        let deadline = ContinuousClock.now + .seconds(idleSeconds)
        let before = Self.cpuSeconds()
        let started = ContinuousClock.now
        _ = InteractiveLoop().run(console: console, backend: backend, waker: waker, clock: { now }) {
            ContinuousClock.now >= deadline ? 1 : nil
        }
        let cpu = Self.cpuSeconds() - before
        let wall = (ContinuousClock.now - started).seconds
        Stdout.line(
            String(
                format: "idle dashboard: %.1f%% of one core over %.0fs (refresh every 2s; %ld bytes drawn)",
                100 * cpu / wall, wall, ftell(file)))
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
