/// How wide a table column is.
public enum ColumnWidth: Hashable, Sendable {
    /// Exactly this many columns.
    case fixed(Int)
    /// Shares what is left with the other flexible columns, by weight, never narrower than `min`.
    case flex(min: Int, weight: Int)
}

public struct TableColumn: Hashable, Sendable {
    public var title: String
    public var width: ColumnWidth
    public var alignment: Alignment

    public init(_ title: String, _ width: ColumnWidth, _ alignment: Alignment = .left) {
        self.title = title
        self.width = width
        self.alignment = alignment
    }
}

/// One cell of a table: text, a role of the theme when it is not plain text, and a link (an OSC 8 hyperlink where
/// the terminal shows them) when the text stands for a page elsewhere.
public struct TableCell: Hashable, Sendable {
    public var text: String
    public var role: ThemeRole?
    public var link: String?

    public init(_ text: String, _ role: ThemeRole? = nil, link: String? = nil) {
        self.text = text
        self.role = role
        self.link = link
    }
}

extension TableCell: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

/// Selection and scroll position of a table; kept in the screen's state.
public struct TableState: Hashable, Sendable {
    public var selected: Int
    /// The first row shown.
    public var offset: Int

    public init(selected: Int = 0, offset: Int = 0) {
        self.selected = selected
        self.offset = offset
    }

    /// Moves the selection by `delta` rows within `count` rows, scrolling a viewport of `rows` rows to keep it in
    /// view.
    public mutating func move(by delta: Int, count: Int, viewport rows: Int) {
        guard count > 0 else { selected = 0; offset = 0; return }
        selected = min(count - 1, max(0, selected + delta))
        scrollToSelection(viewport: rows, count: count)
    }

    public mutating func select(_ index: Int, count: Int, viewport rows: Int) {
        move(by: index - selected, count: count, viewport: rows)
    }

    public mutating func scrollToSelection(viewport rows: Int, count: Int) {
        let rows = max(1, rows)
        if selected < offset { offset = selected }
        if selected >= offset + rows { offset = selected - rows + 1 }
        offset = max(0, min(offset, max(0, count - rows)))
    }
}

/// A table with a header row, sized columns, a selected row and vertical scrolling.
public enum Table {
    /// Column widths for `total` columns: fixed ones as given, flexible ones sharing the rest; columns that do
    /// not fit at their minimum are dropped from the right.
    public static func widths(_ columns: [TableColumn], total: Int, gap: Int = 2) -> [Int] {
        var widths = columns.map { column -> Int in
            switch column.width {
            case .fixed(let n): return n
            case .flex(let min, _): return min
            }
        }
        // Drop columns from the right until the minimums fit.
        var shown = columns.count
        while shown > 1, widths[0..<shown].reduce(0, +) + gap * (shown - 1) > total { shown -= 1 }
        for i in shown..<columns.count { widths[i] = 0 }
        var spare = total - widths[0..<shown].reduce(0, +) - gap * (shown - 1)
        let weights = columns.prefix(shown).map { column -> Int in
            if case .flex(_, let weight) = column.width { return weight }
            return 0
        }
        let totalWeight = weights.reduce(0, +)
        if totalWeight > 0, spare > 0 {
            let share = spare
            for i in 0..<shown where weights[i] > 0 {
                let extra = share * weights[i] / totalWeight
                widths[i] += extra
                spare -= extra
            }
            // Rounding leftovers go to the last flexible column.
            if let last = (0..<shown).last(where: { weights[$0] > 0 }) { widths[last] += spare }
        }
        if shown == 1 { widths[0] = min(widths[0], total) }
        return widths
    }

    /// Draws header and rows into `rect`. `state` gives the selection and the first row shown; rows are drawn
    /// from `state.offset`. The selected row is highlighted when `focused`.
    public static func render(
        columns: [TableColumn], rows: [[TableCell]], state: TableState, into buffer: inout Buffer,
        rect: Rect, theme: Theme, focused: Bool = true, emptyText: String = "Nothing here"
    ) {
        guard rect.height > 0, rect.width > 0 else { return }
        let widths = Self.widths(columns, total: rect.width)
        var x = rect.x
        for (i, column) in columns.enumerated() where widths[i] > 0 {
            buffer.put(
                column.title, in: Rect(x: x, y: rect.y, width: widths[i], height: 1), style: theme[.header],
                alignment: column.alignment)
            x += widths[i] + 2
        }
        let body = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1)
        if rows.isEmpty {
            buffer.put(emptyText, x: body.x, y: body.y, style: theme[.muted], maxWidth: body.width)
            return
        }
        let visible = max(0, min(body.height, rows.count - state.offset))
        for line in 0..<visible {
            let index = state.offset + line
            let y = body.y + line
            let selected = focused && index == state.selected
            if selected { buffer.fill(Rect(x: body.x, y: y, width: body.width, height: 1), style: theme[.selection]) }
            var cx = body.x
            for (i, column) in columns.enumerated() where widths[i] > 0 {
                let cell = i < rows[index].count ? rows[index][i] : TableCell("")
                let style = selected ? theme[.selection] : theme[cell.role ?? .text]
                buffer.put(
                    cell.text, in: Rect(x: cx, y: y, width: widths[i], height: 1), style: style,
                    alignment: column.alignment)
                if let url = cell.link, column.alignment == .left {
                    let shown = min(widths[i], TerminalText.width(TerminalText.sanitize(cell.text)))
                    buffer.link(url, x: cx, y: y, width: shown)
                }
                cx += widths[i] + 2
            }
        }
    }
}
