import Foundation
import GRDB
import OpsCore

/// What one file brought in.
public struct ImportReport: Sendable, Equatable {
    public var file: String
    public var records = 0
    public var byType: [String: Int] = [:]

    public init(file: String) { self.file = file }
}

/// A line of an import file that cannot be imported. Nothing of its file was imported.
public struct ImportError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// The field at fault, as a path (`line_items[0].unit_amount`), or empty for the line as a whole.
    public var field: String
    public var message: String

    public var description: String {
        "\(file):\(line): " + (field.isEmpty ? message : "field \"\(field)\": \(message)")
    }
}

extension SQLiteStore {
    /// Imports one JSON Lines file in one transaction: on the first bad line nothing of the file is kept.
    /// Records are upserted by id, so importing the same file twice changes nothing the second time.
    ///
    /// - Parameter progress: bytes read so far and the file's size, called every few thousand lines.
    public func importJSONLines(path: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> ImportReport {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ImportError(file: path, line: 0, field: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        var report = ImportReport(file: path)
        try pool.write { db in
            var writer = try RecordWriter(db)
            let checker = ReferenceChecker()
            var lineNumber = 0
            var start = data.startIndex
            while start < data.endIndex {
                let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
                lineNumber += 1
                var bytes = data[start..<end]
                if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
                start = end < data.endIndex ? end + 1 : end
                // Invalid UTF-8 becomes U+FFFD: the text is kept, the damage is visible, nothing is dropped.
                let text = String(decoding: bytes, as: UTF8.self)
                if text.trimmingWhitespace().isEmpty { continue }
                func fail(_ field: String, _ message: String) -> ImportError {
                    ImportError(file: path, line: lineNumber, field: field, message: message)
                }
                let record: ImportRecord
                do {
                    record = try ImportRecord.decode(try JSONValue.parse(text))
                } catch let error as JSONParseError {
                    throw fail("", error.description)
                } catch let error as RecordFieldError {
                    throw fail(error.field, error.message)
                }
                do {
                    try checker.check(record, db)
                    try writer.write(record)
                } catch let error as RecordFieldError {
                    throw fail(error.field, error.message)
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw fail(ReferenceChecker.field(for: error), ReferenceChecker.message(for: error, record: record, db))
                }
                report.records += 1
                report.byType[record.typeName, default: 0] += 1
                if lineNumber % 5000 == 0 { progress(start - data.startIndex, data.count) }
            }
            progress(data.count, data.count)
        }
        return report
    }
}

extension ImportRecord {
    var typeName: String {
        switch self {
        case .user: "user"
        case .print: "print"
        case .photo: "photo"
        case .order: "order"
        case .payment: "payment"
        case .printJob: "print_job"
        case .printJobEvent: "print_job_event"
        }
    }
}

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
        }
    }
}

/// Checks that a record's references exist (earlier in the file or already in the store) and agree with it,
/// so an error can name the field instead of SQLite's "FOREIGN KEY constraint failed".
struct ReferenceChecker {
    func check(_ record: ImportRecord, _ db: Database) throws {
        func exists(_ table: String, _ id: String) throws -> Bool {
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE id = ?)", arguments: [id]) ?? false
        }
        func missing(_ field: String, _ what: String, _ id: String) -> RecordFieldError {
            RecordFieldError(field: field, message: "refers to \(what) \"\(id)\", which is neither in the store nor earlier in the file")
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
            guard let owner = try String.fetchOne(db, sql: "SELECT user_id FROM prints WHERE id = ?", arguments: [o.printID]) else {
                throw missing("print_id", "print", o.printID)
            }
            if owner != o.userID {
                throw RecordFieldError(field: "print_id", message: "print \"\(o.printID)\" belongs to user \"\(owner)\", not \"\(o.userID)\"")
            }
        case .payment(let p):
            guard let currency = try String.fetchOne(db, sql: "SELECT currency FROM orders WHERE id = ?", arguments: [p.orderID]) else {
                throw missing("order_id", "order", p.orderID)
            }
            if currency != p.currency.code {
                throw RecordFieldError(field: "currency", message: "\(p.currency.code) differs from the order's currency \(currency)")
            }
        case .printJob(let j):
            if try !exists("orders", j.orderID) { throw missing("order_id", "order", j.orderID) }
        case .printJobEvent(let e):
            if try !exists("print_jobs", e.jobID) { throw missing("job_id", "print job", e.jobID) }
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
            let owner = (try? String.fetchOne(db, sql: "SELECT id FROM users WHERE email = ? COLLATE NOCASE", arguments: [u.email])) ?? nil
            return "\"\(u.email)\" already belongs to user \"\(owner ?? "?")\""
        }
        if case .payment(let p) = record, (error.message ?? "").contains("provider_transaction_id") {
            return "\(p.provider.label) transaction \"\(p.providerTransactionID)\" already belongs to another payment"
        }
        return error.message ?? "constraint failed"
    }
}
