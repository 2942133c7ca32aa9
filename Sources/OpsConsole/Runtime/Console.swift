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

    public init(state: AppState, environment: ConsoleEnvironment, waker: Waker? = nil) {
        self.state = state
        runner = EffectRunner(environment: environment, waker: waker)
    }

    /// Starts the first screen's work.
    public func start() {
        dispatch(.tick(state.now))
    }

    public func dispatch(_ action: Action) {
        for effect in state.update(action) { runner.run(effect) }
    }

    /// Applies every result that has come back. Returns whether there were any.
    @discardableResult
    public func applyResults() -> Bool {
        let actions = runner.takeResults()
        for action in actions { dispatch(action) }
        return !actions.isEmpty
    }

    /// Engine work is in flight or results wait to be applied.
    public var isBusy: Bool { runner.pending > 0 || runner.hasResults }

    /// Applies results until no engine work is left (or `timeout` passes). Returns false on timeout.
    public func settle(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            applyResults()
            if runner.pending == 0 && !runner.hasResults { return true }
            let left = deadline - ContinuousClock.now
            if left <= .zero { return false }
            _ = runner.waitForResult(timeout: min(left, .milliseconds(100)))
        }
    }

    public var pendingEffects: Int { runner.pending }

    /// Draws the current state, timing the frame into the metrics registry.
    public func render() -> Buffer {
        let start = ContinuousClock.now
        let buffer = state.render(busy: runner.pending > 0)
        let elapsed = ContinuousClock.now - start
        Timer(label: "popsa_ops_frame_duration_seconds")
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return buffer
    }
}
