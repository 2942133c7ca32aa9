import Foundation
import OpsTestSupport
import Testing

/// Names, titles and partner messages crafted to attack a terminal: screen clears, OSC 52 clipboard writes,
/// cursor moves, C1 controls, bidi overrides, zero-width characters, 10,000-character strings, invalid UTF-8.
@Suite(.serialized) struct HostileDataTests {
    static let database: String = {
        let db = TestSupport.fixtureCopy()
        let dir = TestSupport.temporaryDirectory("hostile")
        let file = dir + "/hostile.jsonl"
        let long = String(repeating: "W", count: 10_000)
        var lines = [
            #"{"type":"user","id":"usr_hostile","email":"hostile.user@example.com","#
                + #""name":"Eve \u001b[2J\u001b[H\u001b]52;c;cm0gLXJmIH4=\u0007 "#
                + #"\u009b31m \u202eevil\u202c \u200bzw\u200b","#
                + #""country":"GB","created_at":"2026-01-01T00:00:00Z"}"#,
            #"{"type":"print","id":"prt_hostile","user_id":"usr_hostile","product":"photobook","#
                + #""title":"Title \u001b[10;10H\u001b[31mRED\u001b[0m \u0085 \u007f \u0008\u0008 "#
                + long + #"","page_count":20,"photo_count":1,"created_at":"2026-01-02T00:00:00Z"}"#,
            #"{"type":"photo","print_id":"prt_hostile","position":1,"status":"missing"}"#,
            #"{"type":"order","id":"ord_hostile","user_id":"usr_hostile","print_id":"prt_hostile","currency":"GBP","#
                + #""status":"paid","line_items":[{"sku":"pb","description":"Book \u001b]0;pwned\u0007","quantity":1,"#
                + #""unit_amount":1000}],"subtotal_amount":1000,"shipping_amount":0,"tax_amount":0,"#
                + #""total_amount":1000,"shipping_address":{"name":"\u001b[2J","line1":"1 \u202eSt","#
                + #""city":"L","postcode":"1","country":"GB"},"created_at":"2026-01-03T00:00:00Z"}"#,
            #"{"type":"payment","id":"pay_hostile","order_id":"ord_hostile","provider":"stripe","#
                + #""provider_transaction_id":"ch_hostile","amount":1000,"currency":"GBP","status":"settled","#
                + #""created_at":"2026-01-03T00:00:00Z"}"#,
            #"{"type":"print_job","id":"job_hostile","order_id":"ord_hostile","partner":"evil-partner","#
                + #""status":"printing","created_at":"2026-01-03T00:00:00Z","updated_at":"2026-01-04T00:00:00Z"}"#,
            #"{"type":"print_job_event","job_id":"job_hostile","sequence":1,"at":"2026-01-04T00:00:00Z","#
                + #""status":"printing","#
                + #""message":"\u001b[1A\u001b[2K\u001bPq#0;2;0;0;0#0~~@@vv@@~~@@~~$-\u001b\\ overwritten"}"#,
        ].joined(separator: "\n")
        lines += "\n"
        var bytes = Array(lines.utf8)
        // A user whose name is not valid UTF-8.
        bytes +=
            Array(#"{"type":"user","id":"usr_badutf8","email":"bad.utf8@example.com","name":"Bad "#.utf8) + [
                0xFF, 0xFE, 0xC0, 0x80,
            ]
        bytes += Array(#" Bytes","country":"GB","created_at":"2026-01-01T00:00:00Z"}"#.utf8) + [0x0A]
        try! Data(bytes).write(to: URL(fileURLWithPath: file))
        let result = try! TestSupport.popsaOps(["import", "--db", db, file])
        precondition(result.status == 0, result.stderr)
        return db
    }()

    static func assertSafe(_ screen: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for scalar in screen.unicodeScalars where scalar != "\n" {
            let v = scalar.value
            let unsafe =
                v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
                || v == 0x200B || v == 0x200E || v == 0x200F || v == 0xFEFF
            #expect(!unsafe, "U+\(String(v, radix: 16)) reached the screen", sourceLocation: sourceLocation)
        }
    }

    @Test func headlessShowsOnlyPlaceholders() throws {
        let result = try ConsoleScripts.run("hostile", size: "120x40", database: Self.database)
        #expect(result.status == 0, "\(result.stderr)")
        Self.assertSafe(result.stdout)
        #expect(result.stdout.contains("Eve ␛[2J␛[H␛]52;c;cm0gLXJmIH4=␇"))
        #expect(result.stdout.contains("\u{FFFD}evil\u{FFFD}"))
        #expect(result.stdout.contains("␛[1A␛[2K"))
        TestSupport.assertGolden(result.stdout, "console/hostile-120x40.txt")
        let bad = try TestSupport.popsaOps(["query", "customer", "usr_badutf8", "--db", Self.database])
        #expect(bad.stdout.hasPrefix("Bad \u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD} Bytes"))
    }

    @Test func theRealTerminalShowsTheSameAndItsClipboardIsUntouched() throws {
        let headless = try ConsoleScripts.run("hostile", size: "120x40", database: Self.database)
        let expected = TestSupport.snapshots(headless.stdout)
        let session = try TmuxSession(
            command: TestSupport.consoleCommand(
                term: "xterm-256color", arguments: ["--db", Self.database, "--now", TestSupport.now]),
            width: 120, height: 40)
        defer { session.close() }
        // Let applications set tmux's clipboard, so an OSC 52 that got through would show up as a buffer.
        _ = try session.tmuxOutput(["set-option", "-g", "set-clipboard", "on"])
        let (mismatch, matched) = try session.replay(
            ConsoleScripts.text("hostile", size: "120x40"),
            expecting: expected)
        if let mismatch {
            Issue.record(Comment(rawValue: mismatch))
            return
        }
        #expect(matched == expected.count)
        #expect(try session.tmuxOutput(["list-buffers"]).trimmingCharacters(in: .whitespacesAndNewlines) == "")
        let title = try session.tmuxOutput(["display-message", "-p", "-t", session.name, "#{pane_title}"])
        #expect(!title.contains("pwned"))
    }
}
