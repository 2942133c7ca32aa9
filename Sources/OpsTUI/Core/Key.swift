/// A key press, named the same way everywhere: headless scripts (`key ctrl-u`), key-binding configuration and
/// the help overlay.
public enum Key: Hashable, Sendable, CustomStringConvertible {
    /// A printable character (including space).
    case character(Character)
    case enter, escape, tab, backtab, backspace, delete
    case up, down, left, right, home, end, pageUp, pageDown
    case function(Int)
    /// Control plus a letter a–z.
    case control(Character)

    /// The name used in scripts and configuration: `a`, `?`, `space`, `enter`, `ctrl-u`, `f5`, `pgdn`…
    public var name: String {
        switch self {
        case .character(" "): return "space"
        case .character(let c): return String(c)
        case .enter: return "enter"
        case .escape: return "esc"
        case .tab: return "tab"
        case .backtab: return "backtab"
        case .backspace: return "backspace"
        case .delete: return "delete"
        case .up: return "up"
        case .down: return "down"
        case .left: return "left"
        case .right: return "right"
        case .home: return "home"
        case .end: return "end"
        case .pageUp: return "pgup"
        case .pageDown: return "pgdn"
        case .function(let n): return "f\(n)"
        case .control(let c): return "ctrl-\(c)"
        }
    }

    public var description: String { name }

    static let named: [String: Key] = [
        "enter": .enter, "return": .enter, "esc": .escape, "escape": .escape, "tab": .tab, "backtab": .backtab,
        "shift-tab": .backtab, "backspace": .backspace, "delete": .delete, "del": .delete, "up": .up, "down": .down,
        "left": .left, "right": .right, "home": .home, "end": .end, "pgup": .pageUp, "pageup": .pageUp,
        "pgdn": .pageDown, "pagedown": .pageDown, "space": .character(" "),
    ]

    /// Parses a key name; nil for a name that is not a key.
    public init?(name: String) {
        if let key = Key.named[name.lowercased()] {
            self = key
            return
        }
        let lower = name.lowercased()
        if lower.hasPrefix("ctrl-"), lower.count == 6, let c = lower.last, c.isASCII, c.isLetter {
            self = .control(c)
            return
        }
        if lower.hasPrefix("f"), lower.count >= 2, let n = Int(lower.dropFirst()), (1...12).contains(n) {
            self = .function(n)
            return
        }
        if name.count == 1, let c = name.first, !c.isWhitespace,
            c.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) })
        {
            self = .character(c)
            return
        }
        return nil
    }

    /// The names scripts and configuration may use, for error messages.
    public static let nameHelp =
        "a single character, enter esc tab backtab backspace delete up down left right home end pgup pgdn space "
        + "f1…f12 ctrl-a…ctrl-z"

    /// A printable character this key types into a text field, if any.
    public var typedCharacter: Character? {
        if case .character(let c) = self { return c }
        return nil
    }
}

/// Something that happened at the terminal.
public enum InputEvent: Hashable, Sendable {
    case key(Key)
    /// Text the terminal pasted (bracketed paste): text, never keys.
    case paste(String)
    case resize(Size)
}
