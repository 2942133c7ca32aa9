import Foundation
import GRDB
import OpsCore

#if canImport(Glibc)
import Glibc
#endif

// MARK: - ImportReport

/// What one file brought in.
public struct ImportReport: Sendable, Equatable {
    public var file: String
    /// Records written (tombstones included).
    public var records = 0
    public var byType: [String: Int] = [:]
    /// Records deleted by tombstones.
    public var deleted = 0
    /// Entries older than what was already applied for their record: nothing changed.
    public var stale = 0

    public init(file: String) { self.file = file }
}

// MARK: - ImportError

/// A line of an import file that cannot be imported. Nothing of its file was imported.
public struct ImportError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// The field at fault, as a path (`line_items[0].unit_amount`), or empty for the line as a whole.
    public var field: String
    public var message: String

    public var description: String {
        guard line > 0 else { return "\(file): \(message)" }
        return "\(file):\(line): " + (field.isEmpty ? message : "field \"\(field)\": \(message)")
    }

    /// The file itself could not be read (missing, a directory, no permission): no line is at fault.
    public var isUnreadableFile: Bool { line == 0 }

    /// Why a file could not be read, in words (also for the other inputs the commands read).
    public static func reason(errno code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EISDIR: "is a directory, not a file"
        case EACCES, EPERM: "permission denied"
        default: String(cString: strerror(code)).lowercased()
        }
    }

    static func cannotRead(_ path: String, errno code: Int32) -> ImportError {
        ImportError(file: path, line: 0, field: "", message: "cannot read: \(reason(errno: code))")
    }
}

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
                // Invalid UTF-8 becomes U+FFFD: the text is kept, the damage is visible, nothing is dropped.
                let text = String(decoding: bytes, as: UTF8.self)
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                func fail(_ field: String, _ message: String) -> ImportError {
                    ImportError(file: path, line: lineNumber, field: field, message: message)
                }
                let entry: ImportEntry
                do {
                    entry = try ImportEntry.decode(try JSONValue.parse(text))
                } catch let error as JSONParseError {
                    throw fail("", error.description)
                } catch let error as RecordFieldError {
                    throw fail(error.field, error.message)
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

// MARK: - LineReader

/// Reads a file line by line in fixed-size chunks, so an import's memory does not grow with the file. Works on
/// anything that can be read: regular files, `/dev/null`, named pipes, `<(…)` process substitutions.
final class LineReader {
    /// The file read from; -1 for a batch already in memory.
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private(set) var bytesRead = 0
    /// The file's size when it is a regular file, else 0.
    let size: Int
    let path: String
    static let chunk = 1 << 20

    init(path: String) throws {
        self.path = path
        fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImportError.cannotRead(path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw ImportError.cannotRead(path, errno: code)
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            Glibc.close(fd)
            throw ImportError.cannotRead(path, errno: EISDIR)
        }
        size = info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : 0
    }

    /// Lines of a batch already in memory (an ingest request's body), named `name` in errors.
    init(bytes: [UInt8], name: String) {
        path = name
        fd = -1
        buffer = bytes
        atEnd = true
        bytesRead = bytes.count
        size = bytes.count
    }

    func close() { if fd >= 0 { Glibc.close(fd) } }

    /// The next line without its line break (and a CR before it), or nil at the end.
    func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var line = buffer[start..<newline]
                start = newline + 1
                if line.last == 0x0D { line = line.dropLast() }
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                var line = buffer[start...]
                start = buffer.count
                if line.last == 0x0D { line = line.dropLast() }
                return line
            }
            // Keep the unfinished line, read the next chunk after it.
            buffer.removeFirst(start)
            start = 0
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: Self.chunk))
            var got: Int
            repeat {
                got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + old, Self.chunk) }
            } while got < 0 && errno == EINTR
            guard got >= 0 else {
                let code = errno
                buffer.removeLast(Self.chunk)
                throw ImportError.cannotRead(path, errno: code)
            }
            buffer.removeLast(Self.chunk - got)
            bytesRead += got
            if got == 0 { atEnd = true }
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
/// so an error can name the field instead of SQLite's "FOREIGN KEY constraint failed".
///
/// An export lists parents just before their children, so what this import wrote lately is remembered (bounded:
/// forgotten in bulk past `capacity`) and most references are answered without a query.
final class ReferenceChecker {
    /// "table id" → what children need to know of it (a print's owner, an order's currency), or "".
    private var recent: [String: String] = [:]
    static let capacity = 20_000

    /// Records what a written record can answer for its children.
    func remember(_ record: ImportRecord) {
        if recent.count >= Self.capacity { recent.removeAll(keepingCapacity: true) }
        switch record {
        case .user(let u): recent["users " + u.id] = ""
        case .print(let p): recent["prints " + p.id] = p.userID
        case .order(let o): recent["orders " + o.id] = o.currency.code
        case .printJob(let j): recent["print_jobs " + j.id] = ""
        case .photo, .payment, .printJobEvent, .dispute: break
        }
    }

    private func value(_ db: Database, _ table: String, _ column: String, _ id: String) throws -> String? {
        if let known = recent[table + " " + id] { return known }
        return try String.fetchOne(
            db.cachedStatement(sql: "SELECT \(column) FROM \(table) WHERE id = ?"), arguments: [id])
    }

    func check(_ record: ImportRecord, _ db: Database) throws {
        func exists(_ table: String, _ id: String) throws -> Bool {
            try value(db, table, "''", id) != nil
        }
        func missing(_ field: String, _ what: String, _ id: String) -> RecordFieldError {
            RecordFieldError(
                field: field,
                message: "refers to \(what) \"\(id)\", which is neither in the store nor earlier in the file")
        }
        switch record {
        case .user:
            break
        case .print(let p):
            if try !exists("users", p.userID) { throw missing("user_id", "user", p.userID) }
        case .photo(let p):
            if try !exists("prints", p.printID) { throw missing("print_id", "print", p.printID) }
        case .order(let o):
            if try !exists("users", o.userID) { throw missing("user_id", "user", o.userID) }
            guard let owner = try value(db, "prints", "user_id", o.printID) else {
                throw missing("print_id", "print", o.printID)
            }
            if owner != o.userID {
                throw RecordFieldError(
                    field: "print_id",
                    message: "print \"\(o.printID)\" belongs to user \"\(owner)\", not \"\(o.userID)\"")
            }
            try MoneyHistory.check(o, db)
        case .payment(let p):
            guard let currency = try value(db, "orders", "currency", p.orderID) else {
                throw missing("order_id", "order", p.orderID)
            }
            if currency != p.currency.code {
                throw RecordFieldError(
                    field: "currency", message: "\(p.currency.code) differs from the order's currency \(currency)")
            }
            try MoneyHistory.check(p, db)
        case .printJob(let j):
            if try !exists("orders", j.orderID) { throw missing("order_id", "order", j.orderID) }
        case .printJobEvent(let e):
            if try !exists("print_jobs", e.jobID) { throw missing("job_id", "print job", e.jobID) }
        case .dispute(let d):
            guard
                let payment = try Row.fetchOne(
                    db, sql: "SELECT provider, currency, amount FROM payments WHERE id = ?", arguments: [d.paymentID])
            else { throw missing("payment_id", "payment", d.paymentID) }
            let provider: String = payment[0], currency: String = payment[1], amount: Int64 = payment[2]
            if let named = d.provider, named.rawValue != provider {
                throw RecordFieldError(
                    field: "provider", message: "\(named.rawValue) differs from the payment's provider \(provider)")
            }
            if currency != d.currency.code {
                throw RecordFieldError(
                    field: "currency", message: "\(d.currency.code) differs from the payment's currency \(currency)")
            }
            if d.amount > amount {
                throw RecordFieldError(
                    field: "amount", message: "\(d.amount) is more than the payment's amount \(amount)")
            }
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
            return "\"\(u.email)\" already belongs to user \"\(owner ?? "?")\""
        }
        if case .payment(let p) = record, (error.message ?? "").contains("provider_transaction_id") {
            return "\(p.provider.label) transaction \"\(p.providerTransactionID)\" already belongs to another payment"
        }
        return error.message ?? "constraint failed"
    }
}

// MARK: - Versions and tombstones

/// The newest version applied of each record a feed sent with one.
enum Versions {
    /// The version already applied for the entry's record; -1 when none.
    static func applied(_ db: Database, _ entry: ImportEntry) throws -> Int64 {
        try Int64.fetchOne(
            db, sql: "SELECT version FROM record_versions WHERE type = ? AND key = ?",
            arguments: [entry.type, entry.key]) ?? -1
    }

    static func record(_ db: Database, _ entry: ImportEntry, version: Int64) throws {
        let deleted: Bool = if case .delete = entry.change { true } else { false }
        try db.execute(
            sql: """
                INSERT INTO record_versions (type, key, version, deleted) VALUES (?, ?, ?, ?)
                ON CONFLICT(type, key) DO UPDATE SET version = excluded.version, deleted = excluded.deleted
                """, arguments: [entry.type, entry.key, version, deleted])
    }
}

/// What a tombstone may delete. Orders, payments and print jobs are history (money, and what a partner did): a
/// feed cancels them by status, it does not delete them. A record others still point at (a user with prints, a
/// print with photos or orders) cannot go before them.
enum Tombstones {
    /// Deletes the record; false when it was not there (already gone: the same tombstone again).
    static func delete(_ db: Database, type: String, key: String) throws -> Bool {
        let statement: (sql: String, arguments: StatementArguments)
        let parts = key.split(separator: "#").map(String.init)
        switch type {
        case "user": statement = ("DELETE FROM users WHERE id = ?", [key])
        case "print": statement = ("DELETE FROM prints WHERE id = ?", [key])
        case "photo": statement = ("DELETE FROM photos WHERE print_id = ? AND position = ?", [parts[0], Int(parts[1])])
        case "print_job_event":
            statement = ("DELETE FROM print_job_events WHERE job_id = ? AND sequence = ?", [parts[0], Int(parts[1])])
        default:
            throw RecordFieldError(
                field: "deleted",
                message: "\(type) records are history and are never deleted; send their new status instead")
        }
        do {
            try db.execute(sql: statement.sql, arguments: statement.arguments)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
            throw RecordFieldError(
                field: "deleted", message: "\(type) \(key) is still referred to (delete what points at it first)")
        }
        return db.changesCount > 0
    }
}

// MARK: - MoneyHistory

/// The rule that protects money history: a refund was measured against an order's and a payment's amount,
/// currency, provider and transaction; once a refund or a refund intent exists, no import (or ingest) may change
/// them. And an order's live payments never add up to more than its total.
enum MoneyHistory {
    /// Payments that captured, or may still capture, money.
    static let livePayment = "status NOT IN ('voided', 'failed', 'declined')"

    static func check(_ o: Order, _ db: Database) throws {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT currency, total_amount FROM orders WHERE id = ?"),
                arguments: [o.id])
        else { return }
        if try hasRefunds(db, column: "order_id", id: o.id) {
            let currency: String = row["currency"], total: Int64 = row["total_amount"]
            if currency != o.currency.code {
                throw frozen("currency", "order", o.id, was: currency, now: o.currency.code)
            }
            if total != o.totalAmount {
                throw frozen("total_amount", "order", o.id, was: "\(total)", now: "\(o.totalAmount)")
            }
        }
        let paid =
            try Int64.fetchOne(
                db.cachedStatement(
                    sql: "SELECT coalesce(sum(amount), 0) FROM payments WHERE order_id = ? AND \(livePayment)"),
                arguments: [o.id]) ?? 0
        if paid > o.totalAmount {
            throw RecordFieldError(
                field: "total_amount",
                message: "\(o.totalAmount) is less than the order's payments, which add up to \(paid)")
        }
    }

    static func check(_ p: Payment, _ db: Database) throws {
        if let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT order_id, provider, provider_transaction_id, amount, currency FROM payments WHERE id = ?
                    """), arguments: [p.id]), try hasRefunds(db, column: "payment_id", id: p.id)
        {
            let fields: [(String, String, String)] = [
                ("order_id", row["order_id"], p.orderID), ("provider", row["provider"], p.provider.rawValue),
                ("provider_transaction_id", row["provider_transaction_id"], p.providerTransactionID),
                ("amount", "\(row["amount"] as Int64)", "\(p.amount)"), ("currency", row["currency"], p.currency.code),
            ]
            for (field, was, now) in fields where was != now {
                throw frozen(field, "payment", p.id, was: was, now: now)
            }
        }
        guard !p.status.isDead else { return }
        let others =
            try Int64.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT coalesce(sum(amount), 0) FROM payments WHERE order_id = ? AND id != ? AND \(livePayment)
                        """), arguments: [p.orderID, p.id]) ?? 0
        let total =
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT total_amount FROM orders WHERE id = ?"), arguments: [p.orderID]) ?? 0
        guard let sum = Checked.add(others, p.amount), sum <= total else {
            throw RecordFieldError(
                field: "amount",
                message: "the order's payments would add up to more than its total \(total)"
                    + " (\(others) in other payments + \(p.amount))")
        }
    }

    private static func hasRefunds(_ db: Database, column: String, id: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM refunds WHERE \(column) = ?)"), arguments: [id])
            ?? false
    }

    private static func frozen(
        _ field: String, _ what: String, _ id: String, was: String, now: String
    ) -> RecordFieldError {
        RecordFieldError(
            field: field,
            message: "\(what) \"\(id)\" has refunds measured against it: \(field) cannot change"
                + " from \(was) to \(now)")
    }
}

// MARK: - PaymentStatus

extension PaymentStatus {
    /// A payment that captured nothing and never will.
    var isDead: Bool { self == .voided || self == .failed || self == .declined }
}
