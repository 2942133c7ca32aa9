import OpsCore
import OpsTUI

/// The audit log, newest first, with whether its hash chain is intact.
public struct AuditScreen: Sendable {
    var data: Loadable<AuditPage> = .loading
    var table = TableState()
    var request = 0

    init() {}

    static func layout(_ body: Rect) -> (status: Rect, table: Rect) {
        let (status, rest) = body.takeTop(2)
        return (status.inset(horizontal: 1, vertical: 0), rest.inset(horizontal: 1, vertical: 0))
    }

}

extension AuditScreen: ConsoleScreen {
    public var kind: ScreenKind { .audit }
    public var title: String { "Audit log" }
    public var helpCommands: [UICommand] { [.open] }

    public mutating func load(state: inout AppState) -> [Effect] {
        request = state.requestID()
        return [.fetch(Self.entries, request: request)]
    }

    /// The newest entries and the chain's verification: a fetch of this screen's own (no effect case of its own).
    static let entries = Fetch("audit log") { client in
        guard let audit = client.audit else { throw EffectError("no audit log") }
        return try await audit()
    }

    public mutating func receive(_ result: EffectResult, request: Int, state: AppState) {
        guard request == self.request, case .value(let answer) = result else { return }
        data.receive(
            answer.flatMap { value in
                (value as? AuditPage).map(Result.success)
                    ?? .failure(EffectError("unexpected answer: \(type(of: value))"))
            })
    }

    public func positionText(state: AppState) -> String? {
        let count = data.value?.0.count ?? 0
        return count > 0 ? "\(table.selected + 1)/\(count)" : nil
    }

    public mutating func handle(_ command: UICommand, state: inout AppState) -> Reply {
        if command == .back { return .back }
        let count = data.value?.0.count ?? 0
        let viewport = max(1, Self.layout(state.bodyRect).table.height - 1)
        if table.move(command, count: count, viewport: viewport) { return .none }
        switch command {
        case .open:
            guard let entries = data.value?.0, entries.indices.contains(table.selected) else { return .none }
            let target = entries[table.selected].record.target
            if target.hasPrefix("order ") { return .go(.order(String(target.dropFirst(6)))) }
        default: break
        }
        return .none
    }

    public func render(into buffer: inout Buffer, state: AppState) {
        let (theme, zone) = (state.theme, state.zone)
        let (status, tableRect) = Self.layout(state.bodyRect)
        switch data {
        case .loading:
            buffer.put("Loading the audit log…", x: status.x, y: status.y, style: theme[.muted])
        case .failed(let message):
            buffer.put(message, x: status.x, y: status.y, style: theme[.errorText], maxWidth: status.width)
        case .loaded(let (entries, verification)):
            switch verification {
            case .intact(let count):
                buffer.put(
                    theme.status("Hash chain intact: \(count) entries", .ok), x: status.x, y: status.y,
                    style: theme[.statusOK])
            case .broken(let sequence, let problem):
                buffer.put(
                    theme.status("Hash chain BROKEN at entry \(sequence): \(problem)", .error), x: status.x,
                    y: status.y,
                    style: theme[.statusError], maxWidth: status.width)
            }
            let rows = entries.map { e -> [TableCell] in
                let tone: ThemeRole =
                    switch e.record.result {
                    case "ok": .statusOK
                    case "refused", "error": .statusError
                    default: .statusWarning
                    }
                return [
                    TableCell("\(e.sequence)"), TableCell(e.record.at.display(in: zone)),
                    TableCell(e.record.operatorName + (e.record.sshClient.isEmpty ? "" : "@\(e.record.sshClient)")),
                    TableCell(e.record.action), TableCell(e.record.target),
                    TableCell(e.record.amount?.formatted ?? "", .money),
                    TableCell(e.record.result, tone), TableCell(e.record.detail, .muted),
                ]
            }
            Table.render(
                columns: [
                    TableColumn("#", .fixed(5), .right), TableColumn("AT", .fixed(zone.displayWidth)),
                    TableColumn("OPERATOR", .flex(min: 8, weight: 1)), TableColumn("ACTION", .fixed(18)),
                    TableColumn("TARGET", .fixed(20)), TableColumn("AMOUNT", .fixed(14), .right),
                    TableColumn("RESULT", .fixed(8)), TableColumn("DETAIL", .flex(min: 8, weight: 2)),
                ],
                rows: rows, state: table, into: &buffer, rect: tableRect, theme: theme, emptyText: "No entries yet")
        }
    }
}
