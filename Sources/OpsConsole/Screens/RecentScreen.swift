import OpsCore
import OpsTUI

// MARK: - What was opened

/// A record the operator opened (a customer, an order, a print job), newest first in `AppState.recent`.
public struct RecentItem: Sendable, Hashable {
    public var destination: Destination
    /// What the screen's breadcrumb said (a customer's name once loaded), for the list.
    public var label: String
    public var openedAt: Timestamp

    /// Only records are remembered: lists and dashboards are a key away anyway.
    static func remembers(_ destination: Destination) -> Bool {
        switch destination {
        case .customer, .order, .printJob: true
        default: false
        }
    }

    /// How many the console keeps.
    static let limit = 30
}

extension AppState {
    /// Notes `destination` as the newest recent item (moving it up if it was there already).
    mutating func remember(_ destination: Destination, label: String) {
        guard RecentItem.remembers(destination) else { return }
        let key = destination.copyable?.text
        recent.removeAll { $0.destination.copyable?.text == key }
        recent.insert(RecentItem(destination: destination, label: label, openedAt: now), at: 0)
        if recent.count > RecentItem.limit { recent.removeLast(recent.count - RecentItem.limit) }
    }

    /// The label of the newest item, once its screen knows better (the customer's name instead of the id).
    mutating func relabelNewestRecent(_ label: String) {
        guard !recent.isEmpty, recent[0].label != label else { return }
        recent[0].label = label
    }
}

// MARK: - The screen

/// `:recent`: the records opened lately, newest first; enter opens one. (ctrl-o jumps to the one before the
/// current one without this list.)
public struct RecentScreen: Sendable {
    var table = TableState()

    static func layout(_ body: Rect) -> Rect { body.inset(horizontal: 1, vertical: 1) }
}

extension RecentScreen: ConsoleScreen {
    public var kind: ScreenKind { .recent }
    public var title: String { "Recent" }
    public var helpCommands: [UICommand] { [.open] }
    public var reloadsOnChange: Bool { false }

    public mutating func load(state: inout AppState) -> [Effect] { [] }

    public mutating func receive(_ result: EffectResult, request: Int, state: AppState) {}

    public mutating func handle(_ command: UICommand, state: inout AppState) -> Reply {
        let items = state.recent
        let viewport = max(1, Self.layout(state.bodyRect).height - 1)
        if table.move(command, count: items.count, viewport: viewport) { return .none }
        switch command {
        case .back: return .back
        case .open:
            guard items.indices.contains(table.selected) else { return .none }
            return Reply([], .replace(items[table.selected].destination))
        default: return .none
        }
    }

    public func copyTarget(state: AppState) -> Copyable? {
        state.recent.indices.contains(table.selected) ? state.recent[table.selected].destination.copyable : nil
    }

    public func positionText(state: AppState) -> String? {
        state.recent.isEmpty ? nil : "\(table.selected + 1)/\(state.recent.count)"
    }

    public func render(into buffer: inout Buffer, state: AppState) {
        let rows = state.recent.map { item -> [TableCell] in
            let what = item.destination.copyable?.what ?? ""
            return [
                // A record's label may be a customer's name: initials on a shared screen.
                TableCell(state.listName(item.label)), TableCell(what, .muted),
                TableCell(item.destination.copyable?.text ?? ""),
                TableCell(DurationText.format(max(0, state.now.seconds - item.openedAt.seconds)) + " ago", .muted),
            ]
        }
        Table.render(
            columns: [
                TableColumn("OPENED", .flex(min: 16, weight: 3)), TableColumn("KIND", .fixed(14)),
                TableColumn("ID", .flex(min: 14, weight: 2)), TableColumn("WHEN", .fixed(12)),
            ], rows: rows, state: table, into: &buffer, rect: Self.layout(state.bodyRect), theme: state.theme,
            emptyText: "Nothing opened yet in this console")
    }
}
