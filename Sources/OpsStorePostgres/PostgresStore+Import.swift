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

    private func importLines(_ input: LineReader, progress: @escaping (Int, Int) -> Void) async throws -> ImportReport {
        defer { input.close() }
        return try await write { connection in
            var session = ImportSession(store: self, connection: connection, path: input.path)
            while let bytes = try input.nextLine() {
                try await session.line(bytes)
                if session.lineNumber % 5000 == 0 { progress(input.bytesRead, input.size) }
            }
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

    init(store: PostgresStore, connection: PostgresConnection, path: String) {
        (self.store, self.connection, self.path) = (store, connection, path)
        report = ImportReport(file: path)
    }

    private var on: PostgresTarget { .connection(connection) }

    mutating func line(_ bytes: ArraySlice<UInt8>) async throws {
        lineNumber += 1
        // Invalid UTF-8 becomes U+FFFD: the text is kept, the damage is visible, nothing is dropped.
        let text = String(decoding: bytes, as: UTF8.self)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
        let entry: ImportEntry
        do {
            entry = try ImportEntry.decode(try JSONValue.parse(text))
        } catch let error as JSONParseError {
            throw fail("", error.description)
        } catch let error as RecordFieldError {
            throw fail(error.field, error.message)
        }
        if let version = entry.version,
            try await integer(ImportRules.appliedVersionSQL, [.text(entry.type), .text(entry.key)]) ?? -1 >= version
        {
            report.stale += 1
            return
        }
        do {
            switch entry.change {
            case .upsert(let record):
                try await check(record)
                try await write(record)
                references.remember(record)
            case .delete(let type, let key):
                let statement = try ImportRules.tombstone(type: type, key: key)
                do {
                    let gone = try await store.fetch(
                        PostgresStore.numbered(statement.sql + " RETURNING 1"), statement.values, on: on
                    ) { _ in () }
                    if !gone.isEmpty { report.deleted += 1 }
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

    private func check(_ record: ImportRecord) async throws {
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
        case .print(let p):
            if try await !exists("users", p.userID) { throw ImportRules.missing("user_id", "user", p.userID) }
        case .photo(let p):
            if try await !exists("prints", p.printID) { throw ImportRules.missing("print_id", "print", p.printID) }
        case .order(let o):
            if try await !exists("users", o.userID) { throw ImportRules.missing("user_id", "user", o.userID) }
            try ImportRules.checkOwner(o, printOwner: try await value("prints", "user_id", o.printID))
            let stored = try await store.fetchFirst(
                PostgresStore.numbered(ImportRules.storedOrderSQL), [.text(o.id)], on: on
            ) { (currency: try $0.text(0), total: try $0.integer(1)) }
            guard let stored else { return }
            try ImportRules.checkMoney(
                o, stored: stored, hasRefunds: try await hasRefunds("order_id", o.id),
                paid: try await integer(ImportRules.livePaymentsSQL, [.text(o.id)]) ?? 0)
        case .payment(let p):
            try ImportRules.checkCurrency(p, orderCurrency: try await value("orders", "currency", p.orderID))
            let stored = try await store.fetchFirst(
                PostgresStore.numbered(ImportRules.storedPaymentSQL), [.text(p.id)], on: on
            ) {
                ImportRules.StoredPayment(
                    orderID: try $0.text(0), provider: try $0.text(1), transactionID: try $0.text(2),
                    amount: try $0.integer(3), currency: try $0.text(4))
            }
            let refunded = stored == nil ? false : try await hasRefunds("payment_id", p.id)
            // A dead payment adds nothing to its order: its sums are not needed.
            let others =
                p.status.isDead
                ? 0 : try await integer(ImportRules.otherLivePaymentsSQL, [.text(p.orderID), .text(p.id)]) ?? 0
            let total = p.status.isDead ? 0 : try await integer(ImportRules.orderTotalSQL, [.text(p.orderID)]) ?? 0
            try ImportRules.checkMoney(
                p, stored: stored, hasRefunds: refunded, otherLivePayments: others, orderTotal: total)
        case .printJob(let j):
            if try await !exists("orders", j.orderID) { throw ImportRules.missing("order_id", "order", j.orderID) }
        case .printJobEvent(let e):
            if try await !exists("print_jobs", e.jobID) { throw ImportRules.missing("job_id", "print job", e.jobID) }
        case .dispute(let d):
            let payment = try await store.fetchFirst(
                PostgresStore.numbered(ImportRules.disputedPaymentSQL), [.text(d.paymentID)], on: on
            ) { (provider: try $0.text(0), currency: try $0.text(1), amount: try $0.integer(2)) }
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

    // MARK: Facts

    private func value(_ table: String, _ column: String, _ id: String) async throws -> String? {
        if let known = references.known(table, id) { return known }
        return try await text(ImportReferences.lookupSQL(table, column), [.text(id)])
    }

    private func exists(_ table: String, _ id: String) async throws -> Bool {
        try await value(table, "''", id) != nil
    }

    private func hasRefunds(_ column: String, _ id: String) async throws -> Bool {
        try await integer(ImportRules.refundsExistSQL(column), [.text(id)]) == 1
    }

    private func text(_ sql: String, _ values: [StoreValue]) async throws -> String? {
        try await store.fetchFirst(PostgresStore.numbered(sql), values, on: on) { try $0.text(0) }
    }

    private func integer(_ sql: String, _ values: [StoreValue]) async throws -> Int64? {
        try await store.fetchFirst(PostgresStore.numbered(sql), values, on: on) { try $0.integer(0) }
    }

    private func execute(_ sql: String, _ values: [StoreValue]) async throws {
        try await store.execute(PostgresStore.numbered(sql), values, on: on)
    }
}
