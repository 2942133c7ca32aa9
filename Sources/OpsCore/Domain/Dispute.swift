// MARK: - DisputeStatus

/// Where a chargeback stands, in one vocabulary for both providers (each provider's own word is kept beside it).
public enum DisputeStatus: String, DomainEnum {
    /// Opened by the card holder's bank: Popsa has until the evidence due date to answer.
    case needsResponse = "needs_response"
    /// Evidence submitted (or the inquiry is being looked at): the bank decides.
    case underReview = "under_review"
    /// Decided for Popsa: the money is (or stays) with Popsa.
    case won
    /// Decided for the card holder, accepted by Popsa, or left to expire: the money went back to the card holder.
    case lost

    /// Still being decided.
    public var isOpen: Bool { self == .needsResponse || self == .underReview }

    /// A refund now would pay the customer twice (open: the bank may still take the money; lost: it already did).
    public var blocksRefunds: Bool { self != .won }

    /// Stripe's dispute statuses (including the `warning_*` statuses of inquiries).
    public static func stripe(_ status: String) -> DisputeStatus? {
        switch status {
        case "needs_response", "warning_needs_response": .needsResponse
        case "under_review", "warning_under_review": .underReview
        // An inquiry closed without becoming a chargeback, or one prevented: the money stays.
        case "won", "warning_closed", "prevented": .won
        case "lost": .lost
        default: nil
        }
    }

    /// Braintree's dispute statuses (`Dispute.Status`), in any case.
    public static func braintree(_ status: String) -> DisputeStatus? {
        switch status.lowercased() {
        case "open": .needsResponse
        case "disputed", "under_review": .underReview
        case "won": .won
        // Accepted by the merchant (or automatically), or expired without a reply: Braintree treats them as lost.
        case "lost", "accepted", "auto_accepted", "expired": .lost
        default: nil
        }
    }

    /// Later states never go back to earlier ones; an event that arrives late does not reopen a decided dispute.
    public var rank: Int {
        switch self {
        case .needsResponse: 0
        case .underReview: 1
        case .won, .lost: 2
        }
    }
}

// MARK: - Dispute

/// A chargeback (or inquiry) on a payment, kept current by the providers' webhooks and importable.
public struct Dispute: Hashable, Sendable, Identifiable {
    /// The provider's id: `dp_…` at Stripe, the dispute id at Braintree.
    public var id: String
    public var paymentID: String
    public var orderID: String
    public var provider: PaymentProvider
    public var amount: Int64
    public var currency: Currency
    /// The provider's reason code (`fraudulent`, `product_not_received`, …).
    public var reason: String
    public var status: DisputeStatus
    /// The provider's own word for the status (`warning_needs_response`, `ACCEPTED`, …).
    public var providerStatus: String
    /// The last moment evidence can be submitted, when the provider gives one.
    public var evidenceDueBy: Timestamp?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, paymentID: String, orderID: String, provider: PaymentProvider, amount: Int64, currency: Currency,
        reason: String, status: DisputeStatus, providerStatus: String, evidenceDueBy: Timestamp?,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.paymentID = paymentID
        self.orderID = orderID
        self.provider = provider
        self.amount = amount
        self.currency = currency
        self.reason = reason
        self.status = status
        self.providerStatus = providerStatus
        self.evidenceDueBy = evidenceDueBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var money: Money { Money(minorUnits: amount, currency: currency) }

    /// The reason code in words: `product_not_received` → "product not received".
    public var reasonText: String { reason.isEmpty ? "no reason given" : reason.replacingUnderscores() }

    /// When evidence is due, relative to `now`: "evidence due in 3 days", "evidence was due 2 days ago".
    public func dueText(now: Timestamp) -> String? {
        guard status == .needsResponse, let due = evidenceDueBy else { return nil }
        let left = due.seconds - now.seconds
        if left < 0 { return "evidence was due \(DurationText.format(-left)) ago" }
        return "evidence due in \(DurationText.format(left))"
    }

    /// The one line support reads: "Chargeback opened (fraudulent, £45.99), evidence due in 3 days: do not refund".
    public func headline(now: Timestamp) -> String {
        let what = "\(reasonText), \(money.formatted)"
        switch status {
        case .needsResponse:
            let due = dueText(now: now).map { ", \($0)" } ?? ""
            return "Chargeback opened (\(what))\(due): do not refund"
        case .underReview:
            return "Chargeback under review at the bank (\(what)): do not refund"
        case .lost:
            return "Chargeback lost (\(what)): the money already went back to the card holder, do not refund"
        case .won:
            return "Chargeback won (\(what)) on \(updatedAt.dateOnly)"
        }
    }

    /// The short form for narrow places (a banner, a dialog, an error), the instruction first so that it survives
    /// truncation: "Do not refund: chargeback open, evidence due in 3d".
    public func warning(now: Timestamp) -> String {
        let due = dueText(now: now).map { ", \($0)" } ?? ""
        switch status {
        case .needsResponse: return "Do not refund: chargeback open\(due)"
        case .underReview: return "Do not refund: chargeback under review at the bank"
        case .lost: return "Do not refund: chargeback lost, the money already went back to the card holder"
        case .won: return "Chargeback won on \(updatedAt.dateOnly)"
        }
    }

    /// Why a refund on `paymentID` must not go ahead, or nil.
    public static func refundBlock(_ disputes: [Dispute], paymentID: String) -> Dispute? {
        disputes.filter { $0.paymentID == paymentID && $0.status.blocksRefunds }
            .min { ($0.status.rank, $0.createdAt) < ($1.status.rank, $1.createdAt) }
    }
}

// MARK: - ImportedDispute

/// A `dispute` record of the import format and the feed: the payment it is on names the order and the provider.
public struct ImportedDispute: Hashable, Sendable {
    public var id: String
    public var paymentID: String
    /// When the record names one, it must be the payment's provider.
    public var provider: PaymentProvider?
    public var amount: Int64
    public var currency: Currency
    public var reason: String
    public var status: DisputeStatus
    public var providerStatus: String
    public var evidenceDueBy: Timestamp?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, paymentID: String, provider: PaymentProvider?, amount: Int64, currency: Currency, reason: String,
        status: DisputeStatus, providerStatus: String, evidenceDueBy: Timestamp?, createdAt: Timestamp,
        updatedAt: Timestamp
    ) {
        self.id = id
        self.paymentID = paymentID
        self.provider = provider
        self.amount = amount
        self.currency = currency
        self.reason = reason
        self.status = status
        self.providerStatus = providerStatus
        self.evidenceDueBy = evidenceDueBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

// MARK: - BraintreeEvent

/// One Braintree webhook notification, verified and read from its XML (see OpsEngine's `BraintreeWebhook`).
public struct BraintreeEvent: Hashable, Sendable {
    /// Braintree's notifications carry no id: the SHA-256 of the signed payload, so a redelivery is a duplicate.
    public var id: String
    /// `transaction_settled`, `dispute_opened`, `refund_failed`…
    public var kind: String
    public var at: Timestamp
    /// The subject transaction's id (for `refund_failed`, the refund's own transaction id).
    public var transactionID: String?
    public var dispute: Subject?

    /// A dispute notification's subject.
    public struct Subject: Hashable, Sendable {
        public var id: String
        public var transactionID: String
        /// A decimal string in the currency's major units, as Braintree sends it: "100.00".
        public var amount: String
        public var currency: String
        public var reason: String
        public var status: String
        /// The reply-by date, `YYYY-MM-DD`.
        public var replyBy: String?
        public var createdAt: Timestamp?

        public init(
            id: String, transactionID: String, amount: String, currency: String, reason: String, status: String,
            replyBy: String?, createdAt: Timestamp?
        ) {
            self.id = id
            self.transactionID = transactionID
            self.amount = amount
            self.currency = currency
            self.reason = reason
            self.status = status
            self.replyBy = replyBy
            self.createdAt = createdAt
        }
    }

    public init(id: String, kind: String, at: Timestamp, transactionID: String?, dispute: Subject?) {
        self.id = id
        self.kind = kind
        self.at = at
        self.transactionID = transactionID
        self.dispute = dispute
    }
}
