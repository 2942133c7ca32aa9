import CNCurses
import Foundation
import OpsTUI
import Synchronization

/// Why the terminal could not be set up.
public enum CursesError: Error, CustomStringConvertible, Equatable {
    case notATerminal
    case unknownTerminal(String)
    case cannotAddressCursor(String)

    public var description: String {
        switch self {
        case .notATerminal:
            "the console needs a terminal (standard input and output must be a TTY); to drive it from a script, "
                + "use: popsa-ops headless --script FILE"
        case .unknownTerminal(let term):
            "cannot use terminal type \"\(term)\" (no terminfo entry); set TERM to one this machine knows, e.g. xterm-256color"
        case .cannotAddressCursor(let term):
            "terminal type \"\(term)\" cannot place the cursor, so no screen can be drawn; set TERM to your terminal's"
                + " type (e.g. xterm-256color), or use: popsa-ops headless --script FILE"
        }
    }
}

/// The ncurses backend: draws buffer diffs, reads keys, follows resizes. No UI logic.
///
/// It is the only code that touches the terminal, and only from the thread that created it.
public final class CursesBackend: TerminalBackend {
    public private(set) var size: Size
    public let colorMode: ColorMode
    public let supportsUnicode: Bool
    private var previous: Buffer?
    private var styleCache: [Style: (attr_t, Int32)] = [:]
    private let waker: Int32
    private let screen: OpaquePointer
    private var isShutDown = false
    public private(set) var hungUp = false
    /// Where output goes when not to the terminal (benchmarks count its bytes).
    private let outputFile: UnsafeMutablePointer<FILE>?

    /// - Parameters:
    ///   - wakeFD: a file descriptor that becomes readable when another thread wants the input wait to end.
    ///   - output: draw into this file instead of the terminal (for benchmarks); the size is then `forcedSize`.
    /// Where keys are read from; nil reads none (a benchmark drawing into a file).
    private let inputFD: Int32?

    public init(wakeFD: Int32, output: UnsafeMutablePointer<FILE>? = nil, forcedSize: Size? = nil, readsKeys: Bool = true,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        inputFD = readsKeys ? 0 : nil
        if output == nil, isatty(0) == 0 || isatty(1) == 0 { throw CursesError.notATerminal }
        // The user's locale decides what the terminal can show; without UTF-8, everything is drawn in ASCII.
        setlocale(LC_ALL, "")
        supportsUnicode = TerminalText.currentLocaleIsUTF8()
        let term = environment["TERM"] ?? ""
        guard let screen = newterm(term.isEmpty ? nil : term, output ?? popsa_stdout(), popsa_stdin()) else {
            throw CursesError.unknownTerminal(term.isEmpty ? "(TERM is not set)" : term)
        }
        guard popsa_has_cursor_addressing() != 0 else {
            endwin()
            delscreen(screen)
            throw CursesError.cannotAddressCursor(term)
        }
        self.screen = screen
        outputFile = output
        waker = wakeFD
        if let forcedSize { resize_term(Int32(forcedSize.height), Int32(forcedSize.width)) }
        cbreak()
        noecho()
        nonl()
        keypad(popsa_stdscr(), true)
        nodelay(popsa_stdscr(), true)
        intrflush(popsa_stdscr(), false)
        set_escdelay(25)
        curs_set(0)
        leaveok(popsa_stdscr(), true)
        // Let ncurses scroll lines with the terminal's insert/delete-line when rows move (a list narrowing as the
        // operator types) instead of repainting them.
        idlok(popsa_stdscr(), true)

        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        if has_colors() && !noColor {
            start_color()
            use_default_colors()
            let colors = popsa_colors()
            colorMode = popsa_has_direct_color() != 0 ? .direct
                : colors >= 256 ? .palette256 : colors >= 16 ? .palette16 : colors >= 8 ? .palette8 : .none
        } else {
            colorMode = .none
        }
        size = Size(width: Int(popsa_cols()), height: Int(popsa_lines()))
    }

    public func present(_ buffer: Buffer) {
        guard !isShutDown else { return }
        if previous?.size != buffer.size { erase() }
        var text = [wchar_t](repeating: 0, count: 8)
        for change in buffer.changes(since: previous) {
            var scalars = Array(change.cell.text.unicodeScalars.prefix(5))
            if !supportsUnicode, scalars.contains(where: { !$0.isASCII }) {
                // A terminal without UTF-8 gets a question mark per column instead of bytes it would garble.
                scalars = ["?"]
            }
            for (i, scalar) in scalars.enumerated() { text[i] = wchar_t(bitPattern: scalar.value) }
            text[scalars.isEmpty ? 1 : scalars.count] = 0
            if scalars.isEmpty { text[0] = 32 }
            let (attrs, pair) = resolve(change.cell.style)
            _ = popsa_draw_cell(Int32(change.y), Int32(change.x), text, attrs, pair)
            if !supportsUnicode && change.cell.width == 2 {
                // The "?" stands for a double-width character: its second column is drawn too, or it would keep
                // whatever the previous screen had there.
                _ = popsa_draw_cell(Int32(change.y), Int32(change.x + 1), text, attrs, pair)
            }
        }
        refresh()
        if let outputFile { fflush(outputFile) }
        previous = buffer
    }

    /// Forgets what the terminal shows, so the next `present` draws every cell (a full redraw).
    public func invalidate() {
        previous = nil
        clearok(popsa_stdscr(), true)
    }

    public func waitForInput(timeoutMilliseconds: Int) -> [InputEvent] {
        guard !isShutDown else { return [] }
        var fds = [pollfd(fd: waker, events: Int16(POLLIN), revents: 0)]
        if let inputFD { fds.append(pollfd(fd: inputFD, events: Int16(POLLIN), revents: 0)) }
        _ = poll(&fds, nfds_t(fds.count), Int32(timeoutMilliseconds))
        guard inputFD != nil else { return [] }
        if fds[1].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
            // The terminal is gone (a dropped SSH connection whose SIGHUP never came): stop instead of spinning.
            hungUp = true
            return []
        }
        var events: [InputEvent] = []
        // Read everything that is there: a paste or a fast typist must not cost a frame per key.
        while true {
            var ch: wint_t = 0
            let kind = get_wch(&ch)
            if kind == ERR { break }
            if kind == KEY_CODE_YES {
                if Int32(ch) == KEY_RESIZE {
                    size = Size(width: Int(popsa_cols()), height: Int(popsa_lines()))
                    previous = nil
                    events.append(.resize(size))
                } else if let key = Self.functionKey(Int32(ch)) {
                    events.append(.key(key))
                }
            } else if let key = Self.characterKey(UInt32(ch)) {
                events.append(.key(key))
            }
        }
        return events
    }

    static func characterKey(_ value: UInt32) -> Key? {
        switch value {
        case 10, 13: return .enter
        case 9: return .tab
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .control(Character(Unicode.Scalar(value + 96)!))
        case 0..<32: return nil
        default:
            guard let scalar = Unicode.Scalar(value), !(0x80...0x9F).contains(value) else { return nil }
            return .character(Character(scalar))
        }
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_BTAB: return .backtab
        case KEY_ENTER: return .enter
        default:
            for n in 1...12 where code == popsa_key_f(Int32(n)) { return .function(n) }
            return nil
        }
    }

    /// Attributes and colour pair for a style, mapped to what the terminal has.
    private func resolve(_ style: Style) -> (attr_t, Int32) {
        if let cached = styleCache[style] { return cached }
        var attrs = popsa_attr_normal()
        if style.attributes.contains(.bold) { attrs |= popsa_attr_bold() }
        if style.attributes.contains(.underline) { attrs |= popsa_attr_underline() }
        if style.attributes.contains(.reverse) { attrs |= popsa_attr_reverse() }
        if style.attributes.contains(.dim) { attrs |= popsa_attr_dim() }
        if style.attributes.contains(.italic) { attrs |= popsa_attr_italic() }
        var pair: Int32 = 0
        if colorMode != .none {
            let fg = ColorMapping.terminalColor(style.foreground, mode: colorMode)
            let bg = ColorMapping.terminalColor(style.background, mode: colorMode)
            if fg != -1 || bg != -1 {
                let allocated = alloc_pair(fg, bg)
                pair = allocated > 0 ? allocated : 0
            }
        }
        styleCache[style] = (attrs, pair)
        return (attrs, pair)
    }

    public func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        curs_set(1)
        endwin()
        delscreen(screen)
    }

    deinit { shutdown() }
}

/// Theme colours → the colour numbers ncurses takes for the terminal's colour mode.
public enum ColorMapping {
    public static func terminalColor(_ color: Color, mode: ColorMode) -> Int32 {
        switch (color, mode) {
        case (.terminalDefault, _), (_, .none):
            return -1
        case (.rgb(let r, let g, let b), .direct):
            // In direct-colour terminfo, values below 8 are palette indexes: nudge near-black up.
            return max(8, Int32(r) << 16 | Int32(g) << 8 | Int32(b))
        case (.indexed(let i), .direct):
            let (r, g, b) = ColorPalette.rgb(ofIndex: Int(i))
            return i < 8 ? Int32(i) : max(8, Int32(r) << 16 | Int32(g) << 8 | Int32(b))
        case (.indexed(let i), _) where Int(i) < mode.paletteSize:
            return Int32(i)
        default:
            guard let rgb = color.approximateRGB else { return -1 }
            return Int32(ColorPalette.nearest(rgb, within: mode.paletteSize))
        }
    }
}
