import ArgumentParser
import Foundation
import OpsConsole
import OpsCore
import OpsCurses
import OpsTUI

struct ConsoleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The interactive console (the default).",
        discussion: "Keys: / search or filter, : commands, ? help, enter open, esc back, tab next tab, q quit.")

    @OptionGroup var console: ConsoleOptions

    func run() throws {
        // The user's locale first: it decides whether the terminal gets UTF-8, before any width is measured.
        setlocale(LC_ALL, "")
        let setup = try ConsoleSetup(options: console, size: Size(width: 80, height: 24))
        let waker = Waker()
        let backend: CursesBackend
        do {
            let links: Bool =
                switch setup.config.links.show {
                case .always: true
                case .never: false
                case .auto: CursesBackend.hyperlinksByDefault(term: ProcessInfo.processInfo.environment["TERM"] ?? "")
                }
            backend = try CursesBackend(wakeFD: waker.readFD, hyperlinks: links)
        } catch let error as CursesError {
            throw CommandFailure(message: error.description, code: .unavailable)
        }
        StopSignals.install(wakeFD: waker.writeFD)
        var state = setup.state
        if !backend.supportsUnicode { state.theme.asciiOnly = true }
        let core = Console(state: state, environment: setup.environment, waker: waker)
        var loop = InteractiveLoop()
        loop.tickInterval = .milliseconds(min(1000, setup.config.refreshMilliseconds))
        let signal = loop.run(
            console: core, backend: backend, waker: waker, clock: console.time.clock.now,
            stopRequested: { StopSignals.received }, forgetInterrupt: { StopSignals.clear() })
        backend.shutdown()
        if let signal { throw ExitCode(128 + signal) }
    }
}
