import GRDB
import GRDBSQLite
import OpsCore

/// A prepared INSERT bound through the C API: the seed writes tens of millions of rows, and building a
/// `StatementArguments` array per row costs more than SQLite's own work.
///
/// A row's text values are copied into one reused byte arena and bound without SQLite copying them again
/// (SQLITE_STATIC is safe: the arena does not change until the row has been stepped).
struct BulkStatement: RecordUpserts.Sink {
    private let statement: Statement
    private var handle: OpaquePointer { statement.sqliteStatement }
    private var index: Int32 = 0
    private var arena: [UInt8] = []
    private var texts: [(index: Int32, offset: Int, count: Int)] = []

    init(_ db: Database, _ sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        arena.reserveCapacity(4096)
    }

    mutating func text(_ value: String) {
        index += 1
        let offset = arena.count
        arena.append(contentsOf: value.utf8)
        texts.append((index, offset, arena.count - offset))
    }

    mutating func text(_ value: String?) {
        if let value { text(value) } else { null() }
    }

    mutating func int(_ value: Int64) {
        index += 1
        sqlite3_bind_int64(handle, index, value)
    }

    mutating func int(_ value: Int) { int(Int64(value)) }

    mutating func int(_ value: Int64?) {
        if let value { int(value) } else { null() }
    }

    mutating func null() {
        index += 1
        sqlite3_bind_null(handle, index)
    }

    /// Runs the bound row and resets for the next one.
    mutating func run() throws {
        let handle = self.handle
        let code = arena.withUnsafeBufferPointer { bytes -> Int32 in
            for t in texts {
                // An empty string still needs a non-null pointer, or SQLite stores NULL.
                let pointer =
                    t.count == 0 ? UnsafeRawPointer(emptyText) : UnsafeRawPointer(bytes.baseAddress! + t.offset)
                sqlite3_bind_text(
                    handle, t.index, pointer.assumingMemoryBound(to: CChar.self), Int32(t.count), sqliteStatic)
            }
            return sqlite3_step(handle)
        }
        index = 0
        arena.removeAll(keepingCapacity: true)
        texts.removeAll(keepingCapacity: true)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }
}

/// SQLite's SQLITE_STATIC: the bytes stay valid until the statement is stepped.
let sqliteStatic = unsafeBitCast(OpaquePointer(bitPattern: 0), to: sqlite3_destructor_type.self)
// Unsafe: a pointer is not Sendable, but this one is written once, at initialisation, and only read after.
nonisolated(unsafe) private let emptyText: UnsafeMutablePointer<CChar> = {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    p.pointee = 0
    return p
}()
