import Foundation
import OpsTestSupport
import Testing

/// Internal notes: added from the command line as the OS account, shown on the order, the job and the customer in
/// the console and in `query`, audited by id only (the text never enters the hash chain), on both stores.
@Suite(.serialized) struct NoteTests {
    @Test(arguments: StoreUnderTest.Kind.allCases)
    func notesAreAddedAsTheOSAccountShownWhereTheyBelongAndAuditedWithoutTheirText(
        _ kind: StoreUnderTest.Kind
    ) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let order = ConsoleScripts.placeholders["refundable_order"]!
        let db = ["--db", store.database, "--now", TestSupport.now]
        // Three notes a few minutes apart (their order on screen is newest first).
        func at(_ minutes: Int) -> [String] {
            let seconds = TestSupport.nowTimestamp.seconds - Int64(minutes) * 60
            let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            return ["--db", store.database, "--now", time]
        }
        // The OS account is the author, whatever USER says.
        let added = try TestSupport.popsaOps(
            ["note", "add", order, "--text", "Box arrived crushed; reprint offered", "--ticket", "ZD-48213"] + at(20),
            environment: ["USER": "mallory"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.contains("to order \(order) (by \(TestSupport.accountName))"), "\(added.stdout)")
        let job = try store.sql("SELECT id FROM print_jobs WHERE order_id = '\(order)' ORDER BY id LIMIT 1")
        try #require(!job.isEmpty)
        let onJob = try TestSupport.popsaOps(["note", "add", job, "--text", "Partner says: reprint queued"] + at(10))
        #expect(onJob.status == 0 && onJob.stdout.contains("to print job \(job)"), "\(onJob.stdout)\(onJob.stderr)")
        let user = try store.sql("SELECT user_id FROM orders WHERE id = '\(order)'")
        let onCustomer = try TestSupport.popsaOps(
            ["note", "add", user, "--text", "Prefers email, not phone\nVIP since 2024", "--json"] + at(5))
        #expect(onCustomer.status == 0 && onCustomer.stdout.contains(#""subject_kind": "customer""#))

        // Refused: no text, an id that is nothing, a malformed ticket, a viewer.
        let empty = try TestSupport.popsaOps(["note", "add", order, "--text", "  "] + db)
        #expect(empty.status == 64 && empty.stderr.contains("a note needs some text"), "\(empty.stderr)")
        let nothing = try TestSupport.popsaOps(["note", "add", "ord_nope", "--text", "x"] + db)
        #expect(nothing.status == 1 && nothing.stderr.contains("nothing with id ord_nope"), "\(nothing.stderr)")
        let ticket = try TestSupport.popsaOps(["note", "add", order, "--text", "x", "--ticket", "a b"] + db)
        #expect(ticket.status == 64 && ticket.stderr.contains("ticket reference"), "\(ticket.stderr)")
        let viewer = try TestSupport.popsaOps(["note", "add", order, "--text", "x", "--read-only"] + db)
        #expect(viewer.status == 1 && viewer.stderr.contains("viewers cannot add notes"), "\(viewer.stderr)")
        #expect(try store.sql("SELECT count(*) FROM notes") == "3")

        // Where they show: the order (its own and its job's), the job (its own and its order's), the customer (all).
        let shownOrder = try TestSupport.popsaOps(["query", "order", order] + db)
        #expect(shownOrder.stdout.contains("NOTES (2)") && shownOrder.stdout.contains("ZD-48213"))
        #expect(!shownOrder.stdout.contains("Prefers email"))
        let shownJob = try TestSupport.popsaOps(["query", "print-job", job] + db)
        #expect(shownJob.stdout.contains("NOTES (2)") && shownJob.stdout.contains("reprint queued"))
        let listed = try TestSupport.popsaOps(["note", "list", order] + db)
        #expect(listed.status == 0 && listed.stdout.contains("Prefers email, not phone ⏎ VIP since 2024"))
        let console = try ConsoleScripts.run("notes", size: "100x30", database: store.database)
        #expect(console.status == 0, "\(console.stderr)")
        TestSupport.assertGolden(store.screenAsOnSQLite(console.stdout), "console/notes-100x30.txt")

        // A viewer's console offers no notes; `n` types the command, which says so.
        let script = "key :\ntype order \(order)\nkey enter\nwait\nkey n\ntype a viewer's note\nkey enter\n"
        let readOnly = try TestSupport.popsaOps(
            ["headless", "--read-only", "--size", "100x30", "--script", "-"] + db,
            stdin: script + "expect Read-only: notes are off\n")
        #expect(readOnly.status == 0, "\(readOnly.stdout)\(readOnly.stderr)")

        // The audit names each note by id; no note's text is in the chain, which still verifies.
        #expect(try store.sql("SELECT count(*) FROM audit_log WHERE action = 'note.added'") == "4")
        #expect(try store.sql("SELECT count(*) FROM audit_log WHERE detail LIKE '%crushed%'") == "0")
        let ids = try store.sql("SELECT id FROM notes ORDER BY id")
        #expect(ids.split(separator: "\n").count == 4)
        for id in ids.split(separator: "\n") {
            #expect(try store.sql("SELECT count(*) FROM audit_log WHERE detail = '\(id)'") == "1")
        }
        let verify = try TestSupport.popsaOps(["audit", "verify", "--db", store.database])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test func aNoteQuotingEscapeSequencesReachesNoTerminalRaw() throws {
        let store = try StoreUnderTest.fixtureCopy(.sqlite)
        let order = ConsoleScripts.placeholders["refundable_order"]!
        let db = ["--db", store.database, "--now", TestSupport.now]
        let hostile = "copy this \u{1B}]52;c;cm0gLXJmIH4=\u{07} and \u{1B}[2J done"
        #expect(try TestSupport.popsaOps(["note", "add", order, "--text", hostile] + db).status == 0)
        for command in [["note", "list", order], ["query", "order", order]] {
            let out = try TestSupport.popsaOps(command + db)
            #expect(out.status == 0 && out.stdout.contains("copy this ␛]52;c;cm0gLXJmIH4=␇"), "\(out.stdout)")
            #expect(!out.stdout.unicodeScalars.contains { $0.value == 0x1B })
        }
    }
}
