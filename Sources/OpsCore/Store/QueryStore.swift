/// Finding a customer from what a ticket carries: the part of the read side both stores (SQLite and PostgreSQL)
/// answer, with the same meaning, checked by one contract suite run against each.
///
/// Methods return `nil` for an id that does not exist and throw only for store failures.
public protocol CustomerSearchStore: Sendable {
    /// Customers whose name or email contain words starting with the words of `text` (accent-insensitive),
    /// newest first.
    func searchCustomers(_ text: String, limit: Int) async throws -> [User]

    /// Resolves an exact identifier of any kind (ids, email, provider transaction, tracking number).
    func resolve(identifier: String) async throws -> ResolvedIdentifier?

    /// Customers who had an order shipped to this postcode (compared upper case, without spaces), newest first.
    func customersByPostcode(_ postcode: String, limit: Int) async throws -> [User]

    /// For each customer shown in a search: their number of orders, the last one's date, and its city.
    func customerSummaries(_ userIDs: [String]) async throws -> [String: CustomerSummary]
}

/// One record with everything around it: the customer, order and print job views, answered by both stores with
/// the same meaning (the same contract suite checks them).
///
/// Methods return `nil` for an id that does not exist and throw only for store failures.
public protocol RecordViewStore: Sendable {
    func customer360(userID: String) async throws -> Customer360?
    func orderDetail(orderID: String) async throws -> OrderDetail?
    func printJobDetail(jobID: String) async throws -> PrintJobDetail?
}

/// The read side of the store the engine's use cases need: lookups by identifier, free-text search, the record
/// views and the lists. Implemented by both stores (SQLite and PostgreSQL), which the contract suites compare.
///
/// Methods return `nil` for an id that does not exist and throw only for store failures.
public protocol QueryStore: CustomerSearchStore, RecordViewStore {

    /// Orders newest first, optionally of one status.
    /// `text`: only orders of customers matching it (name or email, as the search), or of the record an id names.
    func orders(status: OrderStatus?, text: String?, page: PageRequest, limit: Int) async throws -> Page<OrderRow>

    /// Print jobs, most recently updated first; stuck jobs longest-stuck first.
    func printJobs(_ filter: PrintJobFilter, page: PageRequest, limit: Int) async throws -> Page<PrintJobRow>

    /// The print partners that have jobs, sorted.
    func partners() async throws -> [String]

    /// How many print jobs each partner has under a filter (its partner ignored), from the running counts.
    func printJobCountsByPartner(_ filter: PrintJobFilter) async throws -> [String: Int]

    /// Chargebacks: open ones first, by evidence due date (soonest first), then decided ones, newest first.
    func disputes(openOnly: Bool, limit: Int) async throws -> [DisputeRow]

    /// One chargeback, by its provider id.
    func dispute(id: String) async throws -> Dispute?

    /// When each live source last delivered (sources that never did are absent).
    func freshness() async throws -> [SourceFreshness]

    /// A number that changes whenever any process commits a change to the store.
    func changeToken() async throws -> Int64
}

extension QueryStore {
    public func orders(status: OrderStatus?, page: PageRequest, limit: Int) async throws -> Page<OrderRow> {
        try await orders(status: status, text: nil, page: page, limit: limit)
    }
}
