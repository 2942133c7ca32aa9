import Foundation

// MARK: - Blocking

/// Async work awaited from a synchronous command: the console and headless mode own the main thread for their
/// loop, and their set-up (opening a PostgreSQL store) is async. The work runs on the cooperative pool, never on
/// the waiting thread, so the wait cannot starve it.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let outcome = Outcome<T>()
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { outcome.set(.success(try await work())) } catch { outcome.set(.failure(error)) }
            done.signal()
        }
        done.wait()
        return try outcome.get()
    }

    /// The work's result, handed from its task to the waiting thread. `@unchecked Sendable`: every access holds
    /// the lock, and the semaphore orders the one write before the one read.
    private final class Outcome<T: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<T, any Error>?

        func set(_ value: Result<T, any Error>) { lock.withLock { result = value } }
        func get() throws -> T { try lock.withLock { result! }.get() }
    }
}
