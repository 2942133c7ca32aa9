import NIOCore
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
    /// nothing. Rows stream in with `COPY … FROM STDIN`, a batch at a time, with the triggers off; the running
    /// counts they would have kept are recomputed once at the end.
    public func copy(
        from source: any TransferSource, batch: Int = 5000, progress: (String, Int) -> Void = { _, _ in }
    ) async throws -> CopyReport {
        try await transaction { connection in
            let on = PostgresTarget.connection(connection)
            if let table = try await firstTableWithRows(on: on) {
                throw PostgresStoreError.notEmpty(location.description, table: table)
            }
            for table in StoreTransfer.tables {
                try await execute("ALTER TABLE \(table.name) DISABLE TRIGGER USER", on: on)
            }
            // As pg_restore does: the secondary indexes and the foreign keys are made after the data, in one pass
            // each, instead of row by row (in the same transaction: a failed copy leaves them as they were).
            let deferred = try await deferIndexesAndKeys(on: on)
            var report = CopyReport()
            for table in StoreTransfer.tables {
                var columns = table.columns
                if let order = table.insertionOrder { columns.append(order) }
                let keyIndexes = table.key.map { table.columns.firstIndex(of: $0)! }
                var count = 0
                try await connection.copyFrom(table: table.name, columns: columns, logger: logger) { writer in
                    var after: [StoreValue]?
                    while true {
                        let rows = try await source.exportRows(table, after: after, limit: batch)
                        guard let last = rows.last else { break }
                        var bytes: [UInt8] = []
                        bytes.reserveCapacity(rows.count * 128)
                        for row in rows { Self.appendCopyLine(row, to: &bytes) }
                        try await writer.write(ByteBuffer(bytes: bytes))
                        count += rows.count
                        progress(table.name, count)
                        after = keyIndexes.map { last[$0] }
                        if rows.count < batch { break }
                    }
                }
                report.rows.append((table.name, count))
            }
            for statement in deferred { try await execute(statement, on: on) }
            for statement in PostgresSchema.rollupRebuild { try await execute(statement, on: on) }
            for table in StoreTransfer.tables {
                try await execute("ALTER TABLE \(table.name) ENABLE TRIGGER USER", on: on)
            }
            // New customers are numbered after the copied ones; consoles already open hear of the copy.
            try await execute(
                "SELECT setval(pg_get_serial_sequence('users', 'seq'), coalesce(max(seq), 0) + 1, false) FROM users",
                on: on)
            try await execute("SELECT nextval('popsa_changes'), pg_notify('popsa_changes', '')", on: on)
            // Statistics now, not whenever autovacuum gets to it: the planner's estimates right after a bulk copy
            // would otherwise be guesses (and a lookup a scan).
            try await execute("ANALYZE", on: on)
            return report
        }
    }

    /// Refuses a database that already holds data (`PostgresStoreError.notEmpty`), as a copy would: `seed` asks
    /// before it spends a minute generating what the copy would then refuse.
    public func requireEmpty() async throws {
        if let table = try await firstTableWithRows(on: .pool) {
            throw PostgresStoreError.notEmpty(location.description, table: table)
        }
    }

    /// The first table a copy would fill that already has a row, or nil when the database is empty.
    private func firstTableWithRows(on target: PostgresTarget) async throws -> String? {
        for table in StoreTransfer.tables {
            let found = try await fetchFirst("SELECT EXISTS (SELECT 1 FROM \(table.name))::int::bigint", on: target) {
                try $0.integer(0)
            }
            if found == 1 { return table.name }
        }
        return nil
    }

    /// Drops the copied tables' foreign keys and the indexes no constraint owns, returning the statements that
    /// make them again (indexes first, then the keys, which the indexes help check).
    private func deferIndexesAndKeys(on target: PostgresTarget) async throws -> [String] {
        let tables: [StoreValue] = [.text(StoreTransfer.tables.map(\.name).joined(separator: ","))]
        let keys = try await fetch(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
            WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(string_to_array($1, ','))
            ORDER BY 1, 2
            """, tables, on: target
        ) { (table: try $0.text(0), name: try $0.text(1), definition: try $0.text(2)) }
        let indexes = try await fetch(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid::regclass::text = ANY(string_to_array($1, ','))
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 1
            """, tables, on: target
        ) { (name: try $0.text(0), definition: try $0.text(1)) }
        for key in keys { try await execute("ALTER TABLE \(key.table) DROP CONSTRAINT \(key.name)", on: target) }
        for index in indexes { try await execute("DROP INDEX \(index.name)", on: target) }
        return indexes.map(\.definition)
            + keys.map { "ALTER TABLE \($0.table) ADD CONSTRAINT \($0.name) \($0.definition)" }
    }

    /// One row in COPY's text format: tab-separated, `\N` for NULL, and in text the four characters the format
    /// gives a meaning (backslash, tab, newline, carriage return) escaped; every other byte goes as it is.
    static func appendCopyLine(_ row: [StoreValue], to bytes: inout [UInt8]) {
        for (index, value) in row.enumerated() {
            if index > 0 { bytes.append(0x09) }
            switch value {
            case .null: bytes += [0x5C, 0x4E]
            case .integer(let v): bytes += String(v).utf8
            case .text(let text):
                for byte in text.utf8 {
                    switch byte {
                    case 0x5C: bytes += [0x5C, 0x5C]
                    case 0x09: bytes += [0x5C, 0x74]
                    case 0x0A: bytes += [0x5C, 0x6E]
                    case 0x0D: bytes += [0x5C, 0x72]
                    default: bytes.append(byte)
                    }
                }
            }
        }
        bytes.append(0x0A)
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
