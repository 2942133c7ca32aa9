import Foundation
import OpsConsole
import OpsCore
import OpsEngine
import OpsStore
import OpsTUI
import OpsTestSupport
import Synchronization

/// A console over the fixture database, driven in-process like Textual's pilot.
final class Pilot {
    let console: Console

    /// `client` may replace any of the live client's calls (to hold answers, fail them, reorder them).
    init(
        size: Size = Size(width: 100, height: 30), database: String = TestSupport.fixtureDatabase,
        role: Role = .agent, withAuditLog: Bool = false, privacy: PrivacyPolicy = PrivacyPolicy(),
        clockFrozen: Bool = true,
        client: (ConsoleClient) -> ConsoleClient = { $0 }
    ) throws {
        let store = try SQLiteStore.open(path: database)
        let engine = Engine(store: store, clock: .frozen(TestSupport.nowTimestamp))
        let session = Session(
            operatorName: "tester", sshClient: "10.0.0.7", role: role, databaseName: "fixture.sqlite",
            readOnly: false)
        var state = AppState(
            size: size, theme: .builtIn, session: session, now: TestSupport.nowTimestamp, clockFrozen: clockFrozen)
        state.privacy = privacy
        // The audit log only where a test writes to it (on its own copy of the fixture).
        let live = ConsoleEnvironment(
            engine: engine, audit: withAuditLog ? store : nil,
            identity: OperatorIdentity(name: "tester", sshClient: "10.0.0.7", role: role))
        console = Console(state: state, environment: ConsoleEnvironment(client: client(live.client)))
        console.start()
        _ = console.settle(timeout: .seconds(10))
    }

    func press(_ names: String...) {
        for name in names { console.dispatch(.key(Key(name: name)!)) }
    }

    func type(_ text: String) {
        for c in text { console.dispatch(.key(.character(c))) }
    }

    /// A command typed on the command line (`:` TEXT enter), and its answers applied.
    func command(_ text: String) {
        console.command(text)
        wait()
    }

    /// A bracketed paste, as the terminal backend reports one.
    func paste(_ text: String) { console.dispatch(.paste(text)) }

    @discardableResult
    func wait() -> Bool { console.settle(timeout: .seconds(10)) }

    /// Applies answers as they come back until `condition` holds (false after `timeout`).
    @discardableResult
    func apply(until condition: () -> Bool, timeout: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            console.applyResults()
            if condition() { return true }
            usleep(5_000)
        }
        return false
    }

    var screen: String { console.render().plainText }
    var state: AppState { console.state }
}

/// Holds answers until the test releases them, by key, in the order it chooses (a controlled engine).
final class AnswerGate: Sendable {
    private struct Waiting: Sendable {
        var held: [String: [CheckedContinuation<Void, Never>]] = [:]
        var released: Set<String> = []
        var asked: [String] = []
    }

    private let state = Mutex(Waiting())

    /// Suspends until `key` is released (at once if it already was).
    func wait(for key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let goNow = state.withLock { s -> Bool in
                s.asked.append(key)
                if s.released.contains(key) { return true }
                s.held[key, default: []].append(continuation)
                return false
            }
            if goNow { continuation.resume() }
        }
    }

    func release(_ keys: String...) {
        for key in keys {
            let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                s.released.insert(key)
                defer { s.held[key] = nil }
                return s.held[key] ?? []
            }
            for continuation in waiting { continuation.resume() }
        }
    }

    var asked: [String] { state.withLock { $0.asked } }
}
