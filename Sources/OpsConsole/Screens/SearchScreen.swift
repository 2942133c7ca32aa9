import OpsCore
import OpsEngine
import OpsTUI

/// The home screen: type-ahead search over customers; an exact identifier jumps to its record.
public struct SearchScreen: Sendable {
    public var field = TextField("", maxLength: 200)
    /// Typing goes to the field; esc leaves it so single-letter keys work, `/` comes back.
    public var editing = true
    public var result: Loadable<SearchResult>?
    public var table = TableState()
    var request: Int?

    public init() {}

    /// Rows shown: the exact match (if any) first, then customers.
    var rowCount: Int {
        guard let r = result?.value else { return 0 }
        return (r.exact == nil ? 0 : 1) + r.customers.count
    }

    mutating func setQuery(_ text: String, request: Int) -> [Effect] {
        field.set(text)
        editing = false
        return refresh(request: request)
    }

    /// Searches for what the field holds now.
    mutating func refresh(request: Int) -> [Effect] {
        let query = field.text.trimmingWhitespace()
        guard !query.isEmpty else {
            result = nil
            self.request = nil
            table = TableState()
            return []
        }
        self.request = request
        return [.search(field.text, request: request)]
    }

    static func layout(_ body: Rect) -> (intro: Rect, input: Rect, results: Rect) {
        let (intro, rest) = body.takeTop(2)
        let (inputBox, results) = rest.takeTop(3)
        return (intro, inputBox, results.inset(horizontal: 1, vertical: 0))
    }

    static func viewportRows(_ state: AppState) -> Int { max(1, layout(state.bodyRect).results.height - 1) }
}

extension SearchScreen: ConsoleScreen {
    public var kind: ScreenKind { .search }
    public var title: String { "Search" }
    public var helpCommands: [UICommand] { [.filter, .open, .orders, .jobs, .stuckJobs, .disputes, .audit] }

    public mutating func load(state: inout AppState) -> [Effect] {
        refresh(request: state.requestID())
    }

    /// Keys while the field has focus: editing keys type, the rest are commands.
    public mutating func handleTyping(_ key: Key, state: inout AppState) -> Reply? {
        guard editing else { return nil }
        // Nothing typed yet: ":" and "?" are the command line and help, as everywhere else.
        if field.isEmpty, key == .character(":") || key == .character("?") { return nil }
        let before = field.text
        if field.handle(key) {
            if field.text != before {
                table = TableState()
                return Reply(refresh(request: state.requestID()))
            }
            return Reply.none
        }
        return nil
    }

    public mutating func handle(_ command: UICommand, state: inout AppState) -> Reply {
        let viewport = Self.viewportRows(state)
        switch command {
        case .filter:
            editing = true
        case .back:
            if editing {
                editing = false
            } else if !field.isEmpty {
                field.set("")
                result = nil
                table = TableState()
            }
        case .up, .down, .pageUp, .pageDown, .top, .bottom:
            _ = table.move(command, count: rowCount, viewport: viewport)
        case .open:
            guard let r = result?.value else { return .none }
            var index = table.selected
            if let exact = r.exact {
                if index == 0 { return .go(.resolved(exact)) }
                index -= 1
            }
            guard r.customers.indices.contains(index) else { return .none }
            return .go(.customer(r.customers[index].id))
        case .orders: return .go(.orders(nil))
        case .jobs: return .go(.printJobs(PrintJobQuery()))
        case .stuckJobs: return .go(.printJobs(PrintJobQuery(stuckFor: state.stuckThreshold)))
        case .disputes: return .go(.disputes(openOnly: true))
        case .refresh: return Reply(refresh(request: state.requestID()))
        default: break
        }
        return .none
    }

    public mutating func receive(_ result: EffectResult, request: Int, state: AppState) {
        if case .search(let answer) = result { _ = take(answer, request: request) }
    }

    public func positionText(state: AppState) -> String? {
        rowCount > 0 ? "\(table.selected + 1)/\(rowCount)" : nil
    }

    /// Takes a search's answer if it is the latest asked for. Returns whether it was.
    mutating func take(_ result: Result<SearchResult, EffectError>, request: Int) -> Bool {
        guard request == self.request else { return false }
        switch result {
        case .success(let r): self.result = .loaded(r)
        case .failure(let e): self.result = .failed(e.message)
        }
        table.selected = min(table.selected, max(0, rowCount - 1))
        return true
    }

    public func render(into buffer: inout Buffer, state: AppState) {
        let theme = state.theme
        let (intro, inputBox, results) = Self.layout(state.bodyRect)
        buffer.put(
            "Find a customer by name or email, or jump to anything a ticket carries:", x: intro.x + 1, y: intro.y,
            style: theme[.text], maxWidth: intro.width - 2)
        buffer.put(
            "order, print, print job, Stripe ch_/pi_ or Braintree id, tracking number.", x: intro.x + 1,
            y: intro.y + 1, style: theme[.muted], maxWidth: intro.width - 2)
        let inner = Box.render(
            inputBox, title: editing ? "Search" : "Search (/ to type)", into: &buffer, theme: theme,
            borderRole: editing ? .title : .border)
        field.render(
            into: &buffer, rect: inner, style: theme[.input], cursorStyle: theme[.inputCursor], focused: editing,
            placeholder: "e.g. zoe martin, ord_…, RM123456789GB",
            placeholderStyle: theme[.muted].withBackground(of: theme[.input]))
        switch result {
        case nil:
            let hints = [
                "1  orders by status", "2  print jobs", "3  stuck print jobs", "4  open chargebacks", "m  metrics",
                ":  commands (:customer ID, :order ID, :job ID, :jobs stuck)", "?  help",
            ]
            buffer.put(editing ? "Keys (after esc):" : "Keys:", x: results.x, y: results.y + 1, style: theme[.muted])
            for (i, hint) in hints.enumerated() where results.y + 2 + i < results.maxY {
                buffer.put(
                    hint, x: results.x + 2, y: results.y + 2 + i, style: theme[.text], maxWidth: results.width - 2)
            }
        case .loading?:
            buffer.put("Searching…", x: results.x, y: results.y, style: theme[.muted])
        case .failed(let message)?:
            buffer.put(
                "Search failed: \(message)", x: results.x, y: results.y, style: theme[.errorText],
                maxWidth: results.width)
        case .loaded(let r)?:
            var rows: [[TableCell]] = []
            if let exact = r.exact {
                let target = Destination.resolved(exact)
                let label: String =
                    switch target {
                    case .order(let id): "open order \(id)"
                    case .printJob(let id): "open print job \(id)"
                    default: "open customer \(exact.userID)"
                    }
                rows.append([TableCell("→ \(exact.kind.label)", .highlight), TableCell(label, .highlight), "", ""])
            }
            for u in r.customers {
                rows.append([
                    TableCell(u.name), TableCell(u.email), TableCell(u.country),
                    TableCell(
                        theme.status(u.status.label, u.status == .active ? .ok : .warning),
                        u.status == .active ? .statusOK : .statusWarning),
                ])
            }
            let columns = [
                TableColumn("NAME", .flex(min: 12, weight: 3)), TableColumn("EMAIL", .flex(min: 16, weight: 4)),
                TableColumn("CTRY", .fixed(4)), TableColumn("STATUS", .fixed(9)),
            ]
            Table.render(
                columns: columns, rows: rows, state: table, into: &buffer, rect: results, theme: theme,
                focused: true, emptyText: "No customer matches \"\(field.text)\"")
        }
    }
}
