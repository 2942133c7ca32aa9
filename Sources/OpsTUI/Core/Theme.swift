/// What a piece of the screen is, for the theme to decide how it looks.
public enum ThemeRole: String, CaseIterable, Hashable, Sendable {
    case text, title, border, breadcrumb, header, selection, muted, money, input, inputCursor, dialog, dialogTitle
    case statusBar, statusBarKey, badge, key, tabActive, tabInactive
    case statusOK = "status_ok", statusWarning = "status_warning", statusError = "status_error"
    case highlight, errorText = "error_text"
    case chart1 = "chart_1", chart2 = "chart_2", chart3 = "chart_3", chart4 = "chart_4"

    /// The key in theme files: `status_ok`, `input_cursor`…
    public var fileKey: String {
        switch self {
        case .inputCursor: "input_cursor"
        case .dialogTitle: "dialog_title"
        case .statusBar: "status_bar"
        case .statusBarKey: "status_bar_key"
        case .tabActive: "tab_active"
        case .tabInactive: "tab_inactive"
        default: rawValue
        }
    }

    public static func fromFileKey(_ key: String) -> ThemeRole? { allCases.first { $0.fileKey == key } }
}

/// A semantic status, drawn with the theme's colour for it and, in themes that ask for it, a symbol, so that
/// no status is told by colour alone.
public enum StatusTone: Hashable, Sendable {
    case ok, warning, error, neutral

    public var role: ThemeRole {
        switch self {
        case .ok: .statusOK
        case .warning: .statusWarning
        case .error: .statusError
        case .neutral: .text
        }
    }
}

/// Styles for every role, and whether statuses carry symbols.
public struct Theme: Hashable, Sendable {
    public var name: String
    public var styles: [ThemeRole: Style]
    /// Prefix status words with ✓ ! ✗ so colour is never the only signal.
    public var statusSymbols: Bool
    /// Characters for sparklines and bars: braille/blocks, or ASCII.
    public var asciiOnly: Bool

    public init(name: String, styles: [ThemeRole: Style], statusSymbols: Bool = false, asciiOnly: Bool = false) {
        self.name = name
        self.styles = styles
        self.statusSymbols = statusSymbols
        self.asciiOnly = asciiOnly
    }

    public subscript(role: ThemeRole) -> Style { styles[role] ?? .plain }

    /// The text for a status word in this theme: `✓ delivered` with symbols on.
    public func status(_ word: String, _ tone: StatusTone) -> String {
        guard statusSymbols else { return word }
        switch tone {
        case .ok: return "✓ " + word
        case .warning: return "! " + word
        case .error: return "✗ " + word
        case .neutral: return "· " + word
        }
    }

    /// A theme built in, used when no theme file is found: readable on dark terminals, attributes only where
    /// colour is missing.
    public static let builtIn: Theme = {
        func s(_ fg: Color, _ bg: Color = .terminalDefault, _ a: Attributes = []) -> Style {
            Style(foreground: fg, background: bg, attributes: a)
        }
        return Theme(
            name: "default",
            styles: [
                .text: .plain, .title: s(.indexed(15), .terminalDefault, .bold), .border: s(.indexed(8)),
                .breadcrumb: s(.indexed(14), .terminalDefault, .bold),
                .header: s(.indexed(11), .terminalDefault, .bold),
                .selection: s(.indexed(0), .indexed(14), []), .muted: s(.indexed(8)), .money: s(.indexed(10)),
                .input: s(.indexed(15), .indexed(236)), .inputCursor: s(.indexed(0), .indexed(15)),
                .dialog: s(.indexed(15), .indexed(235)), .dialogTitle: s(.indexed(14), .indexed(235), .bold),
                .statusBar: s(.indexed(15), .indexed(237)), .statusBarKey: s(.indexed(14), .indexed(237), .bold),
                .badge: s(.indexed(0), .indexed(11), .bold), .key: s(.indexed(14), .terminalDefault, .bold),
                .tabActive: s(.indexed(0), .indexed(14), .bold), .tabInactive: s(.indexed(7)),
                .statusOK: s(.indexed(10)), .statusWarning: s(.indexed(11)),
                .statusError: s(.indexed(9), .terminalDefault, .bold),
                .highlight: s(.indexed(11), .terminalDefault, .bold),
                .errorText: s(.indexed(9), .terminalDefault, .bold),
                .chart1: s(.indexed(14)), .chart2: s(.indexed(10)), .chart3: s(.indexed(11)), .chart4: s(.indexed(13)),
            ])
    }()
}
