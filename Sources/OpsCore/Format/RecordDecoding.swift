// MARK: - ImportRecord

/// One record of a JSON Lines export.
public enum ImportRecord: Sendable {
    case user(User)
    case print(Print)
    case photo(Photo)
    case order(Order)
    case payment(Payment)
    case printJob(PrintJob)
    case printJobEvent(PrintJobEvent)
    case dispute(ImportedDispute)

    public static let types = [
        "user", "print", "photo", "order", "payment", "print_job", "print_job_event", "dispute",
    ]
}

// MARK: - RecordFieldError

/// A field of a record is missing or wrong. `field` is a path: `line_items[1].unit_amount`.
public struct RecordFieldError: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "field \"\(field)\": \(message)" }
}

// MARK: - ImportRecord

extension ImportRecord {
    /// Decodes one parsed line. Unknown fields are errors: a typo must not silently drop data.
    public static func decode(_ value: JSONValue) throws(RecordFieldError) -> ImportRecord {
        guard case .object = value else {
            throw RecordFieldError(field: "", message: "a record must be a JSON object, not \(value.kindName)")
        }
        var r = FieldReader(value: value, path: "")
        let type = try r.string("type")
        switch type {
        case "user":
            let country = try r.string("country")
            guard let served = Country.served(country), country == served.code else {
                throw RecordFieldError(
                    field: "country",
                    message: "\"\(country)\" is not an upper-case ISO 3166 code of a country Popsa serves")
            }
            let email = try r.string("email")
            guard email.contains("@"), !email.hasPrefix("@"), !email.hasSuffix("@"),
                !email.contains(where: \.isWhitespace)
            else {
                throw RecordFieldError(field: "email", message: "\"\(email)\" is not an email address")
            }
            let user = User(
                id: try r.id("id"), email: email, name: try r.string("name"), country: country,
                locale: try r.optionalString("locale") ?? served.locale,
                status: try r.optionalEnum("status") ?? .active, createdAt: try r.time("created_at"))
            try r.finish()
            return .user(user)
        case "print":
            let created = try r.time("created_at")
            let print = Print(
                id: try r.id("id"), userID: try r.id("user_id"), product: try r.enumValue("product"),
                title: try r.string("title"), pageCount: try r.count("page_count"),
                photoCount: try r.count("photo_count"), createdAt: created,
                updatedAt: try r.optionalTime("updated_at") ?? created)
            try r.finish()
            return .print(print)
        case "photo":
            let status: PhotoStatus = try r.enumValue("status")
            let uploadedAt = try r.optionalTime("uploaded_at")
            if status == .missing, uploadedAt != nil {
                throw RecordFieldError(field: "uploaded_at", message: "a missing photo has no upload time")
            }
            let photo = Photo(
                printID: try r.id("print_id"), position: try r.positive("position"), status: status,
                filename: try r.optionalString("filename") ?? "", uploadedAt: uploadedAt)
            try r.finish()
            return .photo(photo)
        case "order":
            return .order(try decodeOrder(&r))
        case "payment":
            let payment = Payment(
                id: try r.id("id"), orderID: try r.id("order_id"), provider: try r.enumValue("provider"),
                providerTransactionID: try r.id("provider_transaction_id"),
                providerChargeID: try r.optionalString("provider_charge_id"), amount: try r.amount("amount"),
                currency: try r.currency("currency"), status: try r.enumValue("status"),
                createdAt: try r.time("created_at"), settledAt: try r.optionalTime("settled_at"))
            try r.finish()
            return .payment(payment)
        case "print_job":
            let created = try r.time("created_at")
            let job = PrintJob(
                id: try r.id("id"), orderID: try r.id("order_id"), partner: try r.id("partner"),
                status: try r.enumValue("status"), trackingNumber: try r.optionalString("tracking_number"),
                carrier: try r.optionalString("carrier"), createdAt: created,
                updatedAt: try r.optionalTime("updated_at") ?? created)
            try r.finish()
            return .printJob(job)
        case "print_job_event":
            let event = PrintJobEvent(
                jobID: try r.id("job_id"), sequence: try r.positive("sequence"),
                at: try r.time("at"), status: try r.enumValue("status"),
                message: try r.optionalString("message") ?? "")
            try r.finish()
            return .printJobEvent(event)
        case "dispute":
            let created = try r.time("created_at")
            let status: DisputeStatus = try r.enumValue("status")
            let dispute = ImportedDispute(
                id: try r.id("id"), paymentID: try r.id("payment_id"), provider: try r.optionalEnum("provider"),
                amount: try r.amount("amount"), currency: try r.currency("currency"),
                reason: try r.optionalString("reason") ?? "", status: status,
                providerStatus: try r.optionalString("provider_status") ?? status.rawValue,
                evidenceDueBy: try r.optionalTime("evidence_due_by"), createdAt: created,
                updatedAt: try r.optionalTime("updated_at") ?? created)
            guard dispute.amount > 0 else {
                throw RecordFieldError(field: "amount", message: "a dispute is for more than nothing")
            }
            try r.finish()
            return .dispute(dispute)
        default:
            throw RecordFieldError(
                field: "type", message: "unknown type \"\(type)\" (expected one of \(types.joined(separator: ", ")))")
        }
    }

    private static func decodeOrder(_ r: inout FieldReader) throws(RecordFieldError) -> Order {
        let currency = try r.currency("currency")
        var items: [LineItem] = []
        for (index, element) in try r.array("line_items").enumerated() {
            var item = FieldReader(value: element, path: "line_items[\(index)]")
            guard case .object = element else {
                throw RecordFieldError(field: item.path, message: "expected an object, found \(element.kindName)")
            }
            items.append(
                LineItem(
                    sku: try item.id("sku"), description: try item.string("description"),
                    quantity: try item.positive("quantity"), unitAmount: try item.amount("unit_amount")))
            try item.finish()
        }
        guard let addressValue = r.take("shipping_address") else {
            throw RecordFieldError(field: "shipping_address", message: "missing")
        }
        guard case .object = addressValue else {
            throw RecordFieldError(
                field: "shipping_address", message: "expected an object, found \(addressValue.kindName)")
        }
        var a = FieldReader(value: addressValue, path: "shipping_address")
        let addressCountry = try a.string("country")
        guard Country.isAlpha2(addressCountry), addressCountry == addressCountry.uppercased() else {
            throw RecordFieldError(
                field: "shipping_address.country",
                message: "\"\(addressCountry)\" is not an upper-case ISO 3166 alpha-2 code")
        }
        let address = Address(
            name: try a.string("name"), line1: try a.string("line1"),
            line2: try a.optionalString("line2") ?? "", city: try a.string("city"),
            region: try a.optionalString("region") ?? "", postcode: try a.optionalString("postcode") ?? "",
            country: addressCountry)
        try a.finish()
        let order = Order(
            id: try r.id("id"), userID: try r.id("user_id"), printID: try r.id("print_id"),
            currency: currency, lineItems: items, subtotalAmount: try r.amount("subtotal_amount"),
            shippingAmount: try r.amount("shipping_amount"), taxAmount: try r.amount("tax_amount"),
            totalAmount: try r.amount("total_amount"), shippingAddress: address,
            status: try r.enumValue("status"), createdAt: try r.time("created_at"))
        try r.finish()
        if let problem = order.amountsProblem {
            throw RecordFieldError(
                field: problem.hasPrefix("total")
                    ? "total_amount"
                    : problem.hasPrefix("subtotal") ? "subtotal_amount" : "line_items", message: problem)
        }
        return order
    }
}

// MARK: - FieldReader

/// Reads the fields of one JSON object, remembering which were read so unknown ones can be reported.
struct FieldReader {
    var fields: [(String, JSONValue)]
    var path: String
    private var used = Set<String>()

    init(value: JSONValue, path: String) {
        if case .object(let fields) = value { self.fields = fields } else { self.fields = [] }
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func take(_ key: String) -> JSONValue? {
        used.insert(key)
        guard let value = fields.first(where: { $0.0 == key })?.1, value != .null else { return nil }
        return value
    }

    func wrong(_ key: String, _ expected: String, _ found: JSONValue) -> RecordFieldError {
        RecordFieldError(field: name(key), message: "expected \(expected), found \(found.kindName)")
    }

    mutating func optionalString(_ key: String) throws(RecordFieldError) -> String? {
        guard let value = take(key) else { return nil }
        guard case .string(let s) = value else { throw wrong(key, "a string", value) }
        // SQLite's C interface reads text up to a NUL: "Ann\u0000Smith" would come back as "Ann" on every screen.
        // A NUL is kept as its visible control picture, so what follows it is never silently lost.
        guard s.utf8.contains(0) else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value == 0 ? "\u{2400}" : $0 }))
    }

    mutating func string(_ key: String) throws(RecordFieldError) -> String {
        guard let s = try optionalString(key) else { throw RecordFieldError(field: name(key), message: "missing") }
        guard !s.trimmingWhitespace().isEmpty else { throw RecordFieldError(field: name(key), message: "is empty") }
        return s
    }

    /// An identifier: non-empty, no whitespace or control characters, at most 255 characters.
    mutating func id(_ key: String) throws(RecordFieldError) -> String {
        let s = try string(key)
        guard s.count <= 255,
            !s.unicodeScalars.contains(where: {
                $0.properties.isWhitespace || $0.value < 0x20 || (0x7F...0x9F).contains($0.value)
            })
        else {
            throw RecordFieldError(
                field: name(key), message: "an identifier must be 1–255 characters without spaces or control characters"
            )
        }
        return s
    }

    mutating func integer(_ key: String) throws(RecordFieldError) -> Int64 {
        guard let value = take(key) else { throw RecordFieldError(field: name(key), message: "missing") }
        switch value {
        case .integer(let i): return i
        case .number(let text):
            throw RecordFieldError(
                field: name(key), message: "expected an integer, found \(text) (amounts are integer minor units)")
        default: throw wrong(key, "an integer", value)
        }
    }

    /// Integer minor units, zero or more.
    mutating func amount(_ key: String) throws(RecordFieldError) -> Int64 {
        let i = try integer(key)
        guard i >= 0 else { throw RecordFieldError(field: name(key), message: "must not be negative (\(i))") }
        guard i <= 999_999_999_999_999 else { throw RecordFieldError(field: name(key), message: "is too large") }
        return i
    }

    mutating func count(_ key: String) throws(RecordFieldError) -> Int {
        let i = try integer(key)
        guard (0...1_000_000).contains(i) else {
            throw RecordFieldError(field: name(key), message: "must be between 0 and 1000000")
        }
        return Int(i)
    }

    mutating func positive(_ key: String) throws(RecordFieldError) -> Int {
        let i = try integer(key)
        guard (1...1_000_000).contains(i) else {
            throw RecordFieldError(field: name(key), message: "must be between 1 and 1000000")
        }
        return Int(i)
    }

    mutating func currency(_ key: String) throws(RecordFieldError) -> Currency {
        let code = try string(key)
        guard code == code.uppercased(), let currency = try? Currency(code: code) else {
            throw RecordFieldError(
                field: name(key), message: "unknown currency \"\(code)\" (expected an upper-case ISO 4217 code)")
        }
        return currency
    }

    mutating func optionalTime(_ key: String) throws(RecordFieldError) -> Timestamp? {
        guard let text = try optionalString(key) else { return nil }
        do { return try Timestamp(iso8601: text) } catch {
            throw RecordFieldError(field: name(key), message: error.description)
        }
    }

    mutating func time(_ key: String) throws(RecordFieldError) -> Timestamp {
        guard let t = try optionalTime(key) else { throw RecordFieldError(field: name(key), message: "missing") }
        return t
    }

    mutating func optionalEnum<E: DomainEnum>(_ key: String) throws(RecordFieldError) -> E? {
        guard let raw = try optionalString(key) else { return nil }
        guard let value = E(rawValue: raw) else {
            throw RecordFieldError(field: name(key), message: "unknown value \"\(raw)\" (expected one of \(E.choices))")
        }
        return value
    }

    mutating func enumValue<E: DomainEnum>(_ key: String) throws(RecordFieldError) -> E {
        guard let value: E = try optionalEnum(key) else { throw RecordFieldError(field: name(key), message: "missing") }
        return value
    }

    mutating func array(_ key: String) throws(RecordFieldError) -> [JSONValue] {
        guard let value = take(key) else { throw RecordFieldError(field: name(key), message: "missing") }
        guard case .array(let items) = value else { throw wrong(key, "an array", value) }
        return items
    }

    /// Fails on the first field that was never read.
    func finish() throws(RecordFieldError) {
        if let unknown = fields.first(where: { !used.contains($0.0) }) {
            throw RecordFieldError(field: name(unknown.0), message: "unknown field")
        }
    }
}
