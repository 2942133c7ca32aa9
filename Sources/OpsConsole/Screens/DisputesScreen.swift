import OpsCore
import OpsTUI

/// Chargebacks, open ones first by evidence due date (the one due soonest on top), like the stuck-jobs list: what
/// support must answer before the bank decides. Tab switches between the open ones and all of them.
public struct DisputesScreen: Sendable {
    var openOnly: Bool
    var data: Loadable<[DisputeRow]> = .loading
    var table = TableState()
    var request = 0

    init(openOnly: Bool) { self.openOnly = openOnly }

    static func layout(_ body: Rect) -> (tabs: Rect, table: Rect) {
        let (tabs, rest) = body.takeTop(2)
        return (tabs.inset(horizontal: 1, vertical: 0), rest.inset(horizontal: 1, vertical: 0))
    }

    /// This screen's own load: no effect case of its own.
    static func rows(openOnly: Bool) -> Fetch {
        Fetch("disputes") { client in try await client.disputes(openOnly) }
    }
}

extension DisputesScreen: ConsoleScreen {
    public var kind: ScreenKind { .disputes }
    public var title: String { openOnly ? "Open disputes" : "Disputes" }
    public var helpCommands: [UICommand] { [.open, .nextTab, .refresh] }

    public mutating func load(state: inout AppState) -> [Effect] {
        request = state.requestID()
        return [.fetch(Self.rows(openOnly: openOnly), request: request)]
    }

    public mutating func receive(_ result: EffectResult, request: Int, state: AppState) {
        guard request == self.request, case .value(let answer) = result else { return }
        data.receive(
            answer.flatMap { value in
                (value as? [DisputeRow]).map(Result.success)
                    ?? .failure(EffectError("unexpected answer: \(type(of: value))"))
            })
        table.selected = min(table.selected, max(0, (data.value?.count ?? 1) - 1))
    }

    public func copyTarget(state: AppState) -> Copyable? {
        guard let rows = data.value, rows.indices.contains(table.selected) else { return nil }
        return Copyable("dispute id", rows[table.selected].dispute.id)
    }

    public func positionText(state: AppState) -> String? {
        let count = data.value?.count ?? 0
        return count > 0 ? "\(table.selected + 1)/\(count)" : nil
    }

    public mutating func handle(_ command: UICommand, state: inout AppState) -> Reply {
        let rows = data.value ?? []
        let viewport = max(1, Self.layout(state.bodyRect).table.height - 1)
        if table.move(command, count: rows.count, viewport: viewport) { return .none }
        switch command {
        case .back: return .back
        case .open:
            guard rows.indices.contains(table.selected) else { return .none }
            return .go(.order(rows[table.selected].dispute.orderID))
        case .nextTab, .prevTab:
            openOnly.toggle()
            table = TableState()
            data = .loading
            return Reply(load(state: &state))
        case .refresh:
            return Reply(load(state: &state))
        default:
            return .none
        }
    }

    public func render(into buffer: inout Buffer, state: AppState) {
        let theme = state.theme
        let (tabsRect, tableRect) = Self.layout(state.bodyRect)
        Tabs.render(["Open", "All"], active: openOnly ? 0 : 1, into: &buffer, rect: tabsRect, theme: theme)
        switch data {
        case .loading:
            buffer.put("Loading disputes…", x: tableRect.x, y: tableRect.y, style: theme[.muted])
        case .failed(let message):
            buffer.put(message, x: tableRect.x, y: tableRect.y, style: theme[.errorText], maxWidth: tableRect.width)
        case .loaded(let rows):
            let cells = rows.map { row -> [TableCell] in
                let d = row.dispute
                let tone: StatusTone =
                    switch d.status {
                    case .needsResponse: .error
                    case .underReview: .warning
                    case .lost: .error
                    case .won: .ok
                    }
                let due: TableCell =
                    if let text = d.dueText(now: state.now) {
                        TableCell(
                            text.replacingOccurrences(of: "evidence ", with: ""),
                            (d.evidenceDueBy?.seconds ?? 0) - state.now.seconds < 3 * 86_400
                                ? .statusError : .statusWarning)
                    } else {
                        TableCell("—", .muted)
                    }
                return [
                    due, TableCell(theme.status(d.status.label, tone), tone.role),
                    TableCell(d.money.formatted, .money), TableCell(d.reasonText),
                    TableCell(state.listName(row.customerName)),
                    TableCell(d.orderID), TableCell(d.provider.label), TableCell(d.id, .muted),
                ]
            }
            Table.render(
                columns: [
                    TableColumn("DUE", .fixed(18)), TableColumn("STATUS", .fixed(16)),
                    TableColumn("AMOUNT", .fixed(13), .right), TableColumn("REASON", .flex(min: 10, weight: 2)),
                    TableColumn("CUSTOMER", .flex(min: 8, weight: 2)), TableColumn("ORDER", .fixed(14)),
                    TableColumn("PROVIDER", .fixed(9)), TableColumn("DISPUTE", .flex(min: 8, weight: 1)),
                ],
                rows: cells, state: table, into: &buffer, rect: tableRect, theme: theme,
                emptyText: openOnly ? "No open disputes" : "No disputes")
        }
    }
}
