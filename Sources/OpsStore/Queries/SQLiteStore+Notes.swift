import GRDB
import OpsCore

// MARK: - SQLiteStore: NotesStore

extension SQLiteStore: NotesStore {
    public func addNote(_ note: Note, audit: AuditRecord) async throws {
        do {
            try writeAudited { db in
                try db.execute(
                    sql: NoteSQL.insert, arguments: StatementArguments(NoteSQL.values(note).map(\.databaseValue)))
                try Self.appendAudit(db, audit)
            }
        } catch let error as DatabaseError {
            throw SQLiteStore.writeFailure(error)
        }
    }

    public func notes(userID: String) async throws -> [Note] {
        try readNow { db in try Self.notes(db, NoteSQL.byCustomer, [userID]) }
    }

    static func notes(_ db: Database, _ sql: String, _ arguments: [String]) throws -> [Note] {
        try fetchDecoded(db, sql, StatementArguments(arguments)) { try Note(row: $0) }
    }
}
