/// One terminal cell: a printable character with any combining marks, how many columns it takes, and its style.
///
/// A double-width character occupies its cell (width 2) and the next one, which is a continuation (width 0)
/// that backends skip.
public struct Cell: Hashable, Sendable {
    public var text: String
    public var width: UInt8
    public var style: Style

    public init(_ text: String = " ", width: UInt8 = 1, style: Style = .plain) {
        self.text = text
        self.width = width
        self.style = style
    }

    public static let blank = Cell()
    static func continuation(_ style: Style) -> Cell { Cell("", width: 0, style: style) }

    public var isContinuation: Bool { width == 0 }
}

/// A screen's worth of cells. Widgets draw into a buffer; a backend shows it, sending only the cells that differ
/// from the buffer it showed last.
///
/// ```swift
/// var buffer = Buffer(size: Size(width: 80, height: 24))
/// buffer.put("Zoë 山田", x: 0, y: 0, style: theme[.title])
/// buffer.plainText   // "Zoë 山田"
/// ```
public struct Buffer: Hashable, Sendable {
    public private(set) var size: Size
    public private(set) var cells: [Cell]
    /// Runs of cells that lead to a page elsewhere (drawn as OSC 8 hyperlinks by a backend that shows them).
    public private(set) var links: [Hyperlink] = []

    public init(size: Size, fill: Cell = .blank) {
        self.size = size
        cells = Array(repeating: fill, count: max(0, size.width * size.height))
    }

    public var area: Rect { Rect(size) }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * size.width + x]
    }

    /// Marks `width` cells from (x, y) as a link to `url`, clipped to the buffer. A link never reaches the last
    /// column (a terminal's cursor waits there to wrap, which a backend redrawing the link must not meet).
    public mutating func link(_ url: String, x: Int, y: Int, width: Int) {
        guard y >= 0, y < size.height, x >= 0, url.utf8.count <= Hyperlink.maximumURLLength else { return }
        let end = min(x + width, size.width - 1)
        guard end > x else { return }
        links.append(Hyperlink(url: url, x: x, y: y, width: end - x))
    }

    /// Fills `rect` with blanks of `style`.
    public mutating func fill(_ rect: Rect, style: Style) {
        let clipped = clip(rect)
        for y in clipped.y..<clipped.maxY {
            for x in clipped.x..<clipped.maxX { set(x, y, Cell(" ", width: 1, style: style)) }
        }
    }

    /// Writes `text` from (x, y), at most `maxWidth` columns (default: to the right edge), and returns the columns
    /// used. The text is sanitised first: nothing written here can reach a terminal as a control sequence.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < size.height, x < size.width else { return 0 }
        let limit = min(maxWidth ?? Int.max, size.width - max(0, x))
        guard limit > 0 else { return 0 }
        var column = x
        let end = x + limit
        let safe = TerminalText.sanitize(text)
        for character in safe {
            // A grapheme cluster may hold several spacing characters (a flag is two): each gets its own cell, as
            // ncurses and the terminal will give it.
            var pieces: [(String, Int)] = []
            for scalar in character.unicodeScalars {
                let w = max(0, TerminalText.columns(of: scalar))
                if w == 0, !pieces.isEmpty {
                    pieces[pieces.count - 1].0.unicodeScalars.append(scalar)
                } else {
                    pieces.append((String(scalar), max(1, w)))
                }
            }
            let clusterWidth = pieces.reduce(0) { $0 + $1.1 }
            if column + clusterWidth > end {
                // Never split a cluster or a double-width character: pad what is left instead.
                while column < end {
                    if column >= 0 { set(column, y, Cell(" ", width: 1, style: style)) }
                    column += 1
                }
                break
            }
            for (piece, w) in pieces {
                if column >= 0 {
                    set(column, y, Cell(piece, width: UInt8(w), style: style))
                    if w == 2, column + 1 < size.width { set(column + 1, y, .continuation(style)) }
                }
                column += w
            }
        }
        return column - x
    }

    /// Writes `text` fitted to exactly `width` columns: truncated with an ellipsis, padded with spaces.
    public mutating func put(_ text: String, in rect: Rect, style: Style, alignment: Alignment = .left) {
        guard rect.height > 0, rect.width > 0 else { return }
        let fitted = TerminalText.fit(TerminalText.sanitize(text), to: rect.width, alignment: alignment)
        put(fitted, x: rect.x, y: rect.y, style: style, maxWidth: rect.width)
    }

    /// Sets one cell, repairing any double-width character it cuts in half.
    private mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
        guard x >= 0, x < size.width, y >= 0, y < size.height else { return }
        let index = y * size.width + x
        let old = cells[index]
        if old.isContinuation, x > 0, !cell.isContinuation {
            cells[index - 1] = Cell(" ", width: 1, style: cells[index - 1].style)
        }
        if old.width == 2, cell.width != 2, x + 1 < size.width {
            cells[index + 1] = Cell(" ", width: 1, style: cells[index + 1].style)
        }
        if cell.width == 2, x + 1 >= size.width {
            // No room for the second half: a blank instead.
            cells[index] = Cell(" ", width: 1, style: cell.style)
            return
        }
        cells[index] = cell
    }

    private func clip(_ rect: Rect) -> Rect {
        let x0 = max(0, rect.x), y0 = max(0, rect.y)
        let x1 = min(size.width, rect.maxX), y1 = min(size.height, rect.maxY)
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// Copies `source`'s rows from `sourceY` into `rect` of this buffer (a scrolled view of a taller page).
    public mutating func blit(_ source: Buffer, sourceY: Int, to rect: Rect) {
        for row in 0..<rect.height {
            let sy = sourceY + row
            guard sy >= 0, sy < source.size.height, rect.y + row < size.height else { continue }
            for column in 0..<min(rect.width, source.size.width) where rect.x + column < size.width {
                cells[(rect.y + row) * size.width + rect.x + column] = source.cells[sy * source.size.width + column]
            }
        }
    }

    /// The screen as text: one line per row, trailing spaces trimmed (as `tmux capture-pane -p` shows it).
    public var plainText: String {
        lines.joined(separator: "\n")
    }

    public var lines: [String] {
        (0..<size.height).map { y in
            var line = ""
            for x in 0..<size.width {
                let cell = cells[y * size.width + x]
                if !cell.isContinuation { line += cell.text }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }

    /// The styles of the screen as text, one line per run of equal style: `row 3 cols 0-11: fg=#ffffff bold`.
    /// Unstyled runs are left out.
    public var styleText: String {
        var out: [String] = []
        for y in 0..<size.height {
            var start = 0
            var current = cells[y * size.width].style
            for x in 1...size.width {
                let style = x < size.width ? cells[y * size.width + x].style : nil
                if style != current {
                    if current != .plain { out.append("row \(y) cols \(start)-\(x - 1): \(current.description)") }
                    start = x
                    if let style { current = style }
                }
            }
        }
        return out.joined(separator: "\n")
    }

    /// The cells that differ from `previous` (all of them if the sizes differ), in screen order.
    public func changes(since previous: Buffer?) -> [(x: Int, y: Int, cell: Cell)] {
        var out: [(x: Int, y: Int, cell: Cell)] = []
        guard let previous, previous.size == size else {
            for y in 0..<size.height {
                for x in 0..<size.width where !cells[y * size.width + x].isContinuation {
                    out.append((x, y, cells[y * size.width + x]))
                }
            }
            return out
        }
        for i in cells.indices where cells[i] != previous.cells[i] && !cells[i].isContinuation {
            out.append((i % size.width, i / size.width, cells[i]))
        }
        return out
    }
}

// MARK: - Hyperlink

/// A run of cells on one row that leads to `url`.
public struct Hyperlink: Hashable, Sendable {
    public var url: String
    public var x: Int
    public var y: Int
    public var width: Int

    /// Longer URLs are not linked (terminals cap them too: VTE at 2,083 bytes).
    public static let maximumURLLength = 2048

    /// Whether `url` may be sent to a terminal inside OSC 8: printable ASCII only, so that nothing in it ends
    /// the sequence or starts another.
    public static func isSafe(_ url: String) -> Bool {
        !url.isEmpty && url.utf8.count <= maximumURLLength && url.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}
