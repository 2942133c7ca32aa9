// MARK: - ImportEntry

/// One line of a change feed: a record to write or a tombstone, with the version the sender gives it.
///
/// `version` (a non-negative integer that grows with each change of the record at its source: a DynamoDB
/// stream's sequence, an `updated_at` in milliseconds) makes the feed last-writer-wins: an entry older than what
/// was already applied for that record changes nothing, so a batch sent twice, or batches that arrive out of
/// order, converge to the same state. Entries without a version are applied as they come (a one-off export).
/// `deleted: true` with the record's key fields is a tombstone.
public struct ImportEntry: Sendable {
    public enum Change: Sendable {
        case upsert(ImportRecord)
        case delete(type: String, key: String)
    }

    public var change: Change
    public var version: Int64?

    /// The record's type and key, which versions are kept by: `u1`, `prt_1#3` for a photo, `job_1#2` for an event.
    public var type: String {
        switch change {
        case .upsert(let record): record.typeName
        case .delete(let type, _): type
        }
    }

    public var key: String {
        switch change {
        case .upsert(let record): record.key
        case .delete(_, let key): key
        }
    }

    /// The key fields of each type, in the order they make a key.
    public static let keyFields: [String: [String]] = [
        "user": ["id"], "print": ["id"], "order": ["id"], "payment": ["id"], "print_job": ["id"],
        "photo": ["print_id", "position"], "print_job_event": ["job_id", "sequence"], "dispute": ["id"],
    ]

    /// Decodes one parsed line: a record (as `ImportRecord.decode` reads it) or a tombstone, and its version.
    public static func decode(_ value: JSONValue) throws(RecordFieldError) -> ImportEntry {
        guard case .object(let pairs) = value else {
            throw RecordFieldError(field: "", message: "a record must be a JSON object, not \(value.kindName)")
        }
        var version: Int64?
        if let raw = pairs.first(where: { $0.0 == "version" })?.1, raw != .null {
            guard case .integer(let v) = raw, v >= 0 else {
                throw RecordFieldError(field: "version", message: "expected a non-negative integer")
            }
            version = v
        }
        var deleted = false
        if let raw = pairs.first(where: { $0.0 == "deleted" })?.1, raw != .null {
            guard case .bool(let d) = raw else {
                throw RecordFieldError(field: "deleted", message: "expected true or false, found \(raw.kindName)")
            }
            deleted = d
        }
        let rest = JSONValue.object(pairs.filter { $0.0 != "version" && $0.0 != "deleted" })
        guard deleted else { return ImportEntry(change: .upsert(try ImportRecord.decode(rest)), version: version) }
        var r = FieldReader(value: rest, path: "")
        let type = try r.string("type")
        guard let fields = keyFields[type] else {
            throw RecordFieldError(field: "type", message: "unknown type \"\(type)\"")
        }
        var parts: [String] = []
        for field in fields {
            if field == "position" || field == "sequence" {
                parts.append(String(try r.positive(field)))
            } else {
                parts.append(try r.id(field))
            }
        }
        try r.finish()
        return ImportEntry(change: .delete(type: type, key: parts.joined(separator: "#")), version: version)
    }
}

extension ImportRecord {
    /// The record's type as the format names it.
    public var typeName: String {
        switch self {
        case .user: "user"
        case .print: "print"
        case .photo: "photo"
        case .order: "order"
        case .payment: "payment"
        case .printJob: "print_job"
        case .printJobEvent: "print_job_event"
        case .dispute: "dispute"
        }
    }

    /// The record's key within its type (see `ImportEntry.key`).
    public var key: String {
        switch self {
        case .user(let u): u.id
        case .print(let p): p.id
        case .photo(let p): "\(p.printID)#\(p.position)"
        case .order(let o): o.id
        case .payment(let p): p.id
        case .printJob(let j): j.id
        case .printJobEvent(let e): "\(e.jobID)#\(e.sequence)"
        case .dispute(let d): d.id
        }
    }
}
