import CNCurses
import Foundation
import OpsTUI
import Testing

@testable import OpsCurses

// MARK: - A terminal library that records

/// What a terminal would be asked to do, and the terminal it pretends to be.
final class RecordingDriver: CursesDriver {
    struct Drawn: Equatable {
        var y: Int, x: Int, text: String, attributes: Attributes, pair: Int32
    }

    var knownTerminal = true
    var utf8 = true
    var hasCursorAddressing = true
    var hasColors = true
    var colorCount = 256
    var hasDirectColor = false
    var size = Size(width: 20, height: 5)
    var inputs: [CursesInput] = []

    private(set) var colorStarted = false
    private(set) var drawn: [Drawn] = []
    private(set) var pairs: [(Int32, Int32)] = []
    private(set) var erased = 0
    private(set) var refreshed = 0
    private(set) var stopped = 0

    func localeIsUTF8() -> Bool { utf8 }
    func start(term: String?) -> Bool { knownTerminal }
    func resize(to size: Size) { self.size = size }
    func configureInput() {}
    func startColor() { colorStarted = true }
    func erase() { erased += 1 }
    func draw(y: Int, x: Int, scalars: [Unicode.Scalar], attributes: Attributes, pair: Int32) {
        drawn.append(
            Drawn(y: y, x: x, text: String(String.UnicodeScalarView(scalars)), attributes: attributes, pair: pair))
    }
    func allocatePair(foreground: Int32, background: Int32) -> Int32 {
        pairs.append((foreground, background))
        return Int32(pairs.count)
    }
    func refresh() { refreshed += 1 }
    func invalidate() {}
    func nextInput() -> CursesInput? { inputs.isEmpty ? nil : inputs.removeFirst() }
    func stop() { stopped += 1 }
    private(set) var bracketedPaste: [Bool] = []
    func setBracketedPaste(_ on: Bool) { bracketedPaste.append(on) }
    private(set) var controls: [String] = []
    func writeControl(_ sequence: String) { controls.append(sequence) }
    struct Link: Equatable {
        var y: Int, x: Int, url: String, text: String, pairs: [Int32]
    }
    private(set) var links: [Link] = []
    func drawLink(y: Int, x: Int, url: String, cells: [(text: String, attributes: Attributes, pair: Int32)]) {
        links.append(Link(y: y, x: x, url: url, text: cells.map(\.text).joined(), pairs: cells.map(\.pair)))
    }
    func clearLinks() { links = [] }

    func clearDrawn() { drawn = [] }
}

func backend(
    _ driver: RecordingDriver, environment: [String: String] = ["TERM": "xterm-256color"],
    inputFD: Int32? = nil, hyperlinks: Bool = false
) throws -> CursesBackend {
    try CursesBackend(driver: driver, wakeFD: -1, inputFD: inputFD, hyperlinks: hyperlinks, environment: environment)
}

// MARK: - Colour

@Suite struct ColourModeTests {
    @Test(arguments: [
        (true, 256, true, ColorMode.direct), (true, 256, false, .palette256), (true, 88, false, .palette16),
        (true, 16, false, .palette16), (true, 8, false, .palette8), (true, 2, false, .none), (false, 256, false, .none),
    ])
    func theRichestModeTheTerminalHas(hasColors: Bool, colors: Int, direct: Bool, expected: ColorMode) throws {
        let driver = RecordingDriver()
        (driver.hasColors, driver.colorCount, driver.hasDirectColor) = (hasColors, colors, direct)
        #expect(try backend(driver).colorMode == expected)
    }

    @Test func noColorTurnsColourOffWhateverItsValueButEmpty() throws {
        for value in ["1", "yes", "0"] {
            let driver = RecordingDriver()
            let b = try backend(driver, environment: ["TERM": "xterm-direct", "NO_COLOR": value])
            #expect(b.colorMode == .none)
            #expect(!driver.colorStarted, "NO_COLOR=\(value) still started colour")
            // With no colour, styles keep their attributes and ask for no colour pair.
            b.present(Self.styledBuffer())
            #expect(driver.pairs.isEmpty)
            #expect(driver.drawn.contains { $0.attributes.contains(.reverse) && $0.pair == 0 })
        }
        let driver = RecordingDriver()
        #expect(try backend(driver, environment: ["TERM": "xterm-256color", "NO_COLOR": ""]).colorMode == .palette256)
    }

    /// A theme's selection (a background colour, no attribute: the built-in default's) stays visible without
    /// colour: reverse video, on a terminal without colours and with NO_COLOR alike; with colour, its pair.
    @Test func aBackgroundThatCannotBeShownBecomesReverseVideo() throws {
        let selection = Theme.builtIn[.selection]
        #expect(!selection.attributes.contains(.reverse) && selection.background != .terminalDefault)
        var buffer = Buffer(size: Size(width: 20, height: 2))
        buffer.put("selected row", x: 0, y: 0, style: selection)
        buffer.put("plain", x: 0, y: 1, style: Theme.builtIn[.text])
        for environment in [["TERM": "vt100"], ["TERM": "xterm-256color", "NO_COLOR": "1"]] {
            let driver = RecordingDriver()
            if environment["TERM"] == "vt100" { driver.hasColors = false }
            let b = try backend(driver, environment: environment)
            b.present(buffer)
            let drawn = try #require(driver.drawn.first { $0.y == 0 })
            #expect(drawn.attributes.contains(.reverse), "\(environment)")
            #expect(!(try #require(driver.drawn.first { $0.y == 1 })).attributes.contains(.reverse))
        }
        let coloured = RecordingDriver()
        try backend(coloured).present(buffer)
        #expect(try #require(coloured.drawn.first { $0.y == 0 }).pair > 0)
    }

    @Test func eachStyleGetsOneColourPair() throws {
        let driver = RecordingDriver()
        let b = try backend(driver)
        b.present(Self.styledBuffer())
        // Two styles with colour (the selection and the error text): two pairs, however many cells use them.
        #expect(driver.pairs.count == 2)
        let selection = try #require(driver.drawn.first { $0.attributes.contains(.reverse) })
        #expect(selection.pair > 0)
    }

    @Test func coloursMapOntoWhatTheModeHas() {
        let orange = Color.rgb(255, 135, 0)
        #expect(ColorMapping.terminalColor(.terminalDefault, mode: .palette256) == -1)
        #expect(ColorMapping.terminalColor(orange, mode: .none) == -1)
        #expect(ColorMapping.terminalColor(orange, mode: .direct) == 0xFF8700)
        // Near-black in direct colour is nudged off the palette indexes 0–7 it would be read as.
        #expect(ColorMapping.terminalColor(.rgb(0, 0, 1), mode: .direct) == 8)
        #expect(ColorMapping.terminalColor(orange, mode: .palette256) == 208)
        for mode in [ColorMode.palette16, .palette8] {
            let index = ColorMapping.terminalColor(orange, mode: mode)
            #expect(index >= 0 && Int(index) < mode.paletteSize, "\(mode): \(index)")
        }
        #expect(ColorMapping.terminalColor(.indexed(3), mode: .palette8) == 3)
        #expect(ColorMapping.terminalColor(.indexed(200), mode: .palette16) < 16)
    }

    static func styledBuffer() -> Buffer {
        var buffer = Buffer(size: Size(width: 20, height: 5))
        buffer.put("plain", x: 0, y: 0, style: .plain)
        buffer.put(
            "selected", x: 0, y: 1,
            style: Style(
                foreground: .rgb(255, 255, 255), background: .indexed(4),
                attributes: [.reverse]))
        buffer.put("error", x: 0, y: 2, style: Style(foreground: .rgb(255, 0, 0), attributes: [.bold]))
        return buffer
    }
}

// MARK: - Drawing

@Suite struct DrawingTests {
    @Test func withoutUTF8EveryNonASCIICharacterIsAQuestionMarkInEachOfItsColumns() throws {
        let driver = RecordingDriver()
        driver.utf8 = false
        let b = try backend(driver)
        #expect(!b.supportsUnicode)
        var buffer = Buffer(size: driver.size)
        buffer.put("é漢a", x: 0, y: 0, style: .plain)
        b.present(buffer)
        let row = driver.drawn.filter { $0.y == 0 && $0.x < 4 }.sorted { $0.x < $1.x }.map(\.text)
        #expect(row == ["?", "?", "?", "a"])
    }

    @Test func withUTF8TheCharactersThemselvesAreDrawn() throws {
        let driver = RecordingDriver()
        let b = try backend(driver)
        var buffer = Buffer(size: driver.size)
        buffer.put("é漢a", x: 0, y: 0, style: .plain)
        b.present(buffer)
        let row = driver.drawn.filter { $0.y == 0 && $0.x < 4 && !$0.text.isEmpty }.sorted { $0.x < $1.x }
        #expect(row.map(\.text).prefix(2) == ["é", "漢"])
        #expect(row.contains { $0.x == 3 && $0.text == "a" })
    }

    @Test func onlyChangedCellsAreSentAndInvalidateRepaintsAll() throws {
        let driver = RecordingDriver()
        let b = try backend(driver)
        var buffer = Buffer(size: driver.size)
        buffer.put("one", x: 0, y: 0, style: .plain)
        b.present(buffer)
        #expect(driver.drawn.count == 20 * 5)
        driver.clearDrawn()
        b.present(buffer)
        #expect(driver.drawn.isEmpty)
        buffer.put("ono", x: 0, y: 0, style: .plain)
        b.present(buffer)
        #expect(driver.drawn.map { "\($0.x):\($0.text)" } == ["2:o"])
        driver.clearDrawn()
        b.invalidate()
        b.present(buffer)
        #expect(driver.drawn.count == 20 * 5)
    }
}

// MARK: - Setting up and input

@Suite struct TerminalSetupTests {
    @Test func anUnknownTerminalOrOneThatCannotPlaceTheCursorIsRefusedByName() throws {
        let unknown = RecordingDriver()
        unknown.knownTerminal = false
        #expect(throws: CursesError.unknownTerminal("nosuchterm")) {
            try backend(unknown, environment: ["TERM": "nosuchterm"])
        }
        #expect(throws: CursesError.unknownTerminal("(TERM is not set)")) { try backend(unknown, environment: [:]) }
        let dumb = RecordingDriver()
        dumb.hasCursorAddressing = false
        #expect(throws: CursesError.cannotAddressCursor("dumb")) { try backend(dumb, environment: ["TERM": "dumb"]) }
        #expect(dumb.stopped == 1, "the screen started for the check is ended again")
    }

    @Test func keysAndResizesAreDecoded() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var byte: UInt8 = 1
        _ = write(fds[1], &byte, 1)  // input is waiting
        let driver = RecordingDriver()
        let b = try backend(driver, inputFD: fds[0])
        driver.inputs = [
            .character(27), .function(KEY_UP), .character(UInt32(Character("é").unicodeScalars.first!.value)),
            .character(3), .character(0x85), .resize,
        ]
        driver.size = Size(width: 90, height: 30)
        let events = b.waitForInput(timeoutMilliseconds: 1000)
        #expect(
            events == [
                .key(.escape), .key(.up), .key(.character("é")), .key(.control("c")),
                .resize(Size(width: 90, height: 30)),
            ])
        #expect(b.size == Size(width: 90, height: 30))
    }

    @Test func aPasteIsTextNeverKeysEvenAcrossReads() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var byte: UInt8 = 1
        _ = write(fds[1], &byte, 1)  // input is waiting (the fake reads none of it: it stays readable)
        let driver = RecordingDriver()
        let b = try backend(driver, inputFD: fds[0])
        #expect(driver.bracketedPaste == [true], "the terminal is asked to mark pastes")
        func chars(_ s: String) -> [CursesInput] { s.unicodeScalars.map { .character($0.value) } }
        // A key, then a paste whose text holds a digit, a q, an escape-free line break and its end in the next read.
        driver.inputs = chars("x") + chars("\u{1b}[200~") + chars("1q ord_42") + [.character(13)] + chars("é")
        #expect(b.waitForInput(timeoutMilliseconds: 1000) == [.key(.character("x"))])
        driver.inputs = chars("z\u{1b}[201~") + [.character(27), .function(KEY_DOWN)]
        #expect(
            b.waitForInput(timeoutMilliseconds: 1000) == [
                .paste("1q ord_42\néz"), .key(.escape), .key(.down),
            ])
        b.shutdown()
        #expect(driver.bracketedPaste == [true, false], "and to stop when the console ends")
    }

    @Test func theClipboardGetsBase64InOSC52() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let driver = RecordingDriver()
        let b = try backend(driver, inputFD: fds[0])
        b.copyToClipboard("ord_1\u{7}\u{1b}]52;c;x")
        #expect(
            driver.controls == ["\u{1b}]52;c;" + Data("ord_1\u{7}\u{1b}]52;c;x".utf8).base64EncodedString() + "\u{7}"])
        #expect(!driver.controls[0].dropFirst(7).dropLast().contains("\u{1b}"), "no control byte inside the payload")
    }

    @Test func shutdownRestoresTheTerminalOnce() throws {
        let driver = RecordingDriver()
        let b = try backend(driver)
        b.shutdown()
        b.shutdown()
        #expect(driver.stopped == 1)
    }

    /// Links go to the terminal as the cells ncurses drew, in their colours, inside OSC 8: when new, when their row
    /// changed (ncurses redrew cells of it without the link), never when nothing under them changed.
    @Test func linksAreDrawnAgainOnlyWhenNewOrTheirRowChanged() throws {
        let driver = RecordingDriver()
        driver.size = Size(width: 30, height: 3)
        let b = try backend(driver, hyperlinks: true)
        var buffer = Buffer(size: driver.size)
        buffer.put("pi_3abc  RM123", x: 0, y: 1, style: Style(foreground: .indexed(2)))
        buffer.link("https://dashboard.stripe.com/payments/pi_3abc", x: 0, y: 1, width: 7)
        buffer.link("https://track.example/RM123", x: 9, y: 1, width: 5)
        b.present(buffer)
        #expect(driver.links.map(\.text) == ["pi_3abc", "RM123"])
        #expect(driver.links[0].url == "https://dashboard.stripe.com/payments/pi_3abc" && driver.links[0].x == 0)
        let drawnPair = try #require(driver.drawn.first { $0.y == 1 && $0.x == 0 }).pair
        #expect(driver.links[0].pairs.allSatisfy { $0 == drawnPair }, "the colours ncurses drew")
        driver.clearLinks()
        b.present(buffer)
        #expect(driver.links.isEmpty, "nothing changed")
        var next = buffer
        next.put("x", x: 20, y: 1, style: .plain)
        b.present(next)
        #expect(driver.links.count == 2, "their row changed")
        driver.clearLinks()
        var other = Buffer(size: driver.size)
        other.put("pi_3abc  RM123", x: 0, y: 1, style: Style(foreground: .indexed(2)))
        other.put("x", x: 20, y: 1, style: .plain)
        other.link("https://dashboard.stripe.com/payments/pi_3abc", x: 0, y: 1, width: 7)
        other.link("javascript:\u{1b}]52;c;cHduZWQ=\u{7}", x: 9, y: 1, width: 5)
        b.present(other)
        #expect(driver.links.isEmpty == true, "the same first link; the second is not printable ASCII: never sent")
    }

    @Test func noLinksUnlessAskedAndNeverToTheLastColumn() throws {
        let driver = RecordingDriver()
        driver.size = Size(width: 10, height: 2)
        var buffer = Buffer(size: driver.size)
        buffer.put("0123456789", x: 0, y: 0, style: .plain)
        buffer.link("https://example.org/", x: 6, y: 0, width: 4)
        #expect(buffer.links.first?.width == 3, "clipped before the last column")
        try backend(driver).present(buffer)
        #expect(driver.links.isEmpty)
        try backend(driver, hyperlinks: true).present(buffer)
        #expect(driver.links.map(\.text) == ["678"])
        #expect(!CursesBackend.hyperlinksByDefault(term: "linux") && !CursesBackend.hyperlinksByDefault(term: "vt100"))
        #expect(
            CursesBackend.hyperlinksByDefault(term: "xterm-256color") && CursesBackend.hyperlinksByDefault(term: "tmux")
        )
    }
}
