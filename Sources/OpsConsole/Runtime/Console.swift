import Foundation
import Metrics
import OpsCore
import OpsTUI

/// The console's core: the state, the one place it changes, and the effects it starts. Both the interactive
/// terminal loop and the headless script runner drive a `Console`; neither knows the screens.
///
/// Data path: key → `dispatch(.key)` → `AppState.update` → effects → engine (off the UI thread) → action →
/// `dispatch` → state → `render()` → buffer → backend (diff) → terminal.
public final class Console {
    public private(set) var state: AppState
    let runner: EffectRunner
    /// Effects started whose answer has not been applied yet. Counted here, not by the runner, so that what the
    /// screen shows depends only on when results are applied: headless snapshots are deterministic.
    private var outstanding = 0

    public init(state: AppState, environment: ConsoleEnvironment, waker: Waker? = nil) {
        self.state = state
        runner = EffectRunner(environment: environment, waker: waker)
    }

    /// Starts the first screen's work, and finishes any refund a crash or timeout left pending.
    public func start() {
        dispatch(.started)
        dispatch(.tick(state.now))
        outstanding += 1
        runner.run(.reconcile)
    }

    /// Text waiting for the operator's clipboard, taken once (the terminal loop sends it).
    public func takeClipboard() -> String? {
        defer { state.clipboard = nil }
        return state.clipboard
    }

    /// Runs a command-line command as an operator would type it (`:` TEXT enter).
    public func command(_ text: String) {
        dispatch(.key(.character(":")))
        for character in text { dispatch(.key(.character(character))) }
        dispatch(.key(.enter))
    }

    public func dispatch(_ action: Action) {
        for effect in state.update(action) {
            outstanding += 1
            runner.run(effect)
        }
    }

    /// Applies every result that has come back. Returns whether there were any.
    @discardableResult
    public func applyResults() -> Bool {
        let actions = runner.takeResults()
        for action in actions {
            outstanding -= 1
            dispatch(action)
        }
        return !actions.isEmpty
    }

    /// Engine work is in flight or its results wait to be applied.
    public var isBusy: Bool { outstanding > 0 }

    /// Applies results until no engine work is left (or `timeout` passes). Returns false on timeout.
    public func settle(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            applyResults()
            if outstanding == 0 { return true }
            let left = deadline - ContinuousClock.now
            if left <= .zero { return false }
            _ = runner.waitForResult(timeout: min(left, .milliseconds(100)))
        }
    }

    public var pendingEffects: Int { outstanding }

    /// Draws the current state, timing the frame into the metrics registry.
    public func render() -> Buffer {
        let start = ContinuousClock.now
        let buffer = state.render(busy: outstanding > 0)
        let elapsed = ContinuousClock.now - start
        Timer(label: "popsa_ops_frame_duration_seconds")
            .recordNanoseconds(
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return buffer
    }
}
