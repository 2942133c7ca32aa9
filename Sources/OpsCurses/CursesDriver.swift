import CNCurses
import Foundation
import OpsTUI

// MARK: - What the backend asks of the terminal library

/// One unit of input the terminal library decoded.
public enum CursesInput: Equatable, Sendable {
    case character(UInt32)
    /// A function key's code (KEY_UP, KEY_F(1)…).
    case function(Int32)
    case resize
}

/// The terminal library calls the backend makes: ncurses (`NCursesDriver`), or a recording fake in the tests, so
/// the backend's decisions can be checked without a terminal.
public protocol CursesDriver: AnyObject {
    /// Whether the process locale's character type is UTF-8 (else everything is drawn in ASCII).
    func localeIsUTF8() -> Bool
    /// Starts a screen for terminal type `term` (nil: the library's default); false when terminfo does not know it.
    func start(term: String?) -> Bool
    /// The terminal can place the cursor anywhere (terminfo `cup`).
    var hasCursorAddressing: Bool { get }
    func resize(to size: Size)
    /// Raw keys, no echo, keypad decoding, non-blocking reads, a short escape delay, the cursor hidden.
    func configureInput()
    var hasColors: Bool { get }
    /// Turns colour on, with the terminal's default colours available as -1.
    func startColor()
    var colorCount: Int { get }
    /// Terminfo's RGB flag: colours are 24-bit values, not palette indexes.
    var hasDirectColor: Bool { get }
    var size: Size { get }
    func erase()
    /// Draws one cell: a spacing character and up to four combining marks.
    func draw(y: Int, x: Int, scalars: [Unicode.Scalar], attributes: Attributes, pair: Int32)
    /// A colour pair for these colours (-1: the terminal's default); 0 or less when none is left.
    func allocatePair(foreground: Int32, background: Int32) -> Int32
    /// Sends what was drawn to the terminal.
    func refresh()
    /// The next redraw repaints every cell.
    func invalidate()
    /// The next decoded input, nil when none is waiting.
    func nextInput() -> CursesInput?
    /// Draws cells already drawn at (y, x) again inside an OSC 8 hyperlink to `url` (printable ASCII); each cell is
    /// its text with attributes and colour pair. After what was drawn, before the next refresh.
    func drawLink(y: Int, x: Int, url: String, cells: [(text: String, attributes: Attributes, pair: Int32)])
    /// Writes an escape sequence the terminal library has no call for (OSC 52), after what it has buffered.
    func writeControl(_ sequence: String)
    /// Asks the terminal to mark pastes (`ESC [200~ … ESC [201~`), or stops asking.
    func setBracketedPaste(_ on: Bool)
    /// Restores the terminal (cursor shown, screen ended). Called once.
    func stop()
}

// MARK: - ncurses

/// The real driver: ncursesw through the C shim.
final class NCursesDriver: CursesDriver {
    private var screen: OpaquePointer?
    /// Where output goes when not to the terminal (benchmarks count its bytes).
    private let output: UnsafeMutablePointer<FILE>?

    init(output: UnsafeMutablePointer<FILE>?) {
        self.output = output
    }

    func localeIsUTF8() -> Bool {
        setlocale(LC_ALL, "")
        return TerminalText.currentLocaleIsUTF8()
    }

    func start(term: String?) -> Bool {
        screen = newterm(term, output ?? popsa_stdout(), popsa_stdin())
        return screen != nil
    }

    var hasCursorAddressing: Bool { popsa_has_cursor_addressing() != 0 }

    func resize(to size: Size) { resize_term(Int32(size.height), Int32(size.width)) }

    func configureInput() {
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
    }

    var hasColors: Bool { has_colors() }

    func startColor() {
        start_color()
        use_default_colors()
    }

    var colorCount: Int { Int(popsa_colors()) }
    var hasDirectColor: Bool { popsa_has_direct_color() != 0 }
    var size: Size { Size(width: Int(popsa_cols()), height: Int(popsa_lines())) }

    func erase() { _ = CNCurses.erase() }

    func draw(y: Int, x: Int, scalars: [Unicode.Scalar], attributes: Attributes, pair: Int32) {
        var text = [wchar_t](repeating: 0, count: 8)
        for (i, scalar) in scalars.prefix(5).enumerated() { text[i] = wchar_t(bitPattern: scalar.value) }
        _ = popsa_draw_cell(Int32(y), Int32(x), text, Self.attrs(attributes), pair)
    }

    static func attrs(_ attributes: Attributes) -> attr_t {
        var attrs = popsa_attr_normal()
        if attributes.contains(.bold) { attrs |= popsa_attr_bold() }
        if attributes.contains(.underline) { attrs |= popsa_attr_underline() }
        if attributes.contains(.reverse) { attrs |= popsa_attr_reverse() }
        if attributes.contains(.dim) { attrs |= popsa_attr_dim() }
        if attributes.contains(.italic) { attrs |= popsa_attr_italic() }
        return attrs
    }

    func allocatePair(foreground: Int32, background: Int32) -> Int32 { alloc_pair(foreground, background) }

    func refresh() {
        _ = CNCurses.refresh()
        if let output { fflush(output) }
    }

    func invalidate() { clearok(popsa_stdscr(), true) }

    func nextInput() -> CursesInput? {
        var ch: wint_t = 0
        let kind = get_wch(&ch)
        if kind == ERR { return nil }
        if kind == KEY_CODE_YES {
            return Int32(ch) == KEY_RESIZE ? .resize : .function(Int32(ch))
        }
        return .character(UInt32(ch))
    }

    func drawLink(y: Int, x: Int, url: String, cells: [(text: String, attributes: Attributes, pair: Int32)]) {
        popsa_link_begin(Int32(y), Int32(x), url)
        var column = x
        // One run of text per change of attributes or colours.
        var start = cells.startIndex
        while start < cells.endIndex {
            var end = start + 1
            while end < cells.endIndex, cells[end].attributes == cells[start].attributes,
                cells[end].pair == cells[start].pair
            {
                end += 1
            }
            let text = cells[start..<end].map(\.text).joined()
            popsa_link_text(text, Self.attrs(cells[start].attributes), cells[start].pair)
            column += cells[start..<end].reduce(0) { $0 + max(1, TerminalText.width($1.text)) }
            start = end
        }
        popsa_link_end(Int32(y), Int32(column))
        // putp, vid_attr and mvcur write to the stream ncurses was started on, which nothing else flushes now.
        fflush(output ?? popsa_stdout())
    }

    func writeControl(_ sequence: String) {
        let out = output ?? popsa_stdout()
        fputs(sequence, out)
        fflush(out)
    }

    func setBracketedPaste(_ on: Bool) {
        popsa_bracketed_paste(output ?? popsa_stdout(), on ? 1 : 0)
    }

    func stop() {
        curs_set(1)
        endwin()
        if let screen { delscreen(screen) }
        screen = nil
    }
}
