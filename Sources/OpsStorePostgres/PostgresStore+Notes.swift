import OpsCore
import PostgresNIO

// MARK: - PostgresStore: NotesStore

extension PostgresStore: NotesStore {
    public func addNote(_ note: Note, audit: AuditRecord) async throws {
        try await writeAudited { connection in
            try await execute(Self.numbered(NoteSQL.insert), NoteSQL.values(note), on: .connection(connection))
            try await appendAudit(audit, on: connection)
        }
    }

    public func notes(userID: String) async throws -> [Note] {
        try await fetchPrepared(PreparedSQL.CustomerNotes.self, [.text(userID)]) { try Note(row: $0) }
    }

    /// The notes of an order (and its jobs), or of a job (and its order), on the view's connection.
    func notes(_ sql: String, _ arguments: [StoreValue], on target: PostgresTarget) async throws -> [Note] {
        try await fetch(Self.numbered(sql), arguments, on: target) { try Note(row: $0) }
    }
}
