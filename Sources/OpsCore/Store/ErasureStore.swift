// MARK: - ErasureStore

/// A privacy erasure (GDPR Art. 17) on both stores: a customer's personal data redacted in one transaction with
/// its audit entry; money records kept as the law requires; the audit chain untouched (it holds references, reason
/// codes and amounts, never free text or personal data), so `audit verify` still passes.
public protocol ErasureStore: Sendable {
    func eraseCustomer(_ userID: String, audit: AuditRecord) async throws -> ErasureReport
}

/// Why a customer is erased: a code for the audit.
public enum ErasureReason: String, DomainEnum {
    /// The customer asked (right to erasure).
    case dataSubjectRequest = "data_subject_request"
    case accountClosure = "account_closure"
    case legalOrder = "legal_order"
}

/// What an erasure redacted and what it kept, in counts (no personal data).
public struct ErasureReport: Hashable, Sendable {
    public var userID: String
    public var addresses = 0
    public var printTitles = 0
    public var photoNames = 0
    public var notes = 0
    public var refundNotes = 0
    public var actionNotes = 0
    /// Kept: the money records.
    public var orders = 0
    public var payments = 0
    public var refunds = 0

    public init(userID: String) { self.userID = userID }

    /// One line for the audit's detail and the command's output.
    public var summary: String {
        "redacted name and email, \(addresses) shipping address(es), \(printTitles) print title(s), "
            + "\(photoNames) photo file name(s), \(notes) note(s), \(refundNotes) refund note(s), "
            + "\(actionNotes) action note(s); kept \(orders) order(s), \(payments) payment(s), \(refunds) refund(s) "
            + "and the audit log"
    }

    public var json: JSONValue {
        .object([
            ("user_id", .string(userID)),
            (
                "redacted",
                .object([
                    ("addresses", .integer(Int64(addresses))), ("print_titles", .integer(Int64(printTitles))),
                    ("photo_names", .integer(Int64(photoNames))), ("notes", .integer(Int64(notes))),
                    ("refund_notes", .integer(Int64(refundNotes))), ("action_notes", .integer(Int64(actionNotes))),
                ])
            ),
            (
                "kept",
                .object([
                    ("orders", .integer(Int64(orders))), ("payments", .integer(Int64(payments))),
                    ("refunds", .integer(Int64(refunds))),
                ])
            ),
        ])
    }
}

// MARK: - ErasureSQL

/// The erasure's SQL, the same on both stores (`?` placeholders; PostgreSQL numbers them). Every statement takes
/// the user id once per `?`.
public enum ErasureSQL {
    /// What will be redacted and kept, counted first (same order as `ErasureReport`'s counts).
    public static let counts = """
        SELECT
          (SELECT count(*) FROM orders WHERE user_id = ?),
          (SELECT count(*) FROM prints WHERE user_id = ?),
          (SELECT count(*) FROM photos WHERE print_id IN (SELECT id FROM prints WHERE user_id = ?)),
          (SELECT count(*) FROM notes WHERE user_id = ?),
          (SELECT count(*) FROM refunds WHERE note != '' AND order_id IN (SELECT id FROM orders WHERE user_id = ?)),
          (SELECT count(*) FROM support_actions WHERE user_id = ? AND (note != '' OR address IS NOT NULL)),
          (SELECT count(*) FROM payments WHERE order_id IN (SELECT id FROM orders WHERE user_id = ?)),
          (SELECT count(*) FROM refunds WHERE order_id IN (SELECT id FROM orders WHERE user_id = ?))
        """
    public static let countPlaceholders = 8

    /// Each order's shipping address, for its country (kept: taxes and money records need it).
    public static let addresses = "SELECT id, shipping_address FROM orders WHERE user_id = ?"

    /// The account: no name, no email that reaches anyone (unique per id), deleted; country and locale kept.
    public static let user = """
        UPDATE users SET name = 'Erased customer', email = 'erased+' || id || '@erased.invalid',
          search_email = 'erased', status = 'deleted'
        WHERE id = ?
        """
    public static let redactions = [
        "UPDATE prints SET title = 'erased' WHERE user_id = ?",
        "UPDATE photos SET filename = 'erased' WHERE print_id IN (SELECT id FROM prints WHERE user_id = ?)",
        "UPDATE notes SET text = '[erased]' WHERE user_id = ?",
        "UPDATE refunds SET note = '' WHERE order_id IN (SELECT id FROM orders WHERE user_id = ?)",
        "UPDATE support_actions SET note = '', address = NULL WHERE user_id = ?",
    ]
    public static let address = "UPDATE orders SET shipping_address = ? WHERE id = ?"

    /// An order's address after the erasure: the country alone.
    public static func erased(_ address: Address) -> String {
        StoredJSON.encode(Address(name: "erased", line1: "", city: "", postcode: "", country: address.country))
    }

    /// The report from `counts`' row.
    public static func report(_ userID: String, _ row: some StoreRow) throws -> ErasureReport {
        var r = ErasureReport(userID: userID)
        r.orders = Int(try row.integer(0))
        r.addresses = r.orders
        r.printTitles = Int(try row.integer(1))
        r.photoNames = Int(try row.integer(2))
        r.notes = Int(try row.integer(3))
        r.refundNotes = Int(try row.integer(4))
        r.actionNotes = Int(try row.integer(5))
        r.payments = Int(try row.integer(6))
        r.refunds = Int(try row.integer(7))
        return r
    }
}
