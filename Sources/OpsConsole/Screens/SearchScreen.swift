import OpsCore
import OpsEngine
import OpsTUI

// MARK: - SearchScreen

/// The home screen: type-ahead search over customers; an exact identifier jumps to its record.
///
/// The field always has the focus: every printable key and every paste is text (an agent pasting `ord_…` or typing
/// a name starting with `q` never fires a shortcut). With the field empty, ↓ walks a list of destinations (the
/// lists, the dashboard, the audit log), `:` opens the command line and `?` the help.
public struct SearchScreen: Sendable {
    public var field = TextField("", maxLength: 200)
    public var result: Loadable<SearchResult>?
    public var table = TableState()
    /// The destinations list (shown while the field is empty) has the selection: enter opens its row.
    public var menuActive = false
    var request: Int?

    public init() {}

    /// What the empty home screen offers, each with the command that does the same; choosing one runs that
    /// command, so the two never differ.
    static let menu: [(label: String, command: String)] = [
        ("Orders by status", "orders"),
        ("Print jobs", "jobs"),
        ("Stuck print jobs", "jobs stuck"),
        ("Open chargebacks, by evidence due date", "disputes"),
        ("Metrics dashboard", "metrics"),
        ("Audit log", "audit"),
        ("Recently opened records (ctrl-o: the one before)", "recent"),
    ]

    /// Rows shown: the exact match (if any) first, then customers; the destinations while nothing is typed.
    var rowCount: Int {
        guard let r = result?.value else { return showsMenu ? Self.menu.count : 0 }
        return (r.exact == nil ? 0 : 1) + r.customers.count
    }

    /// Nothing is typed: the destinations are shown instead of results.
    var showsMenu: Bool { field.text.trimmingWhitespace().isEmpty }

    mutating func setQuery(_ text: String, request: Int) -> [Effect] {
        field.set(text)
        return refresh(request: request)
    }

    /// The field's text selected, so that the next ticket's id replaces it (`H` from anywhere).
    mutating func focusField() {
        field.selectAll()
        menuActive = false
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

    /// The field changed: the results start again from the top.
    mutating func edited(state: inout AppState) -> Reply {
        table = TableState()
        menuActive = false
        return Reply(refresh(request: state.requestID()))
    }

    static func layout(_ body: Rect) -> (intro: Rect, input: Rect, results: Rect) {
        let (intro, rest) = body.takeTop(2)
        let (inputBox, results) = rest.takeTop(3)
        return (intro, inputBox, results.inset(horizontal: 1, vertical: 0))
    }

    static func viewportRows(_ state: AppState) -> Int { max(1, layout(state.bodyRect).results.height - 1) }
}

// MARK: - As a console screen

extension SearchScreen: ConsoleScreen {
    public var kind: ScreenKind { .search }
    public var title: String { "Search" }
    public var helpCommands: [UICommand] { [.open] }
    public var hintCommands: [UICommand] { [] }
    public var typesPrintableKeys: Bool { true }

    public mutating func load(state: inout AppState) -> [Effect] {
        refresh(request: state.requestID())
    }

    /// Every printable key and every editing key goes to the field; only an empty field lets `:` and `?` open the
    /// command line and the help. Arrows up and down, page keys, enter and esc are the list's.
    public mutating func handleTyping(_ key: Key, state: inout AppState) -> Reply? {
        if field.isEmpty, key == .character(":") || key == .character("?") { return nil }
        switch key {
        case .up, .down, .pageUp, .pageDown, .enter, .escape, .tab, .backtab, .function, .control("r"):
            return nil
        default:
            break
        }
        let before = field.text
        guard field.handle(key) else { return nil }
        return field.text != before ? edited(state: &state) : Reply.none
    }

    public mutating func handlePaste(_ text: String, state: inout AppState) -> Reply? {
        field.insert(text.trimmingWhitespace()) ? edited(state: &state) : Reply.none
    }

    public mutating func handle(_ command: UICommand, state: inout AppState) -> Reply {
        let viewport = Self.viewportRows(state)
        switch command {
        case .back:
            // esc: first drop a selection, then clear what is typed (there is nothing behind home to go back to).
            if field.allSelected {
                field.set(field.text)
            } else if menuActive {
                menuActive = false
                table = TableState()
            } else if !field.isEmpty {
                field.set("")
                result = nil
                request = nil
                table = TableState()
            }
        case .up, .down, .pageUp, .pageDown, .top, .bottom:
            if showsMenu {
                // The destinations: the first ↓ selects the first one.
                if !menuActive {
                    menuActive = command == .down || command == .pageDown || command == .top
                    return .none
                }
            }
            _ = table.move(command, count: rowCount, viewport: viewport)
        case .open:
            guard let r = result?.value else {
                guard showsMenu, menuActive, Self.menu.indices.contains(table.selected) else { return .none }
                do {
                    switch try CommandMode.parse(
                        Self.menu[table.selected].command, stuckThreshold: state.stuckThreshold)
                    {
                    case .go(let destination): return .go(destination)
                    case .metrics: return .go(.metrics())
                    case .audit: return .go(.audit)
                    default: return .none
                    }
                } catch {
                    if case .message(let text) = error { state.message = StatusMessage(text, .error) }
                    return .none
                }
            }
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
        !showsMenu && rowCount > 0 ? "\(table.selected + 1)/\(rowCount)" : nil
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
        let inner = Box.render(inputBox, title: "Search", into: &buffer, theme: theme, borderRole: .title)
        field.render(
            into: &buffer, rect: inner, style: theme[.input], cursorStyle: theme[.inputCursor], focused: true,
            placeholder: "e.g. zoe martin, ord_…, RM123456789GB",
            placeholderStyle: theme[.muted].withBackground(of: theme[.input]))
        switch result {
        case nil where !showsMenu:
            break  // the first answer is on its way
        case nil:
            let rows = Self.menu.map { [TableCell($0.label), TableCell(":" + $0.command, .muted)] }
            Table.render(
                columns: [
                    TableColumn("GO TO (↓, enter)", .flex(min: 16, weight: 3)),
                    TableColumn("OR TYPE", .flex(min: 12, weight: 2)),
                ],
                rows: rows, state: table, into: &buffer, rect: results, theme: theme, focused: menuActive)
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
                var label: String =
                    switch target {
                    case .order(let id): "open order \(id)"
                    case .printJob(let id): "open print job \(id)"
                    default: "open customer \(exact.userID)"
                    }
                // A charge id is found through the payment intent the payment is recorded by: say so.
                if let intent = exact.paymentIntent { label += " (this charge is behind \(intent))" }
                rows.append([TableCell("→ \(exact.kind.label)", .highlight), TableCell(label, .highlight)])
            }
            for u in r.customers {
                let summary = r.summaries[u.id]
                rows.append([
                    TableCell(state.name(u.name, of: u.id)), TableCell(state.email(u)),
                    TableCell(summary?.city ?? "", .muted),
                    TableCell(u.country), TableCell(NumberText.grouped(summary?.orders ?? 0)),
                    TableCell(summary?.lastOrderAt.map { $0.date(in: state.zone) } ?? "—", .muted),
                    TableCell(
                        theme.status(u.status.label, u.status == .active ? .ok : .warning),
                        u.status == .active ? .statusOK : .statusWarning),
                ])
            }
            // What tells two customers of the same name apart: where and when they last ordered, and how often.
            // An exact match alone gets the whole width, to name the record it opens.
            let columns =
                r.customers.isEmpty
                ? [TableColumn("MATCH", .flex(min: 12, weight: 1)), TableColumn("OPENS", .flex(min: 16, weight: 3))]
                : [
                    TableColumn("NAME", .flex(min: 12, weight: 3)), TableColumn("EMAIL", .flex(min: 16, weight: 4)),
                    TableColumn("CITY", .flex(min: 6, weight: 1)), TableColumn("CTRY", .fixed(4)),
                    TableColumn("ORDERS", .fixed(6), .right), TableColumn("LAST ORDER", .fixed(10)),
                    TableColumn("STATUS", .fixed(9)),
                ]
            Table.render(
                columns: columns, rows: rows, state: table, into: &buffer, rect: results, theme: theme,
                focused: true, emptyText: "No customer matches \"\(field.text)\"")
        }
    }
}
