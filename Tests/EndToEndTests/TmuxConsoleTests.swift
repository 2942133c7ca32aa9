import Foundation
import OpsTestSupport
import Testing

/// The real interactive binary in a real terminal (tmux): the same script gives the same screens as headless.
@Suite(.serialized) struct TmuxConsoleTests {
    static let terms = ["xterm-256color", "vt100"]

    @Test(arguments: ["search", "chrome"], terms)
    func interactiveScreensEqualHeadlessSnapshots(script: String, term: String) throws {
        let size = "80x24"
        // The bare terminal gets the theme without colour; the colour terminal the default one.
        let theme = term == "vt100" ? "mono" : "default"
        let headless = try ConsoleScripts.run(script, size: size, extra: ["--theme", theme])
        #expect(headless.status == 0, "\(headless.stderr)")
        let expected = TestSupport.snapshots(headless.stdout)
        #expect(!expected.isEmpty)

        let session = try TmuxSession(
            command: TestSupport.consoleCommand(
                term: term,
                arguments: [
                    "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now,
                    "--theme", theme,
                ]),
            width: 80, height: 24)
        defer { session.close() }
        let (mismatch, matched) = try session.replay(ConsoleScripts.text(script, size: size), expecting: expected)
        if let mismatch {
            Issue.record(Comment(rawValue: "\(script) under TERM=\(term): \(mismatch)"))
            return
        }
        #expect(matched == expected.count)
        // Back to the home screen, the field cleared, and :q: status 0 and the terminal given back.
        for key in ["esc", "esc", "esc", "esc", "ctrl-u", ":", "q", "enter"] { try session.send(key: key) }
        var status: Int?
        for _ in 0..<100 where status == nil {
            status = try session.exitStatus()
            usleep(50_000)
        }
        let finalPane = try session.capture()
        #expect(status == 0, "pane after :q: \(finalPane)")
        // xterm has an alternate screen, which the console leaves on exit; vt100 has none, so its last frame stays.
        if term != "vt100" { #expect(!finalPane.contains("popsa-ops ›")) }
    }

    @Test(arguments: [(SIGTERM, 143), (SIGHUP, 129), (SIGINT, 130)])
    func signalsRestoreTheTerminal(signal: Int32, status: Int) throws {
        let session = try TmuxSession.console()
        defer { session.close() }
        try session.sendSignal(signal)
        var exit: Int?
        for _ in 0..<100 where exit == nil {
            exit = try session.exitStatus()
            usleep(50_000)
        }
        let pane = try session.capture()
        #expect(exit == status, "pane: \(pane)")
        #expect(!pane.contains("Find a customer"))
    }

    /// A real terminal's paste (tmux sends it bracketed because the console asked): text with a digit, a q and a
    /// line break lands in the search field whole; on a screen without a text field a paste is no keys at all.
    @Test func aPasteInARealTerminalIsText() throws {
        let order = try TestSupport.sql(TestSupport.fixtureDatabase, "SELECT id FROM orders ORDER BY id LIMIT 1")
        let session = try TmuxSession.console()
        defer { session.close() }
        try session.paste("1q 3 a\n")
        var pane = try session.waitUntil { $0.contains("│1q 3 a ") }
        #expect(pane.contains("│1q 3 a "), "pane: \(pane)")
        let crumbs = pane.prefix { $0 != "\n" }
        #expect(crumbs.hasPrefix("popsa-ops › Search ") && !crumbs.contains("Search ›"), "still searching: \(pane)")
        #expect(try session.exitStatus() == nil, "the q in the paste did not quit")
        try session.send(key: "ctrl-u")
        try session.paste(order + "\n")
        pane = try session.waitUntil { $0.contains("→ order") }
        try session.send(key: "enter")
        pane = try session.waitUntil { $0.contains("Order \(order)") }
        #expect(pane.contains("Order \(order)"), "pane: \(pane)")
        // Where no field takes text, a paste does nothing: "rq" pasted on an order neither opens the refund dialog
        // nor goes back.
        try session.paste("rq")
        pane = try session.waitUntil { $0.contains("Nothing here takes text") }
        #expect(pane.contains("Nothing here takes text") && pane.contains("Order \(order)"), "pane: \(pane)")
        #expect(!pane.contains("Refund order") && !pane.contains("Void order"), "pane: \(pane)")
    }

    /// `y` puts the selected row's id on the clipboard through the terminal (OSC 52): tmux, as the terminal here,
    /// keeps it as a paste buffer; the toast names what was copied.
    @Test func yCopiesTheSelectedIdToTheClipboard() throws {
        let session = try TmuxSession.console(width: 100, height: 30)
        defer { session.close() }
        try session.tmuxOutput(["set-option", "-s", "set-clipboard", "on"])
        for key in [":", "o", "r", "d", "e", "r", "s", "enter"] { try session.send(key: key) }
        var pane = try session.waitUntil { $0.contains("1/") }
        try session.send(key: "down")
        try session.send(key: "y")
        pane = try session.waitUntil { $0.contains("Copied order id") }
        let copied = try #require(pane.firstMatch(of: /Copied order id (ord_[a-z0-9]+)/)).1
        let buffer = try session.tmuxOutput(["show-buffer"])
        #expect(buffer == String(copied), "pane: \(pane)")
        let second = try TestSupport.sql(
            TestSupport.fixtureDatabase, "SELECT id FROM orders ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 1")
        #expect(buffer == second, "the second row, as the list shows newest first")
    }

    /// A payment id and a tracking number reach the terminal as OSC 8 hyperlinks to the configured pages (read
    /// here in what the console wrote, before tmux interprets it), while the pane shows exactly the text; ids go
    /// into the URL percent-encoded. `show = "never"` sends none.
    @Test(arguments: ["always", "never"])
    func idsAreHyperlinksInTheTerminalsOutput(show: String) throws {
        let row = try TestSupport.sql(
            TestSupport.fixtureDatabase,
            """
            SELECT o.id, p.provider_transaction_id, j.tracking_number FROM orders o \
            JOIN payments p ON p.order_id = o.id JOIN print_jobs j ON j.order_id = o.id \
            WHERE p.provider = 'stripe' AND j.carrier = 'Royal Mail' AND j.tracking_number IS NOT NULL \
            ORDER BY o.id LIMIT 1
            """
        ).split(separator: "|").map(String.init)
        let (order, intent, tracking) = (row[0], row[1], row[2])
        let config = TestSupport.temporaryDirectory() + "/config.toml"
        try """
        [links]
        show = "\(show)"
        stripe = "https://dashboard.stripe.com/test/payments/{id}"
        [links.carriers]
        "Royal Mail" = "https://track.example/rm?n={tracking}&x=1"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let session = try TmuxSession(
            command: TestSupport.consoleCommand(
                term: "xterm-256color",
                arguments: ["--db", TestSupport.fixtureDatabase, "--now", TestSupport.now, "--config", config]),
            width: 120, height: 40)
        defer { session.close() }
        _ = try session.waitUntil { $0.contains("Find a customer") }
        let output = TestSupport.temporaryDirectory() + "/pane-output"
        try session.tmuxOutput(["pipe-pane", "-o", "-t", session.name, "cat >> '\(output)'"])
        try session.paste(order)
        _ = try session.waitUntil(timeout: .seconds(10)) { $0.contains("→ order") }
        try session.send(key: "enter")
        let pane = try session.waitUntil(timeout: .seconds(10)) {
            $0.contains("Order \(order)") && $0.contains(tracking)
        }
        #expect(pane.contains(intent) && pane.contains(tracking), "pane: \(pane)")
        #expect(!pane.contains("]8;"), "no link sequence shows as text: \(pane)")
        usleep(300_000)
        let written = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let esc = "\u{1b}"
        let paymentLink = "\(esc)]8;;https://dashboard.stripe.com/test/payments/\(intent)\(esc)\\"
        let trackingLink = "\(esc)]8;;https://track.example/rm?n=\(tracking)&x=1\(esc)\\"
        if show == "always" {
            #expect(written.contains(paymentLink), "output: \(written.suffix(3000).debugDescription)")
            #expect(written.contains(trackingLink))
            // The link holds the text ncurses drew (after the colour and attributes it drew it in), then closes.
            let afterTracking = try #require(written.range(of: trackingLink)).upperBound
            let rest = written[afterTracking...]
            #expect(rest.contains(tracking) && rest.contains("\(esc)]8;;\(esc)\\"))
        } else {
            #expect(!written.isEmpty && !written.contains("\(esc)]8;"), "no links when never")
        }
    }

    @Test(arguments: ["dumb", "no-such-terminal-type"])
    func terminalsThatCannotDrawAScreenAreRefused(term: String) throws {
        let session = try TmuxSession(
            command: TestSupport.consoleCommand(term: term, arguments: ["--db", TestSupport.fixtureDatabase]),
            width: 80, height: 24)
        defer { session.close() }
        var status: Int?
        for _ in 0..<100 where status == nil {
            status = try session.exitStatus()
            usleep(50_000)
        }
        let pane = try session.capture()
        #expect(status == 69, "pane: \(pane)")
        #expect(pane.contains("set TERM to"), "pane: \(pane)")
    }

    @Test func withoutUTF8ADoubleWidthCharacterFillsBothColumns() throws {
        // The search lists Latin names, then a Japanese one on the same row: in the C locale each double-width
        // character is drawn as "??", and nothing of the letters underneath may show through.
        let session = try TmuxSession.console(locale: "C")
        defer { session.close() }
        try session.type("murphy")
        try session.waitUntil { $0.contains("Murphy") }
        for _ in 0..<6 { try session.send(key: "backspace") }
        try session.type("sato")
        let pane = try session.waitUntil { $0.contains("sato") && !$0.contains("Murphy") }
        let row = try #require(pane.split(separator: "\n").first { $0.contains("????") }, "pane: \(pane)")
        // The row of the name shows only question marks where the name is: no stale letters between them.
        let name = row.drop { $0 != "?" }.prefix { $0 == "?" || $0 == " " }
        #expect(name.filter { $0 == "?" }.count % 2 == 0, "row: \(row)")
        #expect(!row.contains("Murph"), "row: \(row)")
    }

    @Test func withoutATerminalTheConsoleRefusesAndPointsAtHeadless() throws {
        let result = try TestSupport.popsaOps(["--db", TestSupport.fixtureDatabase])
        #expect(result.status == 69)
        #expect(result.stderr.contains("needs a terminal"))
        #expect(result.stderr.contains("popsa-ops headless --script FILE"))
    }
}
