import GRDB
import OpsCore

// MARK: - SQLiteStore: QueryStore

extension SQLiteStore: QueryStore {
    public func searchCustomers(_ text: String, limit: Int) async throws -> [User] {
        guard let match = FullTextQuery.prefixMatch(text) else { return [] }
        return try readNow { db in try Self.searchCustomers(db, match: match, limit: limit) }
    }

    /// The search SQL, shared with the benchmark's floor.
    static let searchSQL = """
        SELECT \(Columns.user) FROM users_fts JOIN users u ON u.rowid = users_fts.rowid
        WHERE users_fts MATCH ? ORDER BY users_fts.rowid DESC LIMIT ?
        """

    static func searchCustomers(_ db: Database, match: String, limit: Int) throws -> [User] {
        // Newest customers first (the ones most likely behind today's tickets), in rowid order, not by rank:
        // ranking a one-letter prefix means scoring every match, and type-ahead must stay within a frame. A
        // stable order also keeps rows in place as the operator types, so the terminal repaints little.
        try fetchDecoded(db, searchSQL, [match, limit]) { try User(row: $0) }
    }

    public func customersByPostcode(_ postcode: String, limit: Int) async throws -> [User] {
        let key = postcode.uppercased().filter { !$0.isWhitespace }
        guard !key.isEmpty else { return [] }
        return try readNow { db in
            try fetchDecoded(
                db,
                """
                SELECT \(Columns.user) FROM users u WHERE u.id IN (
                  SELECT o.user_id FROM orders o WHERE \(Schema.postcodeKey("o.shipping_address")) = ?)
                ORDER BY u.created_at DESC, u.id LIMIT ?
                """, [key, limit]
            ) { try User(row: $0) }
        }
    }

    /// One probe of the customer index per customer (a search shows at most fifty); shared with the floor.
    static func customerSummariesSQL(count: Int) -> String {
        """
        SELECT o.user_id, count(*), max(o.created_at),
          (SELECT json_extract(l.shipping_address, '$.city') FROM orders l WHERE l.user_id = o.user_id
           ORDER BY l.created_at DESC LIMIT 1)
        FROM orders o WHERE o.user_id IN (\(Array(repeating: "?", count: count).joined(separator: ",")))
        GROUP BY o.user_id
        """
    }

    public func customerSummaries(_ userIDs: [String]) async throws -> [String: CustomerSummary] {
        guard !userIDs.isEmpty else { return [:] }
        return try readNow { db in
            let rows = try Row.fetchAll(
                db, sql: Self.customerSummariesSQL(count: userIDs.count), arguments: StatementArguments(userIDs))
            var out: [String: CustomerSummary] = [:]
            for row in rows {
                let last: Int64? = row[2]
                out[row[0]] = CustomerSummary(
                    orders: row[1], lastOrderAt: last.map(Timestamp.init(seconds:)), city: row[3])
            }
            return out
        }
    }

    public func resolve(identifier: String) async throws -> ResolvedIdentifier? {
        let text = identifier.trimmingWhitespace()
        guard !text.isEmpty, !text.contains(where: \.isWhitespace) else { return nil }
        return try readNow { db in try Self.resolve(db, text) }
    }

    /// Every identifier kind in one statement, first match wins: one round trip whatever the ticket carried.
    /// Each branch is one index probe; SQLite stops at the first row.
    static let resolveSQL = """
        SELECT 'user', u.id, NULL, NULL, NULL, NULL FROM users u WHERE u.id = ?1
        UNION ALL SELECT 'email', u.id, NULL, NULL, NULL, NULL FROM users u WHERE u.email = ?1 COLLATE NOCASE
        UNION ALL SELECT 'order', o.user_id, o.id, NULL, NULL, NULL FROM orders o WHERE o.id = ?1
        UNION ALL SELECT 'print', p.user_id, NULL, NULL, p.id, NULL FROM prints p WHERE p.id = ?1
        UNION ALL SELECT 'print_job', o.user_id, o.id, j.id, NULL, NULL
          FROM print_jobs j JOIN orders o ON o.id = j.order_id WHERE j.id = ?1
        UNION ALL SELECT 'payment', o.user_id, o.id, NULL, NULL, NULL
          FROM payments pay JOIN orders o ON o.id = pay.order_id WHERE pay.id = ?1
        UNION ALL SELECT 'provider_transaction', o.user_id, o.id, NULL, NULL, NULL
          FROM payments pay JOIN orders o ON o.id = pay.order_id WHERE pay.provider_transaction_id = ?1
        UNION ALL SELECT 'provider_charge', o.user_id, o.id, NULL, NULL, pay.provider_transaction_id
          FROM payments pay JOIN orders o ON o.id = pay.order_id WHERE pay.provider_charge_id = ?1
        UNION ALL SELECT 'provider_transaction', o.user_id, o.id, NULL, NULL, NULL
          FROM payments pay JOIN orders o ON o.id = pay.order_id
          WHERE pay.provider_transaction_id = lower(?1) AND pay.provider = 'braintree'
        UNION ALL SELECT 'tracking_number', o.user_id, o.id, j.id, NULL, NULL
          FROM print_jobs j JOIN orders o ON o.id = j.order_id
          WHERE j.tracking_number = ?1 COLLATE NOCASE AND j.tracking_number IS NOT NULL
        UNION ALL SELECT 'dispute', o.user_id, o.id, NULL, NULL, NULL
          FROM disputes d JOIN orders o ON o.id = d.order_id WHERE d.id = ?1
        LIMIT 1
        """

    static func resolve(_ db: Database, _ text: String) throws -> ResolvedIdentifier? {
        try fetchFirstDecoded(db, resolveSQL, [text]) { row in
            let kindName: String = row[0]
            guard let kind = IdentifierKind(rawValue: kindName) else { return nil }
            var found = ResolvedIdentifier(
                kind: kind, userID: row[1], orderID: row[2], printJobID: row[3], printID: row[4])
            found.paymentIntent = row[5]
            return found
        } ?? nil
    }

    public func customer360(userID: String) async throws -> Customer360? {
        try readNow { db in try Self.customer360(db, userID: userID) }
    }

    /// The customer-360 SQL, one statement per section; shared with the benchmark's floor.
    static let customer360SQL = [
        "SELECT \(Columns.user) FROM users u WHERE u.id = ?",
        """
        SELECT \(Columns.print),
          (SELECT count(*) FROM photos ph WHERE ph.print_id = p.id AND ph.status = 'uploaded'),
          (SELECT count(*) FROM photos ph WHERE ph.print_id = p.id AND ph.status = 'missing')
        FROM prints p WHERE p.user_id = ? ORDER BY p.created_at DESC, p.id
        """,
        "SELECT \(Columns.order) FROM orders o WHERE o.user_id = ? ORDER BY o.created_at DESC, o.id",
        """
        SELECT \(Columns.payment) FROM orders o JOIN payments pay ON pay.order_id = o.id
        WHERE o.user_id = ? ORDER BY pay.created_at DESC, pay.id
        """,
        """
        SELECT \(Columns.refund) FROM orders o JOIN refunds r ON r.order_id = o.id
        WHERE o.user_id = ? ORDER BY r.created_at DESC, r.id
        """,
        """
        SELECT \(Columns.job) FROM orders o JOIN print_jobs j ON j.order_id = o.id
        WHERE o.user_id = ? ORDER BY j.created_at DESC, j.id
        """,
        """
        SELECT \(Columns.dispute) FROM orders o JOIN disputes d ON d.order_id = o.id
        WHERE o.user_id = ? ORDER BY d.created_at DESC, d.id
        """,
        NoteSQL.byCustomer,
    ]

    static func customer360(_ db: Database, userID: String) throws -> Customer360? {
        let sql = customer360SQL
        guard let user = try fetchFirstDecoded(db, sql[0], [userID], { try User(row: $0) }) else { return nil }
        let prints = try fetchDecoded(db, sql[1], [userID]) { row in
            PrintSummary(
                print: try Print(row: row),
                photos: PhotoProgress(
                    uploaded: row[Columns.printCount],
                    missing: row[Columns.printCount + 1]))
        }
        let orders = try fetchDecoded(db, sql[2], [userID]) { try Order(row: $0) }
        let payments = try fetchDecoded(db, sql[3], [userID]) { try Payment(row: $0) }
        let refunds = try fetchDecoded(db, sql[4], [userID]) { try Refund(row: $0) }
        let jobs = try fetchDecoded(db, sql[5], [userID]) { try PrintJob(row: $0) }
        let disputes = try fetchDecoded(db, sql[6], [userID]) { try Dispute(row: $0) }
        return Customer360(
            user: user, prints: prints, orders: orders, payments: payments, refunds: refunds,
            printJobs: jobs, disputes: disputes, notes: try notes(db, sql[7], [userID]))
    }

    public func orderDetail(orderID: String) async throws -> OrderDetail? {
        try readNow { db in try Self.orderDetail(db, orderID: orderID) }
    }

    static func orderDetail(_ db: Database, orderID: String) throws -> OrderDetail? {
        guard
            let row = try Row.fetchOne(
                try db.cachedStatement(
                    sql: """
                        SELECT \(Columns.order), \(Columns.user) FROM orders o JOIN users u ON u.id = o.user_id WHERE \
                        o.id = ?
                        """), arguments: [orderID])
        else { return nil }
        let order = try Order(row: row)
        let user = try User(row: row, at: Columns.orderCount)
        let print = try fetchFirstDecoded(
            db,
            """
            SELECT \(Columns.print),
              (SELECT count(*) FROM photos ph WHERE ph.print_id = p.id AND ph.status = 'uploaded'),
              (SELECT count(*) FROM photos ph WHERE ph.print_id = p.id AND ph.status = 'missing')
            FROM prints p WHERE p.id = ?
            """, [order.printID]
        ) { row in
            PrintSummary(
                print: try Print(row: row),
                photos: PhotoProgress(
                    uploaded: row[Columns.printCount],
                    missing: row[Columns.printCount + 1]))
        }
        let payments = try fetchDecoded(
            db,
            """
            SELECT \(Columns.payment) FROM payments pay WHERE pay.order_id = ? ORDER BY pay.created_at, pay.id
            """, [orderID]
        ) { try Payment(row: $0) }
        let refunds = try fetchDecoded(
            db,
            """
            SELECT \(Columns.refund) FROM refunds r WHERE r.order_id = ? ORDER BY r.created_at, r.id
            """, [orderID]
        ) { try Refund(row: $0) }
        let jobs = try fetchDecoded(
            db,
            """
            SELECT \(Columns.job) FROM print_jobs j WHERE j.order_id = ? ORDER BY j.created_at, j.id
            """, [orderID]
        ) { try PrintJob(row: $0) }
        let disputes = try fetchDecoded(
            db, "SELECT \(Columns.dispute) FROM disputes d WHERE d.order_id = ? ORDER BY d.created_at DESC, d.id",
            [orderID]
        ) { try Dispute(row: $0) }
        return OrderDetail(
            order: order, user: user, print: print, payments: payments, refunds: refunds, printJobs: jobs,
            disputes: disputes, notes: try notes(db, NoteSQL.byOrder, [orderID]),
            holds: Dictionary(
                try fetchDecoded(db, ActionSQL.holdsOfOrder, [orderID]) {
                    (try $0.text(0), try JobHold(row: $0, at: 1))
                }, uniquingKeysWith: { first, _ in first }), actions: try Self.actions(db, .order(orderID)))
    }

    public func printJobDetail(jobID: String) async throws -> PrintJobDetail? {
        try readNow { db in
            guard
                let row = try Row.fetchOne(
                    try db.cachedStatement(
                        sql: """
                            SELECT \(Columns.job), \(Columns.order), \(Columns.user)
                            FROM print_jobs j JOIN orders o ON o.id = j.order_id JOIN users u ON u.id = o.user_id
                            WHERE j.id = ?
                            """), arguments: [jobID])
            else { return nil }
            let events = try fetchDecoded(
                db,
                """
                SELECT job_id, sequence, at, status, message FROM print_job_events WHERE job_id = ? ORDER BY sequence
                """, [jobID]
            ) { row in
                PrintJobEvent(
                    jobID: row[0], sequence: row[1], at: Timestamp(seconds: row[2]),
                    status: try decodeEnum(row, 3, "print_job_events", "status"), message: row[4])
            }
            let order = try Order(row: row, at: Columns.jobCount)
            return PrintJobDetail(
                job: try PrintJob(row: row), order: order,
                user: try User(row: row, at: Columns.jobCount + Columns.orderCount), events: events,
                notes: try Self.notes(db, NoteSQL.byJob, [order.id, jobID]), hold: try Self.jobHold(db, jobID: jobID),
                actions: try Self.actions(db, .printJob(jobID)))
        }
    }

    public func disputes(openOnly: Bool, limit: Int) async throws -> [DisputeRow] {
        try readNow { db in
            try fetchDecoded(
                db,
                """
                SELECT \(Columns.dispute), u.name, u.id FROM disputes d
                JOIN orders o ON o.id = d.order_id JOIN users u ON u.id = o.user_id
                WHERE ?1 = 0 OR d.status IN ('needs_response', 'under_review')
                ORDER BY d.status NOT IN ('needs_response', 'under_review'),
                  CASE WHEN d.status IN ('needs_response', 'under_review') THEN coalesce(d.evidence_due_by, 1e18) END,
                  d.updated_at DESC, d.id
                LIMIT ?2
                """, [openOnly, limit]
            ) { row in
                DisputeRow(dispute: try Dispute(row: row), customerName: row[12], userID: row[13])
            }
        }
    }

    public func dispute(id: String) async throws -> Dispute? {
        try readNow { db in
            try fetchFirstDecoded(db, "SELECT \(Columns.dispute) FROM disputes d WHERE d.id = ?", [id]) {
                try Dispute(row: $0)
            }
        }
    }

    public func freshness() async throws -> [SourceFreshness] {
        try readNow { db in
            try fetchDecoded(
                db, "SELECT source, last_at, deliveries FROM feed_sources WHERE last_at IS NOT NULL ORDER BY source", []
            ) { row in
                SourceFreshness(
                    source: try decodeEnum(row, 0, "feed_sources", "source"), lastAt: Timestamp(seconds: row[1]),
                    deliveries: row[2])
            }
        }
    }

    /// Counts a request a live source's endpoint refused (a bad signature, a payload that cannot be read), with the
    /// reason as the source's last error: the dashboard's ingest panel shows both. Never the payload.
    public func recordFeedRejection(_ source: FeedSource, reason: String, at: Timestamp) throws {
        do {
            try writeImmediately { db in
                try db.execute(
                    sql: """
                        INSERT INTO feed_sources (source, rejected, last_error, last_error_at) VALUES (?, 1, ?, ?)
                        ON CONFLICT(source) DO UPDATE SET rejected = rejected + 1, last_error = excluded.last_error,
                          last_error_at = excluded.last_error_at
                        """, arguments: [source.rawValue, reason, at.seconds])
            }
        } catch let error as DatabaseError {
            throw SQLiteStore.writeFailure(error)
        }
    }

    public func partners() async throws -> [String] {
        try readNow { db in
            // A skip-scan over the partner index: one probe per distinct partner, not a scan of every job.
            var partners: [String] = []
            var next = try String.fetchOne(try db.cachedStatement(sql: "SELECT min(partner) FROM print_jobs"))
            while let partner = next {
                partners.append(partner)
                next = try String.fetchOne(
                    try db.cachedStatement(sql: "SELECT min(partner) FROM print_jobs WHERE partner > ?"),
                    arguments: [partner])
            }
            return partners
        }
    }

    public func changeToken() async throws -> Int64 {
        try await watcher().read { db in try Int64.fetchOne(try db.cachedStatement(sql: "PRAGMA data_version")) ?? 0 }
    }
}

// MARK: - FullTextQuery

/// Turns what a person typed into an FTS5 query: every word becomes a quoted prefix term, all required.
public enum FullTextQuery {
    public static func prefixMatch(_ text: String) -> String? {
        let words = SearchWords.split(text)
        guard !words.isEmpty else { return nil }
        return words.map { "\"\($0)\"*" }.joined(separator: " ")
    }
}
