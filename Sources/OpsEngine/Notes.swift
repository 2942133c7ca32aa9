import Foundation
import OpsCore

// MARK: - Notes

extension Engine {
    /// Adds an internal note to whatever `identifier` names (a customer, an order, a print job — or anything the
    /// search resolves to one: an email, a `pi_`, a tracking number…), as `identity`, with its audit entry.
    /// Refused for viewers, for empty or over-long text and for a malformed ticket reference.
    public func addNote(
        about identifier: String, text: String, ticket: String?, by identity: OperatorIdentity
    ) async throws -> Note {
        guard identity.role >= .agent else { throw NoteRefusal.viewer }
        let checked = try Note.checked(text: text, ticket: ticket)
        let id = identifier.trimmingWhitespace()
        guard let found = try await store.resolve(identifier: id) else { throw NoteRefusal.notFound(id) }
        let subject: Note.Subject
        switch found.kind {
        case .user, .email: subject = .customer(found.userID)
        case .printJob, .trackingNumber:
            subject =
                found.printJobID.map { .printJob($0) } ?? found.orderID.map { .order($0) } ?? .customer(found.userID)
        default: subject = found.orderID.map { .order($0) } ?? .customer(found.userID)
        }
        let note = Note(
            id: RecordID.make("note_"),
            subject: subject, userID: found.userID, orderID: found.orderID, author: identity.name, at: clock.now(),
            text: checked.text, ticket: checked.ticket)
        try await store.addNote(note, audit: NoteSQL.audit(note, by: identity))
        return note
    }

    /// Every note of the customer `identifier` names (as `customer(identifiedBy:)` finds them), newest first.
    public func notes(identifiedBy identifier: String) async throws -> (user: User, notes: [Note]) {
        let customer = try await customer(identifiedBy: identifier)
        return (customer.user, customer.notes)
    }
}
