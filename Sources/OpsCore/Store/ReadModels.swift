// MARK: - IdentifierKind

/// The kinds of identifier a support ticket may carry.
public enum IdentifierKind: String, Sendable, Hashable, CaseIterable {
    case user, email, order, print, printJob = "print_job", payment, providerTransaction = "provider_transaction"
    case trackingNumber = "tracking_number", dispute
    /// A Stripe charge (`ch_`), found behind the payment intent the payment is recorded by.
    case providerCharge = "provider_charge"

    public var label: String {
        switch self {
        case .user: "user id"
        case .email: "email"
        case .order: "order id"
        case .print: "print id"
        case .printJob: "print job id"
        case .payment: "payment id"
        case .providerTransaction: "provider transaction"
        case .providerCharge: "Stripe charge"
        case .trackingNumber: "tracking number"
        case .dispute: "dispute id"
        }
    }

    /// The record's name in a sentence: "no print job with id …".
    public var noun: String {
        switch self {
        case .user, .email: "customer"
        case .order: "order"
        case .print: "print"
        case .printJob, .trackingNumber: "print job"
        case .payment, .providerTransaction, .providerCharge: "payment"
        case .dispute: "dispute"
        }
    }
}

// MARK: - ResolvedIdentifier

/// Where an exact identifier leads.
/// A search result's line beyond the name: how many orders, when the last was placed and where it went.
public struct CustomerSummary: Hashable, Sendable {
    public var orders: Int
    public var lastOrderAt: Timestamp?
    public var city: String?

    public init(orders: Int, lastOrderAt: Timestamp?, city: String?) {
        self.orders = orders
        self.lastOrderAt = lastOrderAt
        self.city = city
    }
}

public struct ResolvedIdentifier: Hashable, Sendable {
    /// What the identifier turned out to be.
    public var kind: IdentifierKind
    /// The customer it belongs to.
    public var userID: String
    /// The order it belongs to, if it is an order or below one.
    public var orderID: String?
    /// The print job, for print job ids and tracking numbers.
    public var printJobID: String?
    /// The print, for print ids.
    public var printID: String?
    /// For a charge, the payment intent it is behind (the payment's id at Stripe).
    public var paymentIntent: String?

    public init(
        kind: IdentifierKind, userID: String, orderID: String? = nil, printJobID: String? = nil,
        printID: String? = nil
    ) {
        self.kind = kind
        self.userID = userID
        self.orderID = orderID
        self.printJobID = printJobID
        self.printID = printID
    }
}

// MARK: - PrintSummary

/// A print with how far its photos have come through the upload pipeline.
public struct PrintSummary: Hashable, Sendable {
    public var print: Print
    public var photos: PhotoProgress

    public init(print: Print, photos: PhotoProgress) {
        self.print = print
        self.photos = photos
    }
}

// MARK: - Customer360

/// Everything support needs about one customer, at a glance.
public struct Customer360: Hashable, Sendable {
    public var user: User
    public var prints: [PrintSummary]
    /// Newest first.
    public var orders: [Order]
    public var payments: [Payment]
    public var refunds: [Refund]
    public var printJobs: [PrintJob]
    /// Chargebacks on the customer's payments, newest first.
    public var disputes: [Dispute]
    /// Internal notes on the customer and on their orders and print jobs, newest first.
    public var notes: [Note]

    public init(
        user: User, prints: [PrintSummary], orders: [Order], payments: [Payment], refunds: [Refund],
        printJobs: [PrintJob], disputes: [Dispute] = [], notes: [Note] = []
    ) {
        self.user = user
        self.prints = prints
        self.orders = orders
        self.payments = payments
        self.refunds = refunds
        self.printJobs = printJobs
        self.disputes = disputes
        self.notes = notes
    }
}

// MARK: - OrderDetail

/// One order with what hangs off it.
public struct OrderDetail: Hashable, Sendable {
    public var order: Order
    public var user: User
    public var print: PrintSummary?
    public var payments: [Payment]
    public var refunds: [Refund]
    public var printJobs: [PrintJob]
    /// Chargebacks on the order's payments, newest first.
    public var disputes: [Dispute]
    /// Internal notes on the order and its print jobs, newest first.
    public var notes: [Note]
    /// Support's holds on the order's print jobs, by job id.
    public var holds: [String: JobHold]
    /// Support's actions on the order itself (a change of address, a confirmation sent again), newest first.
    public var actions: [SupportAction]

    public init(
        order: Order, user: User, print: PrintSummary?, payments: [Payment], refunds: [Refund],
        printJobs: [PrintJob], disputes: [Dispute] = [], notes: [Note] = [], holds: [String: JobHold] = [:],
        actions: [SupportAction] = []
    ) {
        self.holds = holds
        self.actions = actions
        self.order = order
        self.user = user
        self.print = print
        self.payments = payments
        self.refunds = refunds
        self.printJobs = printJobs
        self.disputes = disputes
        self.notes = notes
    }
}

extension OrderDetail {
    /// What deciding an action on the order needs.
    public var actionContext: ActionContext {
        ActionContext(
            subject: .order(order.id), user: user, order: order, job: nil, orderJobs: printJobs, actions: actions)
    }
}

// MARK: - DisputeRow

/// A row of the disputes list: the chargeback and whose it is.
public struct DisputeRow: Hashable, Sendable, Identifiable {
    public var dispute: Dispute
    public var customerName: String
    public var userID: String

    public init(dispute: Dispute, customerName: String, userID: String) {
        self.dispute = dispute
        self.customerName = customerName
        self.userID = userID
    }

    public var id: String { dispute.id }
}

// MARK: - PrintJobDetail

/// A print job with its partner timeline.
public struct PrintJobDetail: Hashable, Sendable {
    public var job: PrintJob
    public var order: Order
    public var user: User
    /// Oldest first.
    public var events: [PrintJobEvent]
    /// Internal notes on the job and on its order, newest first.
    public var notes: [Note]
    /// Support's hold on the job, if any.
    public var hold: JobHold?
    /// Support's actions on the job (hold, release, cancel, reprint), newest first.
    public var actions: [SupportAction]

    public init(
        job: PrintJob, order: Order, user: User, events: [PrintJobEvent], notes: [Note] = [], hold: JobHold? = nil,
        actions: [SupportAction] = []
    ) {
        self.job = job
        self.order = order
        self.user = user
        self.events = events
        self.notes = notes
        self.hold = hold
        self.actions = actions
    }

    /// What deciding an action on the job needs.
    public var actionContext: ActionContext {
        ActionContext(subject: .printJob(job.id), user: user, order: order, job: job, hold: hold, actions: actions)
    }
}

// MARK: - OrderRow

/// A row of the orders list.
public struct OrderRow: Hashable, Sendable, Identifiable {
    public var id: String
    public var userID: String
    public var customerName: String
    public var status: OrderStatus
    public var total: Money
    public var createdAt: Timestamp

    public init(
        id: String, userID: String, customerName: String, status: OrderStatus, total: Money,
        createdAt: Timestamp
    ) {
        self.id = id
        self.userID = userID
        self.customerName = customerName
        self.status = status
        self.total = total
        self.createdAt = createdAt
    }
}

// MARK: - PrintJobRow

/// A row of the print jobs list.
public struct PrintJobRow: Hashable, Sendable, Identifiable {
    public var job: PrintJob
    public var customerName: String
    public var userID: String

    public init(job: PrintJob, customerName: String, userID: String) {
        self.job = job
        self.customerName = customerName
        self.userID = userID
    }

    public var id: String { job.id }
}

// MARK: - PrintJobFilter

/// Which print jobs a list shows.
public struct PrintJobFilter: Hashable, Sendable {
    public var status: PrintJobStatus?
    public var partner: String?
    /// Only jobs still in progress with no event for longer than this many seconds, longest first.
    public var stuckFor: Int64?
    /// The time `stuckFor` counts back from.
    public var now: Timestamp
    /// Only jobs of customers matching this (name or email), or of the record an id or tracking number names.
    public var text: String?

    public init(
        status: PrintJobStatus? = nil, partner: String? = nil, stuckFor: Int64? = nil, now: Timestamp,
        text: String? = nil
    ) {
        self.status = status
        self.partner = partner
        self.stuckFor = stuckFor
        self.now = now
        self.text = text
    }
}

// MARK: - PageCursor

/// A position in a sorted list: the sort time and id of a row. Lists page by key, never by offset.
public struct PageCursor: Hashable, Sendable {
    public var time: Int64
    public var id: String

    public init(time: Int64, id: String) {
        self.time = time
        self.id = id
    }

    /// `1732700000:ord_abc`, for the command line.
    public var token: String { "\(time):\(id)" }

    public init?(token: String) {
        guard let colon = token.firstIndex(of: ":"), let time = Int64(token[..<colon]) else { return nil }
        self.time = time
        self.id = String(token[token.index(after: colon)...])
        if id.isEmpty { return nil }
    }
}

// MARK: - PageRequest

/// Which part of a list to fetch: the rows after a cursor (in list order), or before it, or the first rows.
public enum PageRequest: Hashable, Sendable {
    case first
    case after(PageCursor)
    case before(PageCursor)
    /// The rows from this cursor on, the cursor's row included: reloading a window in place.
    case from(PageCursor)
    /// The last rows of the list (End key).
    case last
}

/// A slice of a list, in list order.
public struct Page<Row: Hashable & Sendable>: Hashable, Sendable {
    public var rows: [Row]
    /// Whether rows exist beyond the last one here.
    public var hasMoreAfter: Bool
    /// Whether rows exist before the first one here.
    public var hasMoreBefore: Bool
    /// How many rows the whole list has, when the store counted them (a page from the end: the first row's
    /// position in the list is then known).
    public var total: Int?
    /// How many rows of the list come before this page's first one, when the store counted them (a window
    /// refreshed in place: rows may have arrived or left above it).
    public var before: Int?
    /// `total` is a lower bound: the store stopped counting there (a text filter matching very many rows).
    public var totalIsAtLeast = false

    public init(rows: [Row], hasMoreAfter: Bool, hasMoreBefore: Bool, total: Int? = nil) {
        self.rows = rows
        self.hasMoreAfter = hasMoreAfter
        self.hasMoreBefore = hasMoreBefore
        self.total = total
    }
}

// MARK: - KeysetRow

/// A row of a list paged by key.
public protocol KeysetRow: Hashable, Sendable {
    var pageCursor: PageCursor { get }
}

// MARK: - OrderRow: KeysetRow

extension OrderRow: KeysetRow {
    public var pageCursor: PageCursor { PageCursor(time: createdAt.seconds, id: id) }
}

// MARK: - PrintJobRow: KeysetRow

extension PrintJobRow: KeysetRow {
    public var pageCursor: PageCursor { PageCursor(time: job.updatedAt.seconds, id: job.id) }
}
