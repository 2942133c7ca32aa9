import Logging
import Metrics
import OpsCore
import Synchronization

/// A circuit breaker per provider: after `threshold` consecutive failures that say the gateway is unwell
/// (unknown outcomes, unreachable, rate limited), calls are refused for `coolDown` seconds, then one trial call is
/// let through.
public final class CircuitBreaker: Sendable {
    public enum State: String, Sendable { case closed, open, halfOpen = "half_open" }

    private struct Inner {
        var failures = 0
        var openedAt: ContinuousClock.Instant?
        var trialInFlight = false
    }

    private let inner = Mutex(Inner())
    let threshold: Int
    let coolDown: Duration

    public init(threshold: Int = 5, coolDown: Duration = .seconds(30)) {
        self.threshold = threshold
        self.coolDown = coolDown
    }

    public var state: State {
        inner.withLock { s in
            guard let opened = s.openedAt else { return .closed }
            return ContinuousClock.now - opened >= coolDown ? .halfOpen : .open
        }
    }

    /// Whether a call may go out now.
    func allow() -> Bool {
        inner.withLock { s in
            guard let opened = s.openedAt else { return true }
            if ContinuousClock.now - opened < coolDown { return false }
            if s.trialInFlight { return false }
            s.trialInFlight = true
            return true
        }
    }

    func record(healthy: Bool) {
        inner.withLock { s in
            s.trialInFlight = false
            if healthy {
                s.failures = 0
                s.openedAt = nil
            } else {
                s.failures += 1
                if s.failures >= threshold { s.openedAt = .now }
            }
        }
    }
}

/// Wraps a gateway with metrics (request counts by outcome, latency histogram, circuit state) and a circuit
/// breaker. Every facade, sandbox ones included, goes through one, so the dashboard sees all gateway traffic.
public struct MeteredGateway: PaymentGateway {
    let base: any PaymentGateway
    public let breaker: CircuitBreaker
    let log = Logger(label: "popsa-ops.gateway")

    public init(_ base: any PaymentGateway, breaker: CircuitBreaker = CircuitBreaker()) {
        self.base = base
        self.breaker = breaker
    }

    public var provider: PaymentProvider { base.provider }
    public var idempotencyWindow: Int64 { base.idempotencyWindow }

    public func createTransaction(
        amount: Money, idempotencyKey: String, orderID: String
    ) async throws(GatewayError) -> GatewayTransaction {
        try await measure("create") { () async throws(GatewayError) in
            try await base.createTransaction(amount: amount, idempotencyKey: idempotencyKey, orderID: orderID)
        }
    }

    public func refund(_ request: GatewayRefundRequest) async throws(GatewayError) -> GatewayRefund {
        try await measure("refund") { () async throws(GatewayError) in try await base.refund(request) }
    }

    public func void(transactionID: String, idempotencyKey: String) async throws(GatewayError) -> GatewayTransaction {
        try await measure("void") { () async throws(GatewayError) in
            try await base.void(transactionID: transactionID, idempotencyKey: idempotencyKey)
        }
    }

    public func fetchTransaction(id: String) async throws(GatewayError) -> GatewayTransaction {
        try await measure("fetch") { () async throws(GatewayError) in try await base.fetchTransaction(id: id) }
    }

    public func owningTransaction(of objectID: String) async throws(GatewayError) -> String? {
        try await measure("fetch") { () async throws(GatewayError) in try await base.owningTransaction(of: objectID) }
    }

    private func measure<T>(
        _ operation: String, _ body: () async throws(GatewayError) -> T
    ) async throws(GatewayError) -> T {
        let provider = base.provider.rawValue
        guard breaker.allow() else {
            log.warning(
                "circuit open: call refused", metadata: ["provider": "\(provider)", "operation": "\(operation)"])
            Counter(
                label: "popsa_ops_gateway_requests_total",
                dimensions: [("provider", provider), ("operation", operation), ("outcome", "circuit_open")]
            ).increment()
            throw .circuitOpen(base.provider)
        }
        let start = ContinuousClock.now
        let outcome: String
        defer {
            let elapsed = ContinuousClock.now - start
            Timer(
                label: "popsa_ops_gateway_request_duration_seconds",
                dimensions: [("provider", provider), ("operation", operation)]
            )
            .recordNanoseconds(
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
            Gauge(label: "popsa_ops_gateway_circuit_open", dimensions: [("provider", provider)])
                .record(breaker.state == .closed ? 0 : 1)
        }
        do {
            let result = try await body()
            outcome = "ok"
            breaker.record(healthy: true)
            Counter(
                label: "popsa_ops_gateway_requests_total",
                dimensions: [("provider", provider), ("operation", operation), ("outcome", outcome)]
            ).increment()
            return result
        } catch {
            let unwell: Bool
            switch error {
            case .outcomeUnknown, .unreachable, .rateLimited: unwell = true
            default: unwell = false
            }
            // A refusal by the gateway's rules is a healthy gateway answering.
            breaker.record(healthy: !unwell)
            // Gateway errors carry codes and messages, never credentials (the facades do not echo headers).
            log.log(
                level: unwell ? .error : .notice, "gateway \(unwell ? "error" : "refusal")",
                metadata: ["provider": "\(provider)", "operation": "\(operation)", "error": "\(error.description)"])
            Counter(
                label: "popsa_ops_gateway_requests_total",
                dimensions: [
                    ("provider", provider), ("operation", operation), ("outcome", unwell ? "error" : "refused"),
                ]
            ).increment()
            throw error
        }
    }
}
