import Dispatch
import Foundation
import Logging
import OpsCore
import OpsEngine
import Synchronization

// MARK: - Waking the terminal loop

/// Wakes a thread blocked waiting for terminal input: a pipe whose read end the backend polls.
public final class Waker: Sendable {
    public let readFD: Int32
    /// The write end, for signal handlers (write(2) is async-signal-safe).
    public let writeFD: Int32

    public init() {
        var fds: [Int32] = [0, 0]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        for fd in fds where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    public func wake() {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Empties the pipe after a wake-up.
    public func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readFD, &buffer, buffer.count) > 0 {}
    }

    deinit {
        close(readFD)
        close(writeFD)
    }
}

// MARK: - Where effects run

/// Runs effect tasks on Dispatch threads of their own rather than the shared cooperative pool: the thread that
/// waits for results (the headless runner, a test) may itself be a pool thread, and on a two-core machine the
/// pool has only two.
final class EffectExecutor: TaskExecutor {
    static let shared = EffectExecutor()
    private let queue = DispatchQueue(label: "popsa-ops.effects", qos: .userInitiated, attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// What effects need from the rest of the program: the engine behind a replaceable client, and theme folders.
public struct ConsoleEnvironment: Sendable {
    public var client: ConsoleClient
    /// Where `:theme NAME` looks for themes.
    public var themePaths: [String] = []

    public init(client: ConsoleClient) {
        self.client = client
    }

    /// The live client over `engine`, with refunds and the audit log when given, acting as `identity`.
    public init(
        engine: Engine, refunds: RefundService? = nil, audit: (any RefundStore)? = nil,
        identity: OperatorIdentity = OperatorIdentity(name: "unknown", sshClient: nil, role: .viewer),
        actions: ActionService? = nil
    ) {
        client = .live(engine: engine, refunds: refunds, audit: audit, identity: identity, actions: actions)
    }
}

// MARK: - EffectRunner

/// Runs effects as tasks off the UI thread and posts their results back as actions.
public final class EffectRunner: Sendable {
    let environment: ConsoleEnvironment
    private let inbox = Mutex<[Action]>([])
    private let inFlight = Atomic<Int>(0)
    private let posted = DispatchSemaphore(value: 0)
    private let waker: Waker?

    public init(environment: ConsoleEnvironment, waker: Waker?) {
        self.environment = environment
        self.waker = waker
    }

    /// Engine calls started and not yet answered.
    public var pending: Int { inFlight.load(ordering: .acquiring) }

    public func run(_ effect: Effect) {
        inFlight.add(1, ordering: .acquiringAndReleasing)
        let environment = self.environment
        Task(executorPreference: EffectExecutor.shared) { [self] in
            let action = await Self.perform(effect, environment) ?? Action.none
            inbox.withLock { $0.append(action) }
            inFlight.subtract(1, ordering: .acquiringAndReleasing)
            posted.signal()
            waker?.wake()
        }
    }

    /// The results that came back since the last call, oldest first.
    public func takeResults() -> [Action] {
        inbox.withLock { actions in
            defer { actions.removeAll() }
            return actions
        }
    }

    public var hasResults: Bool { inbox.withLock { !$0.isEmpty } }

    /// Blocks until an effect finishes or `timeout` passes.
    func waitForResult(timeout: Duration) -> Bool {
        let ms = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return posted.wait(timeout: .now() + .milliseconds(ms)) == .success
    }

    static let log = Logger(label: "popsa-ops.console")

    static func perform(_ effect: Effect, _ env: ConsoleEnvironment) async -> Action? {
        let client = env.client
        func run<T>(_ body: () async throws -> T) async -> Result<T, EffectError> {
            do { return .success(try await body()) } catch {
                // Shown to the operator on screen; the file log keeps it for whoever investigates later.
                log.notice("engine call failed", metadata: ["error": "\(error)"])
                return .failure(EffectError(error))
            }
        }
        switch effect {
        case .search(let text, let request):
            return .loaded(request: request, .search(await run { try await client.search(text) }))
        case .loadCustomer(let id, let request):
            return .loaded(request: request, .customer(await run { try await client.customer(id) }))
        case .loadOrder(let id, let request):
            return .loaded(request: request, .order(await run { try await client.order(id) }))
        case .loadPrintJob(let id, let request):
            return .loaded(request: request, .printJob(await run { try await client.printJob(id) }))
        case .loadOrders(let status, let text, let page, let request):
            return .loaded(request: request, .orders(await run { try await client.orders(status, text, page) }))
        case .loadPrintJobs(let query, let page, let request):
            return .loaded(request: request, .printJobs(await run { try await client.printJobs(query, page) }))
        case .loadPartners(let request):
            do {
                return .loaded(request: request, .partners(try await client.partners()))
            } catch {
                Self.log.warning("partners not loaded", metadata: ["error": "\(error)"])
                return .loaded(request: request, .partners([]))
            }
        case .checkChanges(let known):
            do {
                let token = try await client.changeToken()
                guard token != known else { return .changeToken(token) }
                // Freshness is a detail of the status bar: a failure to read it is logged, the token still counts.
                var freshness: [SourceFreshness]?
                do { freshness = try await client.freshness() } catch {
                    Self.log.warning("freshness not read", metadata: ["error": "\(error)"])
                }
                return .changeToken(token, freshness: freshness)
            } catch {
                // The status bar says so and the next tick asks again; the log keeps the details.
                Self.log.warning("change check failed", metadata: ["error": "\(error)"])
                return .storeUnreachable(EffectError(error).message)
            }
        case .refund(let submission, let request):
            guard let refund = client.refund else {
                return .refundFinished(
                    request: request, .failure(EffectError("refunds are not available in this console")))
            }
            return .refundFinished(request: request, await run { try await refund(submission) })
        case .act(let submission, let request):
            guard let act = client.act else {
                return .actionFinished(
                    request: request, .failure(EffectError("actions are not available in this console")))
            }
            return .actionFinished(request: request, await run { try await act(submission) })
        case .loadActionContext(let subject, let chosen):
            guard let load = client.actionContext else {
                return .actionContextLoaded(
                    subject, chosen: chosen, .failure(EffectError("actions are not available in this console")))
            }
            return .actionContextLoaded(subject, chosen: chosen, await run { try await load(subject) })
        case .reconcile:
            // Refunds and support actions a crash (of this box or another) left unfinished; each failure logged.
            func finish(
                _ what: String, _ reconcile: (@Sendable () async throws -> ReconcileReport)?
            ) async
                -> ReconcileReport
            {
                guard let reconcile else { return ReconcileReport() }
                do { return try await reconcile() } catch {
                    Self.log.warning("reconcile of \(what) at start-up failed", metadata: ["error": "\(error)"])
                    return ReconcileReport()
                }
            }
            let refunds = await finish("refunds", client.reconcile)
            let actions = await finish("support actions", client.reconcileActions)
            return refunds.examined + actions.examined > 0 ? .reconciled(refunds: refunds, actions: actions) : nil
        case .loadTheme(let name):
            do {
                return .themeLoaded(name, .success(try ThemeLoader.load(name, searchPaths: env.themePaths)))
            } catch {
                log.notice("theme not loaded", metadata: ["theme": "\(name)", "error": "\(error.description)"])
                return .themeLoaded(name, .failure(EffectError(error.description)))
            }
        case .loadDashboard(let window, let zone, let request):
            return .loaded(request: request, .dashboard(await run { try await client.dashboard(window, zone) }))
        case .recordReveal(let reveal):
            guard let record = client.recordReveal else {
                return .revealRecorded(reveal, .failure(EffectError("this console has no audit log to record it in")))
            }
            return .revealRecorded(
                reveal,
                await run {
                    try await record(reveal); return true
                })
        case .addNote(let about, let text, let ticket):
            guard let add = client.addNote else {
                return .noteAdded(.failure(EffectError("notes cannot be added in this console")))
            }
            return .noteAdded(await run { try await add(about, text, ticket) })
        case .fetch(let fetch, let request):
            return .loaded(request: request, .value(await run { try await fetch.run(client) }))
        }
    }
}
