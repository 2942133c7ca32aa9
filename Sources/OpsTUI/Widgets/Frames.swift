/// Box-drawing characters, with an ASCII set for terminals without UTF-8.
public struct BorderGlyphs: Sendable {
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: String

    public static let unicode = BorderGlyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐",
        bottomLeft: "└", bottomRight: "┘")
    public static let ascii = BorderGlyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+",
        bottomLeft: "+", bottomRight: "+")

    public static func forTheme(_ theme: Theme) -> BorderGlyphs { theme.asciiOnly ? .ascii : .unicode }
}

/// A bordered box with an optional title in its top edge. Returns the inner area.
public enum Box {
    @discardableResult
    public static func render(
        _ rect: Rect, title: String = "", into buffer: inout Buffer, theme: Theme,
        borderRole: ThemeRole = .border, titleRole: ThemeRole = .title, fill: Style? = nil
    ) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let g = BorderGlyphs.forTheme(theme)
        let border = theme[borderRole]
        if let fill { buffer.fill(rect, style: fill) }
        buffer.put(
            g.topLeft + String(repeating: g.horizontal, count: rect.width - 2) + g.topRight,
            x: rect.x, y: rect.y, style: border)
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            buffer.put(g.vertical, x: rect.x, y: y, style: border)
            buffer.put(g.vertical, x: rect.maxX - 1, y: y, style: border)
        }
        buffer.put(
            g.bottomLeft + String(repeating: g.horizontal, count: rect.width - 2) + g.bottomRight,
            x: rect.x, y: rect.maxY - 1, style: border)
        if !title.isEmpty, rect.width > 6 {
            buffer.put(" \(title) ", x: rect.x + 2, y: rect.y, style: theme[titleRole], maxWidth: rect.width - 4)
        }
        return rect.inset(1)
    }
}

/// A row of tabs; the active one stands out.
public enum Tabs {
    /// The tabs from the left; when they do not all fit, those before the active one give way (a `‹` says so), so
    /// the active tab is always shown.
    public static func render(_ titles: [String], active: Int, into buffer: inout Buffer, rect: Rect, theme: Theme) {
        guard rect.height > 0, !titles.isEmpty else { return }
        let labels = titles.map { " \($0) " }
        let widths = labels.map { TerminalText.width(TerminalText.sanitize($0)) }
        let active = min(max(active, 0), titles.count - 1)
        var first = 0
        // Columns from the first tab shown to the end of the active one (and the marker when some are left out).
        func needed(_ from: Int) -> Int { (from > 0 ? 2 : 0) + (from...active).reduce(-1) { $0 + widths[$1] + 1 } }
        while first < active, needed(first) > rect.width { first += 1 }
        var x = rect.x
        if first > 0 {
            buffer.put("‹", x: x, y: rect.y, style: theme[.tabInactive])
            x += 2
        }
        for i in first..<titles.count {
            if x + widths[i] > rect.maxX { break }
            buffer.put(labels[i], x: x, y: rect.y, style: theme[i == active ? .tabActive : .tabInactive])
            x += widths[i] + 1
        }
    }
}

/// A centred dialog box over whatever is behind it. Returns the inner area.
public enum Dialog {
    @discardableResult
    public static func render(title: String, width: Int, height: Int, into buffer: inout Buffer, theme: Theme) -> Rect {
        let rect = buffer.area.centered(width: width, height: height)
        return Box.render(
            rect, title: title, into: &buffer, theme: theme, borderRole: .dialogTitle,
            titleRole: .dialogTitle, fill: theme[.dialog])
    }
}

/// One line of segments, left-aligned and right-aligned, e.g. the status bar.
public enum StatusLine {
    public struct Segment: Sendable {
        public var text: String
        public var role: ThemeRole
        /// Where the text leads (an OSC 8 hyperlink where the terminal shows them).
        public var link: String?

        public init(_ text: String, _ role: ThemeRole, link: String? = nil) {
            self.text = text
            self.role = role
            self.link = link
        }
    }

    public static func render(
        left: [Segment], right: [Segment], into buffer: inout Buffer, rect: Rect, theme: Theme,
        base: ThemeRole = .statusBar
    ) {
        guard rect.height > 0 else { return }
        buffer.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), style: theme[base])
        let rightWidth = right.reduce(0) { $0 + TerminalText.width(TerminalText.sanitize($1.text)) }
        var x = rect.maxX - rightWidth
        if x > rect.x {
            for segment in right { x += buffer.put(segment.text, x: x, y: rect.y, style: theme[segment.role]) }
        }
        var lx = rect.x
        let leftLimit = max(rect.x, rect.maxX - rightWidth - 1)
        for segment in left where lx < leftLimit {
            lx += buffer.put(segment.text, x: lx, y: rect.y, style: theme[segment.role], maxWidth: leftLimit - lx)
        }
    }
}

/// The help overlay: key names and what they do, in one or two columns.
public enum HelpOverlay {
    public struct Entry: Sendable, Hashable {
        public var keys: String
        public var action: String

        public init(keys: String, action: String) {
            self.keys = keys
            self.action = action
        }
    }

    public static func render(title: String, sections: [(String, [Entry])], into buffer: inout Buffer, theme: Theme) {
        let area = buffer.area
        let lines = sections.reduce(0) { $0 + $1.1.count + 2 }
        let height = min(area.height - 2, lines + 3)
        let width = min(area.width - 4, 72)
        let inner = Dialog.render(title: title, width: width, height: height, into: &buffer, theme: theme)
        var y = inner.y
        let keyWidth = min(18, inner.width / 3)
        for (heading, entries) in sections {
            guard y < inner.maxY else { break }
            buffer.put(heading, x: inner.x + 1, y: y, style: theme[.dialogTitle], maxWidth: inner.width - 2)
            y += 1
            for entry in entries {
                guard y < inner.maxY - 1 else { break }
                buffer.put(
                    entry.keys, in: Rect(x: inner.x + 1, y: y, width: keyWidth, height: 1),
                    style: theme[.key].withBackground(of: theme[.dialog]))
                buffer.put(
                    entry.action,
                    in: Rect(x: inner.x + 2 + keyWidth, y: y, width: inner.width - keyWidth - 3, height: 1),
                    style: theme[.dialog])
                y += 1
            }
            y += 1
        }
        buffer.put(
            "esc or ? to close", x: inner.x + 1, y: inner.maxY - 1, style: theme[.dialog].adding(.dim),
            maxWidth: inner.width - 2)
    }
}

extension Style {
    /// This style's foreground and attributes on `other`'s background.
    public func withBackground(of other: Style) -> Style {
        Style(foreground: foreground, background: other.background, attributes: attributes)
    }
}
