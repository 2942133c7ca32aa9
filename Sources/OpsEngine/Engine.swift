import Foundation
import Metrics
import OpsCore
import OpsMetrics

// MARK: - Values the engine answers with

/// The time the engine's rules count from: the system clock, or a frozen `--now` for reproducible output.
public struct EngineClock: Sendable {
    public var now: @Sendable () -> Timestamp

    public init(now: @escaping @Sendable () -> Timestamp) { self.now = now }

    public static let system = EngineClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(seconds: Int64(spec.tv_sec))
    }

    public static func frozen(_ time: Timestamp) -> EngineClock { EngineClock { time } }
}

/// What a search found: the record an exact identifier points at, and customers matching the words.
public struct SearchResult: Hashable, Sendable {
    public var query: String
    public var exact: ResolvedIdentifier?
    public var customers: [User]
    /// Per customer shown: orders, the last one's date and city (what tells two Zoë Martins apart).
    public var summaries: [String: CustomerSummary] = [:]

    public init(query: String, exact: ResolvedIdentifier?, customers: [User]) {
        self.query = query
        self.exact = exact
        self.customers = customers
    }
}

/// What the metrics dashboard shows.
public struct DashboardData: Hashable, Sendable {
    public var business: BusinessSnapshot
    public var engine: EngineSnapshot

    public init(business: BusinessSnapshot, engine: EngineSnapshot) {
        self.business = business
        self.engine = engine
    }
}

/// An order with the answer to "why has it not arrived?".
public struct OrderView: Hashable, Sendable {
    public var detail: OrderDetail
    public var diagnosis: OrderDiagnosis
    /// Per payment: captured, refunded, reserved by refunds in flight and what is left.
    public var balances: [PaymentBalance]

    public init(detail: OrderDetail, diagnosis: OrderDiagnosis, balances: [PaymentBalance]) {
        self.detail = detail
        self.diagnosis = diagnosis
        self.balances = balances
    }
}

// MARK: - Engine

/// The engine's read use cases over a ``QueryStore``. Every call is timed into the metrics registry.
///
/// ```swift
/// let engine = Engine(store: store, clock: .system)
/// let found = try await engine.search("ord_8x2k…")
/// ```
/// What the engine reads: the queries, and the dashboard's rollups.
public typealias EngineStore = QueryStore & DashboardStore & NotesStore & ActionStore & ErasureStore

public final class Engine: Sendable {
    public let store: any EngineStore
    public let clock: EngineClock
    public let stuckThreshold: Int64

    public init(
        store: any EngineStore, clock: EngineClock = .system,
        stuckThreshold: Int64 = OrderDiagnosis.defaultStuckThreshold
    ) {
        self.store = store
        self.clock = clock
        self.stuckThreshold = stuckThreshold
    }

    /// The lookups of one record by what a ticket carries (the part of the engine both stores answer).
    public var records: RecordLookup {
        RecordLookup(store: store, clock: clock, stuckThreshold: stuckThreshold)
    }

    public func search(_ text: String, limit: Int = 50) async throws -> SearchResult {
        try await records.search(text, limit: limit)
    }
    public func customer(identifiedBy text: String) async throws -> Customer360 {
        try await records.customer(identifiedBy: text)
    }
    public func order(identifiedBy text: String) async throws -> OrderView {
        try await records.order(identifiedBy: text)
    }
    public func printJob(identifiedBy text: String) async throws -> PrintJobDetail {
        try await records.printJob(identifiedBy: text)
    }
    public func customer(_ userID: String) async throws -> Customer360 { try await records.customer(userID) }
    public func order(_ orderID: String) async throws -> OrderView { try await records.order(orderID) }
    public func printJob(_ jobID: String) async throws -> PrintJobDetail { try await records.printJob(jobID) }

    /// Orders, newest first; `text` keeps those of matching customers or of the record an id names.
    public func orders(
        status: OrderStatus?, text: String? = nil, page: PageRequest = .first, limit: Int = 100
    ) async throws -> Page<OrderRow> {
        try await timed("orders") { try await store.orders(status: status, text: text, page: page, limit: limit) }
    }

    /// Print jobs; `stuckFor` (seconds) lists only jobs in progress with no event for that long, longest first.
    public func printJobs(
        status: PrintJobStatus? = nil, partner: String? = nil, stuckFor: Int64? = nil, text: String? = nil,
        page: PageRequest = .first, limit: Int = 100
    ) async throws -> Page<PrintJobRow> {
        try await timed("print_jobs") {
            let filter = PrintJobFilter(
                status: status, partner: partner, stuckFor: stuckFor, now: clock.now(), text: text)
            return try await store.printJobs(filter, page: page, limit: limit)
        }
    }

    public func partners() async throws -> [String] {
        try await timed("partners") { try await store.partners() }
    }

    /// Print jobs per partner for a list's status or stuck filter (which partners have anything to show).
    public func printJobCountsByPartner(
        status: PrintJobStatus? = nil, stuckFor: Int64? = nil
    ) async throws -> [String: Int] {
        try await timed("print_job_counts") {
            try await store.printJobCountsByPartner(
                PrintJobFilter(status: status, stuckFor: stuckFor, now: clock.now()))
        }
    }

    /// Chargebacks, open ones first by evidence due date.
    public func disputes(openOnly: Bool = false, limit: Int = 500) async throws -> [DisputeRow] {
        try await timed("disputes") { try await store.disputes(openOnly: openOnly, limit: limit) }
    }

    /// The evidence Popsa holds for a chargeback, in its provider's evidence fields.
    public func disputeEvidence(_ disputeID: String) async throws -> DisputeEvidence {
        try await timed("dispute_evidence") {
            guard let dispute = try await store.dispute(id: disputeID) else {
                throw EngineError.notFound(.dispute, disputeID)
            }
            guard let detail = try await store.orderDetail(orderID: dispute.orderID) else {
                throw EngineError.notFound(.order, dispute.orderID)
            }
            var timelines: [String: [PrintJobEvent]] = [:]
            for job in detail.printJobs {
                timelines[job.id] = try await store.printJobDetail(jobID: job.id)?.events ?? []
            }
            return DisputeEvidence(dispute: dispute, order: detail, timelines: timelines)
        }
    }

    public func changeToken() async throws -> Int64 { try await store.changeToken() }

    /// When each live source last delivered.
    public func freshness() async throws -> [SourceFreshness] { try await store.freshness() }

    /// The whole-platform counts `metrics` and `serve-metrics` expose: orders and print jobs by status, stuck jobs,
    /// the missing-photo backlog, refunds.
    public func businessTotals() async throws -> BusinessTotals {
        try await store.businessTotals(now: clock.now(), stuckThreshold: stuckThreshold)
    }

    /// The dashboard: business numbers from the store's rollups, engine numbers from the metrics registry.
    /// `zone`: the operator's, whose day the `today` window is.
    public func dashboard(window: MetricsWindow, zone: DisplayZone = .utc) async throws -> DashboardData {
        try await timed("dashboard") {
            let business = try await store.businessSnapshot(
                window: window, now: clock.now(), zone: zone, stuckThreshold: stuckThreshold)
            return DashboardData(business: business, engine: OpsMetrics.shared.snapshot(window: window))
        }
    }

    private func timed<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        try await timedQuery(name, body)
    }
}

/// Runs a use case, timing it into `popsa_ops_query_duration_seconds{query=name}`.
func timedQuery<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
    let start = ContinuousClock.now
    defer {
        let elapsed = ContinuousClock.now - start
        let (seconds, atto) = elapsed.components
        Timer(label: "popsa_ops_query_duration_seconds", dimensions: [("query", name)])
            .recordNanoseconds(seconds * 1_000_000_000 + atto / 1_000_000_000)
    }
    return try await body()
}

// MARK: - RecordLookup

/// Finding one record from what a ticket carries, over any store that answers the search and the record views
/// (SQLite, PostgreSQL): the engine's lookups, and the `query` commands' on either store.
public struct RecordLookup: Sendable {
    public let store: any CustomerSearchStore & RecordViewStore
    public let clock: EngineClock
    public let stuckThreshold: Int64

    public init(
        store: any CustomerSearchStore & RecordViewStore, clock: EngineClock = .system,
        stuckThreshold: Int64 = OrderDiagnosis.defaultStuckThreshold
    ) {
        self.store = store
        self.clock = clock
        self.stuckThreshold = stuckThreshold
    }

    /// Free text or any identifier. An identifier (no spaces) is resolved exactly first; words search names and
    /// emails. Both can hit: "smith" may be a customer's name and a print partner's order reference.
    public func search(_ text: String, limit: Int = 50) async throws -> SearchResult {
        try await timedQuery("search") { try await CustomerSearch.search(text, limit: limit, in: store) }
    }

    /// A customer from any identifier a ticket carries: a user id first (no extra cost), else whatever the search
    /// resolves exactly (an email, an order, a `pi_`/`ch_`, a tracking number, a dispute…).
    public func customer(identifiedBy text: String) async throws -> Customer360 {
        do { return try await customer(text) } catch EngineError.notFound {
            guard let found = try await store.resolve(identifier: text.trimmingWhitespace()) else {
                throw EngineError.notFound(.user, text)
            }
            return try await customer(found.userID)
        }
    }

    /// An order from its id, or from any identifier that resolves to one order (payment, `pi_`/`ch_`, print job,
    /// tracking number, dispute).
    public func order(identifiedBy text: String) async throws -> OrderView {
        do { return try await order(text) } catch EngineError.notFound {
            guard let orderID = try await store.resolve(identifier: text.trimmingWhitespace())?.orderID else {
                throw EngineError.notFound(.order, text)
            }
            return try await order(orderID)
        }
    }

    /// A print job from its id or its tracking number.
    public func printJob(identifiedBy text: String) async throws -> PrintJobDetail {
        do { return try await printJob(text) } catch EngineError.notFound {
            guard let jobID = try await store.resolve(identifier: text.trimmingWhitespace())?.printJobID else {
                throw EngineError.notFound(.printJob, text)
            }
            return try await printJob(jobID)
        }
    }

    public func customer(_ userID: String) async throws -> Customer360 {
        try await timedQuery("customer") {
            guard let found = try await store.customer360(userID: userID) else {
                throw EngineError.notFound(.user, userID)
            }
            return found
        }
    }

    public func order(_ orderID: String) async throws -> OrderView {
        try await timedQuery("order") {
            guard let detail = try await store.orderDetail(orderID: orderID) else {
                throw EngineError.notFound(.order, orderID)
            }
            return OrderView(
                detail: detail,
                diagnosis: OrderDiagnosis(detail: detail, now: clock.now(), stuckThreshold: stuckThreshold),
                balances: detail.payments.map { PaymentBalance(payment: $0, refunds: detail.refunds) })
        }
    }

    public func printJob(_ jobID: String) async throws -> PrintJobDetail {
        try await timedQuery("print_job") {
            guard let found = try await store.printJobDetail(jobID: jobID) else {
                throw EngineError.notFound(.printJob, jobID)
            }
            return found
        }
    }
}

// MARK: - EngineError

/// A use case could not be carried out. Messages are one line, fit for stderr and for the console's status bar.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(IdentifierKind, String)

    public var description: String {
        switch self {
        case .notFound(let kind, let id): "no \(kind.noun) with id \(id)"
        }
    }
}

// MARK: - CustomerSearch

/// The search box's use case over any store that finds customers (SQLite, PostgreSQL): an exact identifier first,
/// then names and email words, a postcode's customers first, each row with what tells customers apart.
public enum CustomerSearch {
    public static func search(
        _ text: String, limit: Int = 50, in store: any CustomerSearchStore
    ) async throws -> SearchResult {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return SearchResult(query: text, exact: nil, customers: []) }
        var exact = try await store.resolve(identifier: trimmed)
        // A tracking number (or any id) read out with spaces: "JD 0146 0892 7188 42".
        let compact = trimmed.filter { !$0.isWhitespace }
        if exact == nil, compact.count != trimmed.count, compact.count >= 8, compact.contains(where: \.isNumber) {
            exact = try await store.resolve(identifier: compact)
        }
        if let exact, exact.kind != .user && exact.kind != .email || trimmed.contains("@") {
            // An id or email is not also a name: skip the word search.
            return SearchResult(query: text, exact: exact, customers: [])
        }
        var customers = try await store.searchCustomers(trimmed, limit: limit)
        // A postcode ("sw1a 1aa", "10115"): the customers who had orders shipped there come first.
        if mayBePostcode(compact) {
            let shipped = try await store.customersByPostcode(compact, limit: limit)
            customers = shipped + customers.filter { c in !shipped.contains { $0.id == c.id } }
            customers = Array(customers.prefix(limit))
        }
        var result = SearchResult(query: text, exact: exact, customers: customers)
        result.summaries = try await store.customerSummaries(customers.map(\.id))
        return result
    }

    /// Letters and digits, 3 to 10 of them, at least one digit: what postcodes look like in the countries Popsa
    /// ships to (a name never has a digit, so names cost no extra query).
    static func mayBePostcode(_ compact: String) -> Bool {
        (3...10).contains(compact.count) && compact.contains(where: \.isNumber)
            && compact.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
}
