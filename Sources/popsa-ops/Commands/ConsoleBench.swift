import Foundation
import OpsConsole
import OpsCore
import OpsCurses
import OpsEngine
import OpsStore
import OpsTUI

/// Console figures on a large database, headless with the real ncurses backend writing to a file: time to first
/// frame, keystroke-to-frame latency of type-ahead search, bytes sent per keystroke against a full redraw, and
/// memory while paging through a long list.
struct ConsoleBench {
    /// Opens the store afresh, as a console starting on the box does, and lets it go again.
    let open: () throws -> (store: any EngineStore, close: () -> Void)
    let engine: Engine
    let now: Timestamp
    let samples: BenchSamples
    let size = Size(width: 120, height: 40)

    func makeConsole() -> Console {
        let session = Session(
            operatorName: "bench", sshClient: nil, role: .agent, databaseName: "bench.sqlite", readOnly: false)
        let state = AppState(size: size, theme: .builtIn, session: session, now: now, clockFrozen: true)
        return Console(state: state, environment: ConsoleEnvironment(engine: engine))
    }

    func run() throws {
        // Time to first frame: open the database, build a console, settle its first screen, draw it.
        var firstFrame = Latencies()
        for _ in 0..<20 {
            try firstFrame.measureSync {
                let fresh = try open()
                let session = Session(
                    operatorName: "bench", sshClient: nil, role: .agent, databaseName: "bench", readOnly: false)
                let console = Console(
                    state: AppState(size: size, theme: .builtIn, session: session, now: now, clockFrozen: true),
                    environment: ConsoleEnvironment(engine: Engine(store: fresh.store, clock: .frozen(now))))
                console.start()
                _ = console.settle(timeout: .seconds(10))
                _ = console.render()
                fresh.close()
            }
        }

        // Keystroke to frame, through the ncurses backend into a file that counts the bytes a terminal would get.
        let path = NSTemporaryDirectory() + "popsa-ops-bench-\(getpid()).out"
        guard let file = fopen(path, "w+") else {
            throw CommandFailure(message: "cannot write \(path)", code: .unavailable)
        }
        defer { fclose(file); unlink(path) }
        let waker = Waker()
        let backend = try CursesBackend(
            wakeFD: waker.readFD, output: file, forcedSize: size, environment: ["TERM": "xterm-256color"])
        defer { backend.shutdown() }
        let console = makeConsole()
        console.start()
        _ = console.settle(timeout: .seconds(10))
        var keystroke = Latencies()
        var keystrokeBytes: [Int] = []
        var echoBytes: [Int] = []
        var fullRedraws: [Int] = []
        var renderOnly = Latencies()
        for term in samples.searchTerms {
            console.dispatch(.key(.control("u")))
            _ = console.settle(timeout: .seconds(10))
            backend.present(console.render())
            for character in term {
                let before = ftell(file)
                var echoed = 0
                keystroke.measureSync {
                    // As the live loop does: the key's own frame at once, the results' frame when they arrive.
                    console.dispatch(.key(.character(character)))
                    backend.present(console.render())
                    echoed = ftell(file) - before
                    _ = console.settle(timeout: .seconds(10))
                    backend.present(console.render())
                }
                echoBytes.append(echoed)
                keystrokeBytes.append(ftell(file) - before)
            }
            // The floor: the same screen drawn from scratch.
            let frame = renderOnly.measureSync { console.render() }
            let before = ftell(file)
            backend.invalidate()
            backend.present(frame)
            fullRedraws.append(ftell(file) - before)
        }

        // Memory while paging through every order, newest to oldest, a page at a time.
        let pager = makeConsole()
        pager.start()
        _ = pager.settle(timeout: .seconds(10))
        pager.command("orders")
        _ = pager.settle(timeout: .seconds(10))
        var peakAnon = 0, peakRSS = 0
        let pages = 3000
        let pagingStart = ContinuousClock.now
        for i in 0..<pages {
            pager.dispatch(.key(.pageDown))
            _ = pager.settle(timeout: .seconds(10))
            _ = pager.render()
            if i % 100 == 0 {
                let m = Memory.current()
                peakAnon = max(peakAnon, m.anon)
                peakRSS = max(peakRSS, m.rss)
            }
        }
        let pagingSeconds = (ContinuousClock.now - pagingStart).seconds
        let position = pager.state.positionText ?? "?"

        let meanBytes = keystrokeBytes.isEmpty ? 0 : keystrokeBytes.reduce(0, +) / keystrokeBytes.count
        let meanFull = fullRedraws.isEmpty ? 1 : fullRedraws.reduce(0, +) / fullRedraws.count
        Stdout.line("")
        let storeName = engine.store is SQLiteStore ? "SQLite" : "PostgreSQL"
        Stdout.line(
            "console on \(storeName) (\(size), \(samples.searchTerms.count) searches, "
                + "\(keystroke.samples.count) keystrokes)")
        Stdout.line(
            "  first frame                 p50 \(Latencies.ms(firstFrame.percentile(50))) ms   p99 "
                + "\(Latencies.ms(firstFrame.percentile(99))) ms"
        )
        Stdout.line(
            "  keystroke to frame          p50 \(Latencies.ms(keystroke.percentile(50))) ms   p99 "
                + "\(Latencies.ms(keystroke.percentile(99))) ms"
        )
        Stdout.line(
            "  floor: full render          p50 \(Latencies.ms(renderOnly.percentile(50))) ms   p99 "
                + "\(Latencies.ms(renderOnly.percentile(99))) ms"
        )
        let meanEcho = echoBytes.isEmpty ? 0 : echoBytes.reduce(0, +) / echoBytes.count
        func percent(_ part: Int) -> String { String(format: "%.1f%%", 100 * Double(part) / Double(max(1, meanFull))) }
        Stdout.line("  floor: full redraw bytes    mean \(meanFull)")
        Stdout.line(
            "  bytes per keystroke: key's own frame mean \(meanEcho) (\(percent(meanEcho)) of a full redraw); with "
                + "the new results mean \(meanBytes) (\(percent(meanBytes)))"
        )
        Stdout.line(
            "  paging \(pages) pages of orders  \(String(format: "%.1f", pagingSeconds))s, at row \(position); peak "
                + "resident \(peakRSS / 1024) MB (of which anonymous \(peakAnon / 1024) MB)"
        )
    }
}

/// This process's resident memory from /proc/self/status, in KiB.
enum Memory {
    static func current() -> (rss: Int, anon: Int) {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func value(_ key: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
            return Int(line.split(separator: " ").dropFirst().first(where: { Int($0) != nil }) ?? "0") ?? 0
        }
        return (value("VmRSS:"), value("RssAnon:"))
    }
}
