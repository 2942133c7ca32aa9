import GRDB
import OpsCore

extension SQLiteStore: QueryStore {
    public func searchCustomers(_ text: String, limit: Int) async throws -> [User] {
        guard let match = FullTextQuery.prefixMatch(text) else { return [] }
        return try await pool.read { db in try Self.searchCustomers(db, match: match, limit: limit) }
    }

    /// The search SQL, shared with the benchmark's floor.
    static let searchSQL = """
        SELECT \(Columns.user) FROM users_fts JOIN users u ON u.rowid = users_fts.rowid
        WHERE users_fts MATCH ? LIMIT ?
        """

    static func searchCustomers(_ db: Database, match: String, limit: Int) throws -> [User] {
        // Rowid order, not rank: ranking a one-letter prefix means scoring every match, and type-ahead must stay
        // within a frame. The few rows shown are then sorted by name.
        let users = try Row.fetchAll(db, sql: searchSQL, arguments: [match, limit]).map { try User(row: $0) }
        return users.sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    public func resolve(identifier: String) async throws -> ResolvedIdentifier? {
        let text = identifier.trimmingWhitespace()
        guard !text.isEmpty, !text.contains(where: \.isWhitespace) else { return nil }
        return try await pool.read { db in try Self.resolve(db, text) }
    }

    static func resolve(_ db: Database, _ text: String) throws -> ResolvedIdentifier? {
        if text.contains("@") {
            guard let id = try String.fetchOne(db, sql: "SELECT id FROM users WHERE email = ? COLLATE NOCASE", arguments: [text])
            else { return nil }
            return ResolvedIdentifier(kind: .email, userID: id)
        }
        // Try the likeliest table first by prefix, then every other: imported ids need not follow our prefixes.
        var lookups: [(Database, String) throws -> ResolvedIdentifier?] = [
            resolveUser, resolveOrder, resolvePrint, resolveJob, resolvePayment, resolveTransaction, resolveTracking,
        ]
        let preferred: Int? = switch text.prefix(4) {
        case "usr_": 0
        case "ord_": 1
        case "prt_": 2
        case "job_": 3
        case "pay_": 4
        default: text.hasPrefix("ch_") || text.hasPrefix("pi_") ? 5 : nil
        }
        if let preferred { lookups.insert(lookups.remove(at: preferred), at: 0) }
        for lookup in lookups {
            if let found = try lookup(db, text) { return found }
        }
        return nil
    }

    private static func resolveUser(_ db: Database, _ id: String) throws -> ResolvedIdentifier? {
        try String.fetchOne(db, sql: "SELECT id FROM users WHERE id = ?", arguments: [id])
            .map { ResolvedIdentifier(kind: .user, userID: $0) }
    }

    private static func resolveOrder(_ db: Database, _ id: String) throws -> ResolvedIdentifier? {
        try String.fetchOne(db, sql: "SELECT user_id FROM orders WHERE id = ?", arguments: [id])
            .map { ResolvedIdentifier(kind: .order, userID: $0, orderID: id) }
    }

    private static func resolvePrint(_ db: Database, _ id: String) throws -> ResolvedIdentifier? {
        try String.fetchOne(db, sql: "SELECT user_id FROM prints WHERE id = ?", arguments: [id])
            .map { ResolvedIdentifier(kind: .print, userID: $0, printID: id) }
    }

    private static func resolveJob(_ db: Database, _ id: String) throws -> ResolvedIdentifier? {
        try Row.fetchOne(db, sql: """
            SELECT o.user_id, o.id FROM print_jobs j JOIN orders o ON o.id = j.order_id WHERE j.id = ?
            """, arguments: [id])
            .map { ResolvedIdentifier(kind: .printJob, userID: $0[0], orderID: $0[1], printJobID: id) }
    }

    private static func resolvePayment(_ db: Database, _ id: String) throws -> ResolvedIdentifier? {
        try Row.fetchOne(db, sql: """
            SELECT o.user_id, o.id FROM payments pay JOIN orders o ON o.id = pay.order_id WHERE pay.id = ?
            """, arguments: [id])
            .map { ResolvedIdentifier(kind: .payment, userID: $0[0], orderID: $0[1]) }
    }

    private static func resolveTransaction(_ db: Database, _ id: String) throws -> ResolvedIdentifier? {
        try Row.fetchOne(db, sql: """
            SELECT o.user_id, o.id FROM payments pay JOIN orders o ON o.id = pay.order_id
            WHERE pay.provider_transaction_id = ?
            UNION ALL
            SELECT o.user_id, o.id FROM payments pay JOIN orders o ON o.id = pay.order_id
            WHERE pay.provider_charge_id = ?
            LIMIT 1
            """, arguments: [id, id])
            .map { ResolvedIdentifier(kind: .providerTransaction, userID: $0[0], orderID: $0[1]) }
    }

    private static func resolveTracking(_ db: Database, _ number: String) throws -> ResolvedIdentifier? {
        try Row.fetchOne(db, sql: """
            SELECT o.user_id, o.id, j.id FROM print_jobs j JOIN orders o ON o.id = j.order_id
            WHERE j.tracking_number = ? COLLATE NOCASE AND j.tracking_number IS NOT NULL LIMIT 1
            """, arguments: [number])
            .map { ResolvedIdentifier(kind: .trackingNumber, userID: $0[0], orderID: $0[1], printJobID: $0[2]) }
    }

    public func customer360(userID: String) async throws -> Customer360? {
        try await pool.read { db in try Self.customer360(db, userID: userID) }
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
    ]

    static func customer360(_ db: Database, userID: String) throws -> Customer360? {
        let sql = customer360SQL
        guard let userRow = try Row.fetchOne(db, sql: sql[0], arguments: [userID]) else { return nil }
        let user = try User(row: userRow)
        let prints = try Row.fetchAll(db, sql: sql[1], arguments: [userID]).map { row in
            PrintSummary(print: try Print(row: row), photos: PhotoProgress(uploaded: row[Columns.printCount],
                                                                           missing: row[Columns.printCount + 1]))
        }
        let orders = try Row.fetchAll(db, sql: sql[2], arguments: [userID]).map { try Order(row: $0) }
        let payments = try Row.fetchAll(db, sql: sql[3], arguments: [userID]).map { try Payment(row: $0) }
        let refunds = try Row.fetchAll(db, sql: sql[4], arguments: [userID]).map { try Refund(row: $0) }
        let jobs = try Row.fetchAll(db, sql: sql[5], arguments: [userID]).map { try PrintJob(row: $0) }
        return Customer360(user: user, prints: prints, orders: orders, payments: payments, refunds: refunds,
                           printJobs: jobs)
    }

    public func orderDetail(orderID: String) async throws -> OrderDetail? {
        try await pool.read { db in try Self.orderDetail(db, orderID: orderID) }
    }

    static func orderDetail(_ db: Database, orderID: String) throws -> OrderDetail? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT \(Columns.order), \(Columns.user) FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = ?
            """, arguments: [orderID])
        else { return nil }
        let order = try Order(row: row)
        let user = try User(row: row, at: Columns.orderCount)
        let print = try Row.fetchOne(db, sql: """
            SELECT \(Columns.print),
              (SELECT count(*) FROM photos ph WHERE ph.print_id = p.id AND ph.status = 'uploaded'),
              (SELECT count(*) FROM photos ph WHERE ph.print_id = p.id AND ph.status = 'missing')
            FROM prints p WHERE p.id = ?
            """, arguments: [order.printID]).map { row in
            PrintSummary(print: try Print(row: row), photos: PhotoProgress(uploaded: row[Columns.printCount],
                                                                           missing: row[Columns.printCount + 1]))
        }
        let payments = try Row.fetchAll(db, sql: """
            SELECT \(Columns.payment) FROM payments pay WHERE pay.order_id = ? ORDER BY pay.created_at, pay.id
            """, arguments: [orderID]).map { try Payment(row: $0) }
        let refunds = try Row.fetchAll(db, sql: """
            SELECT \(Columns.refund) FROM refunds r WHERE r.order_id = ? ORDER BY r.created_at, r.id
            """, arguments: [orderID]).map { try Refund(row: $0) }
        let jobs = try Row.fetchAll(db, sql: """
            SELECT \(Columns.job) FROM print_jobs j WHERE j.order_id = ? ORDER BY j.created_at, j.id
            """, arguments: [orderID]).map { try PrintJob(row: $0) }
        return OrderDetail(order: order, user: user, print: print, payments: payments, refunds: refunds, printJobs: jobs)
    }

    public func printJobDetail(jobID: String) async throws -> PrintJobDetail? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT \(Columns.job), \(Columns.order), \(Columns.user)
                FROM print_jobs j JOIN orders o ON o.id = j.order_id JOIN users u ON u.id = o.user_id
                WHERE j.id = ?
                """, arguments: [jobID])
            else { return nil }
            let events = try Row.fetchAll(db, sql: """
                SELECT job_id, sequence, at, status, message FROM print_job_events WHERE job_id = ? ORDER BY sequence
                """, arguments: [jobID]).map { row in
                PrintJobEvent(jobID: row[0], sequence: row[1], at: Timestamp(seconds: row[2]),
                              status: try decodeEnum(row, 3, "print_job_events", "status"), message: row[4])
            }
            return PrintJobDetail(job: try PrintJob(row: row), order: try Order(row: row, at: Columns.jobCount),
                                  user: try User(row: row, at: Columns.jobCount + Columns.orderCount), events: events)
        }
    }

    public func partners() async throws -> [String] {
        try await pool.read { db in
            // A skip-scan over the partner index: one probe per distinct partner, not a scan of every job.
            var partners: [String] = []
            var next = try String.fetchOne(db, sql: "SELECT min(partner) FROM print_jobs")
            while let partner = next {
                partners.append(partner)
                next = try String.fetchOne(db, sql: "SELECT min(partner) FROM print_jobs WHERE partner > ?",
                                           arguments: [partner])
            }
            return partners
        }
    }

    public func changeToken() async throws -> Int64 {
        try await watcher.read { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }
}

/// Turns what a person typed into an FTS5 query: every word becomes a quoted prefix term, all required.
enum FullTextQuery {
    static func prefixMatch(_ text: String) -> String? {
        var words: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            let p = scalar.properties
            // The same split as the unicode61 tokenizer: letters, digits and marks make words.
            if p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark
                || p.generalCategory == .spacingMark {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        guard !words.isEmpty else { return nil }
        return words.prefix(8).map { "\"\($0)\"*" }.joined(separator: " ")
    }
}
