import OpsCore
import OpsEngine
import OpsTUI

// MARK: - CustomerScreen

/// A customer at a glance: profile, and tabs for prints, orders, payments and refunds, print jobs, notes.
public struct CustomerScreen: Sendable {
    public enum Tab: Int, CaseIterable, Sendable, Hashable {
        case prints, orders, payments, printJobs, notes

        var title: String {
            switch self {
            case .prints: "Prints"
            case .orders: "Orders"
            case .payments: "Payments & refunds"
            case .printJobs: "Print jobs"
            case .notes: "Notes"
            }
        }
    }

    public let userID: String
    public var tab: Tab
    public var data: Loadable<Customer360> = .loading
    public var tables: [Tab: TableState] = [:]
    public var filter = ListFilter()
    var request = 0

    init(userID: String, tab: Tab) {
        self.userID = userID
        self.tab = tab
    }

    static func layout(_ body: Rect) -> (profile: Rect, tabs: Rect, table: Rect, filter: Rect) {
        let (profile, rest) = body.takeTop(4)
        let (tabs, rest2) = rest.takeTop(2)
        let (table, filter) = rest2.takeBottom(1)
        return (
            profile.inset(horizontal: 1, vertical: 0), tabs.inset(horizontal: 1, vertical: 0),
            table.inset(horizontal: 1, vertical: 0), filter.inset(horizontal: 1, vertical: 0)
        )
    }

    /// The rows of the current tab, filtered.
    func rows(state: AppState) -> RowSet {
        let (theme, now, stuckThreshold, zone) = (state.theme, state.now, state.stuckThreshold, state.zone)
        guard let c = data.value else { return RowSet() }
        var set = RowSet()
        switch tab {
        case .prints:
            let orderByPrint = Dictionary(c.orders.map { ($0.printID, $0.id) }, uniquingKeysWith: { first, _ in first })
            for p in c.prints {
                let missing = p.photos.missing
                set.append(
                    [
                        TableCell(p.print.title), TableCell(p.print.product.label),
                        TableCell("\(p.photos.uploaded + missing)"),
                        missing > 0
                            ? TableCell(theme.status("\(missing) missing", .error), .statusError)
                            : TableCell(theme.status("uploaded", .ok), .statusOK),
                        TableCell(p.print.createdAt.date(in: zone)), TableCell(p.print.id, .muted),
                    ],
                    orderByPrint[p.print.id].map(Destination.order))
            }
        case .orders:
            for o in c.orders {
                set.append(
                    [
                        TableCell(o.id), ConsoleFormat.orderStatus(o.status, theme),
                        TableCell(o.total.formatted, .money), TableCell(o.createdAt.display(in: zone)),
                        TableCell(o.lineItems.first?.description ?? ""),
                    ], .order(o.id))
            }
        case .payments:
            for p in c.payments {
                set.append(
                    [
                        TableCell("payment"), TableCell(p.provider.label),
                        TableCell(
                            p.providerTransactionID,
                            link: state.links.payment(p.provider, id: p.providerTransactionID)),
                        TableCell(p.money.formatted, .money), ConsoleFormat.paymentStatus(p.status, theme),
                        TableCell(p.createdAt.display(in: zone)),
                    ], .order(p.orderID))
            }
            for r in c.refunds {
                set.append(
                    [
                        TableCell(r.isVoid ? "void" : "refund"), TableCell(r.provider.label),
                        TableCell(r.gatewayRefundID ?? r.id), TableCell("-" + r.money.formatted, .money),
                        ConsoleFormat.refundStatus(r.status, theme),
                        TableCell(r.createdAt.display(in: zone)),
                    ], .order(r.orderID))
            }
            for d in c.disputes {
                let tone: StatusTone = d.status.blocksRefunds ? .error : .ok
                set.append(
                    [
                        TableCell("dispute"), TableCell(d.provider.label), TableCell(d.id),
                        TableCell(d.money.formatted, .money), TableCell(theme.status(d.status.label, tone), tone.role),
                        TableCell(d.createdAt.display(in: zone)),
                    ], .order(d.orderID))
            }
        case .printJobs:
            for j in c.printJobs {
                set.append(
                    [
                        TableCell(j.id), ConsoleFormat.jobStatus(j, theme, now: now, stuckThreshold: stuckThreshold),
                        TableCell(j.partner),
                        TableCell(
                            j.trackingNumber ?? "—",
                            link: j.trackingNumber.flatMap { state.links.tracking($0, carrier: j.carrier) }),
                        TableCell(j.updatedAt.display(in: zone)),
                    ], .printJob(j.id))
            }
        case .notes:
            // Newest first; a note on an order or a job leads there (one on the customer, nowhere).
            for n in c.notes {
                let target = NoteRows.destination(n)
                set.append(
                    NoteRows.cells(n, zone: zone, links: state.links), n.subject.kind == "customer" ? nil : target)
            }
        }
        return set.filtered(filter)
    }

    func columns(zone: DisplayZone) -> [TableColumn] {
        switch tab {
        case .prints:
            [
                TableColumn("TITLE", .flex(min: 12, weight: 3)), TableColumn("PRODUCT", .fixed(18)),
                TableColumn("PHOTOS", .fixed(6), .right), TableColumn("UPLOAD", .fixed(12)),
                TableColumn("CREATED", .fixed(10)),
                TableColumn("ID", .fixed(14)),
            ]
        case .orders:
            [
                TableColumn("ORDER", .fixed(14)), TableColumn("STATUS", .fixed(18)),
                TableColumn("TOTAL", .fixed(14), .right),
                // The date before the item: on 80 columns the item (on the order's screen anyway) gives way.
                TableColumn("CREATED", .fixed(zone.displayWidth)), TableColumn("ITEM", .flex(min: 8, weight: 1)),
            ]
        case .payments:
            [
                TableColumn("KIND", .fixed(7)), TableColumn("PROVIDER", .fixed(9)),
                TableColumn("TRANSACTION", .flex(min: 10, weight: 2)), TableColumn("AMOUNT", .fixed(14), .right),
                TableColumn("STATUS", .fixed(16)), TableColumn("CREATED", .fixed(zone.displayWidth)),
            ]
        case .printJobs:
            [
                TableColumn("JOB", .fixed(14)), TableColumn("STATUS", .fixed(18)),
                TableColumn("PARTNER", .flex(min: 10, weight: 1)),
                TableColumn("TRACKING", .flex(min: 8, weight: 1)), TableColumn("UPDATED", .fixed(zone.displayWidth)),
            ]
        case .notes:
            NoteRows.columns(zone: zone)
        }
    }

}

// MARK: - CustomerScreen: ConsoleScreen

extension CustomerScreen: FilteringScreen {
    public var kind: ScreenKind { .customer }
    public var title: String { data.value?.user.name ?? userID }
    public var noteSubject: String? { data.value?.user.id ?? userID }
    public var timelineSubject: String? { data.value?.user.id ?? userID }
    public func actionTarget(ownActions: Bool) -> (subject: ActionSubject, chosen: ActionKind?)? {
        data.value.map { (.customer($0.user.id), nil) }
    }
    public var helpCommands: [UICommand] { [.nextTab, .prevTab, .open, .filter, .action, .reveal, .note] }

    public mutating func load(state: inout AppState) -> [Effect] {
        request = state.requestID()
        return [.loadCustomer(userID, request: request)]
    }

    mutating func filterChanged(state: inout AppState) -> [Effect] {
        tables[tab] = TableState()
        return []
    }

    /// The selected row's id, else the customer's email (what other tools search by) when it is shown in full,
    /// else the customer's id.
    public func copyTarget(state: AppState) -> Copyable? {
        let set = rows(state: state)
        return set.copyable(at: (tables[tab] ?? TableState()).selected)
            ?? data.value.map {
                state.exposure(of: $0.user.id) == .revealed
                    ? Copyable("email", $0.user.email) : Copyable("customer id", $0.user.id)
            }
    }

    public func personalDataOwner(state: AppState) -> (userID: String, name: String)? {
        (userID, data.value?.user.name ?? userID)
    }

    public mutating func receive(_ result: EffectResult, request: Int, state: AppState) {
        guard request == self.request, case .customer(let answer) = result else { return }
        data.receive(answer, keepShown: true)
    }

    public func positionText(state: AppState) -> String? {
        let count = rows(state: state).cells.count
        return count > 0 ? "\((tables[tab] ?? TableState()).selected + 1)/\(count)" : nil
    }

    public mutating func handle(_ command: UICommand, state: inout AppState) -> Reply {
        if command == .back && !filter.isActive { return .back }
        let set = rows(state: state)
        let viewport = max(1, Self.layout(state.bodyRect).table.height - 1)
        var table = tables[tab] ?? TableState()
        defer { tables[tab] = table }
        if table.move(command, count: set.cells.count, viewport: viewport) { return .none }
        switch command {
        case .nextTab, .prevTab:
            tables[tab] = table
            tab = command.cycle(Tab.allCases, from: tab)
            table = tables[tab] ?? TableState()
        case .filter:
            filter.editing = true
        case .back where filter.isActive:
            filter = ListFilter()
        case .open:
            guard set.targets.indices.contains(table.selected) else { return .none }
            guard let target = set.targets[table.selected] else {
                state.message = StatusMessage("This print has not been ordered")
                return .none
            }
            return .go(target)
        default:
            break
        }
        return .none
    }

    public func render(into buffer: inout Buffer, state: AppState) {
        let theme = state.theme
        let (profile, tabsRect, tableRect, filterRect) = Self.layout(state.bodyRect)
        switch data {
        case .loading:
            buffer.put("Loading customer \(userID)…", x: profile.x, y: profile.y, style: theme[.muted])
            return
        case .failed(let message):
            buffer.put(message, x: profile.x, y: profile.y, style: theme[.errorText], maxWidth: profile.width)
            return
        case .loaded(let c):
            let u = c.user
            var x = profile.x
            x += buffer.put(
                state.name(u.name, of: u.id), x: x, y: profile.y, style: theme[.title], maxWidth: profile.width / 2)
            x += buffer.put(
                "  <\(state.email(u))>", x: x, y: profile.y, style: theme[.text], maxWidth: profile.maxX - x)
            if case .revealed = state.exposure(of: u.id), let until = state.reveals[u.id] {
                buffer.put(
                    "  revealed until \(until.timeOfDay(in: state.zone))", x: x, y: profile.y,
                    style: theme[.statusWarning], maxWidth: profile.maxX - x)
            }
            let tone: StatusTone = u.status == .active ? .ok : (u.status == .locked ? .warning : .error)
            x = profile.x
            x += buffer.put("\(u.id)   \(u.country) · \(u.locale) · ", x: x, y: profile.y + 1, style: theme[.muted])
            x += buffer.put(theme.status(u.status.label, tone), x: x, y: profile.y + 1, style: theme[tone.role])
            buffer.put(
                " · customer since \(u.createdAt.date(in: state.zone))", x: x, y: profile.y + 1, style: theme[.muted],
                maxWidth: profile.maxX - x)
            let missing = c.prints.reduce(0) { $0 + $1.photos.missing }
            let open = c.printJobs.filter { !$0.status.isTerminal }.count
            let summary =
                [
                    plural(c.prints.count, "print"), plural(c.orders.count, "order"), plural(c.refunds.count, "refund"),
                    plural(open, "print job") + " in progress",
                ].joined(separator: " · ")
                + (missing > 0 ? " · " + plural(missing, "photo") + " missing" : "")
            let used = buffer.put(
                summary, x: profile.x, y: profile.y + 2, style: missing > 0 ? theme[.statusWarning] : theme[.text],
                maxWidth: profile.width)
            let chargebacks = c.disputes.filter(\.status.blocksRefunds).count
            if chargebacks > 0 {
                buffer.put(
                    " · " + theme.status(plural(chargebacks, "chargeback") + ": do not refund", .error),
                    x: profile.x + used, y: profile.y + 2, style: theme[.statusError], maxWidth: profile.width - used)
            }
        }
        Tabs.render(
            Tab.allCases.map { tab in
                let count: Int =
                    switch tab {
                    case .prints: data.value?.prints.count ?? 0
                    case .orders: data.value?.orders.count ?? 0
                    case .payments:
                        (data.value?.payments.count ?? 0) + (data.value?.refunds.count ?? 0)
                            + (data.value?.disputes.count ?? 0)
                    case .printJobs: data.value?.printJobs.count ?? 0
                    case .notes: data.value?.notes.count ?? 0
                    }
                return "\(tab.title) (\(count))"
            }, active: tab.rawValue, into: &buffer, rect: tabsRect, theme: theme)
        let set = rows(state: state)
        Table.render(
            columns: columns(zone: state.zone), rows: set.cells, state: tables[tab] ?? TableState(), into: &buffer,
            rect: tableRect, theme: theme, focused: !filter.editing,
            emptyText: filter.isActive ? "No rows match the filter" : "None")
        filter.render(into: &buffer, rect: filterRect, theme: theme)
    }
}

// MARK: - ConsoleFormat

/// Status words with their tone, the same on every screen.
enum ConsoleFormat {
    static func orderStatus(_ s: OrderStatus, _ theme: Theme) -> TableCell {
        let tone: StatusTone =
            switch s {
            case .paid: .ok
            case .pending, .partiallyRefunded: .warning
            case .refunded, .cancelled: .neutral
            }
        return TableCell(theme.status(s.label, tone), tone.role)
    }

    static func paymentStatus(_ s: PaymentStatus, _ theme: Theme) -> TableCell {
        let tone: StatusTone =
            switch s {
            case .settled, .settling: .ok
            case .authorized, .submittedForSettlement: .warning
            case .voided: .neutral
            case .failed, .declined: .error
            }
        return TableCell(theme.status(s.label, tone), tone.role)
    }

    static func refundStatus(_ s: RefundStatus, _ theme: Theme) -> TableCell {
        let tone: StatusTone =
            switch s {
            case .succeeded: .ok
            case .pending, .unknown: .warning
            case .failed: .error
            }
        return TableCell(theme.status(s.label, tone), tone.role)
    }

    static func jobTone(_ j: PrintJob, now: Timestamp, stuckThreshold: Int64) -> StatusTone {
        if j.status == .failed { return .error }
        if j.isStuck(now: now, threshold: stuckThreshold) { return .warning }
        return j.status == .delivered ? .ok : .neutral
    }

    static func jobStatus(_ j: PrintJob, _ theme: Theme, now: Timestamp, stuckThreshold: Int64) -> TableCell {
        let tone = jobTone(j, now: now, stuckThreshold: stuckThreshold)
        let stuck = j.isStuck(now: now, threshold: stuckThreshold)
        return TableCell(theme.status(j.status.label + (stuck ? " (stuck)" : ""), tone), tone.role)
    }
}

/// "1 order", "2 orders".
func plural(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }
