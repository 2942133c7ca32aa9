// MARK: - ImportRules

/// The rules an import (a file, or an ingest batch) holds each record to, the same on both stores. A store
/// fetches the facts a rule needs (with the statements below, `?` placeholders) and the rule decides; a refusal is
/// a `RecordFieldError` naming the field.
public enum ImportRules {
    /// Payments that captured, or may still capture, money.
    public static let livePayment = "status NOT IN ('voided', 'failed', 'declined')"

    /// Every fact an order's money rule needs, in one statement (`?` ×1: the order id): the stored order's currency
    /// and total, whether refunds were measured against it (1 or 0), and its live payments in sum. No row: a new
    /// order. A sum is a BIGINT on both stores.
    public static let orderFactsSQL = """
        SELECT o.currency, o.total_amount,
          CASE WHEN EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id) THEN 1 ELSE 0 END,
          (SELECT CAST(coalesce(sum(pay.amount), 0) AS BIGINT) FROM payments pay
           WHERE pay.order_id = o.id AND pay.\(livePayment))
        FROM orders o WHERE o.id = ?
        """
    /// Every fact a payment's money rule needs, in one statement (`?` ×4: the order id, the payment id, the order
    /// id, the payment id): the stored payment's order, provider, transaction, amount and currency (NULL for a new
    /// payment), whether refunds were measured against it, the order's other live payments in sum, and its total.
    public static let paymentFactsSQL = """
        SELECT s.order_id, s.provider, s.provider_transaction_id, s.amount, s.currency,
          CASE WHEN s.id IS NOT NULL AND EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = s.id) THEN 1 ELSE 0 END,
          (SELECT CAST(coalesce(sum(pay.amount), 0) AS BIGINT) FROM payments pay
           WHERE pay.order_id = ? AND pay.id <> ? AND pay.\(livePayment)),
          (SELECT o.total_amount FROM orders o WHERE o.id = ?)
        FROM (SELECT 1 AS one) one LEFT JOIN payments s ON s.id = ?
        """
    /// The payment a dispute is about: provider, currency, amount (one `?`: the payment id).
    public static let disputedPaymentSQL = "SELECT provider, currency, amount FROM payments WHERE id = ?"

    /// The version already applied of a record (`?`: its type and key).
    public static let appliedVersionSQL = "SELECT version FROM record_versions WHERE type = ? AND key = ?"
    /// Notes the version applied (`?`: type, key, version, 1 for a tombstone else 0).
    public static let recordVersionSQL = """
        INSERT INTO record_versions (type, key, version, deleted) VALUES (?, ?, ?, ?)
        ON CONFLICT(type, key) DO UPDATE SET version = excluded.version, deleted = excluded.deleted
        """

    /// A record refers to one that is neither in the store nor earlier in the file.
    public static func missing(_ field: String, _ what: String, _ id: String) -> RecordFieldError {
        RecordFieldError(
            field: field, message: "refers to \(what) \"\(id)\", which is neither in the store nor earlier in the file")
    }

    /// An order's print must be its customer's.
    public static func checkOwner(_ o: Order, printOwner owner: String?) throws {
        guard let owner else { throw missing("print_id", "print", o.printID) }
        if owner != o.userID {
            throw RecordFieldError(
                field: "print_id", message: "print \"\(o.printID)\" belongs to user \"\(owner)\", not \"\(o.userID)\"")
        }
    }

    /// A payment is in its order's currency.
    public static func checkCurrency(_ p: Payment, orderCurrency currency: String?) throws {
        guard let currency else { throw missing("order_id", "order", p.orderID) }
        if currency != p.currency.code {
            throw RecordFieldError(
                field: "currency", message: "\(p.currency.code) differs from the order's currency \(currency)")
        }
    }

    /// The money history of an order: once refunds were measured against it, its currency and total stay; and
    /// its live payments never add up to more than its total.
    ///
    /// - Parameters:
    ///   - stored: the stored order's currency and total, nil for a new order.
    ///   - paid: the order's live payments, in sum.
    public static func checkMoney(
        _ o: Order, stored: (currency: String, total: Int64)?, hasRefunds: Bool, paid: Int64
    ) throws {
        if let stored, hasRefunds {
            if stored.currency != o.currency.code {
                throw frozen("currency", "order", o.id, was: stored.currency, now: o.currency.code)
            }
            if stored.total != o.totalAmount {
                throw frozen("total_amount", "order", o.id, was: "\(stored.total)", now: "\(o.totalAmount)")
            }
        }
        if paid > o.totalAmount {
            throw RecordFieldError(
                field: "total_amount",
                message: "\(o.totalAmount) is less than the order's payments, which add up to \(paid)")
        }
    }

    /// What a stored payment says, in `paymentFactsSQL`'s order.
    public struct StoredPayment: Sendable {
        public var orderID, provider, transactionID: String
        public var amount: Int64
        public var currency: String

        public init(orderID: String, provider: String, transactionID: String, amount: Int64, currency: String) {
            (self.orderID, self.provider, self.transactionID) = (orderID, provider, transactionID)
            (self.amount, self.currency) = (amount, currency)
        }
    }

    /// The money history of a payment: once refunds were measured against it, its order, provider, transaction,
    /// amount and currency stay; and a live payment does not take its order's payments past the order's total.
    public static func checkMoney(
        _ p: Payment, stored: StoredPayment?, hasRefunds: Bool, otherLivePayments others: Int64, orderTotal total: Int64
    ) throws {
        if let stored, hasRefunds {
            let fields: [(String, String, String)] = [
                ("order_id", stored.orderID, p.orderID), ("provider", stored.provider, p.provider.rawValue),
                ("provider_transaction_id", stored.transactionID, p.providerTransactionID),
                ("amount", "\(stored.amount)", "\(p.amount)"), ("currency", stored.currency, p.currency.code),
            ]
            for (field, was, now) in fields where was != now {
                throw frozen(field, "payment", p.id, was: was, now: now)
            }
        }
        guard !p.status.isDead else { return }
        guard let sum = Checked.add(others, p.amount), sum <= total else {
            throw RecordFieldError(
                field: "amount",
                message: "the order's payments would add up to more than its total \(total)"
                    + " (\(others) in other payments + \(p.amount))")
        }
    }

    /// A dispute agrees with its payment: provider, currency, and not more than was paid.
    public static func checkDispute(
        _ d: ImportedDispute, payment: (provider: String, currency: String, amount: Int64)?
    ) throws {
        guard let payment else { throw missing("payment_id", "payment", d.paymentID) }
        if let named = d.provider, named.rawValue != payment.provider {
            throw RecordFieldError(
                field: "provider", message: "\(named.rawValue) differs from the payment's provider \(payment.provider)")
        }
        if payment.currency != d.currency.code {
            throw RecordFieldError(
                field: "currency", message: "\(d.currency.code) differs from the payment's currency \(payment.currency)"
            )
        }
        if d.amount > payment.amount {
            throw RecordFieldError(
                field: "amount", message: "\(d.amount) is more than the payment's amount \(payment.amount)")
        }
    }

    /// What a tombstone may delete, as a statement (`?` placeholders) and its values. Orders, payments and print
    /// jobs are history (money, and what a partner did): a feed cancels them by status, it does not delete them.
    public static func tombstone(type: String, key: String) throws -> (sql: String, values: [StoreValue]) {
        let parts = key.split(separator: "#").map(String.init)
        switch type {
        case "user": return ("DELETE FROM users WHERE id = ?", [.text(key)])
        case "print": return ("DELETE FROM prints WHERE id = ?", [.text(key)])
        case "photo":
            return ("DELETE FROM photos WHERE print_id = ? AND position = ?", [.text(parts[0]), position(parts)])
        case "print_job_event":
            return (
                "DELETE FROM print_job_events WHERE job_id = ? AND sequence = ?", [.text(parts[0]), position(parts)]
            )
        default:
            throw RecordFieldError(
                field: "deleted",
                message: "\(type) records are history and are never deleted; send their new status instead")
        }
    }

    /// A record others still point at cannot go before them.
    public static func stillReferred(type: String, key: String) -> RecordFieldError {
        RecordFieldError(
            field: "deleted", message: "\(type) \(key) is still referred to (delete what points at it first)")
    }

    /// A second customer with an email another already has (compared without case).
    public static func emailTaken(_ email: String, owner: String?) -> String {
        "\"\(email)\" already belongs to user \"\(owner ?? "?")\""
    }

    /// A payment whose provider transaction another payment already has.
    public static func transactionTaken(_ p: Payment) -> String {
        "\(p.provider.label) transaction \"\(p.providerTransactionID)\" already belongs to another payment"
    }

    private static func position(_ parts: [String]) -> StoreValue {
        parts.count > 1 ? Int64(parts[1]).map(StoreValue.integer) ?? .null : .null
    }

    private static func frozen(
        _ field: String, _ what: String, _ id: String, was: String, now: String
    ) -> RecordFieldError {
        RecordFieldError(
            field: field,
            message: "\(what) \"\(id)\" has refunds measured against it: \(field) cannot change from \(was) to \(now)")
    }
}

// MARK: - ImportReferences

/// What an import wrote lately, so that most references are answered without a query: an export lists parents
/// just before their children. Bounded: forgotten in bulk past `capacity`.
public struct ImportReferences: Sendable {
    /// "table id" → what children need to know of it (a print's owner, an order's currency), or "".
    private var recent: [String: String] = [:]
    public static let capacity = 20_000

    public init() {}

    /// Records what a written record can answer for its children.
    public mutating func remember(_ record: ImportRecord) {
        if recent.count >= Self.capacity { recent.removeAll(keepingCapacity: true) }
        switch record {
        case .user(let u): recent["users " + u.id] = ""
        case .print(let p): recent["prints " + p.id] = p.userID
        case .order(let o): recent["orders " + o.id] = o.currency.code
        case .printJob(let j): recent["print_jobs " + j.id] = ""
        case .photo, .payment, .printJobEvent, .dispute: break
        }
    }

    /// The record `record` must find before it is written, earlier in the file or in the store: a print's user, a
    /// photo's print, an order's user, a job's order, an event's job (the rules needing more of a parent than
    /// its existence — an order's print, a payment's order, a dispute's payment — ask for it themselves).
    public static func parent(of record: ImportRecord) -> (table: String, id: String, field: String, what: String)? {
        switch record {
        case .print(let p): ("users", p.userID, "user_id", "user")
        case .photo(let p): ("prints", p.printID, "print_id", "print")
        case .order(let o): ("users", o.userID, "user_id", "user")
        case .printJob(let j): ("orders", j.orderID, "order_id", "order")
        case .printJobEvent(let e): ("print_jobs", e.jobID, "job_id", "print job")
        case .user, .payment, .dispute: nil
        }
    }

    /// Forgets a record a tombstone deleted: a child arriving after it must not find it here.
    public mutating func forget(type: String, key: String) {
        let table = ["user": "users", "print": "prints", "order": "orders", "print_job": "print_jobs"][type]
        if let table { recent[table + " " + key] = nil }
    }

    /// What the import remembers of `table`'s record `id`, or nil to ask the store.
    public func known(_ table: String, _ id: String) -> String? { recent[table + " " + id] }

    /// The statement that asks the store for `column` of `table`'s record (one `?`: the id); `''` asks only whether
    /// it exists.
    public static func lookupSQL(_ table: String, _ column: String) -> String {
        "SELECT \(column) FROM \(table) WHERE id = ?"
    }
}

extension PaymentStatus {
    /// A payment that captured nothing and never will.
    public var isDead: Bool { self == .voided || self == .failed || self == .declined }
}
