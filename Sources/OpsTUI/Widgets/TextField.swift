/// A one-line text input: the value, the cursor, and the usual editing keys.
///
/// Keys: characters insert; left/right, home/end (ctrl-a/ctrl-e) move; backspace and delete remove; ctrl-u clears
/// to the start, ctrl-k to the end, ctrl-w the word before the cursor. When the whole text is selected
/// (`selectAll()`, as a browser's address bar on focus), a character or a paste replaces it, backspace and delete
/// clear it, and a movement just drops the selection.
public struct TextField: Hashable, Sendable {
    public private(set) var text: String
    /// Cursor position in grapheme clusters, 0…count.
    public private(set) var cursor: Int
    /// The whole text is selected: what is typed next replaces it.
    public private(set) var allSelected = false
    /// Longest value accepted, in characters.
    public var maxLength: Int

    public init(_ text: String = "", maxLength: Int = 500) {
        self.text = String(text.prefix(maxLength))
        self.cursor = self.text.count
        self.maxLength = maxLength
    }

    public var isEmpty: Bool { text.isEmpty }

    public mutating func set(_ value: String) {
        text = String(value.prefix(maxLength))
        cursor = text.count
        allSelected = false
    }

    /// Selects the whole text (nothing to select in an empty field).
    public mutating func selectAll() {
        allSelected = !text.isEmpty
        cursor = text.count
    }

    /// Inserts pasted text at the cursor (replacing a selection): line breaks and tabs become spaces, other
    /// control characters are dropped, and what does not fit is cut off. Returns whether the text changed.
    @discardableResult
    public mutating func insert(_ pasted: String) -> Bool {
        let clean = String(
            pasted.compactMap { c -> Character? in
                if c == "\n" || c == "\r\n" || c == "\r" || c == "\t" { return " " }
                return c.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .control }) ? c : nil
            })
        let before = text
        if allSelected { set("") }
        var chars = Array(text)
        let room = max(0, maxLength - chars.count)
        let added = Array(clean.prefix(room))
        chars.insert(contentsOf: added, at: cursor)
        cursor += added.count
        text = String(chars)
        return text != before
    }

    /// Applies an editing key. Returns false for keys a text field does not handle (enter, esc, tab, arrows up and
    /// down…), so the caller can.
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        if allSelected {
            allSelected = false
            switch key {
            case .character, .backspace, .delete, .control("h"), .control("d"), .control("u"), .control("w"):
                text = ""
                cursor = 0
                if case .character = key { break }
                return true
            case .left, .right, .home, .end, .control("a"), .control("e"), .control("b"), .control("f"),
                .control("k"):
                break
            default:
                // Not an editing key: the selection stays for whoever handles it.
                allSelected = true
                return false
            }
        }
        var chars = Array(text)
        switch key {
        case .character(let c):
            guard chars.count < maxLength else { return true }
            chars.insert(c, at: cursor)
            cursor += 1
        case .backspace, .control("h"):
            guard cursor > 0 else { return true }
            chars.remove(at: cursor - 1)
            cursor -= 1
        case .delete, .control("d"):
            guard cursor < chars.count else { return true }
            chars.remove(at: cursor)
        case .left, .control("b"):
            cursor = max(0, cursor - 1)
        case .right, .control("f"):
            cursor = min(chars.count, cursor + 1)
        case .home, .control("a"):
            cursor = 0
        case .end, .control("e"):
            cursor = chars.count
        case .control("u"):
            chars.removeFirst(cursor)
            cursor = 0
        case .control("k"):
            chars.removeLast(chars.count - cursor)
        case .control("w"):
            var start = cursor
            while start > 0, chars[start - 1] == " " { start -= 1 }
            while start > 0, chars[start - 1] != " " { start -= 1 }
            chars.removeSubrange(start..<cursor)
            cursor = start
        default:
            return false
        }
        text = String(chars)
        return true
    }

    /// Draws the field in `rect` (one row), scrolled so the cursor is visible; the cursor cell is drawn in
    /// `cursorStyle` when `focused`.
    public func render(
        into buffer: inout Buffer, rect: Rect, style: Style, cursorStyle: Style, focused: Bool,
        placeholder: String = "", placeholderStyle: Style = .plain
    ) {
        guard rect.width > 0, rect.height > 0 else { return }
        buffer.fill(Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), style: style)
        if text.isEmpty && !placeholder.isEmpty {
            buffer.put(
                placeholder, x: rect.x + (focused ? 1 : 0), y: rect.y, style: placeholderStyle,
                maxWidth: rect.width - (focused ? 1 : 0))
        }
        let chars = Array(TerminalText.sanitize(text))
        // Scroll so that the cursor's column fits, keeping one column for the cursor at the end.
        var start = 0
        func width(_ range: Range<Int>) -> Int { range.reduce(0) { $0 + TerminalText.width(chars[$1]) } }
        while start < cursor, width(start..<min(cursor, chars.count)) + 1 > rect.width { start += 1 }
        var x = rect.x
        for i in start..<chars.count {
            let w = TerminalText.width(chars[i])
            if x + w > rect.maxX { break }
            // A selected text shows as the cursor does, the way terminals show a selection.
            let shown = focused && (i == cursor || allSelected) ? cursorStyle : style
            buffer.put(String(chars[i]), x: x, y: rect.y, style: shown, maxWidth: w)
            x += w
        }
        if focused && !allSelected && cursor >= chars.count && x < rect.maxX {
            buffer.put(" ", x: x, y: rect.y, style: cursorStyle)
        }
    }
}
