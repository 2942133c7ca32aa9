/// A closed set of values stored and exchanged by their snake_case raw value, shown by ``label``.
public protocol DomainEnum: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {
    /// What a person reads on a screen.
    var label: String { get }
}

extension DomainEnum {
    public var label: String { rawValue.replacingUnderscores() }

    /// The raw values, for error messages: `active, locked, deleted`.
    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension String {
    func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}

/// A customer account's state.
public enum AccountStatus: String, DomainEnum {
    case active, locked, deleted
}

/// What a print is: the product the customer designed.
public enum Product: String, DomainEnum {
    case photobook, loosePrints = "loose_prints", christmasOrnament = "christmas_ornament"
    case calendar, framedPrint = "framed_print"

    public var label: String {
        switch self {
        case .photobook: "Photobook"
        case .loosePrints: "Loose prints"
        case .christmasOrnament: "Christmas ornament"
        case .calendar: "Calendar"
        case .framedPrint: "Framed print"
        }
    }
}

/// The upload pipeline's state of one photo.
public enum PhotoStatus: String, DomainEnum {
    case uploaded, missing
}

/// An order's state, which follows the money.
public enum OrderStatus: String, DomainEnum {
    case pending, paid, partiallyRefunded = "partially_refunded", refunded, cancelled

    /// Whether money has been captured and may (partly) be returned.
    public var isRefundable: Bool { self == .paid || self == .partiallyRefunded }
}

/// Which payment facade holds a payment.
public enum PaymentProvider: String, DomainEnum {
    case stripe, braintree

    public var label: String { self == .stripe ? "Stripe" : "Braintree" }
}

/// A payment's state at its provider (Braintree's vocabulary; Stripe charges map onto it).
public enum PaymentStatus: String, DomainEnum {
    case authorized
    case submittedForSettlement = "submitted_for_settlement"
    case settling, settled, voided, failed, declined

    /// Money has been captured: the transaction can be refunded (Braintree: only once settling or settled).
    public var isCaptured: Bool { self == .settling || self == .settled || self == .submittedForSettlement }

    /// Braintree can refund only settled or settling transactions; before that only a full void is possible.
    public var isSettledForRefund: Bool { self == .settled || self == .settling }

    /// Braintree can void a transaction that is authorized or submitted for settlement.
    public var isVoidable: Bool { self == .authorized || self == .submittedForSettlement }
}

/// A print job's state at the print partner.
public enum PrintJobStatus: String, DomainEnum {
    case queued, sent, accepted, printing, shipped, delivered, failed, cancelled

    /// Nothing more will happen to a job in these states.
    public var isTerminal: Bool { self == .delivered || self == .failed || self == .cancelled }

    /// The states a job still in progress can be in.
    public static let inProgress: [PrintJobStatus] = allCases.filter { !$0.isTerminal }

    /// The normal next state, if any.
    public var next: PrintJobStatus? {
        switch self {
        case .queued: .sent
        case .sent: .accepted
        case .accepted: .printing
        case .printing: .shipped
        case .shipped: .delivered
        case .delivered, .failed, .cancelled: nil
        }
    }

    /// Whether a partner event may move a job from `self` to `next`: forward along the pipeline, or to failed or
    /// cancelled from any state still in progress.
    public func canMove(to next: PrintJobStatus) -> Bool {
        if isTerminal { return false }
        if next == .failed || next == .cancelled { return true }
        let order = PrintJobStatus.allCases
        return order.firstIndex(of: next)! > order.firstIndex(of: self)! && next != .failed && next != .cancelled
    }
}

/// A refund intent's state.
public enum RefundStatus: String, DomainEnum {
    /// Reserved: recorded with its key, gateway not yet answered.
    case pending
    /// The gateway was called and did not say what happened (timeout, 5xx): the reconciler must find out.
    case unknown
    case succeeded, failed

    /// Counts against what is left to refund.
    public var reservesMoney: Bool { self != .failed }
}

/// Why an operator refunds. Maps to the gateway's own reason where one exists.
public enum RefundReason: String, DomainEnum {
    case damaged
    case lostInDelivery = "lost_in_delivery"
    case printQuality = "print_quality"
    case lateDelivery = "late_delivery"
    case duplicate
    case customerRequest = "customer_request"
    case other

    public var label: String {
        switch self {
        case .damaged: "Damaged"
        case .lostInDelivery: "Lost in delivery"
        case .printQuality: "Print quality"
        case .lateDelivery: "Late delivery"
        case .duplicate: "Duplicate"
        case .customerRequest: "Customer request"
        case .other: "Other (note required)"
        }
    }

    /// Stripe's `reason` parameter, where Stripe has one.
    public var stripeReason: String? {
        switch self {
        case .duplicate: "duplicate"
        case .customerRequest: "requested_by_customer"
        default: nil
        }
    }
}

/// What an operator may do.
public enum Role: String, DomainEnum, Comparable {
    case viewer, agent, supervisor

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
