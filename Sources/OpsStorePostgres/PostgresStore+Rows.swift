import OpsCore
import PostgresNIO

// MARK: - PostgresRecordRow

/// A PostgreSQL row read by position, for the domain decoders in OpsCore (the same column lists as SQLite's).
struct PostgresRecordRow: StoreRow {
    let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) { cells = row.makeRandomAccess() }

    func text(_ index: Int) throws -> String { try cells[index].decode(String.self) }
    func optionalText(_ index: Int) throws -> String? { try cells[index].decode(String?.self) }
    func integer(_ index: Int) throws -> Int64 { try cells[index].decode(Int64.self) }
    func optionalInteger(_ index: Int) throws -> Int64? { try cells[index].decode(Int64?.self) }
}

// MARK: - Queries

/// Where a statement runs: on a transaction's connection, or on any connection of the pool.
enum PostgresTarget {
    case pool
    case connection(PostgresConnection)
}

extension PostgresStore {
    /// Runs `sql` (placeholders `$1`, `$2`…) and decodes every row. On the pool the statement has the store's
    /// deadline; the driver's errors come out as `PostgresStoreError.failed` in words.
    func fetch<T>(
        _ sql: String, _ arguments: [StoreValue] = [], on target: PostgresTarget = .pool,
        _ decode: (PostgresRecordRow) throws -> T
    ) async throws -> [T] {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments { bindings.append(argument) }
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        return try await Self.inWords {
            switch target {
            case .pool:
                let (client, logger) = (self.client, self.logger)
                let rows = try await withDeadline {
                    var rows: [PostgresRow] = []
                    for try await row in try await client.query(query, logger: logger) { rows.append(row) }
                    return rows
                }
                return try rows.map { try decode(PostgresRecordRow($0)) }
            case .connection(let connection):
                var out: [T] = []
                for try await row in try await connection.query(query, logger: logger) {
                    out.append(try decode(PostgresRecordRow(row)))
                }
                return out
            }
        }
    }

    /// Runs `work`, the driver's errors coming out as `PostgresStoreError.failed` in words.
    static func inWords<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as PSQLError {
            throw PostgresStoreError.failed(describe(error), kind: writeFailureKind(error))
        } catch let error as PostgresDecodingError {
            // Which column and types, never the value (postgres-nio keeps it out of its description for that reason).
            throw PostgresStoreError.failed(
                "column \(error.columnName) is \(error.postgresType), not the \(error.targetType) expected",
                kind: .other)
        }
    }

    /// The first decoded row, or nil.
    func fetchFirst<T>(
        _ sql: String, _ arguments: [StoreValue] = [], on target: PostgresTarget = .pool,
        _ decode: (PostgresRecordRow) throws -> T
    ) async throws -> T? {
        try await fetch(sql, arguments, on: target, decode).first
    }

    /// Runs a statement that returns no rows.
    func execute(_ sql: String, _ arguments: [StoreValue] = [], on target: PostgresTarget = .pool) async throws {
        _ = try await fetch(sql, arguments, on: target) { _ in () }
    }
}

extension StoreValue {
    /// A flag as both stores keep it (0 or 1).
    static func flag(_ value: Bool) -> StoreValue { .integer(value ? 1 : 0) }
}
