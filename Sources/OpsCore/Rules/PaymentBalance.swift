/// How much of a payment is left to refund.
///
/// remaining = captured − (succeeded + in-flight refunds). In-flight (pending or unknown) refunds hold their
/// amount until the gateway's answer is known, so two operators can never refund the same money twice.
public struct PaymentBalance: Hashable, Sendable {
    public var payment: Payment
    /// What the customer paid and the provider holds: zero until the payment is captured.
    public var captured: Int64
    public var refunded: Int64
    public var inFlight: Int64

    public init(payment: Payment, refunds: [Refund]) {
        self.payment = payment
        captured = payment.status.isCaptured ? payment.amount : 0
        var refunded: Int64 = 0
        var inFlight: Int64 = 0
        for refund in refunds where refund.paymentID == payment.id {
            switch refund.status {
            case .succeeded: refunded += refund.amount
            case .pending, .unknown: inFlight += refund.amount
            case .failed: break
            }
        }
        self.refunded = refunded
        self.inFlight = inFlight
    }

    public var remaining: Int64 { max(0, captured - refunded - inFlight) }

    public var currency: Currency { payment.currency }

    public func money(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: payment.currency) }
}
