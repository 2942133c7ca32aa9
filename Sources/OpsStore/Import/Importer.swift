import Foundation
import GRDB
import OpsCore

#if canImport(Glibc)
import Glibc
#endif

// MARK: - SQLiteStore

extension SQLiteStore {
    /// Imports one JSON Lines file in one transaction: on the first bad line nothing of the file is kept.
    /// Records are upserted by id, so importing the same file twice changes nothing the second time.
    ///
    /// - Parameter progress: bytes read so far and the file's size, called every few thousand lines.
    public func importJSONLines(path: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> ImportReport {
        try importJSONLines(try LineReader(path: path), progress: progress)
    }

    /// Imports a batch of JSON Lines already in memory (the ingest service's request body), with exactly the
    /// rules and the one transaction of a file import; `name` names the batch in errors.
    /// `source`, when given, is noted as having delivered at `received` in the same transaction (the ingest feed).
    public func importJSONLines(
        bytes: [UInt8], name: String, source: (FeedSource, received: Timestamp)? = nil
    ) throws -> ImportReport {
        try importJSONLines(LineReader(bytes: bytes, name: name), progress: { _, _ in }, source: source)
    }

    private func importJSONLines(
        _ input: LineReader, progress: (Int, Int) -> Void, source: (FeedSource, received: Timestamp)? = nil
    ) throws -> ImportReport {
        let path = input.path
        defer { input.close() }
        var report = ImportReport(file: path)
        do {
            try importLines(input, into: &report, path: path, progress: progress, source: source)
        } catch let error as DatabaseError {
            // The transaction rolled back: nothing of the file is kept.
            throw SQLiteStore.writeFailure(error)
        }
        return report
    }

    private func importLines(
        _ input: LineReader, into report: inout ImportReport, path: String,
        progress: (Int, Int) -> Void, source: (FeedSource, received: Timestamp)?
    ) throws {
        try pool.write { db in
            if let (source, received) = source { try Schema.touch(db, source, at: received) }
            var writer = try RecordWriter(db)
            let checker = ReferenceChecker()
            var lineNumber = 0
            while let bytes = try input.nextLine() {
                lineNumber += 1
                guard let entry = try ImportError.entry(bytes, file: path, line: lineNumber) else { continue }
                func fail(_ field: String, _ message: String) -> ImportError {
                    ImportError(file: path, line: lineNumber, field: field, message: message)
                }
                if let version = entry.version, try Versions.applied(db, entry) >= version {
                    report.stale += 1
                    continue
                }
                switch entry.change {
                case .upsert(let record):
                    do {
                        try checker.check(record, db)
                        try writer.write(record)
                        checker.remember(record)
                    } catch let error as RecordFieldError {
                        throw fail(error.field, error.message)
                    } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                        throw fail(
                            ReferenceChecker.field(for: error),
                            ReferenceChecker.message(for: error, record: record, db))
                    }
                case .delete(let type, let key):
                    do {
                        if try Tombstones.delete(db, type: type, key: key) { report.deleted += 1 }
                        checker.forget(type: type, key: key)
                    } catch let error as RecordFieldError {
                        throw fail(error.field, error.message)
                    }
                }
                if let version = entry.version { try Versions.record(db, entry, version: version) }
                report.records += 1
                report.byType[entry.type, default: 0] += 1
                if lineNumber % 5000 == 0 { progress(input.bytesRead, input.size) }
            }
            progress(input.bytesRead, max(input.size, input.bytesRead))
        }
    }
}

// MARK: - ImportRecord

// MARK: - RecordWriter

extension RecordWriter {
    mutating func write(_ record: ImportRecord) throws {
        switch record {
        case .user(let u): try write(u)
        case .print(let p): try write(p)
        case .photo(let p): try write(p)
        case .order(let o): try write(o)
        case .payment(let p): try write(p)
        case .printJob(let j): try write(j)
        case .printJobEvent(let e): try write(e)
        case .dispute(let d): try write(d)
        }
    }
}

// MARK: - ReferenceChecker

/// Checks that a record's references exist (earlier in the file or already in the store) and agree with it,
/// so an error can name the field instead of SQLite's "FOREIGN KEY constraint failed". The rules are OpsCore's
/// `ImportRules`, shared with PostgreSQL; the facts come from cached statements.
final class ReferenceChecker {
    private var references = ImportReferences()

    func remember(_ record: ImportRecord) { references.remember(record) }

    func forget(type: String, key: String) { references.forget(type: type, key: key) }

    private func value(_ db: Database, _ table: String, _ column: String, _ id: String) throws -> String? {
        if let known = references.known(table, id) { return known }
        return try String.fetchOne(
            db.cachedStatement(sql: ImportReferences.lookupSQL(table, column)), arguments: [id])
    }

    func check(_ record: ImportRecord, _ db: Database) throws {
        if let parent = ImportReferences.parent(of: record), try value(db, parent.table, "''", parent.id) == nil {
            throw ImportRules.missing(parent.field, parent.what, parent.id)
        }
        switch record {
        case .user, .print, .photo, .printJob, .printJobEvent:
            break
        case .order(let o):
            try ImportRules.checkOwner(o, printOwner: try value(db, "prints", "user_id", o.printID))
            try MoneyHistory.check(o, db)
        case .payment(let p):
            try ImportRules.checkCurrency(p, orderCurrency: try value(db, "orders", "currency", p.orderID))
            try MoneyHistory.check(p, db)
        case .dispute(let d):
            let row = try Row.fetchOne(db, sql: ImportRules.disputedPaymentSQL, arguments: [d.paymentID])
            try ImportRules.checkDispute(d, payment: row.map { ($0[0], $0[1], $0[2]) })
        }
    }

    static func field(for error: DatabaseError) -> String {
        let message = error.message ?? ""
        if message.contains("users.email") { return "email" }
        if message.contains("provider_transaction_id") { return "provider_transaction_id" }
        return ""
    }

    static func message(for error: DatabaseError, record: ImportRecord, _ db: Database) -> String {
        if case .user(let u) = record, (error.message ?? "").contains("users.email") {
            let owner: String?
            do {
                owner = try String.fetchOne(
                    db, sql: "SELECT id FROM users WHERE email = ? COLLATE NOCASE", arguments: [u.email])
            } catch {
                StoreLog.warning("cannot look up the owner of a duplicate email: \(error)")
                owner = nil
            }
            return ImportRules.emailTaken(u.email, owner: owner)
        }
        if case .payment(let p) = record, (error.message ?? "").contains("provider_transaction_id") {
            return ImportRules.transactionTaken(p)
        }
        return error.message ?? "constraint failed"
    }
}

// MARK: - Versions and tombstones

/// The newest version applied of each record a feed sent with one.
enum Versions {
    /// The version already applied for the entry's record; -1 when none.
    static func applied(_ db: Database, _ entry: ImportEntry) throws -> Int64 {
        try Int64.fetchOne(db, sql: ImportRules.appliedVersionSQL, arguments: [entry.type, entry.key]) ?? -1
    }

    static func record(_ db: Database, _ entry: ImportEntry, version: Int64) throws {
        let deleted: Bool = if case .delete = entry.change { true } else { false }
        try db.execute(sql: ImportRules.recordVersionSQL, arguments: [entry.type, entry.key, version, deleted])
    }
}

/// What a tombstone may delete (`ImportRules.tombstone`). A record others still point at (a user with prints, a
/// print with photos or orders) cannot go before them.
enum Tombstones {
    /// Deletes the record; false when it was not there (already gone: the same tombstone again).
    static func delete(_ db: Database, type: String, key: String) throws -> Bool {
        let statement = try ImportRules.tombstone(type: type, key: key)
        do {
            try db.execute(sql: statement.sql, arguments: StatementArguments(statement.values.map(\.databaseValue)))
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
            throw ImportRules.stillReferred(type: type, key: key)
        }
        return db.changesCount > 0
    }
}

// MARK: - MoneyHistory

/// The rule that protects money history (`ImportRules.checkMoney`), with its facts read from SQLite: a refund was
/// measured against an order's and a payment's amount, currency, provider and transaction; once a refund or a
/// refund intent exists, no import (or ingest) may change them.
enum MoneyHistory {
    static func check(_ o: Order, _ db: Database) throws {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: ImportRules.orderFactsSQL), arguments: [o.id])
        else { return }
        try ImportRules.checkMoney(o, stored: (row[0], row[1]), hasRefunds: row[2] as Int64 == 1, paid: row[3])
    }

    static func check(_ p: Payment, _ db: Database) throws {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: ImportRules.paymentFactsSQL), arguments: [p.orderID, p.id, p.orderID, p.id])
        else { return }
        let stored = (row[0] as String?).map {
            ImportRules.StoredPayment(
                orderID: $0, provider: row[1], transactionID: row[2], amount: row[3], currency: row[4])
        }
        try ImportRules.checkMoney(
            p, stored: stored, hasRefunds: row[5] as Int64 == 1, otherLivePayments: row[6],
            orderTotal: row[7] as Int64? ?? 0)
    }
}
