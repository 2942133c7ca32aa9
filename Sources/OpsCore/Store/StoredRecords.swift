// MARK: - StoreRow

/// One row of a store's answer, read by position. Both stores (SQLite and PostgreSQL) have the same tables and
/// columns, so the domain values are decoded here once, from the column lists below, whichever store answered.
public protocol StoreRow {
    func text(_ index: Int) throws -> String
    func optionalText(_ index: Int) throws -> String?
    func integer(_ index: Int) throws -> Int64
    func optionalInteger(_ index: Int) throws -> Int64?
}

/// A stored value the domain does not know (a status no version of popsa-ops writes, a bad currency, JSON that
/// is not the stored shape): the record cannot be shown as it is.
public struct StoredValueError: Error, Hashable, Sendable, CustomStringConvertible {
    public var table: String
    public var column: String
    public var value: String

    public init(table: String, column: String, value: String) {
        self.table = table
        self.column = column
        self.value = value
    }

    public var description: String { "unexpected value \"\(value)\" in \(table).\(column)" }
}

// MARK: - StoredColumns

/// The columns each domain value is decoded from, in order; every query that decodes a type selects its list
/// verbatim (positional reads are several times cheaper than named ones). The table aliases are fixed: `u` users,
/// `p` prints, `o` orders, `pay` payments, `j` print jobs, `r` refunds, `d` disputes.
public enum StoredColumns {
    public static let user = "u.id, u.email, u.name, u.country, u.locale, u.status, u.created_at"
    public static let print =
        "p.id, p.user_id, p.product, p.title, p.page_count, p.photo_count, p.created_at, p.updated_at"
    public static let order = """
        o.id, o.user_id, o.print_id, o.currency, o.line_items, o.subtotal_amount, o.shipping_amount, o.tax_amount, \
        o.total_amount, o.shipping_address, o.status, o.created_at
        """
    public static let payment = """
        pay.id, pay.order_id, pay.provider, pay.provider_transaction_id, pay.provider_charge_id, pay.amount, \
        pay.currency, pay.status, pay.created_at, pay.settled_at
        """
    public static let job =
        "j.id, j.order_id, j.partner, j.status, j.tracking_number, j.carrier, j.created_at, j.updated_at"
    public static let refund = """
        r.id, r.order_id, r.payment_id, r.provider, r.amount, r.currency, r.status, r.reason, r.note, \
        r.idempotency_key, r.gateway_refund_id, r.is_void, r.operator, r.failure_message, r.created_at, r.updated_at
        """
    public static let dispute = """
        d.id, d.payment_id, d.order_id, d.provider, d.amount, d.currency, d.reason, d.status, d.provider_status, \
        d.evidence_due_by, d.created_at, d.updated_at
        """
    public static let note =
        "n.id, n.subject_kind, n.subject_id, n.user_id, n.order_id, n.author, n.at, n.text, n.ticket"
    public static let userCount = 7
    public static let printCount = 8
    public static let orderCount = 12
    public static let paymentCount = 10
    public static let jobCount = 8
}

// MARK: - Decoding

extension StoreRow {
    public func storedEnum<E: RawRepresentable>(_ index: Int, _ table: String, _ column: String) throws -> E
    where E.RawValue == String {
        let raw = try text(index)
        guard let value = E(rawValue: raw) else { throw StoredValueError(table: table, column: column, value: raw) }
        return value
    }

    public func storedCurrency(_ index: Int, _ table: String) throws -> Currency {
        let raw = try text(index)
        do { return try Currency(code: raw) } catch {
            throw StoredValueError(table: table, column: "currency", value: raw)
        }
    }

    public func timestamp(_ index: Int) throws -> Timestamp { Timestamp(seconds: try integer(index)) }
    public func optionalTimestamp(_ index: Int) throws -> Timestamp? {
        try optionalInteger(index).map(Timestamp.init(seconds:))
    }
}

extension User {
    public init(row: some StoreRow, at o: Int = 0) throws {
        self.init(
            id: try row.text(o), email: try row.text(o + 1), name: try row.text(o + 2), country: try row.text(o + 3),
            locale: try row.text(o + 4), status: try row.storedEnum(o + 5, "users", "status"),
            createdAt: try row.timestamp(o + 6))
    }
}

extension Print {
    public init(row: some StoreRow, at o: Int = 0) throws {
        self.init(
            id: try row.text(o), userID: try row.text(o + 1), product: try row.storedEnum(o + 2, "prints", "product"),
            title: try row.text(o + 3), pageCount: Int(try row.integer(o + 4)),
            photoCount: Int(try row.integer(o + 5)), createdAt: try row.timestamp(o + 6),
            updatedAt: try row.timestamp(o + 7))
    }
}

extension Order {
    public init(row: some StoreRow, at o: Int = 0) throws {
        self.init(
            id: try row.text(o), userID: try row.text(o + 1), printID: try row.text(o + 2),
            currency: try row.storedCurrency(o + 3, "orders"),
            lineItems: try StoredJSON.decodeLineItems(try row.text(o + 4)),
            subtotalAmount: try row.integer(o + 5), shippingAmount: try row.integer(o + 6),
            taxAmount: try row.integer(o + 7), totalAmount: try row.integer(o + 8),
            shippingAddress: try StoredJSON.decodeAddress(try row.text(o + 9)),
            status: try row.storedEnum(o + 10, "orders", "status"), createdAt: try row.timestamp(o + 11))
    }
}

extension Payment {
    public init(row: some StoreRow, at o: Int = 0) throws {
        self.init(
            id: try row.text(o), orderID: try row.text(o + 1),
            provider: try row.storedEnum(o + 2, "payments", "provider"),
            providerTransactionID: try row.text(o + 3), providerChargeID: try row.optionalText(o + 4),
            amount: try row.integer(o + 5), currency: try row.storedCurrency(o + 6, "payments"),
            status: try row.storedEnum(o + 7, "payments", "status"), createdAt: try row.timestamp(o + 8),
            settledAt: try row.optionalTimestamp(o + 9))
    }
}

extension PrintJob {
    public init(row: some StoreRow, at o: Int = 0) throws {
        self.init(
            id: try row.text(o), orderID: try row.text(o + 1), partner: try row.text(o + 2),
            status: try row.storedEnum(o + 3, "print_jobs", "status"),
            trackingNumber: try row.optionalText(o + 4), carrier: try row.optionalText(o + 5),
            createdAt: try row.timestamp(o + 6), updatedAt: try row.timestamp(o + 7))
    }
}

extension Note {
    public init(row: some StoreRow, at o: Int = 0) throws {
        let kind = try row.text(o + 1)
        guard let subject = Subject(kind: kind, id: try row.text(o + 2)) else {
            throw StoredValueError(table: "notes", column: "subject_kind", value: kind)
        }
        self.init(
            id: try row.text(o), subject: subject, userID: try row.text(o + 3), orderID: try row.optionalText(o + 4),
            author: try row.text(o + 5), at: try row.timestamp(o + 6), text: try row.text(o + 7),
            ticket: try row.optionalText(o + 8))
    }
}

extension Dispute {
    public init(row: some StoreRow, at o: Int = 0) throws {
        self.init(
            id: try row.text(o), paymentID: try row.text(o + 1), orderID: try row.text(o + 2),
            provider: try row.storedEnum(o + 3, "disputes", "provider"), amount: try row.integer(o + 4),
            currency: try row.storedCurrency(o + 5, "disputes"), reason: try row.text(o + 6),
            status: try row.storedEnum(o + 7, "disputes", "status"), providerStatus: try row.text(o + 8),
            evidenceDueBy: try row.optionalTimestamp(o + 9), createdAt: try row.timestamp(o + 10),
            updatedAt: try row.timestamp(o + 11))
    }
}

extension Refund {
    public init(row: some StoreRow, at o: Int = 0) throws {
        self.init(
            id: try row.text(o), orderID: try row.text(o + 1), paymentID: try row.text(o + 2),
            provider: try row.storedEnum(o + 3, "refunds", "provider"), amount: try row.integer(o + 4),
            currency: try row.storedCurrency(o + 5, "refunds"), status: try row.storedEnum(o + 6, "refunds", "status"),
            reason: try row.storedEnum(o + 7, "refunds", "reason"), note: try row.text(o + 8),
            idempotencyKey: try row.text(o + 9), gatewayRefundID: try row.optionalText(o + 10),
            isVoid: try row.integer(o + 11) != 0, operatorName: try row.text(o + 12),
            failureMessage: try row.optionalText(o + 13), createdAt: try row.timestamp(o + 14),
            updatedAt: try row.timestamp(o + 15))
    }
}

extension PrintSummary {
    /// A print's columns followed by its uploaded and missing photo counts.
    public init(row: some StoreRow) throws {
        self.init(
            print: try Print(row: row),
            photos: PhotoProgress(
                uploaded: Int(try row.integer(StoredColumns.printCount)),
                missing: Int(try row.integer(StoredColumns.printCount + 1))))
    }
}

// MARK: - StoredJSON

/// The JSON stored in `orders.line_items` and `orders.shipping_address`: the same field names as the import and
/// query formats.
public enum StoredJSON {
    public static func decodeLineItems(_ json: String) throws -> [LineItem] {
        guard case .array(let items) = try JSONValue.parse(json) else {
            throw StoredValueError(table: "orders", column: "line_items", value: json)
        }
        return try items.map { item in
            guard case .string(let sku)? = item["sku"], case .string(let description)? = item["description"],
                case .integer(let quantity)? = item["quantity"], case .integer(let unit)? = item["unit_amount"]
            else { throw StoredValueError(table: "orders", column: "line_items", value: json) }
            return LineItem(sku: sku, description: description, quantity: Int(quantity), unitAmount: unit)
        }
    }

    public static func decodeAddress(_ json: String) throws -> Address {
        let value = try JSONValue.parse(json)
        func field(_ key: String) -> String {
            if case .string(let s)? = value[key] { return s }
            return ""
        }
        return Address(
            name: field("name"), line1: field("line1"), line2: field("line2"), city: field("city"),
            region: field("region"), postcode: field("postcode"), country: field("country"))
    }

    public static func encode(_ items: [LineItem]) -> String {
        var out = "["
        for (i, item) in items.enumerated() {
            if i > 0 { out += "," }
            out += "{\"sku\":\(quote(item.sku)),\"description\":\(quote(item.description)),"
            out += "\"quantity\":\(item.quantity),\"unit_amount\":\(item.unitAmount)}"
        }
        return out + "]"
    }

    public static func encode(_ a: Address) -> String {
        "{\"name\":\(quote(a.name)),\"line1\":\(quote(a.line1)),\"line2\":\(quote(a.line2)),\"city\":\(quote(a.city)),"
            + "\"region\":\(quote(a.region)),\"postcode\":\(quote(a.postcode)),\"country\":\(quote(a.country))}"
    }

    /// A JSON string literal (the one escaper, shared with the JSON output).
    public static func quote(_ s: String) -> String {
        JSONValue.quoted(s)
    }
}
