import OpsCore
import OpsEngine

// MARK: - Screens, their key-binding sections and their destinations: the one place a screen is registered

/// Which screen a binding applies to (the section name in `[keys.NAME]`); `global` applies everywhere unless a
/// screen rebinds the key.
public enum ScreenKind: String, CaseIterable, Hashable, Sendable {
    case global, search, customer, order, printJob = "print_job", orders, printJobs = "print_jobs", metrics, audit
    case disputes, recent, timeline

    /// The keys a screen binds beyond the global ones, by default.
    static let defaultKeys: [ScreenKind: [(String, UICommand)]] = [
        // None on the search screen: every printable key there is text. Its destinations are a list under the
        // empty field (↓, enter) and commands (`:orders`); configuration may bind function or control keys.
        .customer: [("v", .reveal), ("n", .note), ("a", .action), ("t", .timeline)],
        .order: [
            ("r", .refund), ("c", .openCustomer), ("v", .reveal), ("n", .note), ("a", .action), ("t", .timeline),
            ("A", .orderActions),
        ],
        .printJob: [("o", .openOrder), ("c", .openCustomer), ("v", .reveal), ("n", .note), ("a", .action)],
        .printJobs: [("p", .partner), ("P", .prevPartner)],
        .metrics: [("p", .pause), ("w", .window)],
    ]
}

/// Where a key, a command or a search result leads: one case per screen.
public enum Destination: Sendable, Hashable {
    case customer(String, tab: CustomerScreen.Tab = .orders)
    case order(String)
    case printJob(String)
    case orders(OrderStatus?)
    case printJobs(PrintJobQuery)
    /// The home screen, searching for this text.
    case search(String)
    case audit
    /// The dashboard, in a window (nil: the last one chosen, else the hour).
    case metrics(MetricsWindow? = nil)
    /// Chargebacks: open ones by evidence due date (or all of them).
    case disputes(openOnly: Bool)
    /// The records opened lately.
    case recent
    /// A customer's or an order's timeline.
    case timeline(String)

    /// The screen for an identifier a ticket carried.
    public static func resolved(_ r: ResolvedIdentifier) -> Destination {
        switch r.kind {
        case .user, .email: .customer(r.userID)
        case .print: .customer(r.userID, tab: .prints)
        case .order, .payment, .providerTransaction, .providerCharge, .dispute: .order(r.orderID ?? "")
        case .printJob, .trackingNumber: r.printJobID.map(Destination.printJob) ?? .customer(r.userID)
        }
    }

    /// The registration of every screen but the home one: the screen a destination opens, before it loads.
    func makeScreen(state: AppState) -> (any ConsoleScreen)? {
        switch self {
        case .customer(let id, let tab): CustomerScreen(userID: id, tab: tab)
        case .order(let id): OrderScreen(orderID: id)
        case .printJob(let id): PrintJobScreen(jobID: id)
        case .orders(let status): OrdersListScreen(status: status)
        case .printJobs(let query): PrintJobsListScreen(query: query)
        case .audit: AuditScreen()
        case .disputes(let openOnly): DisputesScreen(openOnly: openOnly)
        case .recent: RecentScreen()
        case .timeline(let of): TimelineScreen(of: of)
        case .metrics(let window): MetricsScreen(monotonic: state.monotonicMilliseconds, window: window ?? .hour)
        case .search: nil
        }
    }
}
