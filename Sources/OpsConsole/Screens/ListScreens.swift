import OpsCore
import OpsEngine
import OpsTUI

// MARK: - ListLayout

/// Layout shared by the list screens: tabs, the table, the filter line.
enum ListLayout {
    static func rects(_ body: Rect) -> (tabs: Rect, table: Rect, filter: Rect) {
        let (tabs, rest) = body.takeTop(2)
        let (table, filter) = rest.takeBottom(1)
        return (
            tabs.inset(horizontal: 1, vertical: 0), table.inset(horizontal: 1, vertical: 0),
            filter.inset(horizontal: 1, vertical: 0)
        )
    }

    static func viewport(_ state: AppState) -> Int { max(1, rects(state.bodyRect).table.height - 1) }
}

// MARK: - OrdersListScreen

/// Orders, newest first, by status.
public struct OrdersListScreen: Sendable {
    public var status: OrderStatus?
    var list = PagedList<OrderRow>()
    var filter = ListFilter()

    static let tabs: [OrderStatus?] = [nil] + OrderStatus.allCases.map { $0 }

    init(status: OrderStatus?) {
        self.status = status
    }

    func make() -> PagedList<OrderRow>.MakeEffect {
        let status = self.status
        let text = filter.text
        return { .loadOrders(status: status, text: text, page: $0, request: $1) }
    }

    func rows(_ state: AppState) -> RowSet {
        let (theme, zone) = (state.theme, state.zone)
        var set = RowSet()
        for r in list.rows {
            set.append(
                [
                    TableCell(r.id), ConsoleFormat.orderStatus(r.status, theme), TableCell(r.total.formatted, .money),
                    TableCell(state.listName(r.customerName)), TableCell(r.createdAt.display(in: zone)),
                ], .order(r.id))
        }
        return set
    }

}

// MARK: - OrdersListScreen: ConsoleScreen

extension OrdersListScreen: FilteringScreen {
    public var kind: ScreenKind { .orders }
    public var title: String { "Orders" + (status.map { ": \($0.label)" } ?? "") }
    public var helpCommands: [UICommand] { [.nextTab, .prevTab, .open, .filter] }

    public mutating func load(state: inout AppState) -> [Effect] {
        list.load(request: state.requestID(), make())
    }

    public func copyTarget(state: AppState) -> Copyable? {
        rows(state).copyable(at: list.table.selected)
    }

    mutating func filterChanged(state: inout AppState) -> [Effect] {
        list.jump(toEnd: false, request: state.requestID(), make())
    }

    public mutating func receive(_ result: EffectResult, request: Int, state: AppState) {
        guard case .orders(let page) = result else { return }
        _ = list.receive(page, request: request, viewport: ListLayout.viewport(state))
    }

    public func positionText(state: AppState) -> String? { list.positionText }

    public mutating func handle(_ command: UICommand, state: inout AppState) -> Reply {
        let viewport = ListLayout.viewport(state)
        switch command {
        case .nextTab, .prevTab:
            status = command.cycle(Self.tabs, from: status)
            return Reply(list.jump(toEnd: false, request: state.requestID(), make()))
        default:
            return ListCommands.handle(
                command, list: &list, filter: &filter, viewport: viewport, state: &state,
                rows: rows(state), make: make())
        }
    }

    public func render(into buffer: inout Buffer, state: AppState) {
        let (tabsRect, tableRect, filterRect) = ListLayout.rects(state.bodyRect)
        Tabs.render(
            Self.tabs.map { $0?.label.capitalizedFirst ?? "All" }, active: Self.tabs.firstIndex(of: status) ?? 0,
            into: &buffer, rect: tabsRect, theme: state.theme)
        let columns = [
            TableColumn("ORDER", .fixed(14)), TableColumn("STATUS", .fixed(18)),
            TableColumn("TOTAL", .fixed(14), .right), TableColumn("CUSTOMER", .flex(min: 10, weight: 1)),
            TableColumn("CREATED", .fixed(state.zone.displayWidth)),
        ]
        ListCommands.render(
            list: list, filter: filter, rows: rows(state), columns: columns, into: &buffer,
            table: tableRect, filterRect: filterRect, theme: state.theme)
    }
}

// MARK: - PrintJobsListScreen

/// Print jobs by status and partner; the stuck tab lists jobs in progress with no partner event for longer
/// than the threshold, longest first.
public struct PrintJobsListScreen: Sendable {
    public var query: PrintJobQuery
    var stuckThreshold: Int64
    var partners: [String] = []
    var list = PagedList<PrintJobRow>()
    var filter = ListFilter()

    enum TabKind: Hashable { case stuck, all, status(PrintJobStatus) }
    static let tabs: [TabKind] = [.stuck, .all] + PrintJobStatus.allCases.map(TabKind.status)

    /// The partner names for `p`, asked for once.
    var partnersRequested = false
    /// Jobs per partner under this tab's filter: `p` and `P` skip partners with nothing to show.
    var partnerCounts: [String: Int]?
    var countsRequest: Int?

    init(query: PrintJobQuery) {
        self.query = query
        stuckThreshold = query.stuckFor ?? OrderDiagnosis.defaultStuckThreshold
    }

    var tab: TabKind {
        if query.stuckFor != nil { return .stuck }
        return query.status.map(TabKind.status) ?? .all
    }

    public var title: String {
        var t = query.stuckFor != nil ? "Stuck print jobs" : "Print jobs" + (query.status.map { ": \($0.label)" } ?? "")
        if let partner = query.partner { t += " @ \(partner)" }
        return t
    }

    func make() -> PagedList<PrintJobRow>.MakeEffect {
        var query = self.query
        query.text = filter.text
        return { [query] in .loadPrintJobs(query, page: $0, request: $1) }
    }

    func rows(_ state: AppState) -> RowSet {
        var set = RowSet()
        for r in list.rows {
            set.append(
                [
                    TableCell(r.job.id),
                    ConsoleFormat.jobStatus(r.job, state.theme, now: state.now, stuckThreshold: state.stuckThreshold),
                    TableCell(r.job.partner),
                    TableCell(DurationText.format(state.now.seconds - r.job.updatedAt.seconds)),
                    TableCell(state.listName(r.customerName)), TableCell(r.job.orderID, .muted),
                ], .printJob(r.job.id))
        }
        return set
    }

}

// MARK: - PrintJobsListScreen: ConsoleScreen

extension PrintJobsListScreen: FilteringScreen {
    public var kind: ScreenKind { .printJobs }
    public var helpCommands: [UICommand] { [.nextTab, .prevTab, .partner, .prevPartner, .open, .filter] }

    public mutating func load(state: inout AppState) -> [Effect] {
        var effects = list.load(request: state.requestID(), make())
        if !partnersRequested {
            partnersRequested = true
            effects.append(.loadPartners(request: state.requestID()))
        }
        let query = self.query
        let request = state.requestID()
        countsRequest = request
        effects.append(
            .fetch(
                Fetch("print jobs per partner \(query.status?.rawValue ?? "all") \(query.stuckFor ?? -1)") {
                    try await $0.partnerCounts(query)
                }, request: request))
        return effects
    }

    mutating func filterChanged(state: inout AppState) -> [Effect] {
        list.jump(toEnd: false, request: state.requestID(), make())
    }

    public func copyTarget(state: AppState) -> Copyable? { rows(state).copyable(at: list.table.selected) }

    public mutating func receive(_ result: EffectResult, request: Int, state: AppState) {
        switch result {
        case .printJobs(let page): _ = list.receive(page, request: request, viewport: ListLayout.viewport(state))
        case .partners(let names): partners = names
        case .value(.success(let counts as [String: Int])) where request == countsRequest: partnerCounts = counts
        default: break
        }
    }

    /// The next (or previous) partner with jobs to show here; nil is every partner.
    func partner(after current: String?, step: Int) -> String? {
        let withJobs = partners.filter { name in
            name == current || (partnerCounts.map { $0[name] ?? 0 } ?? 1) > 0
        }
        let choices: [String?] = [nil] + withJobs.map { $0 }
        let index = choices.firstIndex(of: current) ?? 0
        return choices[(index + step + choices.count) % choices.count]
    }

    public func positionText(state: AppState) -> String? { list.positionText }

    public mutating func handle(_ command: UICommand, state: inout AppState) -> Reply {
        let viewport = ListLayout.viewport(state)
        switch command {
        case .nextTab, .prevTab:
            switch command.cycle(Self.tabs, from: tab) {
            case .stuck: query.status = nil; query.stuckFor = stuckThreshold
            case .all: query.status = nil; query.stuckFor = nil
            case .status(let s): query.status = s; query.stuckFor = nil
            }
            return Reply(list.jump(toEnd: false, request: state.requestID(), make()))
        case .partner, .prevPartner:
            query.partner = partner(after: query.partner, step: command == .partner ? 1 : -1)
            let count = query.partner.flatMap { partnerCounts?[$0] }.map { " (\(NumberText.grouped($0)))" } ?? ""
            state.message = StatusMessage("Partner: \(query.partner ?? "all")\(count)")
            return Reply(list.jump(toEnd: false, request: state.requestID(), make()))
        default:
            return ListCommands.handle(
                command, list: &list, filter: &filter, viewport: viewport, state: &state,
                rows: rows(state), make: make())
        }
    }

    public func render(into buffer: inout Buffer, state: AppState) {
        let (tabsRect, tableRect, filterRect) = ListLayout.rects(state.bodyRect)
        let labels = Self.tabs.map { tab -> String in
            switch tab {
            case .stuck: "Stuck >\(DurationText.format(stuckThreshold))"
            case .all: "All"
            case .status(let s): s.label.capitalizedFirst
            }
        }
        Tabs.render(
            labels, active: Self.tabs.firstIndex(of: tab) ?? 0, into: &buffer, rect: tabsRect, theme: state.theme)
        if let partner = query.partner, tabsRect.height > 1 {
            buffer.put(
                "partner: \(partner)  (p/P: next/previous with jobs here)", x: tabsRect.x, y: tabsRect.y + 1,
                style: state.theme[.muted])
        }
        let columns = [
            TableColumn("JOB", .fixed(14)), TableColumn("STATUS", .fixed(18)),
            TableColumn("PARTNER", .flex(min: 10, weight: 1)), TableColumn("NO UPDATE", .fixed(9), .right),
            TableColumn("CUSTOMER", .flex(min: 10, weight: 1)), TableColumn("ORDER", .fixed(14)),
        ]
        ListCommands.render(
            list: list, filter: filter, rows: rows(state), columns: columns, into: &buffer,
            table: tableRect, filterRect: filterRect, theme: state.theme)
    }
}

// MARK: - ListCommands

/// Keys and drawing the two list screens share.
enum ListCommands {
    static func handle<Row: KeysetRow>(
        _ command: UICommand, list: inout PagedList<Row>, filter: inout ListFilter,
        viewport: Int, state: inout AppState, rows: RowSet,
        make: @escaping PagedList<Row>.MakeEffect
    ) -> Reply {
        switch command {
        case .back where filter.isActive:
            // esc drops the filter: the whole list again, from the top.
            filter = ListFilter()
            return Reply(list.jump(toEnd: false, request: state.requestID(), make))
        case .back: return .back
        case .up: return Reply(list.move(by: -1, viewport: viewport, request: { state.requestID() }, make))
        case .down: return Reply(list.move(by: 1, viewport: viewport, request: { state.requestID() }, make))
        case .pageUp: return Reply(list.move(by: -viewport, viewport: viewport, request: { state.requestID() }, make))
        case .pageDown: return Reply(list.move(by: viewport, viewport: viewport, request: { state.requestID() }, make))
        case .top:
            if list.hasMoreBefore { return Reply(list.jump(toEnd: false, request: state.requestID(), make)) }
            list.table.select(0, count: list.rows.count, viewport: viewport)
        case .bottom:
            if list.hasMoreAfter { return Reply(list.jump(toEnd: true, request: state.requestID(), make)) }
            list.table.select(list.rows.count - 1, count: list.rows.count, viewport: viewport)
        case .filter:
            filter.editing = true
        case .open:
            if rows.targets.indices.contains(list.table.selected), let target = rows.targets[list.table.selected] {
                return .go(target)
            }
        case .refresh:
            return Reply(list.reload(request: state.requestID(), make))
        default: break
        }
        return .none
    }

    static func render<Row: KeysetRow>(
        list: PagedList<Row>, filter: ListFilter, rows: RowSet, columns: [TableColumn],
        into buffer: inout Buffer, table: Rect, filterRect: Rect, theme: Theme
    ) {
        if let error = list.error {
            buffer.put(
                "Could not load: \(error)", x: table.x, y: table.y, style: theme[.errorText], maxWidth: table.width)
            return
        }
        if !list.loaded {
            buffer.put("Loading…", x: table.x, y: table.y, style: theme[.muted])
            return
        }
        Table.render(
            columns: columns, rows: rows.cells, state: list.table, into: &buffer, rect: table, theme: theme,
            focused: !filter.editing,
            emptyText: filter.isActive ? "Nothing in the whole list matches \"\(filter.field.text)\"" : "No rows")
        if filter.isActive {
            filter.render(into: &buffer, rect: filterRect, theme: theme)
        } else if list.arrivedAbove > 0 {
            buffer.put(
                theme.status("\(NumberText.grouped(list.arrivedAbove)) new above — press g to see them", .warning),
                x: filterRect.x, y: filterRect.y, style: theme[.statusWarning], maxWidth: filterRect.width)
        } else if list.hasMoreAfter || list.hasMoreBefore {
            buffer.put(
                (list.hasMoreBefore ? "↑ more above  " : "")
                    + (list.hasMoreAfter ? "↓ more below (loads as you scroll; End jumps to the last)" : ""),
                x: filterRect.x, y: filterRect.y, style: theme[.muted], maxWidth: filterRect.width)
        }
    }
}
