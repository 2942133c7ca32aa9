import OpsCore
import OpsTUI

/// A screen that is a scrolling page of lines, some of which lead somewhere (an order's print jobs, a job's
/// order). Up and down move between those; the page scrolls to keep the selected one in view.
public struct Document: Sendable {
    public struct Line: Sendable {
        var segments: [StatusLine.Segment]
        var target: Destination?

        init(_ segments: [StatusLine.Segment], target: Destination? = nil) {
            self.segments = segments
            self.target = target
        }

        init(_ text: String, _ role: ThemeRole = .text, target: Destination? = nil) {
            self.init([StatusLine.Segment(text, role)], target: target)
        }

        static let blank = Line("")
    }

    var lines: [Line] = []

    mutating func add(_ line: Line) { lines.append(line) }
    mutating func add(_ text: String, _ role: ThemeRole = .text, target: Destination? = nil) {
        lines.append(Line(text, role, target: target))
    }

    mutating func heading(_ text: String) {
        if !lines.isEmpty { lines.append(.blank) }
        lines.append(Line(text, .header))
    }

    /// The NOTES section (when there are notes): newest first, a note on another record leading there.
    mutating func notes(_ notes: [Note], zone: DisplayZone, links: LinkTemplates, width: Int, here: Destination) {
        guard !notes.isEmpty else { return }
        heading("NOTES")
        table(
            NoteRows.columns(zone: zone),
            notes.map { n in
                let target = NoteRows.destination(n)
                return (NoteRows.cells(n, zone: zone, links: links), target == here ? nil : target)
            }, width: width)
    }

    /// The SUPPORT ACTIONS section (when there are some): newest first, the outcome coloured, the reason and
    /// note (a reprint leads to its new job; a change of address says it changed, not what to).
    mutating func actions(_ actions: [SupportAction], zone: DisplayZone, width: Int) {
        guard !actions.isEmpty else { return }
        heading("SUPPORT ACTIONS (\(actions.count))")
        table(
            [
                TableColumn("AT", .fixed(zone.displayWidth)), TableColumn("ACTION", .fixed(14)),
                TableColumn("OUTCOME", .fixed(10)), TableColumn("BY", .fixed(10)),
                TableColumn("REASON / NOTE", .flex(min: 20, weight: 1)),
            ],
            actions.map { a in
                let outcome: ThemeRole =
                    switch a.status {
                    case .succeeded: .statusOK
                    case .failed: .statusError
                    case .pending, .unknown: .statusWarning
                    }
                let reprint = a.kind == .reprint && a.status == .succeeded ? a.reference : nil
                return (
                    [
                        TableCell(a.createdAt.display(in: zone)), TableCell(a.kind.label.lowercased()),
                        TableCell(a.status.label, outcome), TableCell(a.operatorName),
                        TableCell(
                            a.reason.label + (a.note.isEmpty ? "" : ": " + a.note)
                                + (reprint.map { " → \($0)" } ?? "") + (a.message.map { " (\($0))" } ?? "")),
                    ], reprint.map { .printJob($0) }
                )
            }, width: width)
    }

    /// Lines of a table: a header line and one line per row, laid out with `Table.widths`.
    mutating func table(_ columns: [TableColumn], _ rows: [([TableCell], Destination?)], width: Int) {
        let widths = Table.widths(columns, total: width)
        func line(_ cells: [TableCell], header: Bool) -> [StatusLine.Segment] {
            var segments: [StatusLine.Segment] = []
            for (i, column) in columns.enumerated() where widths[i] > 0 {
                let cell = i < cells.count ? cells[i] : TableCell("")
                let text = TerminalText.fit(
                    TerminalText.sanitize(cell.text), to: widths[i], alignment: column.alignment)
                let gap = i == columns.count - 1 ? "" : "  "
                let role = header ? .muted : (cell.role ?? .text)
                if let link = cell.link, column.alignment == .left {
                    // The link covers the text, not the padding after it.
                    var shown = Substring(text)
                    while shown.hasSuffix(" ") { shown.removeLast() }
                    segments.append(StatusLine.Segment(String(shown), role, link: link))
                    segments.append(StatusLine.Segment(String(text.dropFirst(shown.count)) + gap, role))
                } else {
                    segments.append(StatusLine.Segment(text + gap, role))
                }
            }
            return segments
        }
        lines.append(Line(line(columns.map { TableCell($0.title) }, header: true)))
        for (cells, target) in rows { lines.append(Line(line(cells, header: false), target: target)) }
    }

    /// Indexes of the lines that lead somewhere.
    var selectable: [Int] { lines.indices.filter { lines[$0].target != nil } }

    func render(into buffer: inout Buffer, rect: Rect, theme: Theme, selected: Int?, offset: Int) {
        for row in 0..<rect.height {
            let index = offset + row
            guard index < lines.count else { break }
            let isSelected = index == selected
            if isSelected {
                buffer.fill(Rect(x: rect.x, y: rect.y + row, width: rect.width, height: 1), style: theme[.selection])
            }
            var x = rect.x
            for segment in lines[index].segments where x < rect.maxX {
                let drawn = buffer.put(
                    segment.text, x: x, y: rect.y + row, style: isSelected ? theme[.selection] : theme[segment.role],
                    maxWidth: rect.maxX - x)
                if let url = segment.link { buffer.link(url, x: x, y: rect.y + row, width: drawn) }
                x += drawn
            }
        }
        if lines.count > rect.height {
            let label = " \(min(lines.count, offset + rect.height))/\(lines.count) lines "
            buffer.put(label, x: rect.maxX - TerminalText.width(label), y: rect.maxY - 1, style: theme[.muted])
        }
    }
}

/// Selection and scroll position on a `Document`.
public struct DocumentCursor: Hashable, Sendable {
    public init() {}

    /// After new data: no selection on a line that cannot be selected any more, no scrolling past the end.
    mutating func keepValid(in document: Document, viewport: Int) {
        if let selected, !document.selectable.contains(selected) { self.selected = nil }
        offset = max(0, min(offset, max(0, document.lines.count - viewport)))
    }

    /// Index of the selected line (one with a target), if any.
    var selected: Int?
    var offset = 0

    /// Moves to the next (`delta` > 0) or previous selectable line; scrolls by lines when there is none.
    mutating func move(_ delta: Int, in document: Document, viewport: Int) {
        let selectable = document.selectable
        if let current = selected, let position = selectable.firstIndex(of: current) {
            let next = position + delta
            if selectable.indices.contains(next) {
                selected = selectable[next]
            } else {
                offset += delta
            }
        } else {
            // Nothing selected: pick the first (or last) target on screen, else scroll.
            let visible = selectable.filter { $0 >= offset && $0 < offset + max(1, viewport) }
            if let pick = delta > 0 ? visible.first : visible.last {
                selected = pick
            } else {
                offset += delta
            }
        }
        clamp(document, viewport: viewport)
    }

    mutating func clamp(_ document: Document, viewport: Int) {
        let rows = max(1, viewport)
        if let selected, !document.lines.indices.contains(selected) || document.lines[selected].target == nil {
            self.selected = nil
        }
        if let selected {
            if selected < offset { offset = max(0, selected - 1) }
            if selected >= offset + rows { offset = selected - rows + 1 }
        }
        offset = max(0, min(offset, max(0, document.lines.count - rows)))
    }
}

extension DocumentCursor {
    /// The keys every document screen shares: up and down between the lines that lead somewhere, paging (which
    /// lets go of the selection so the page can move), top, bottom, and open.
    enum Outcome { case notMine, handled, open(Destination) }

    mutating func handle(_ command: UICommand, in document: Document, viewport: Int) -> Outcome {
        switch command {
        case .up: move(-1, in: document, viewport: viewport)
        case .down: move(1, in: document, viewport: viewport)
        case .pageUp, .pageDown:
            offset += command == .pageUp ? -viewport : viewport
            selected = nil
            clamp(document, viewport: viewport)
        case .top:
            self = DocumentCursor()
            clamp(document, viewport: viewport)
        case .bottom:
            selected = document.selectable.last
            offset = document.lines.count
            clamp(document, viewport: viewport)
        case .open:
            return selected.flatMap { document.lines[$0].target }.map(Outcome.open) ?? .handled
        default:
            return .notMine
        }
        return .handled
    }
}

/// What the document screens (order, print job) share besides the cursor: their margins and how a page that is
/// loading, failed or loaded is drawn.
enum DocumentScreen {
    static func contentRect(_ body: Rect) -> Rect { body.inset(horizontal: 1, vertical: 0) }

    static func render<Value>(
        _ data: Loadable<Value>, loading: String, cursor: DocumentCursor, state: AppState,
        into buffer: inout Buffer, document: (_ width: Int) -> Document
    ) {
        let rect = contentRect(state.bodyRect)
        switch data {
        case .loading:
            buffer.put(loading, x: rect.x, y: rect.y, style: state.theme[.muted])
        case .failed(let message):
            buffer.put(message, x: rect.x, y: rect.y, style: state.theme[.errorText], maxWidth: rect.width)
        case .loaded:
            document(rect.width).render(
                into: &buffer, rect: rect, theme: state.theme, selected: cursor.selected, offset: cursor.offset)
        }
    }
}

// MARK: - The detail-screen skeleton

/// A screen that shows one record as a document with selectable lines (an order, a print job). The skeleton they
/// share: loading it, the cursor over the document, `enter` on a line that points somewhere, `esc` back, a command
/// of its own leading to a related record, and drawing it loading, failed or loaded. A detail screen supplies
/// its document, its load effect, how to read its answer, and where its own commands lead.
public protocol DetailScreen: ConsoleScreen {
    associatedtype Value: Sendable
    var data: Loadable<Value> { get set }
    var cursor: DocumentCursor { get set }
    var request: Int { get set }
    /// Shown while the first answer is on its way ("Loading order ord_…").
    var loadingText: String { get }
    func document(width: Int, state: AppState) -> Document
    func loadEffect(request: Int) -> Effect
    /// This screen's value in an answer; nil for an answer of another kind.
    static func value(in result: EffectResult) -> Result<Value, EffectError>?
    /// Where one of the screen's own commands leads (`c`: the customer), if anywhere.
    func destination(for command: UICommand) -> Destination?
    /// After an answer, with the document it makes: where the cursor starts.
    mutating func place(cursorIn document: Document, viewport: Int)
    /// What `y` copies when no line is selected.
    var ownCopy: Copyable? { get }
}

extension DetailScreen {
    public mutating func load(state: inout AppState) -> [Effect] {
        request = state.requestID()
        return [loadEffect(request: request)]
    }

    public mutating func handle(_ command: UICommand, state: inout AppState) -> Reply {
        if command == .back { return .back }
        let rect = DocumentScreen.contentRect(state.bodyRect)
        let doc = document(width: rect.width, state: state)
        switch cursor.handle(command, in: doc, viewport: rect.height) {
        case .open(let target): return .go(target)
        case .handled: return .none
        case .notMine: return destination(for: command).map(Reply.go) ?? .none
        }
    }

    public mutating func receive(_ result: EffectResult, request: Int, state: AppState) {
        guard request == self.request, let answer = Self.value(in: result) else { return }
        data.receive(answer)
        let rect = DocumentScreen.contentRect(state.bodyRect)
        let doc = document(width: rect.width, state: state)
        place(cursorIn: doc, viewport: rect.height)
    }

    public func copyTarget(state: AppState) -> Copyable? {
        let rect = DocumentScreen.contentRect(state.bodyRect)
        let doc = document(width: rect.width, state: state)
        if let selected = cursor.selected, doc.lines.indices.contains(selected),
            let copy = doc.lines[selected].target?.copyable
        {
            return copy
        }
        return ownCopy
    }

    /// By default the cursor stays where it was, on a line that still exists.
    public mutating func place(cursorIn document: Document, viewport: Int) {
        cursor.keepValid(in: document, viewport: viewport)
    }

    public func render(into buffer: inout Buffer, state: AppState) {
        DocumentScreen.render(data, loading: loadingText, cursor: cursor, state: state, into: &buffer) { width in
            document(width: width, state: state)
        }
    }
}

// MARK: - Notes as rows

/// How a note is shown as a table row: on an order's and a job's page, and on the customer's Notes tab.
enum NoteRows {
    static func columns(zone: DisplayZone) -> [TableColumn] {
        [
            TableColumn("WHEN", .fixed(zone.displayWidth)), TableColumn("BY", .fixed(10)),
            TableColumn("ON", .flex(min: 8, weight: 1)), TableColumn("TICKET", .fixed(10)),
            TableColumn("NOTE", .flex(min: 12, weight: 3)),
        ]
    }

    /// When, who, on what, the ticket (a link when `[links] ticket` is set), the text (line breaks as ⏎).
    static func cells(_ n: Note, zone: DisplayZone, links: LinkTemplates) -> [TableCell] {
        [
            TableCell(n.at.display(in: zone)), TableCell(n.author), TableCell(n.subject.target, .muted),
            TableCell(n.ticket ?? "—", .muted, link: n.ticket.flatMap(links.ticket)),
            TableCell(n.text.replacingOccurrences(of: "\n", with: " ⏎ ")),
        ]
    }

    /// The record the note is on.
    static func destination(_ n: Note) -> Destination {
        switch n.subject {
        case .customer(let id): .customer(id)
        case .order(let id): .order(id)
        case .printJob(let id): .printJob(id)
        }
    }
}
