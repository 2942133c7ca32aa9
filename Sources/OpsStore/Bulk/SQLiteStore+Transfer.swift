import GRDB
import OpsCore

// MARK: - SQLiteStore: TransferSource

extension SQLiteStore: TransferSource {
    public func exportRows(
        _ table: StoreTransfer.Table, after: [StoreValue]?, limit: Int
    ) async throws -> [[StoreValue]] {
        var columns = table.columns
        if table.insertionOrder != nil { columns.append("rowid") }
        let key = table.key.joined(separator: ", ")
        var sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table.name)"
        var arguments: [DatabaseValue] = []
        if let after {
            sql += " WHERE (\(key)) > (\(Array(repeating: "?", count: after.count).joined(separator: ", ")))"
            arguments = after.map(\.databaseValue)
        }
        sql += " ORDER BY \(key) LIMIT \(limit)"
        return try readNow { db in
            var rows: [[StoreValue]] = []
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
            while let row = try cursor.next() {
                var values: [StoreValue] = []
                for i in 0..<row.count {
                    switch (row[i] as DatabaseValue).storage {
                    case .null: values.append(.null)
                    case .int64(let v): values.append(.integer(v))
                    case .string(let v): values.append(.text(v))
                    case .double, .blob:
                        // Neither store keeps these: a value of either kind is not what the schema says.
                        throw StoreError.corruptValue(
                            table: table.name, column: columns[i], value: "\((row[i] as DatabaseValue).description)")
                    }
                }
                rows.append(values)
            }
            return rows
        }
    }
}

extension StoreValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let v): v.databaseValue
        case .text(let v): v.databaseValue
        }
    }
}
