import Foundation

/// A private tmux server running the real interactive console, for end-to-end tests: keys go in with
/// `send-keys`, the screen comes out with `capture-pane`.
public final class TmuxSession {
    public let socket: String
    public let name = "console"
    public private(set) var size: (Int, Int)

    /// Starts `command` (a shell command line) in a new detached session of `width`×`height` with tmux's own
    /// status line off, so the pane is the whole window.
    public init(command: String, width: Int, height: Int) throws {
        socket = "popsa-test-\(UUID().uuidString.prefix(8))"
        size = (width, height)
        try tmux(["-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", command])
        try tmux(["set-option", "-t", name, "status", "off"])
        try tmux(["set-option", "-t", name, "remain-on-exit", "on"])
    }

    @discardableResult
    func tmux(_ arguments: [String]) throws -> String {
        let result = try TestSupport.runDetached("/usr/bin/env", ["tmux", "-L", socket] + arguments)
        guard result.status == 0 else {
            throw TmuxError(message: "tmux \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout
    }

    public func tmuxOutput(_ arguments: [String]) throws -> String { try tmux(arguments) }

    /// The pane as text, trailing spaces trimmed, one line per row.
    public func capture() throws -> String {
        let text = try tmux(["capture-pane", "-p", "-t", name])
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var s = String(line)
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }
        if lines.last == "" { lines.removeLast() }
        while lines.count < size.1 { lines.append("") }
        return lines.joined(separator: "\n")
    }

    /// The interactive console on the fixture database at the tests' time, its home screen drawn.
    public static func console(
        width: Int = 80, height: Int = 24, term: String = "xterm-256color", locale: String = "C.UTF-8"
    ) throws -> TmuxSession {
        let session = try TmuxSession(
            command: TestSupport.consoleCommand(
                term: term, arguments: ["--db", TestSupport.fixtureDatabase, "--now", TestSupport.now],
                locale: locale),
            width: width, height: height)
        _ = try session.waitUntil { $0.contains("Find a customer") }
        return session
    }

    /// Polls the pane until `condition` holds or `timeout` passes; returns the pane as last seen.
    @discardableResult
    public func waitUntil(timeout: Duration = .seconds(5), _ condition: (String) -> Bool) throws -> String {
        let deadline = ContinuousClock.now + timeout
        var pane = try capture()
        while !condition(pane) && ContinuousClock.now < deadline {
            usleep(50_000)
            pane = try capture()
        }
        return pane
    }

    /// Waits until the pane shows `expected`, or gives up after `timeout` and returns what it showed last.
    public func waitFor(_ expected: String, timeout: Duration = .seconds(10)) throws -> String? {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last = try capture()
            if last == expected { return nil }
            usleep(50_000)
        }
        return last
    }

    /// Pastes `text` as a terminal does: bracketed (`ESC [200~ … ESC [201~`) when the program asked for it.
    public func paste(_ text: String) throws {
        try tmux(["set-buffer", "-b", "popsa-paste", "--", text])
        try tmux(["paste-buffer", "-p", "-r", "-b", "popsa-paste", "-t", name])
    }

    /// Sends one key by its script name (`enter`, `ctrl-u`, `a`…).
    public func send(key name: String) throws {
        let named: [String: String] = [
            "enter": "Enter", "esc": "Escape", "tab": "Tab", "backtab": "BTab", "backspace": "BSpace",
            "delete": "DC", "up": "Up", "down": "Down", "left": "Left", "right": "Right", "home": "Home", "end": "End",
            "pgup": "PPage", "pgdn": "NPage", "space": "Space",
        ]
        if let key = named[name] {
            try tmux(["send-keys", "-t", self.name, key])
        } else if name.hasPrefix("ctrl-") {
            try tmux(["send-keys", "-t", self.name, "C-" + name.dropFirst(5)])
        } else if name.count >= 2, name.hasPrefix("f"), Int(name.dropFirst()) != nil {
            try tmux(["send-keys", "-t", self.name, name.uppercased()])
        } else {
            try tmux(["send-keys", "-t", self.name, "-l", name])
        }
        // Let a lone Escape be read as one before the next key arrives (ncurses waits ESCDELAY for more).
        usleep(name == "esc" ? 80_000 : 15_000)
    }

    public func type(_ text: String) throws {
        try tmux(["send-keys", "-t", name, "-l", text])
        usleep(30_000)
    }

    public func resize(width: Int, height: Int) throws {
        size = (width, height)
        try tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// The exit status of the console once it has exited, else nil. The console runs under `sh -c` which prints
    /// `EXIT:<status>` when it ends (see `TestSupport.consoleCommand`).
    public func exitStatus() throws -> Int? {
        let pane = try capture()
        guard let range = pane.range(of: "EXIT:") else { return nil }
        return Int(pane[range.upperBound...].prefix { $0.isNumber })
    }

    /// Sends `signal` to the console (the child of the pane's shell).
    public func sendSignal(_ signal: Int32) throws {
        let pid = try tmux(["display-message", "-p", "-t", name, "#{pane_pid}"]).trimmingCharacters(
            in: .whitespacesAndNewlines)
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        guard let child = children.split(separator: " ").first.flatMap({ Int32($0) }) else {
            throw TmuxError(message: "no console process under pane \(pid)")
        }
        kill(child, signal)
    }

    public func close() {
        _ = try? tmux(["kill-server"])
    }

    deinit { close() }
}

public struct TmuxError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension TestSupport {
    /// The shell command line that runs the console in tmux with the same environment headless tests use.
    public static func consoleCommand(
        term: String, arguments: [String], home: String = isolatedHome,
        locale: String = "C.UTF-8"
    ) -> String {
        let env = [
            "TERM=\(term)", "HOME=\(home)", "XDG_DATA_HOME=\(home)/data", "XDG_CONFIG_HOME=\(home)/config",
            "XDG_STATE_HOME=\(home)/state", "LANG=\(locale)", "LC_ALL=\(locale)",
        ]
        let quoted = ([binary] + arguments).map { "\"" + $0 + "\"" }
        let console =
            "env -u NO_COLOR -u SSH_CLIENT -u SSH_CONNECTION " + env.joined(separator: " ") + " "
            + quoted.joined(separator: " ")
        // The shell stays behind the console to print its exit status into the pane.
        return "sh -c '" + console + "; echo EXIT:$?; sleep 600'"
    }

    /// Splits headless output into its snapshots' screens.
    public static func snapshots(_ output: String) -> [String] {
        var screens: [String] = []
        var current: [String]?
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("--- snapshot ") { current = []; continue }
            if line == "--- end ---" || line == "--- styles ---" {
                if let lines = current { screens.append(lines.joined(separator: "\n")) }
                current = nil
                continue
            }
            current?.append(String(line))
        }
        return screens
    }
}

extension TmuxSession {
    /// Plays a headless script's keys, typing and resizes into the interactive console, and at each `snapshot`
    /// waits for the pane to show the headless snapshot of the same place. `wait` and `expect` lines are skipped:
    /// headless mode checked them, and the snapshots wait for the screen. Returns a description of the first
    /// snapshot that differs (nil when all match) and how many matched.
    public func replay(_ script: String, expecting expected: [String]) throws -> (mismatch: String?, matched: Int) {
        var snapshot = 0
        for raw in script.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let verb = line.prefix { $0 != " " }
            let argument = String(line.dropFirst(verb.count).drop { $0 == " " })
            switch verb {
            case "key":
                for name in argument.split(separator: " ") { try send(key: String(name)) }
            case "type":
                try type(argument)
            case "resize":
                let parts = argument.split(separator: "x").compactMap { Int($0) }
                try resize(width: parts[0], height: parts[1])
            case "snapshot":
                guard snapshot < expected.count else { return ("more snapshots than headless took", snapshot) }
                if let got = try waitFor(expected[snapshot]) {
                    return (
                        "snapshot \(snapshot + 1) differs:\n--- tmux ---\n\(got)\n--- headless ---\n"
                            + expected[snapshot], snapshot
                    )
                }
                snapshot += 1
            default:
                break
            }
        }
        return (nil, snapshot)
    }
}
