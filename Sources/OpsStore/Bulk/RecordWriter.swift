import GRDB
import OpsCore

// MARK: - RecordWriter

/// Writes domain records with prepared upserts: insert, or update the record with the same id. Used by the seed,
/// the importer and the traffic simulator, so all three store a record the same way.
struct RecordWriter {
    private var users: BulkStatement
    private var prints: BulkStatement
    private var photos: BulkStatement
    private var orders: BulkStatement
    private var payments: BulkStatement
    private var jobs: BulkStatement
    private var events: BulkStatement
    private var refunds: BulkStatement
    private var disputes: BulkStatement

    /// - Parameter upsert: update records that exist (import, simulate); a fresh bulk load skips the conflict clause.
    init(_ db: Database, upsert: Bool = true) throws {
        func sql(_ text: String) -> String {
            upsert ? text : String(text[..<text.range(of: "ON CONFLICT")!.lowerBound])
        }
        users = try BulkStatement(
            db,
            sql(
                """
                INSERT INTO users (id, email, name, country, locale, status, created_at, search_email)
                VALUES (?,?,?,?,?,?,?,?)
                ON CONFLICT(id) DO UPDATE SET email = excluded.email, name = excluded.name, country = excluded.country,
                  locale = excluded.locale, status = excluded.status, created_at = excluded.created_at,
                  search_email = excluded.search_email
                """))
        prints = try BulkStatement(
            db,
            sql(
                """
                INSERT INTO prints (id, user_id, product, title, page_count, photo_count, created_at, updated_at)
                VALUES (?,?,?,?,?,?,?,?)
                ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id, product = excluded.product,
                  title = excluded.title, page_count = excluded.page_count, photo_count = excluded.photo_count,
                  created_at = excluded.created_at, updated_at = excluded.updated_at
                """))
        photos = try BulkStatement(
            db,
            sql(
                """
                INSERT INTO photos (print_id, position, status, filename, uploaded_at) VALUES (?,?,?,?,?)
                ON CONFLICT(print_id, position) DO UPDATE SET status = excluded.status, filename = excluded.filename,
                  uploaded_at = excluded.uploaded_at
                """))
        orders = try BulkStatement(
            db,
            sql(
                """
                INSERT INTO orders (id, user_id, print_id, currency, line_items, subtotal_amount, shipping_amount,
                  tax_amount, total_amount, shipping_address, status, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT(id) DO UPDATE SET user_id = excluded.user_id, print_id = excluded.print_id,
                  currency = excluded.currency, line_items = excluded.line_items,
                  subtotal_amount = excluded.subtotal_amount, shipping_amount = excluded.shipping_amount,
                  tax_amount = excluded.tax_amount, total_amount = excluded.total_amount,
                  shipping_address = excluded.shipping_address, status = excluded.status,
                  created_at = excluded.created_at
                """))
        payments = try BulkStatement(
            db,
            sql(
                """
                INSERT INTO payments (id, order_id, provider, provider_transaction_id, provider_charge_id, amount,
                  currency, status, created_at, settled_at) VALUES (?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT(id) DO UPDATE SET order_id = excluded.order_id, provider = excluded.provider,
                  provider_transaction_id = excluded.provider_transaction_id,
                  provider_charge_id = excluded.provider_charge_id, amount = excluded.amount,
                  currency = excluded.currency, status = excluded.status, created_at = excluded.created_at,
                  settled_at = excluded.settled_at
                """))
        jobs = try BulkStatement(
            db,
            sql(
                """
                INSERT INTO print_jobs (id, order_id, partner, status, tracking_number, carrier, created_at, updated_at)
                VALUES (?,?,?,?,?,?,?,?)
                ON CONFLICT(id) DO UPDATE SET order_id = excluded.order_id, partner = excluded.partner,
                  status = excluded.status, tracking_number = excluded.tracking_number, carrier = excluded.carrier,
                  created_at = excluded.created_at, updated_at = excluded.updated_at
                """))
        events = try BulkStatement(
            db,
            sql(
                """
                INSERT INTO print_job_events (job_id, sequence, at, status, message) VALUES (?,?,?,?,?)
                ON CONFLICT(job_id, sequence) DO UPDATE SET at = excluded.at, status = excluded.status,
                  message = excluded.message
                """))
        refunds = try BulkStatement(
            db,
            sql(
                """
                INSERT INTO refunds (id, order_id, payment_id, provider, amount, currency, status, reason, note,
                  idempotency_key, gateway_refund_id, is_void, operator, failure_message, created_at, updated_at)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT(id) DO NOTHING
                """))
        // The payment names the order and the provider; a record of the feed is as new as its updated_at.
        disputes = try BulkStatement(
            db,
            sql(
                """
                INSERT INTO disputes (id, payment_id, order_id, provider, amount, currency, reason, status,
                  provider_status, evidence_due_by, created_at, updated_at, event_at)
                SELECT ?, pay.id, pay.order_id, pay.provider, ?, ?, ?, ?, ?, ?, ?, ?, ?
                FROM payments pay WHERE pay.id = ?
                ON CONFLICT(id) DO UPDATE SET payment_id = excluded.payment_id, order_id = excluded.order_id,
                  provider = excluded.provider, amount = excluded.amount, currency = excluded.currency,
                  reason = excluded.reason, status = excluded.status, provider_status = excluded.provider_status,
                  evidence_due_by = excluded.evidence_due_by, created_at = excluded.created_at,
                  updated_at = excluded.updated_at, event_at = excluded.event_at
                """))
    }

    mutating func write(_ u: User) throws {
        users.text(u.id); users.text(u.email); users.text(u.name); users.text(u.country); users.text(u.locale)
        users.text(u.status.rawValue); users.int(u.createdAt.seconds); users.text(SearchText.emailWords(u.email))
        try users.run()
    }

    mutating func write(_ p: Print) throws {
        prints.text(p.id); prints.text(p.userID); prints.text(p.product.rawValue); prints.text(p.title)
        prints.int(p.pageCount); prints.int(p.photoCount); prints.int(p.createdAt.seconds);
        prints.int(p.updatedAt.seconds)
        try prints.run()
    }

    mutating func write(_ p: Photo) throws {
        photos.text(p.printID); photos.int(p.position); photos.text(p.status.rawValue); photos.text(p.filename)
        photos.int(p.uploadedAt?.seconds)
        try photos.run()
    }

    mutating func write(_ o: Order) throws {
        orders.text(o.id); orders.text(o.userID); orders.text(o.printID); orders.text(o.currency.code)
        orders.text(StoredJSON.encode(o.lineItems)); orders.int(o.subtotalAmount); orders.int(o.shippingAmount)
        orders.int(o.taxAmount); orders.int(o.totalAmount); orders.text(StoredJSON.encode(o.shippingAddress))
        orders.text(o.status.rawValue); orders.int(o.createdAt.seconds)
        try orders.run()
    }

    mutating func write(_ p: Payment) throws {
        payments.text(p.id); payments.text(p.orderID); payments.text(p.provider.rawValue)
        payments.text(p.providerTransactionID); payments.text(p.providerChargeID); payments.int(p.amount)
        payments.text(p.currency.code); payments.text(p.status.rawValue); payments.int(p.createdAt.seconds)
        payments.int(p.settledAt?.seconds)
        try payments.run()
    }

    mutating func write(_ j: PrintJob) throws {
        jobs.text(j.id); jobs.text(j.orderID); jobs.text(j.partner); jobs.text(j.status.rawValue)
        jobs.text(j.trackingNumber); jobs.text(j.carrier); jobs.int(j.createdAt.seconds); jobs.int(j.updatedAt.seconds)
        try jobs.run()
    }

    mutating func write(_ e: PrintJobEvent) throws {
        events.text(e.jobID); events.int(e.sequence); events.int(e.at.seconds); events.text(e.status.rawValue)
        events.text(e.message)
        try events.run()
    }

    mutating func write(_ r: Refund) throws {
        refunds.text(r.id); refunds.text(r.orderID); refunds.text(r.paymentID); refunds.text(r.provider.rawValue)
        refunds.int(r.amount); refunds.text(r.currency.code); refunds.text(r.status.rawValue)
        refunds.text(r.reason.rawValue); refunds.text(r.note); refunds.text(r.idempotencyKey)
        refunds.text(r.gatewayRefundID); refunds.int(r.isVoid ? 1 : 0); refunds.text(r.operatorName)
        refunds.text(r.failureMessage); refunds.int(r.createdAt.seconds); refunds.int(r.updatedAt.seconds)
        try refunds.run()
    }

    mutating func write(_ d: ImportedDispute) throws {
        disputes.text(d.id); disputes.int(d.amount); disputes.text(d.currency.code); disputes.text(d.reason)
        disputes.text(d.status.rawValue); disputes.text(d.providerStatus); disputes.int(d.evidenceDueBy?.seconds)
        disputes.int(d.createdAt.seconds); disputes.int(d.updatedAt.seconds); disputes.int(d.updatedAt.seconds)
        disputes.text(d.paymentID)
        try disputes.run()
    }

    mutating func write(_ c: DemoCustomer) throws {
        try write(c.user)
        for p in c.prints { try write(p) }
        for p in c.photos { try write(p) }
        for o in c.orders { try write(o) }
        for p in c.payments { try write(p) }
        for r in c.refunds { try write(r) }
        for j in c.printJobs { try write(j) }
        for e in c.events { try write(e) }
    }
}

// MARK: - SearchText

/// How an email is indexed for search.
enum SearchText {
    /// Splits runs of letters from runs of digits ("martin123" → "martin 123") so that the many customers with a
    /// number in their address share the letter words' prefix terms.
    static func emailWords(_ email: String) -> String {
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
