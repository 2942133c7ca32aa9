import OpsCore

// MARK: - PlatformFacade

/// The platform's services as support's actions reach them, like the payment facades: one protocol, a sandbox
/// twin whose state lives in the database (the default), and the live services through the platform's API gateway
/// (`LivePlatform`). A refusal is an answer (`accepted == false`); a call whose outcome is not known throws.
public protocol PlatformFacade: Sendable {
    /// Performs `call` once per idempotency key: the same key again returns the first answer.
    func perform(_ call: PlatformCall) async throws -> PlatformAnswer
    /// What the platform answered for a key, or nil when it never received it: asked before anything is re-sent.
    func lookup(idempotencyKey: String) async throws -> PlatformAnswer?
}

/// Why a platform call has no answer.
public enum PlatformError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Nothing reached the platform (connection refused, a name that does not resolve): safe to send again.
    case unreachable(String)
    /// Sent, and no answer (a timeout, a 5xx): the platform may have acted; the reconciler asks it by key.
    case outcomeUnknown(String)

    public var description: String {
        switch self {
        case .unreachable(let m): "the platform could not be reached (\(m))"
        case .outcomeUnknown(let m): "the platform did not answer (\(m))"
        }
    }
}

// MARK: - SandboxPlatform

/// The platform's twin, in the ops database: it applies the platform's own rule (`SandboxPlatformRule`) to the
/// job as the partner last reported it, once per key.
public struct SandboxPlatform: PlatformFacade {
    let store: any ActionStore
    let clock: EngineClock

    public init(store: any ActionStore, clock: EngineClock = .system) {
        self.store = store
        self.clock = clock
    }

    public func perform(_ call: PlatformCall) async throws -> PlatformAnswer {
        try await store.sandboxPlatformPerform(call, now: clock.now())
    }

    public func lookup(idempotencyKey: String) async throws -> PlatformAnswer? {
        try await store.sandboxPlatformAnswer(key: idempotencyKey)
    }
}
