import Foundation
import OpsCore
import OpsTUI
import Synchronization

/// The interactive main loop: waits for keys or results, updates, draws. Runs on the thread that owns the
/// terminal; engine work runs elsewhere and wakes it.
public struct InteractiveLoop {
    /// How often the clock moves and the store is checked for changes made by other processes.
    public var tickInterval: Duration = .seconds(1)

    public init() {}

    /// Runs until the user quits or `stopRequested` returns a signal number. Returns that signal, if any.
    ///
    /// An interrupt (ctrl-c) while a refund is in flight asks first: `forgetInterrupt` is called and the status
    /// line says that a second ctrl-c quits anyway (the refund's outcome is then settled by the reconciler).
    public func run(
        console: Console, backend: any TerminalBackend, waker: Waker,
        clock: @escaping () -> Timestamp, stopRequested: () -> Int32?, forgetInterrupt: () -> Void = {}
    ) -> Int32? {
        console.dispatch(.resize(backend.size))
        console.start()
        // Another process's commit, as the store announces it: wake the loop, which checks the token at once.
        let announced = Announcement()
        let listener = console.runner.environment.client.changes.map { changes in
            Task {
                for await _ in changes() {
                    announced.flag.store(true, ordering: .releasing)
                    waker.wake()
                }
            }
        }
        defer { listener?.cancel() }
        var lastFrame: Buffer?
        let loopStart = ContinuousClock.now
        var nextTick = ContinuousClock.now + tickInterval
        var warnedOfWorkInFlight = false
        while true {
            if let signal = stopRequested() {
                if signal == SIGINT, !warnedOfWorkInFlight, let work = console.state.workInFlight {
                    warnedOfWorkInFlight = true
                    forgetInterrupt()
                    console.dispatch(.warn("\(work) is in flight: ctrl-c again quits anyway (it is then reconciled)"))
                } else {
                    return signal
                }
            }
            if backend.hungUp { return SIGHUP }
            let frame = console.render()
            if frame != lastFrame {
                backend.present(frame)
                lastFrame = frame
            }
            if console.state.quitting { return nil }
            let untilTick = nextTick - ContinuousClock.now
            let timeout = max(
                0, Int(untilTick.components.seconds * 1000 + untilTick.components.attoseconds / 1_000_000_000_000_000))
            let events = backend.waitForInput(timeoutMilliseconds: console.isBusy ? min(timeout, 100) : timeout)
            waker.drain()
            for event in events {
                switch event {
                case .key(let key): console.dispatch(.key(key))
                case .paste(let text): console.dispatch(.paste(text))
                case .resize(let size):
                    console.dispatch(.resize(size))
                    lastFrame = nil
                }
            }
            if announced.flag.exchange(false, ordering: .acquiringAndReleasing) { console.dispatch(.storeChanged) }
            console.applyResults()
            if let text = console.takeClipboard() { backend.copyToClipboard(text) }
            if ContinuousClock.now >= nextTick {
                nextTick = ContinuousClock.now + tickInterval
                let monotonic = ContinuousClock.now - loopStart
                console.dispatch(
                    .tick(
                        clock(),
                        monotonicMilliseconds: monotonic.components.seconds * 1000
                            + monotonic.components.attoseconds / 1_000_000_000_000_000))
            }
        }
    }
}

/// A change announced by the store, raised by the listening task and taken by the loop.
private final class Announcement: Sendable {
    let flag = Atomic<Bool>(false)
}
