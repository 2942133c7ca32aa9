import OpsCore
import PostgresNIO

// MARK: - Copying a database in

extension PostgresStore {
    /// What a copy moved, table by table.
    public struct CopyReport: Sendable, Equatable {
        public var rows: [(table: String, count: Int)] = []

        public static func == (a: CopyReport, b: CopyReport) -> Bool {
            a.rows.map(\.table) == b.rows.map(\.table) && a.rows.map(\.count) == b.rows.map(\.count)
        }
    }

    /// Copies every table of `source` into this database, which must be empty, in one transaction: all of it or
    /// nothing. Rows go in batches of multi-row INSERTs (a bind per value, under PostgreSQL's 65,535).
    public func copy(
        from source: any TransferSource, batch: Int = 2000, progress: (String, Int) -> Void = { _, _ in }
    ) async throws -> CopyReport {
        try await transaction { connection in
            for table in StoreTransfer.tables {
                let rows = try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT EXISTS (SELECT 1 FROM \(table.name))"), logger: logger)
                for try await exists in rows.decode(Bool.self) where exists {
                    throw PostgresStoreError.notEmpty(location.description, table: table.name)
                }
            }
            var report = CopyReport()
            for table in StoreTransfer.tables {
                var columns = table.columns
                if let order = table.insertionOrder { columns.append(order) }
                let keyIndexes = table.key.map { table.columns.firstIndex(of: $0)! }
                let perStatement = max(1, min(batch, 60_000 / columns.count))
                var after: [StoreValue]?
                var count = 0
                while true {
                    let rows = try await source.exportRows(table, after: after, limit: perStatement)
                    guard let last = rows.last else { break }
                    try await insert(rows, into: table.name, columns: columns, on: connection)
                    count += rows.count
                    progress(table.name, count)
                    after = keyIndexes.map { last[$0] }
                    if rows.count < perStatement { break }
                }
                report.rows.append((table.name, count))
            }
            if StoreTransfer.tables.contains(where: { $0.insertionOrder != nil }) {
                // New customers are numbered after the copied ones.
                try await connection.query(
                    """
                    SELECT setval(pg_get_serial_sequence('users', 'seq'), coalesce(max(seq), 0) + 1, false) FROM users
                    """,
                    logger: logger)
            }
            return report
        }
    }

    private func insert(
        _ rows: [[StoreValue]], into table: String, columns: [String], on connection: PostgresConnection
    ) async throws {
        var bindings = PostgresBindings(capacity: rows.count * columns.count)
        var tuples: [String] = []
        tuples.reserveCapacity(rows.count)
        var n = 0
        for row in rows {
            var placeholders: [String] = []
            for value in row {
                n += 1
                placeholders.append("$\(n)")
                bindings.append(value)
            }
            tuples.append("(\(placeholders.joined(separator: ",")))")
        }
        let sql =
            "INSERT INTO \(table) (\(columns.joined(separator: ", "))) "
            + (table == "users" ? "OVERRIDING SYSTEM VALUE " : "") + "VALUES " + tuples.joined(separator: ",")
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
    }
}

extension PostgresBindings {
    /// A value as it moves between stores, bound as its PostgreSQL type.
    mutating func append(_ value: StoreValue) {
        switch value {
        case .null: appendNull()
        case .integer(let v): append(v)
        case .text(let v): append(v)
        }
    }
}
