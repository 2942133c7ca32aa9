import Foundation
import GRDB
import OpsCore

// MARK: - Columns

/// Row → domain value. Columns are read by position, in the order of the `…Columns` lists, which every query that
/// decodes the type selects verbatim: positional reads are several times cheaper than named ones.
enum Columns {
    static let user = "u.id, u.email, u.name, u.country, u.locale, u.status, u.created_at"
    static let print = "p.id, p.user_id, p.product, p.title, p.page_count, p.photo_count, p.created_at, p.updated_at"
    static let order = """
        o.id, o.user_id, o.print_id, o.currency, o.line_items, o.subtotal_amount, o.shipping_amount, o.tax_amount, \
        o.total_amount, o.shipping_address, o.status, o.created_at
        """
    static let payment = """
        pay.id, pay.order_id, pay.provider, pay.provider_transaction_id, pay.provider_charge_id, pay.amount, \
        pay.currency, pay.status, pay.created_at, pay.settled_at
        """
    static let job = """
        j.id, j.order_id, j.partner, j.status, j.tracking_number, j.carrier, j.created_at, j.updated_at
        """
    static let refund = """
        r.id, r.order_id, r.payment_id, r.provider, r.amount, r.currency, r.status, r.reason, r.note, \
        r.idempotency_key, r.gateway_refund_id, r.is_void, r.operator, r.failure_message, r.created_at, r.updated_at
        """
    static let dispute = """
        d.id, d.payment_id, d.order_id, d.provider, d.amount, d.currency, d.reason, d.status, d.provider_status, \
        d.evidence_due_by, d.created_at, d.updated_at
        """
    static let userCount = 7
    static let printCount = 8
    static let orderCount = 12
    static let paymentCount = 10
    static let jobCount = 8
}

// MARK: - Decoding

/// Decodes every row of a cached statement straight from SQLite's row buffer: `Row.fetchAll` would first copy each
/// row into its own `Row`, which costs as much as the query on a customer's handful of rows.
func fetchDecoded<T>(
    _ db: Database, _ sql: String, _ arguments: StatementArguments,
    _ decode: (Row) throws -> T
) throws -> [T] {
    let cursor = try Row.fetchCursor(try db.cachedStatement(sql: sql), arguments: arguments)
    var out: [T] = []
    while let row = try cursor.next() { out.append(try decode(row)) }
    return out
}

/// The first decoded row, or nil.
func fetchFirstDecoded<T>(
    _ db: Database, _ sql: String, _ arguments: StatementArguments,
    _ decode: (Row) throws -> T
) throws -> T? {
    let cursor = try Row.fetchCursor(try db.cachedStatement(sql: sql), arguments: arguments)
    guard let row = try cursor.next() else { return nil }
    return try decode(row)
}

func decodeEnum<E: RawRepresentable>(_ row: Row, _ index: Int, _ table: String, _ column: String) throws -> E
where E.RawValue == String {
    let raw: String = row[index]
    guard let value = E(rawValue: raw) else {
        throw StoreError.corruptValue(table: table, column: column, value: raw)
    }
    return value
}

func decodeCurrency(_ row: Row, _ index: Int, _ table: String) throws -> Currency {
    let raw: String = row[index]
    do { return try Currency(code: raw) } catch {
        throw StoreError.corruptValue(table: table, column: "currency", value: raw)
    }
}

extension User {
    init(row: Row, at o: Int = 0) throws {
        self.init(
            id: row[o], email: row[o + 1], name: row[o + 2], country: row[o + 3], locale: row[o + 4],
            status: try decodeEnum(row, o + 5, "users", "status"),
            createdAt: Timestamp(seconds: row[o + 6]))
    }
}

extension Print {
    init(row: Row, at o: Int = 0) throws {
        self.init(
            id: row[o], userID: row[o + 1], product: try decodeEnum(row, o + 2, "prints", "product"),
            title: row[o + 3], pageCount: row[o + 4], photoCount: row[o + 5],
            createdAt: Timestamp(seconds: row[o + 6]), updatedAt: Timestamp(seconds: row[o + 7]))
    }
}

extension Order {
    init(row: Row, at o: Int = 0) throws {
        let lineItemsJSON: String = row[o + 4]
        let addressJSON: String = row[o + 9]
        self.init(
            id: row[o], userID: row[o + 1], printID: row[o + 2], currency: try decodeCurrency(row, o + 3, "orders"),
            lineItems: try StoredJSON.decodeLineItems(lineItemsJSON),
            subtotalAmount: row[o + 5], shippingAmount: row[o + 6], taxAmount: row[o + 7],
            totalAmount: row[o + 8], shippingAddress: try StoredJSON.decodeAddress(addressJSON),
            status: try decodeEnum(row, o + 10, "orders", "status"),
            createdAt: Timestamp(seconds: row[o + 11]))
    }
}

extension Payment {
    init(row: Row, at o: Int = 0) throws {
        let settled: Int64? = row[o + 9]
        self.init(
            id: row[o], orderID: row[o + 1], provider: try decodeEnum(row, o + 2, "payments", "provider"),
            providerTransactionID: row[o + 3], providerChargeID: row[o + 4], amount: row[o + 5],
            currency: try decodeCurrency(row, o + 6, "payments"),
            status: try decodeEnum(row, o + 7, "payments", "status"),
            createdAt: Timestamp(seconds: row[o + 8]), settledAt: settled.map(Timestamp.init(seconds:)))
    }
}

extension PrintJob {
    init(row: Row, at o: Int = 0) throws {
        self.init(
            id: row[o], orderID: row[o + 1], partner: row[o + 2],
            status: try decodeEnum(row, o + 3, "print_jobs", "status"),
            trackingNumber: row[o + 4], carrier: row[o + 5],
            createdAt: Timestamp(seconds: row[o + 6]), updatedAt: Timestamp(seconds: row[o + 7]))
    }
}

extension Dispute {
    init(row: Row, at o: Int = 0) throws {
        let due: Int64? = row[o + 9]
        self.init(
            id: row[o], paymentID: row[o + 1], orderID: row[o + 2],
            provider: try decodeEnum(row, o + 3, "disputes", "provider"), amount: row[o + 4],
            currency: try decodeCurrency(row, o + 5, "disputes"), reason: row[o + 6],
            status: try decodeEnum(row, o + 7, "disputes", "status"), providerStatus: row[o + 8],
            evidenceDueBy: due.map(Timestamp.init(seconds:)), createdAt: Timestamp(seconds: row[o + 10]),
            updatedAt: Timestamp(seconds: row[o + 11]))
    }
}

extension Refund {
    init(row: Row, at o: Int = 0) throws {
        self.init(
            id: row[o], orderID: row[o + 1], paymentID: row[o + 2],
            provider: try decodeEnum(row, o + 3, "refunds", "provider"), amount: row[o + 4],
            currency: try decodeCurrency(row, o + 5, "refunds"),
            status: try decodeEnum(row, o + 6, "refunds", "status"),
            reason: try decodeEnum(row, o + 7, "refunds", "reason"), note: row[o + 8],
            idempotencyKey: row[o + 9], gatewayRefundID: row[o + 10], isVoid: row[o + 11],
            operatorName: row[o + 12], failureMessage: row[o + 13],
            createdAt: Timestamp(seconds: row[o + 14]), updatedAt: Timestamp(seconds: row[o + 15]))
    }
}

// MARK: - StoredJSON

/// The JSON stored in `orders.line_items` and `orders.shipping_address`: the same field names as the import and
/// query formats.
enum StoredJSON {
    static func decodeLineItems(_ json: String) throws -> [LineItem] {
        guard case .array(let items) = try JSONValue.parse(json) else {
            throw StoreError.corruptValue(table: "orders", column: "line_items", value: json)
        }
        return try items.map { item in
            guard case .string(let sku)? = item["sku"], case .string(let description)? = item["description"],
                case .integer(let quantity)? = item["quantity"], case .integer(let unit)? = item["unit_amount"]
            else { throw StoreError.corruptValue(table: "orders", column: "line_items", value: json) }
            return LineItem(sku: sku, description: description, quantity: Int(quantity), unitAmount: unit)
        }
    }

    static func decodeAddress(_ json: String) throws -> Address {
        let value = try JSONValue.parse(json)
        func field(_ key: String) -> String {
            if case .string(let s)? = value[key] { return s }
            return ""
        }
        return Address(
            name: field("name"), line1: field("line1"), line2: field("line2"), city: field("city"),
            region: field("region"), postcode: field("postcode"), country: field("country"))
    }

    static func encode(_ items: [LineItem]) -> String {
        var out = "["
        for (i, item) in items.enumerated() {
            if i > 0 { out += "," }
            out += "{\"sku\":\(quote(item.sku)),\"description\":\(quote(item.description)),"
            out += "\"quantity\":\(item.quantity),\"unit_amount\":\(item.unitAmount)}"
        }
        return out + "]"
    }

    static func encode(_ a: Address) -> String {
        "{\"name\":\(quote(a.name)),\"line1\":\(quote(a.line1)),\"line2\":\(quote(a.line2)),\"city\":\(quote(a.city)),"
            + "\"region\":\(quote(a.region)),\"postcode\":\(quote(a.postcode)),\"country\":\(quote(a.country))}"
    }

    /// A JSON string literal (the one escaper, shared with the JSON output).
    static func quote(_ s: String) -> String {
        JSONValue.quoted(s)
    }
}
