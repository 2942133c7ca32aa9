/// How a refund or a support action ended, as the console and the commands report it.
public enum ExecutionOutcome: Hashable, Sendable {
    case succeeded
    /// Refused (by the gateway or the platform): nothing changed; a refund's reservation is released.
    case failed(String)
    /// The other side did not say: recorded as unknown, and the reconciler finds out.
    case unknown(String)
}
