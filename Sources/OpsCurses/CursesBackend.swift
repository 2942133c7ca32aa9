import CNCurses
import Foundation
import OpsTUI
import Synchronization

// MARK: - CursesError

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
            "cannot use terminal type \"\(term)\" (no terminfo entry); set TERM to one this machine knows, e.g. "
                + "xterm-256color"
        case .cannotAddressCursor(let term):
            "terminal type \"\(term)\" cannot place the cursor, so no screen can be drawn; set TERM to your terminal's"
                + " type (e.g. xterm-256color), or use: popsa-ops headless --script FILE"
        }
    }
}

// MARK: - CursesBackend

/// The ncurses backend: draws buffer diffs, reads keys, follows resizes. No UI logic.
///
/// It is the only code that touches the terminal, and only from the thread that created it. Its decisions (the
/// colour mode, NO_COLOR, the ASCII fallback, styles to attributes and colour pairs, what to draw for a change)
/// go through a `CursesDriver`: ncurses itself, or a recording fake in the tests.
public final class CursesBackend: TerminalBackend {
    public private(set) var size: Size
    public let colorMode: ColorMode
    public let supportsUnicode: Bool
    private var previous: Buffer?
    private var styleCache: [Style: (Attributes, Int32)] = [:]
    private let waker: Int32
    private let driver: any CursesDriver
    private var isShutDown = false
    public private(set) var hungUp = false
    /// Where keys are read from; nil reads none (a benchmark drawing into a file).
    private let inputFD: Int32?
    private var paste = PasteDecoder()
    /// Draw the buffer's links as OSC 8 hyperlinks (the terminal shows them; see `hyperlinksByDefault`).
    private let hyperlinks: Bool
    private var previousLinks: Set<Hyperlink> = []

    /// - Parameters:
    ///   - wakeFD: a file descriptor that becomes readable when another thread wants the input wait to end.
    ///   - output: draw into this file instead of the terminal (for benchmarks); the size is then `forcedSize`.
    ///   - readsKeys: false reads no keys (a benchmark drawing into a file).
    public convenience init(
        wakeFD: Int32, output: UnsafeMutablePointer<FILE>? = nil, forcedSize: Size? = nil,
        readsKeys: Bool = true, hyperlinks: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        if output == nil, isatty(0) == 0 || isatty(1) == 0 { throw CursesError.notATerminal }
        try self.init(
            driver: NCursesDriver(output: output), wakeFD: wakeFD, forcedSize: forcedSize,
            inputFD: readsKeys ? 0 : nil, hyperlinks: hyperlinks, environment: environment)
    }

    /// Whether terminals of type `term` are sent OSC 8 hyperlinks when the configuration leaves it to the console
    /// (`links.show = "auto"`): not the Linux console and the hardware terminals, which print what they do not
    /// know, nor `dumb`. Terminals that do not show links ignore the sequence (xterm, tmux before 3.4).
    public static func hyperlinksByDefault(term: String) -> Bool {
        let plain = ["", "dumb", "linux", "vt52", "vt100", "vt102", "vt220", "vt320", "ansi", "cons25", "sun"]
        return !plain.contains(term) && !term.hasPrefix("vt")
    }

    /// A backend over any driver (the tests' fake, or ncurses); keys are waited for on `inputFD`.
    public init(
        driver: any CursesDriver, wakeFD: Int32, forcedSize: Size? = nil, inputFD: Int32?, hyperlinks: Bool = false,
        environment: [String: String]
    ) throws {
        self.inputFD = inputFD
        self.hyperlinks = hyperlinks
        self.driver = driver
        // The user's locale decides what the terminal can show; without UTF-8, everything is drawn in ASCII.
        supportsUnicode = driver.localeIsUTF8()
        let term = environment["TERM"] ?? ""
        guard driver.start(term: term.isEmpty ? nil : term) else {
            throw CursesError.unknownTerminal(term.isEmpty ? "(TERM is not set)" : term)
        }
        guard driver.hasCursorAddressing else {
            driver.stop()
            throw CursesError.cannotAddressCursor(term)
        }
        waker = wakeFD
        if let forcedSize { driver.resize(to: forcedSize) }
        driver.configureInput()
        colorMode = Self.colorMode(driver: driver, environment: environment)
        size = driver.size
        // A paste arrives marked, so it is text and never keys (an id starting with a digit must not open a list).
        if inputFD != nil { driver.setBracketedPaste(true) }
    }

    /// The richest colour mode the terminal has, or none when it has no colour or NO_COLOR is set (to anything).
    static func colorMode(driver: any CursesDriver, environment: [String: String]) -> ColorMode {
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        guard driver.hasColors && !noColor else { return .none }
        driver.startColor()
        let colors = driver.colorCount
        return driver.hasDirectColor
            ? .direct
            : colors >= 256 ? .palette256 : colors >= 16 ? .palette16 : colors >= 8 ? .palette8 : .none
    }

    /// What is drawn for a cell: a terminal without UTF-8 gets a question mark per column instead of bytes it would
    /// garble.
    private func scalars(of cell: Cell) -> [Unicode.Scalar] {
        var scalars = Array(cell.text.unicodeScalars.prefix(5))
        if !supportsUnicode, scalars.contains(where: { !$0.isASCII }) { scalars = ["?"] }
        return scalars.isEmpty ? [" "] : scalars
    }

    public func present(_ buffer: Buffer) {
        guard !isShutDown else { return }
        let resized = previous?.size != buffer.size
        if resized { driver.erase() }
        var changedRows = Set<Int>()
        for change in buffer.changes(since: previous) {
            changedRows.insert(change.y)
            let scalars = scalars(of: change.cell)
            let (attributes, pair) = resolve(change.cell.style)
            driver.draw(y: change.y, x: change.x, scalars: scalars, attributes: attributes, pair: pair)
            if !supportsUnicode && change.cell.width == 2 {
                // The "?" stands for a double-width character: its second column is drawn too, or it would keep
                // whatever the previous screen had there.
                driver.draw(y: change.y, x: change.x + 1, scalars: scalars, attributes: attributes, pair: pair)
            }
        }
        driver.refresh()
        if hyperlinks {
            // A link is drawn again when it is new or its row changed (ncurses redrew cells of it without it).
            for link in buffer.links
            where resized || previous == nil || changedRows.contains(link.y) || !previousLinks.contains(link) {
                drawLink(link, in: buffer)
            }
            previousLinks = Set(buffer.links)
        }
        previous = buffer
    }

    private func drawLink(_ link: Hyperlink, in buffer: Buffer) {
        guard Hyperlink.isSafe(link.url), link.y < buffer.size.height, link.x + link.width < buffer.size.width
        else { return }
        var cells: [(text: String, attributes: Attributes, pair: Int32)] = []
        var x = link.x
        while x < link.x + link.width {
            let cell = buffer[x, link.y]
            x += 1
            if cell.width == 0 { continue }
            var text = String(String.UnicodeScalarView(scalars(of: cell)))
            if !supportsUnicode && cell.width == 2 { text += "?" }
            // putp reads "$<" as a padding delay: such a cell is not worth a link.
            guard !text.contains("$") else { return }
            let (attributes, pair) = resolve(cell.style)
            cells.append((text, attributes, pair))
        }
        driver.drawLink(y: link.y, x: link.x, url: link.url, cells: cells)
    }

    /// Forgets what the terminal shows, so the next `present` draws every cell (a full redraw).
    public func invalidate() {
        previous = nil
        driver.invalidate()
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
        var inputs: [CursesInput] = []
        while let input = driver.nextInput() { inputs.append(input) }
        for item in paste.decode(inputs) {
            switch item {
            case .paste(let text):
                events.append(.paste(text))
            case .input(.resize):
                size = driver.size
                previous = nil
                events.append(.resize(size))
            case .input(.function(let code)):
                if let key = Self.functionKey(code) { events.append(.key(key)) }
            case .input(.character(let value)):
                if let key = Self.characterKey(value) { events.append(.key(key)) }
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
    private func resolve(_ style: Style) -> (Attributes, Int32) {
        if let cached = styleCache[style] { return cached }
        var attributes = style.attributes
        // A background that cannot be shown (no colour, NO_COLOR) becomes reverse video: a theme's selection, a
        // badge or a dialog stays visible on a monochrome terminal instead of vanishing into the text around it.
        if colorMode == .none, style.background != .terminalDefault { attributes.insert(.reverse) }
        var pair: Int32 = 0
        if colorMode != .none {
            let fg = ColorMapping.terminalColor(style.foreground, mode: colorMode)
            let bg = ColorMapping.terminalColor(style.background, mode: colorMode)
            if fg != -1 || bg != -1 {
                let allocated = driver.allocatePair(foreground: fg, background: bg)
                pair = allocated > 0 ? allocated : 0
            }
        }
        styleCache[style] = (attributes, pair)
        return (attributes, pair)
    }

    /// OSC 52 with the text in base64: the terminal (or tmux, or the SSH client's terminal) sets its clipboard.
    /// Base64 keeps whatever the text holds from being read as terminal commands.
    public func copyToClipboard(_ text: String) {
        guard !isShutDown, inputFD != nil else { return }
        driver.writeControl("\u{1b}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{7}")
    }

    public func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        if inputFD != nil { driver.setBracketedPaste(false) }
        driver.stop()
    }

    deinit { shutdown() }
}

// MARK: - PasteDecoder

/// Finds bracketed pastes in what the terminal library decoded: `ESC [200~`, the text, `ESC [201~`. ncurses
/// passes these markers through as single characters (no terminfo key matches them). A paste can span several
/// reads; a marker is sent whole by the terminal, so one cut between reads is taken as keys.
struct PasteDecoder {
    enum Item: Equatable {
        case input(CursesInput)
        case paste(String)
    }

    static let start: [UInt32] = [27, 91, 50, 48, 48, 126]
    static let end: [UInt32] = [27, 91, 50, 48, 49, 126]
    /// Pastes longer than this keep only their beginning (no text field takes more).
    static let limit = 65_536

    /// The text of a paste still arriving, or nil outside one.
    private(set) var text: [UInt32]?

    mutating func decode(_ inputs: [CursesInput]) -> [Item] {
        var out: [Item] = []
        var i = 0
        func matches(_ marker: [UInt32], at index: Int) -> Bool {
            guard index + marker.count <= inputs.count else { return false }
            return marker.indices.allSatisfy { inputs[index + $0] == .character(marker[$0]) }
        }
        while i < inputs.count {
            if var pasted = text {
                if matches(Self.end, at: i) {
                    out.append(.paste(Self.string(pasted)))
                    text = nil
                    i += Self.end.count
                    continue
                }
                if case .character(let value) = inputs[i], pasted.count < Self.limit { pasted.append(value) }
                text = pasted
                i += 1
            } else if matches(Self.start, at: i) {
                text = []
                i += Self.start.count
            } else {
                out.append(.input(inputs[i]))
                i += 1
            }
        }
        return out
    }

    /// The pasted characters as text; a carriage return (what terminals send for a line break) is a line break.
    static func string(_ values: [UInt32]) -> String {
        var s = String.UnicodeScalarView()
        for value in values {
            guard let scalar = Unicode.Scalar(value == 13 ? 10 : value) else { continue }
            s.append(scalar)
        }
        return String(s)
    }
}

// MARK: - ColorMapping

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
