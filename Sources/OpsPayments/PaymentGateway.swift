import OpsCore

/// A refund (or void) to ask a gateway for.
public struct GatewayRefundRequest: Sendable, Hashable {
    /// The provider's transaction: Stripe `ch_…`/`pi_…`, a Braintree transaction id.
    public var transactionID: String
    /// Minor units; the whole remaining amount when refunding in full.
    public var amount: Money
    /// Whether this returns everything captured (Braintree voids an unsettled transaction only in full).
    public var isFullAmount: Bool
    public var reason: RefundReason
    /// Sent as Stripe's `Idempotency-Key` or Braintree's `apiRequestKey`: the same key never refunds twice.
    public var idempotencyKey: String
    /// Our refund intent's id, carried in Stripe metadata and Braintree's orderId, to find the refund later.
    public var intentID: String
    public var orderID: String

    public init(
        transactionID: String, amount: Money, isFullAmount: Bool, reason: RefundReason, idempotencyKey: String,
        intentID: String, orderID: String
    ) {
        self.transactionID = transactionID
        self.amount = amount
        self.isFullAmount = isFullAmount
        self.reason = reason
        self.idempotencyKey = idempotencyKey
        self.intentID = intentID
        self.orderID = orderID
    }
}

/// A refund as the gateway reports it.
public struct GatewayRefund: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case succeeded, pending, failed
    }

    public var id: String
    public var amount: Money
    public var status: Status
    /// The gateway voided the transaction (Braintree before settlement) rather than refunding it.
    public var isVoid: Bool
    /// Our intent id, when the gateway carried it (Stripe metadata, Braintree orderId).
    public var intentID: String?

    public init(id: String, amount: Money, status: Status, isVoid: Bool, intentID: String?) {
        self.id = id
        self.amount = amount
        self.status = status
        self.isVoid = isVoid
        self.intentID = intentID
    }
}

/// A transaction as the gateway reports it, with its refunds.
public struct GatewayTransaction: Sendable, Hashable {
    public var id: String
    public var amount: Money
    public var status: PaymentStatus
    public var refunds: [GatewayRefund]

    public init(id: String, amount: Money, status: PaymentStatus, refunds: [GatewayRefund]) {
        self.id = id
        self.amount = amount
        self.status = status
        self.refunds = refunds
    }
}

/// The platform's common payment operations, implemented by the Stripe and Braintree facades and their sandbox
/// twins.
public protocol PaymentGateway: Sendable {
    var provider: PaymentProvider { get }

    /// How long the gateway remembers an idempotency key (Stripe 24 h, Braintree 30 days).
    var idempotencyWindow: Int64 { get }

    /// Takes a payment (used by the traffic simulator and tests).
    func createTransaction(
        amount: Money, idempotencyKey: String, orderID: String
    ) async throws(GatewayError) -> GatewayTransaction

    /// Refunds all or part of a transaction. On Braintree an unsettled transaction is voided when refunded in full.
    func refund(_ request: GatewayRefundRequest) async throws(GatewayError) -> GatewayRefund

    /// Cancels an authorised, uncaptured or unsettled transaction in full.
    func void(transactionID: String, idempotencyKey: String) async throws(GatewayError) -> GatewayTransaction

    /// A transaction with its refunds: for reconciliation past the idempotency window.
    func fetchTransaction(id: String) async throws(GatewayError) -> GatewayTransaction

    /// The transaction (as the platform records it) that a provider object belongs to, when an event names only
    /// the object: a Stripe charge's payment intent. Nil when the provider has no such link.
    func owningTransaction(of objectID: String) async throws(GatewayError) -> String?
}

extension PaymentGateway {
    public func owningTransaction(of objectID: String) async throws(GatewayError) -> String? { nil }
}

/// Why a gateway did not do what was asked, in the platform's words.
public enum GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The gateway refused by one of its rules; nothing happened. `code` is the gateway's own
    /// (`charge_already_refunded`, `91506`…).
    case refused(code: String, message: String)
    /// The request was wrong (a bug, or data the gateway does not accept); nothing happened.
    case invalidRequest(code: String, message: String)
    /// The credentials were not accepted (401).
    case authentication(String)
    /// The card or account declined (Stripe 402).
    case declined(code: String, message: String)
    case notFound(String)
    /// Too many requests, even after backing off.
    case rateLimited
    /// The same idempotency key was sent with different parameters, or while the first is still running.
    case idempotencyConflict(String)
    /// The gateway failed (5xx) or did not answer in time: the request may or may not have been carried out.
    case outcomeUnknown(String)
    /// The request never reached the gateway (connection refused, DNS): nothing happened.
    case unreachable(String)
    /// Too many recent failures: calls are paused for a while.
    case circuitOpen(PaymentProvider)

    /// The gateway may have carried the request out: the refund must be reconciled, not marked failed.
    public var isOutcomeUnknown: Bool {
        if case .outcomeUnknown = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .refused(let code, let message): "refused (\(code)): \(message)"
        case .invalidRequest(let code, let message): "invalid request (\(code)): \(message)"
        case .authentication(let message): "the gateway did not accept our credentials: \(message)"
        case .declined(let code, let message): "declined (\(code)): \(message)"
        case .notFound(let message): "not found at the gateway: \(message)"
        case .rateLimited: "the gateway is rate-limiting us; try again in a minute"
        case .idempotencyConflict(let message): "idempotency conflict: \(message)"
        case .outcomeUnknown(let message):
            "no clear answer from the gateway (\(message)); the refund will be reconciled"
        case .unreachable(let message): "the gateway could not be reached: \(message)"
        case .circuitOpen(let provider): "\(provider.label) calls are paused after repeated failures; try again shortly"
        }
    }
}
