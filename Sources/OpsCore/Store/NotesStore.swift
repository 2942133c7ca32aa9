// MARK: - NotesStore

/// Internal notes, on both stores: written with their audit entry in one transaction, read with the records.
public protocol NotesStore: Sendable {
    /// Records the note and `audit` (which names the note by id, never its text) in one transaction.
    func addNote(_ note: Note, audit: AuditRecord) async throws
    /// Every note of a customer (on them, their orders and print jobs), newest first.
    func notes(userID: String) async throws -> [Note]
}

/// The notes' SQL, the same on both stores (`?` placeholders; PostgreSQL numbers them).
public enum NoteSQL {
    public static let insert = """
        INSERT INTO notes (id, subject_kind, subject_id, user_id, order_id, author, at, text, ticket)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    /// A customer's, newest first (`?`: the user id).
    public static let byCustomer =
        "SELECT \(StoredColumns.note) FROM notes n WHERE n.user_id = ? ORDER BY n.at DESC, n.id DESC"
    /// An order's and its jobs', newest first (`?`: the order id).
    public static let byOrder =
        "SELECT \(StoredColumns.note) FROM notes n WHERE n.order_id = ? ORDER BY n.at DESC, n.id DESC"
    /// A job's and its order's, newest first (`?`: the order id, the job id).
    public static let byJob = """
        SELECT \(StoredColumns.note) FROM notes n
        WHERE n.order_id = ? AND (n.subject_kind = 'order' OR n.subject_id = ?) ORDER BY n.at DESC, n.id DESC
        """

    /// The values of `insert`, in order.
    public static func values(_ note: Note) -> [StoreValue] {
        [
            .text(note.id), .text(note.subject.kind), .text(note.subject.id), .text(note.userID),
            note.orderID.map { .text($0) } ?? .null, .text(note.author), .integer(note.at.seconds), .text(note.text),
            note.ticket.map { .text($0) } ?? .null,
        ]
    }

    /// The audit entry of a note: the subject and the note's id, no free text (the chain cannot be redacted).
    public static func audit(_ note: Note, by identity: OperatorIdentity) -> AuditRecord {
        AuditRecord(
            at: note.at, operatorName: identity.name, sshClient: identity.sshClient ?? "", action: "note.added",
            target: note.subject.target, result: "ok", detail: note.id)
    }
}
