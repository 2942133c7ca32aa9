import Foundation
import GRDB
import OpsCore

// MARK: - Columns

/// The column lists the domain decoders read (shared with the PostgreSQL store, whose tables are the same).
typealias Columns = StoredColumns

// MARK: - Row: StoreRow

/// GRDB's row read by position, for the domain decoders in OpsCore (this module is the only one that sees GRDB's
/// rows).
extension Row: StoreRow {
    public func text(_ index: Int) throws -> String { self[index] }
    public func optionalText(_ index: Int) throws -> String? { self[index] }
    public func integer(_ index: Int) throws -> Int64 { self[index] }
    public func optionalInteger(_ index: Int) throws -> Int64? { self[index] }
}

// MARK: - Decoding

/// Decodes every row of a cached statement straight from SQLite's row buffer: `Row.fetchAll` would first copy each
/// row into its own `Row`, which costs as much as the query on a customer's handful of rows.
func fetchDecoded<T>(
    _ db: Database, _ sql: String, _ arguments: StatementArguments,
    _ decode: (Row) throws -> T
) throws -> [T] {
    let cursor = try Row.fetchCursor(try db.cachedStatement(sql: sql), arguments: arguments)
    var out: [T] = []
    while let row = try cursor.next() { out.append(try decode(row)) }
    return out
}

/// The first decoded row, or nil.
func fetchFirstDecoded<T>(
    _ db: Database, _ sql: String, _ arguments: StatementArguments,
    _ decode: (Row) throws -> T
) throws -> T? {
    let cursor = try Row.fetchCursor(try db.cachedStatement(sql: sql), arguments: arguments)
    guard let row = try cursor.next() else { return nil }
    return try decode(row)
}

func decodeEnum<E: RawRepresentable>(_ row: Row, _ index: Int, _ table: String, _ column: String) throws -> E
where E.RawValue == String {
    try row.storedEnum(index, table, column)
}
