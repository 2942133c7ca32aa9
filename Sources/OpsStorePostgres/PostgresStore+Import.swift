import OpsCore
import PostgresNIO

// MARK: - PostgresStore: imports

/// `popsa-ops import` on PostgreSQL: the same JSON Lines, the same rules (OpsCore's `ImportRules`) and words as on
/// SQLite, in one transaction per file: on the first bad line nothing of the file is kept. Records are written
/// with the upserts both stores share, so importing the same file twice changes nothing the second time.
extension PostgresStore {
    public func importJSONLines(
        path: String, progress: @escaping (Int, Int) -> Void = { _, _ in }
    ) async throws -> ImportReport {
        try await importLines(try LineReader(path: path), progress: progress)
    }

    /// A batch of JSON Lines already in memory, with exactly a file's rules; `name` names it in errors.
    public func importJSONLines(bytes: [UInt8], name: String) async throws -> ImportReport {
        try await importLines(LineReader(bytes: bytes, name: name), progress: { _, _ in })
    }

    /// `first` runs in the import's transaction before its first line (the feed notes its delivery there).
    func importLines(
        _ input: LineReader, progress: @escaping (Int, Int) -> Void,
        first: (PostgresConnection) async throws -> Void = { _ in }
    ) async throws -> ImportReport {
        defer { input.close() }
        return try await write { connection in
            try await first(connection)
            var session = ImportSession(store: self, connection: connection, path: input.path)
            while let bytes = try input.nextLine() {
                try await session.line(bytes)
                if session.lineNumber % 5000 == 0 { progress(input.bytesRead, input.size) }
            }
            try await session.flush()
            progress(input.bytesRead, max(input.size, input.bytesRead))
            return session.report
        }
    }
}

// MARK: - ImportSession

/// One file's import on one transaction's connection.
private struct ImportSession {
    let store: PostgresStore
    let connection: PostgresConnection
    let path: String
    var report: ImportReport
    var lineNumber = 0
    var references = ImportReferences()
    /// Rows checked but not yet written (prints, photos, print jobs and their events, the bulk of an export), sent
    /// as one multi-row upsert per table when a read of their tables or a record pointing at them needs them, a
    /// tombstone comes, the batch is full, or the file ends: every read still sees every earlier line.
    var pending = PendingRows()

    init(store: PostgresStore, connection: PostgresConnection, path: String) {
        (self.store, self.connection, self.path) = (store, connection, path)
        report = ImportReport(file: path)
    }

    private var on: PostgresTarget { .connection(connection) }

    mutating func line(_ bytes: ArraySlice<UInt8>) async throws {
        lineNumber += 1
        guard let entry = try ImportError.entry(bytes, file: path, line: lineNumber) else { return }
        if let version = entry.version,
            try await appliedVersion(entry) >= version
        {
            report.stale += 1
            return
        }
        do {
            switch entry.change {
            case .upsert(let record):
                try await check(record)
                if entry.version == nil, let batch = PendingRows.batch(record) {
                    if pending.holds(batch) || pending.count >= PendingRows.capacity { try await flush() }
                    pending.add(batch, line: lineNumber, record: record)
                } else {
                    // An order points at a print, a versioned print, photo, job or event at a parent: perhaps one
                    // still waiting. Users, payments and disputes point only at what is never held back.
                    switch record {
                    case .user, .payment, .dispute: break
                    case .order, .print, .photo, .printJob, .printJobEvent: try await flush()
                    }
                    try await write(record)
                }
                references.remember(record)
            case .delete(let type, let key):
                try await flush()
                let statement = try ImportRules.tombstone(type: type, key: key)
                do {
                    let gone = try await store.fetch(
                        PostgresStore.numbered(statement.sql + " RETURNING 1"), statement.values, on: on
                    ) { _ in () }
                    if !gone.isEmpty { report.deleted += 1 }
                    references.forget(type: type, key: key)
                } catch PostgresStoreError.failed(let message, _) where message.contains("SQLSTATE 23503") {
                    throw ImportRules.stillReferred(type: type, key: key)
                }
            }
        } catch let error as RecordFieldError {
            throw fail(error.field, error.message)
        }
        if let version = entry.version {
            let deleted: Int64 = if case .delete = entry.change { 1 } else { 0 }
            try await execute(
                ImportRules.recordVersionSQL,
                [.text(entry.type), .text(entry.key), .integer(version), .integer(deleted)])
        }
        report.records += 1
        report.byType[entry.type, default: 0] += 1
    }

    private func fail(_ field: String, _ message: String) -> ImportError {
        ImportError(file: path, line: lineNumber, field: field, message: message)
    }

    // MARK: Rules

    private mutating func check(_ record: ImportRecord) async throws {
        if let parent = ImportReferences.parent(of: record), try await !exists(parent.table, parent.id) {
            throw ImportRules.missing(parent.field, parent.what, parent.id)
        }
        switch record {
        case .user(let u):
            // Asked before the write: a refused statement would end the transaction, and the message names the
            // customer who has the address (perhaps from earlier in this file).
            if let owner = try await text(
                "SELECT id FROM users WHERE lower(email) = lower(?) AND id <> ?",
                [
                    .text(u.email), .text(u.id),
                ])
            {
                throw RecordFieldError(field: "email", message: ImportRules.emailTaken(u.email, owner: owner))
            }
        case .print, .photo, .printJob, .printJobEvent:
            break
        case .order(let o):
            try ImportRules.checkOwner(o, printOwner: try await value("prints", "user_id", o.printID))
            let facts = try await first(ImportRules.orderFactsSQL, [.text(o.id)]) {
                (
                    currency: try $0.text(0), total: try $0.integer(1), refunded: try $0.integer(2),
                    paid: try $0.integer(3)
                )
            }
            guard let facts else { return }
            try ImportRules.checkMoney(
                o, stored: (facts.currency, facts.total), hasRefunds: facts.refunded == 1, paid: facts.paid)
        case .payment(let p):
            try ImportRules.checkCurrency(p, orderCurrency: try await value("orders", "currency", p.orderID))
            let facts = try await first(
                ImportRules.paymentFactsSQL, [.text(p.orderID), .text(p.id), .text(p.orderID), .text(p.id)]
            ) { row in
                let stored = try row.optionalText(0).map {
                    ImportRules.StoredPayment(
                        orderID: $0, provider: try row.text(1), transactionID: try row.text(2),
                        amount: try row.integer(3), currency: try row.text(4))
                }
                return (
                    stored, refunded: try row.integer(5), others: try row.integer(6), total: try row.optionalInteger(7)
                )
            }
            guard let facts else { return }
            try ImportRules.checkMoney(
                p, stored: facts.0, hasRefunds: facts.refunded == 1, otherLivePayments: facts.others,
                orderTotal: facts.total ?? 0)
        case .dispute(let d):
            let payment = try await first(ImportRules.disputedPaymentSQL, [.text(d.paymentID)]) {
                (provider: try $0.text(0), currency: try $0.text(1), amount: try $0.integer(2))
            }
            try ImportRules.checkDispute(d, payment: payment)
        }
    }

    private func write(_ record: ImportRecord) async throws {
        let sql: String
        let values: RecordUpserts.Values
        switch record {
        case .user(let u): (sql, values) = (RecordUpserts.users, bound { RecordUpserts.bind(u, to: &$0) })
        case .print(let p): (sql, values) = (RecordUpserts.prints, bound { RecordUpserts.bind(p, to: &$0) })
        case .photo(let p): (sql, values) = (RecordUpserts.photos, bound { RecordUpserts.bind(p, to: &$0) })
        case .order(let o): (sql, values) = (RecordUpserts.orders, bound { RecordUpserts.bind(o, to: &$0) })
        case .payment(let p): (sql, values) = (RecordUpserts.payments, bound { RecordUpserts.bind(p, to: &$0) })
        case .printJob(let j): (sql, values) = (RecordUpserts.jobs, bound { RecordUpserts.bind(j, to: &$0) })
        case .printJobEvent(let e): (sql, values) = (RecordUpserts.events, bound { RecordUpserts.bind(e, to: &$0) })
        case .dispute(let d): (sql, values) = (RecordUpserts.disputes, bound { RecordUpserts.bind(d, to: &$0) })
        }
        do {
            try await execute(sql, values.list)
        } catch let error as PostgresStoreError {
            // Another payment has the provider's transaction (the file is refused whole, so the transaction this
            // statement ended is rolled back anyway).
            guard case .failed(let message, _) = error, case .payment(let p) = record,
                message.contains("\"payments_transaction\"") && message.contains("SQLSTATE 23505")
            else { throw error }
            throw RecordFieldError(field: "provider_transaction_id", message: ImportRules.transactionTaken(p))
        }
    }

    private func bound(_ bind: (inout RecordUpserts.Values) -> Void) -> RecordUpserts.Values {
        var values = RecordUpserts.Values()
        bind(&values)
        return values
    }

    // MARK: Batches

    /// Writes what is pending, a multi-row upsert per table in reference order, inside a savepoint: a batch the
    /// server refuses is rolled back to it and written again row by row, so that the refusal names its line.
    mutating func flush() async throws {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = PendingRows()
        try await execute("SAVEPOINT popsa_import_batch", [])
        do {
            for (sql, values) in batch.statements() { try await execute(sql, values) }
        } catch let error as PostgresStoreError {
            try await execute("ROLLBACK TO SAVEPOINT popsa_import_batch", [])
            for (line, record) in batch.lines {
                do {
                    try await write(record)
                } catch let refusal as RecordFieldError {
                    throw ImportError(file: path, line: line, field: refusal.field, message: refusal.message)
                } catch let failure as PostgresStoreError {
                    throw ImportError(file: path, line: line, field: "", message: failure.description)
                }
            }
            // Every row went in on its own: what refused the batch as a whole is worth a look, not a refusal.
            store.logger.warning("a batch was refused, its rows were not", metadata: ["error": "\(error)"])
        }
        try await execute("RELEASE SAVEPOINT popsa_import_batch", [])
    }

    // MARK: Facts

    private mutating func value(_ table: String, _ column: String, _ id: String) async throws -> String? {
        if let known = references.known(table, id) { return known }
        return try await first(
            ImportReferences.lookupSQL(table, column), [.text(id)], seesPending: PendingRows.waits(in: table)
        ) { try $0.text(0) }
    }

    private mutating func exists(_ table: String, _ id: String) async throws -> Bool {
        try await value(table, "''", id) != nil
    }

    private mutating func appliedVersion(_ entry: ImportEntry) async throws -> Int64 {
        try await integer(ImportRules.appliedVersionSQL, [.text(entry.type), .text(entry.key)]) ?? -1
    }

    /// Every read goes through here. One that may see the tables rows wait for (prints, print jobs) has them
    /// written first; the others read tables nothing waits for.
    private mutating func first<T>(
        _ sql: String, _ values: [StoreValue], seesPending: Bool = false, _ decode: (PostgresRecordRow) throws -> T
    ) async throws -> T? {
        if seesPending { try await flush() }
        return try await store.fetchFirst(PostgresStore.numbered(sql), values, on: on, decode)
    }

    private mutating func text(_ sql: String, _ values: [StoreValue]) async throws -> String? {
        try await first(sql, values) { try $0.text(0) }
    }

    private mutating func integer(_ sql: String, _ values: [StoreValue]) async throws -> Int64? {
        try await first(sql, values) { try $0.integer(0) }
    }

    private func execute(_ sql: String, _ values: [StoreValue]) async throws {
        try await store.execute(PostgresStore.numbered(sql), values, on: on)
    }
}

// MARK: - PendingRows

/// Checked rows waiting to be written together, per table, with the lines they came from.
struct PendingRows {
    /// One row for a table's multi-row upsert.
    struct Batch {
        var table: Int
        var key: String
        var values: [StoreValue]
    }

    /// The tables whose rows wait, in the order references allow writing them, with their upserts.
    static let tables = [RecordUpserts.prints, RecordUpserts.photos, RecordUpserts.jobs, RecordUpserts.events]
    static let capacity = 1_000

    private var rows: [[[StoreValue]]] = Array(repeating: [], count: tables.count)
    private var keys: Set<String> = []
    private(set) var lines: [(line: Int, record: ImportRecord)] = []

    var count: Int { lines.count }
    var isEmpty: Bool { lines.isEmpty }

    /// The row a record would add, or nil for a record written on its own (users, orders, payments, disputes:
    /// their rules read the store first anyway).
    static func batch(_ record: ImportRecord) -> Batch? {
        var values = RecordUpserts.Values()
        switch record {
        case .print(let p):
            RecordUpserts.bind(p, to: &values)
            return Batch(table: 0, key: "print " + p.id, values: values.list)
        case .photo(let p):
            RecordUpserts.bind(p, to: &values)
            return Batch(table: 1, key: "photo \(p.printID)#\(p.position)", values: values.list)
        case .printJob(let j):
            RecordUpserts.bind(j, to: &values)
            return Batch(table: 2, key: "job " + j.id, values: values.list)
        case .printJobEvent(let e):
            RecordUpserts.bind(e, to: &values)
            return Batch(table: 3, key: "event \(e.jobID)#\(e.sequence)", values: values.list)
        case .user, .order, .payment, .dispute:
            return nil
        }
    }

    /// Whether rows of `table` may be waiting.
    static func waits(in table: String) -> Bool { table == "prints" || table == "print_jobs" }

    /// Whether the same record already waits (one statement may not upsert a row twice).
    func holds(_ batch: Batch) -> Bool { keys.contains(batch.key) }

    mutating func add(_ batch: Batch, line: Int, record: ImportRecord) {
        rows[batch.table].append(batch.values)
        keys.insert(batch.key)
        lines.append((line, record))
    }

    /// One multi-row upsert per table that has rows, with `?` placeholders.
    func statements() -> [(sql: String, values: [StoreValue])] {
        zip(Self.tables, rows).compactMap { sql, rows in
            guard let first = rows.first else { return nil }
            guard let values = sql.range(of: "VALUES ("), let end = sql[values.upperBound...].firstIndex(of: ")")
            else { preconditionFailure("an upsert without VALUES (…)") }
            let one = "(" + Array(repeating: "?", count: first.count).joined(separator: ",") + ")"
            let all = Array(repeating: one, count: rows.count).joined(separator: ",")
            let text = sql[..<values.lowerBound] + "VALUES " + all + sql[sql.index(after: end)...]
            return (String(text), rows.flatMap { $0 })
        }
    }
}
