// MARK: - RecordUpserts

/// How both stores write a domain record: one upsert per table (insert, or update the record with the same id),
/// with `?` placeholders (PostgreSQL numbers them), and the values bound in the placeholders' order by one function
/// per record kind. SQLite's seed binds them straight into prepared statements; PostgreSQL collects them; the two
/// stores cannot disagree on a column's place.
public enum RecordUpserts {
    public static let users = """
        INSERT INTO users (id, email, name, country, locale, status, created_at, search_email)
        VALUES (?,?,?,?,?,?,?,?)
        ON CONFLICT(id) DO UPDATE SET email = excluded.email, name = excluded.name, country = excluded.country,
          locale = excluded.locale, status = excluded.status, created_at = excluded.created_at,
          search_email = excluded.search_email
        """

    public static let prints = """
        INSERT INTO prints (id, user_id, product, title, page_count, photo_count, created_at, updated_at)
        VALUES (?,?,?,?,?,?,?,?)
        ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id, product = excluded.product,
          title = excluded.title, page_count = excluded.page_count, photo_count = excluded.photo_count,
          created_at = excluded.created_at, updated_at = excluded.updated_at
        """

    public static let photos = """
        INSERT INTO photos (print_id, position, status, filename, uploaded_at) VALUES (?,?,?,?,?)
        ON CONFLICT(print_id, position) DO UPDATE SET status = excluded.status, filename = excluded.filename,
          uploaded_at = excluded.uploaded_at
        """

    public static let orders = """
        INSERT INTO orders (id, user_id, print_id, currency, line_items, subtotal_amount, shipping_amount,
          tax_amount, total_amount, shipping_address, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
        ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id, print_id = excluded.print_id,
          currency = excluded.currency, line_items = excluded.line_items,
          subtotal_amount = excluded.subtotal_amount, shipping_amount = excluded.shipping_amount,
          tax_amount = excluded.tax_amount, total_amount = excluded.total_amount,
          shipping_address = excluded.shipping_address, status = excluded.status,
          created_at = excluded.created_at
        """

    public static let payments = """
        INSERT INTO payments (id, order_id, provider, provider_transaction_id, provider_charge_id, amount,
          currency, status, created_at, settled_at) VALUES (?,?,?,?,?,?,?,?,?,?)
        ON CONFLICT(id) DO UPDATE SET order_id = excluded.order_id, provider = excluded.provider,
          provider_transaction_id = excluded.provider_transaction_id,
          provider_charge_id = excluded.provider_charge_id, amount = excluded.amount,
          currency = excluded.currency, status = excluded.status, created_at = excluded.created_at,
          settled_at = excluded.settled_at
        """

    public static let jobs = """
        INSERT INTO print_jobs (id, order_id, partner, status, tracking_number, carrier, created_at, updated_at)
        VALUES (?,?,?,?,?,?,?,?)
        ON CONFLICT(id) DO UPDATE SET order_id = excluded.order_id, partner = excluded.partner,
          status = excluded.status, tracking_number = excluded.tracking_number, carrier = excluded.carrier,
          created_at = excluded.created_at, updated_at = excluded.updated_at
        """

    public static let events = """
        INSERT INTO print_job_events (job_id, sequence, at, status, message) VALUES (?,?,?,?,?)
        ON CONFLICT(job_id, sequence) DO UPDATE SET at = excluded.at, status = excluded.status,
          message = excluded.message
        """

    public static let refunds = """
        INSERT INTO refunds (id, order_id, payment_id, provider, amount, currency, status, reason, note,
          idempotency_key, gateway_refund_id, is_void, operator, failure_message, created_at, updated_at)
        VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
        ON CONFLICT(id) DO NOTHING
        """

    public static let disputes = """
        INSERT INTO disputes (id, payment_id, order_id, provider, amount, currency, reason, status,
          provider_status, evidence_due_by, created_at, updated_at, event_at)
        SELECT ?, pay.id, pay.order_id, pay.provider, ?, ?, ?, ?, ?, ?, ?, ?, ?
        FROM payments pay WHERE pay.id = ?
        ON CONFLICT(id) DO UPDATE SET payment_id = excluded.payment_id, order_id = excluded.order_id,
          provider = excluded.provider, amount = excluded.amount, currency = excluded.currency,
          reason = excluded.reason, status = excluded.status, provider_status = excluded.provider_status,
          evidence_due_by = excluded.evidence_due_by, created_at = excluded.created_at,
          updated_at = excluded.updated_at, event_at = excluded.event_at
        """

    /// Where a record's values go, in order: a prepared statement's bindings (SQLite) or a list (PostgreSQL).
    public protocol Sink {
        mutating func text(_ value: String)
        mutating func text(_ value: String?)
        mutating func int(_ value: Int64)
        mutating func int(_ value: Int64?)
    }

    @inlinable public static func bind(_ u: User, to s: inout some Sink) {
        s.text(u.id); s.text(u.email); s.text(u.name); s.text(u.country); s.text(u.locale)
        s.text(u.status.rawValue); s.int(u.createdAt.seconds); s.text(SearchText.emailWords(u.email))
    }

    @inlinable public static func bind(_ p: Print, to s: inout some Sink) {
        s.text(p.id); s.text(p.userID); s.text(p.product.rawValue); s.text(p.title)
        s.int(Int64(p.pageCount)); s.int(Int64(p.photoCount)); s.int(p.createdAt.seconds); s.int(p.updatedAt.seconds)
    }

    @inlinable public static func bind(_ p: Photo, to s: inout some Sink) {
        s.text(p.printID); s.int(Int64(p.position)); s.text(p.status.rawValue); s.text(p.filename)
        s.int(p.uploadedAt?.seconds)
    }

    @inlinable public static func bind(_ o: Order, to s: inout some Sink) {
        s.text(o.id); s.text(o.userID); s.text(o.printID); s.text(o.currency.code)
        s.text(StoredJSON.encode(o.lineItems)); s.int(o.subtotalAmount); s.int(o.shippingAmount)
        s.int(o.taxAmount); s.int(o.totalAmount); s.text(StoredJSON.encode(o.shippingAddress))
        s.text(o.status.rawValue); s.int(o.createdAt.seconds)
    }

    @inlinable public static func bind(_ p: Payment, to s: inout some Sink) {
        s.text(p.id); s.text(p.orderID); s.text(p.provider.rawValue)
        s.text(p.providerTransactionID); s.text(p.providerChargeID); s.int(p.amount)
        s.text(p.currency.code); s.text(p.status.rawValue); s.int(p.createdAt.seconds)
        s.int(p.settledAt?.seconds)
    }

    @inlinable public static func bind(_ j: PrintJob, to s: inout some Sink) {
        s.text(j.id); s.text(j.orderID); s.text(j.partner); s.text(j.status.rawValue)
        s.text(j.trackingNumber); s.text(j.carrier); s.int(j.createdAt.seconds); s.int(j.updatedAt.seconds)
    }

    @inlinable public static func bind(_ e: PrintJobEvent, to s: inout some Sink) {
        s.text(e.jobID); s.int(Int64(e.sequence)); s.int(e.at.seconds); s.text(e.status.rawValue)
        s.text(e.message)
    }

    @inlinable public static func bind(_ r: Refund, to s: inout some Sink) {
        s.text(r.id); s.text(r.orderID); s.text(r.paymentID); s.text(r.provider.rawValue)
        s.int(r.amount); s.text(r.currency.code); s.text(r.status.rawValue)
        s.text(r.reason.rawValue); s.text(r.note); s.text(r.idempotencyKey)
        s.text(r.gatewayRefundID); s.int(Int64(r.isVoid ? 1 : 0)); s.text(r.operatorName)
        s.text(r.failureMessage); s.int(r.createdAt.seconds); s.int(r.updatedAt.seconds)
    }

    @inlinable public static func bind(_ d: ImportedDispute, to s: inout some Sink) {
        s.text(d.id); s.int(d.amount); s.text(d.currency.code); s.text(d.reason)
        s.text(d.status.rawValue); s.text(d.providerStatus); s.int(d.evidenceDueBy?.seconds)
        s.int(d.createdAt.seconds); s.int(d.updatedAt.seconds); s.int(d.updatedAt.seconds)
        s.text(d.paymentID)
    }

    /// One statement with its values, for a store that sends them as they are (PostgreSQL).
    public struct Write: Sendable {
        public let sql: String
        public let values: [StoreValue]
    }

    /// Every write a generated customer makes, in an order that satisfies the references.
    public static func writes(_ c: DemoCustomer) -> [Write] {
        var out: [Write] = []
        func add(_ sql: String, _ bind: (inout Values) -> Void) {
            var values = Values()
            bind(&values)
            out.append(Write(sql: sql, values: values.list))
        }
        add(users) { bind(c.user, to: &$0) }
        for p in c.prints { add(prints) { bind(p, to: &$0) } }
        for p in c.photos { add(photos) { bind(p, to: &$0) } }
        for o in c.orders { add(orders) { bind(o, to: &$0) } }
        for p in c.payments { add(payments) { bind(p, to: &$0) } }
        for r in c.refunds { add(refunds) { bind(r, to: &$0) } }
        for j in c.printJobs { add(jobs) { bind(j, to: &$0) } }
        for e in c.events { add(events) { bind(e, to: &$0) } }
        return out
    }

    /// The values of one row as a list.
    public struct Values: Sink {
        public var list: [StoreValue] = []

        public init() {}

        public mutating func text(_ value: String) { list.append(.text(value)) }
        public mutating func text(_ value: String?) { list.append(value.map(StoreValue.text) ?? .null) }
        public mutating func int(_ value: Int64) { list.append(.integer(value)) }
        public mutating func int(_ value: Int64?) { list.append(value.map(StoreValue.integer) ?? .null) }
    }
}

// MARK: - SearchText

/// How an email is indexed for search.
public enum SearchText {
    /// Splits runs of letters from runs of digits ("martin123" → "martin 123") so that the many customers with a
    /// number in their address share the letter words' prefix terms.
    public static func emailWords(_ email: String) -> String {
        var out = String.UnicodeScalarView()
        var previousIsDigit: Bool?
        for scalar in email.unicodeScalars {
            let isDigit = ("0"..."9").contains(scalar)
            let isLetter = scalar.properties.isAlphabetic
            if let previous = previousIsDigit, isDigit || isLetter, previous != isDigit { out.append(" ") }
            out.append(scalar)
            previousIsDigit = isDigit || isLetter ? isDigit : nil
        }
        return String(out)
    }
}
