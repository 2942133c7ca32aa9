import Testing

@testable import OpsCore

@Suite struct NoteRuleTests {
    @Test func aNoteIsTrimmedBoundedAndItsTicketIsAPlainReference() throws {
        let kept = try Note.checked(text: "  Box crushed\nreprint offered \n", ticket: " ZD-48213 ")
        #expect(kept.text == "Box crushed\nreprint offered" && kept.ticket == "ZD-48213")
        #expect(try Note.checked(text: "x", ticket: "  ").ticket == nil)
        #expect(throws: NoteRefusal.empty) { try Note.checked(text: " \n ", ticket: nil) }
        let long = String(repeating: "é", count: Note.maxLength + 1)
        #expect(throws: NoteRefusal.tooLong(Note.maxLength + 1)) { try Note.checked(text: long, ticket: nil) }
        #expect(try Note.checked(text: String(repeating: "é", count: Note.maxLength), ticket: nil).text.count == 2000)
        for bad in ["a b", "zd\u{1B}[2J", String(repeating: "x", count: 65), "ticket;rm"] {
            #expect(throws: NoteRefusal.badTicket(bad)) { try Note.checked(text: "x", ticket: bad) }
        }
        #expect(try Note.checked(text: "x", ticket: "JIRA:OPS-12/a_b.c#3").ticket == "JIRA:OPS-12/a_b.c#3")
    }

    @Test func theAuditEntryNamesTheNoteNotItsText() {
        let note = Note(
            id: "note_1", subject: .printJob("job_1"), userID: "usr_1", orderID: "ord_1", author: "ana",
            at: Timestamp(seconds: 100), text: "secret: card ends 4242", ticket: "ZD-1")
        let entry = NoteSQL.audit(note, by: OperatorIdentity(name: "ana", sshClient: "10.0.0.9", role: .agent))
        #expect(entry.action == "note.added" && entry.target == "print job job_1" && entry.detail == "note_1")
        #expect(!"\(entry)".contains("4242") && !"\(entry)".contains("ZD-1"))
        #expect(Note.Subject(kind: note.subject.kind, id: note.subject.id) == note.subject)
    }
}

@Suite struct TimelineRuleTests {
    @Test func theTimelineIsNewestFirstAndAtOneTimeTheLaterStepFirst() throws {
        let at = Timestamp(seconds: 1_000)
        let entries = [
            TimelineEntry(at: at, kind: .order, subject: "ord_1", text: "Order placed"),
            TimelineEntry(at: Timestamp(seconds: 2_000), kind: .note, subject: "note_1", text: "Called"),
            TimelineEntry(at: at, kind: .payment, subject: "pay_1", text: "Paid"),
        ]
        #expect(Timeline.sorted(entries).map(\.kind) == [.note, .payment, .order])
        #expect(Timeline.sorted(entries.reversed()) == Timeline.sorted(entries))
        #expect(try TimelineEntry.kinds("refund, print-job") == [.refund, .printJob])
        #expect(throws: RecordFieldError.self) { try TimelineEntry.kinds("refund,gossip") }
    }
}
