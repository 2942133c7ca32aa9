import Foundation
import Synchronization

/// The signal that asked the console to stop (SIGINT, SIGTERM, SIGHUP), or 0.
let receivedSignal = Atomic<Int32>(0)
/// Where the handler writes to wake the input wait.
// Unsafe: set once before the handlers are installed, then only read (by the signal handler, which may not lock).
nonisolated(unsafe) private var signalWakeFD: Int32 = -1

/// Turns SIGINT, SIGTERM and SIGHUP (a dropped SSH connection) into a request to stop, so the loop can restore
/// the terminal on its way out instead of dying in raw mode.
public enum StopSignals {
    public static func install(wakeFD: Int32) {
        signalWakeFD = wakeFD
        let handler: @convention(c) (Int32) -> Void = { signal in
            receivedSignal.store(signal, ordering: .relaxed)
            var byte: UInt8 = 1
            // write(2) is async-signal-safe; nothing else is done here.
            _ = write(signalWakeFD, &byte, 1)
        }
        // A parent may have left these blocked (a launcher, a test runner): a blocked SIGHUP would leave the
        // console running after its SSH connection is gone.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&unblock, signalNumber) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = handler
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signalNumber, &action, nil)
        }
        // A dropped connection must not kill us on the next write to the terminal.
        signal(SIGPIPE, SIG_IGN)
    }

    /// The signal received, if any.
    public static var received: Int32? {
        let value = receivedSignal.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    /// Forgets the signal received (an interrupt the console answered with a question instead of stopping).
    public static func clear() {
        receivedSignal.store(0, ordering: .relaxed)
    }
}
