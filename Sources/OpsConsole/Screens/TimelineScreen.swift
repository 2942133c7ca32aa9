import OpsCore
import OpsTUI

/// A customer's or an order's story, newest first: orders, payments and settlements, refunds, chargebacks, print
/// jobs and their partners' updates, support's actions and notes. Tabs keep one strand (money, fulfilment,
/// support); enter opens the record a line is about.
public struct TimelineScreen: Sendable {
    /// What it is the timeline of: a customer's or an order's id (or anything the search resolves).
    let of: String
    var data: Loadable<TimelineView> = .loading
    var table = TableState()
    var tab = Strand.all
    var request = 0

    enum Strand: Int, CaseIterable, Sendable {
        case all, money, fulfilment, support

        var label: String {
            switch self {
            case .all: "All"
            case .money: "Money"
            case .fulfilment: "Fulfilment"
            case .support: "Support"
            }
        }

        func keeps(_ kind: TimelineEntry.Kind) -> Bool {
            switch self {
            case .all: true
            case .money: [.order, .payment, .refund, .dispute].contains(kind)
            case .fulfilment: [.printJob, .partner].contains(kind)
            case .support: [.signup, .action, .note].contains(kind)
            }
        }
    }

    init(of: String) { self.of = of }

    var rows: [TimelineEntry] { (data.value?.entries ?? []).filter { tab.keeps($0.kind) } }

    static func layout(_ body: Rect) -> (tabs: Rect, table: Rect) {
        let (tabs, rest) = body.takeTop(2)
        return (tabs.inset(horizontal: 1, vertical: 0), rest.inset(horizontal: 1, vertical: 0))
    }

    static func load(_ of: String) -> Fetch {
        Fetch("timeline \(of)") { client in
            guard let timeline = client.timeline else { throw EffectError("timelines are not available here") }
            return try await timeline(of)
        }
    }

    /// Where a line leads: the order or the print job it is about.
    func destination(_ entry: TimelineEntry) -> Destination? {
        switch entry.kind {
        case .order: .order(entry.subject)
        case .printJob, .partner: .printJob(entry.subject)
        default: nil
        }
    }
}

extension TimelineScreen: ConsoleScreen {
    public var kind: ScreenKind { .timeline }
    public var title: String { "Timeline \(of)" }
    public var helpCommands: [UICommand] { [.open, .nextTab, .prevTab, .refresh] }

    public mutating func load(state: inout AppState) -> [Effect] {
        request = state.requestID()
        return [.fetch(Self.load(of), request: request)]
    }

    public mutating func receive(_ result: EffectResult, request: Int, state: AppState) {
        guard request == self.request, case .value(let answer) = result else { return }
        data.receive(
            answer.flatMap { value in
                (value as? TimelineView).map(Result.success)
                    ?? .failure(EffectError("unexpected answer: \(type(of: value))"))
            })
        table.selected = min(table.selected, max(0, rows.count - 1))
    }

    public func positionText(state: AppState) -> String? {
        rows.isEmpty ? nil : "\(table.selected + 1)/\(rows.count)"
    }

    public mutating func handle(_ command: UICommand, state: inout AppState) -> Reply {
        let rows = rows
        let viewport = max(1, Self.layout(state.bodyRect).table.height - 1)
        if table.move(command, count: rows.count, viewport: viewport) { return .none }
        switch command {
        case .back: return .back
        case .open:
            guard rows.indices.contains(table.selected), let to = destination(rows[table.selected]) else {
                return .none
            }
            return .go(to)
        case .nextTab, .prevTab:
            let count = Strand.allCases.count
            tab = Strand(rawValue: (tab.rawValue + (command == .nextTab ? 1 : count - 1)) % count)!
            table = TableState()
            return .none
        case .refresh:
            return Reply(load(state: &state))
        default:
            return .none
        }
    }

    public func render(into buffer: inout Buffer, state: AppState) {
        let theme = state.theme
        let zone = state.zone
        let (tabsRect, tableRect) = Self.layout(state.bodyRect)
        let counts = Strand.allCases.map { strand in
            "\(strand.label) (\((data.value?.entries ?? []).filter { strand.keeps($0.kind) }.count))"
        }
        Tabs.render(counts, active: tab.rawValue, into: &buffer, rect: tabsRect, theme: theme)
        switch data {
        case .loading:
            buffer.put("Loading the timeline of \(of)…", x: tableRect.x, y: tableRect.y, style: theme[.muted])
        case .failed(let message):
            buffer.put(message, x: tableRect.x, y: tableRect.y, style: theme[.errorText], maxWidth: tableRect.width)
        case .loaded:
            let cells = rows.map { e -> [TableCell] in
                let role: ThemeRole =
                    switch e.kind {
                    case .refund, .dispute: .money
                    case .action, .note: .highlight
                    default: .text
                    }
                return [
                    TableCell(e.at.display(in: zone)),
                    TableCell(String(e.kind.rawValue.map { $0 == "_" ? " " : $0 }), .muted),
                    TableCell(e.text, role),
                ]
            }
            Table.render(
                columns: [
                    TableColumn("AT", .fixed(zone.displayWidth)), TableColumn("WHAT", .fixed(9)),
                    TableColumn("", .flex(min: 20, weight: 1)),
                ],
                rows: cells, state: table, into: &buffer, rect: tableRect, theme: theme,
                emptyText: "Nothing on this strand")
        }
    }
}
