import OpsCore
import OpsEngine
import OpsTUI

/// Where a key, a command or a search result leads.
public enum Destination: Sendable, Hashable {
    case customer(String, tab: CustomerScreen.Tab = .orders)
    case order(String)
    case printJob(String)
    case orders(OrderStatus?)
    case printJobs(PrintJobQuery)
    case search(String)
    case audit
    case metrics

    /// The screen for an identifier a ticket carried.
    public static func resolved(_ r: ResolvedIdentifier) -> Destination {
        switch r.kind {
        case .user, .email: .customer(r.userID)
        case .print: .customer(r.userID, tab: .prints)
        case .order, .payment, .providerTransaction: .order(r.orderID ?? "")
        case .printJob, .trackingNumber: r.printJobID.map(Destination.printJob) ?? .customer(r.userID)
        }
    }
}

extension AppState {
    /// The body of every screen: between the breadcrumb and the status bar.
    public var bodyRect: Rect { Rect(x: 0, y: 1, width: size.width, height: max(0, size.height - 2)) }

    /// Pushes the screen for `destination` and asks for its data.
    mutating func open(_ destination: Destination) -> [Effect] {
        overlay = nil
        let request = requestID()
        switch destination {
        case .customer(let id, let tab):
            stack.append(.customer(CustomerScreen(userID: id, tab: tab, request: request)))
            return [.loadCustomer(id, request: request)]
        case .order(let id):
            stack.append(.order(OrderScreen(orderID: id, request: request)))
            return [.loadOrder(id, request: request)]
        case .printJob(let id):
            stack.append(.printJob(PrintJobScreen(jobID: id, request: request)))
            return [.loadPrintJob(id, request: request)]
        case .orders(let status):
            stack.append(.orders(OrdersListScreen(status: status, request: request)))
            return [.loadOrders(status: status, page: .first, request: request)]
        case .printJobs(let query):
            stack.append(.printJobs(PrintJobsListScreen(query: query, request: request)))
            return [.loadPrintJobs(query, page: .first, request: request), .loadPartners]
        case .audit:
            stack.append(.audit(AuditScreen(request: request)))
            return [.loadAudit(request: request)]
        case .metrics:
            if case .metrics = current { return [] }
            var screen = MetricsScreen(request: request, monotonic: monotonicMilliseconds)
            let effects = screen.refresh(state: &self)
            stack.append(.metrics(screen))
            return effects
        case .search(let text):
            stack = [stack[0]]
            guard case .search(var screen) = stack[0] else { return [] }
            let effects = screen.setQuery(text, request: request)
            stack[0] = .search(screen)
            return effects
        }
    }

    /// Leaves the current screen; the one revealed reloads quietly, keeping its cursor.
    mutating func back() -> [Effect] {
        guard stack.count > 1 else { return [] }
        stack.removeLast()
        return reloadCurrent()
    }

    /// Reloads what the current screen shows, keeping selection and anything typed.
    mutating func reloadCurrent() -> [Effect] {
        let request = requestID()
        let index = stack.count - 1
        switch stack[index] {
        case .search(var s):
            let effects = s.refresh(request: request)
            stack[index] = .search(s)
            return effects
        case .customer(var s):
            s.request = request
            stack[index] = .customer(s)
            return [.loadCustomer(s.userID, request: request)]
        case .order(var s):
            s.request = request
            stack[index] = .order(s)
            return [.loadOrder(s.orderID, request: request)]
        case .printJob(var s):
            s.request = request
            stack[index] = .printJob(s)
            return [.loadPrintJob(s.jobID, request: request)]
        case .orders(var s):
            let effects = s.list.reload(request: request) { .loadOrders(status: s.status, page: $0, request: $1) }
            stack[index] = .orders(s)
            return effects
        case .printJobs(var s):
            let effects = s.list.reload(request: request) { .loadPrintJobs(s.query, page: $0, request: $1) }
            stack[index] = .printJobs(s)
            return effects
        case .audit(var s):
            s.request = request
            stack[index] = .audit(s)
            return [.loadAudit(request: request)]
        case .metrics(var s):
            let effects = s.refresh(state: &self)
            stack[index] = .metrics(s)
            return effects
        }
    }

    /// Runs `body` on the current screen with the rest of the state at hand.
    mutating func updateCurrent(_ body: (inout Screen, inout AppState) -> [Effect]) -> [Effect] {
        let index = stack.count - 1
        var screen = stack.remove(at: index)
        let effects = body(&screen, &self)
        stack.insert(screen, at: index)
        return effects
    }
}
