/// The colours a terminal can show, from terminfo (or none when NO_COLOR is set).
public enum ColorMode: String, Hashable, Sendable {
    case direct, palette256 = "256", palette16 = "16", palette8 = "8", none

    /// How many palette entries colours may be mapped onto.
    public var paletteSize: Int {
        switch self {
        case .direct, .palette256: 256
        case .palette16: 16
        case .palette8: 8
        case .none: 0
        }
    }
}

/// A terminal that shows buffers and reports input. The console's loop drives any backend the same way; the
/// ncurses backend is the real one.
public protocol TerminalBackend: AnyObject {
    var size: Size { get }
    var colorMode: ColorMode { get }
    /// Whether the terminal shows UTF-8 (else the UI uses ASCII borders and charts).
    var supportsUnicode: Bool { get }

    /// Shows `buffer`, sending only what changed since the last one shown.
    func present(_ buffer: Buffer)

    /// Waits up to `timeoutMilliseconds` for input (or for `wake()`), and returns what arrived.
    func waitForInput(timeoutMilliseconds: Int) -> [InputEvent]

    /// The terminal went away (its connection closed) even if no SIGHUP arrived.
    var hungUp: Bool { get }

    /// Restores the terminal. Safe to call more than once.
    func shutdown()

    /// Puts `text` on the clipboard of the machine the terminal runs on (OSC 52), where the terminal allows it.
    func copyToClipboard(_ text: String)
}

extension TerminalBackend {
    public func copyToClipboard(_ text: String) {}
}
