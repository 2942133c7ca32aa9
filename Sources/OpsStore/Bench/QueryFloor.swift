import Foundation
import GRDB
import OpsCore

/// Inputs for the query benchmark, drawn at random from the database itself.
extension SQLiteStore {
    /// Draws `count` samples of each kind, deterministically for `seed`.
    public func benchSamples(count: Int, seed: UInt64) throws -> BenchSamples {
        try pool.read { db in
            let maxRowid = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM users") ?? 0
            var random = DemoRandom(seed: seed)
            var samples = BenchSamples()
            let userAt = try db.makeStatement(sql: "SELECT id, email FROM users WHERE rowid >= ? LIMIT 1")
            let identifierQueries = [
                "SELECT id FROM orders WHERE user_id = ? LIMIT 1",
                "SELECT email FROM users WHERE id = ?",
                "SELECT j.tracking_number FROM orders o JOIN print_jobs j ON j.order_id = o.id WHERE o.user_id = ? "
                    + "AND j.tracking_number IS NOT NULL LIMIT 1",
                "SELECT pay.provider_transaction_id FROM orders o JOIN payments pay ON pay.order_id = o.id WHERE "
                    + "o.user_id = ? LIMIT 1",
            ].map { try? db.makeStatement(sql: $0) }
            var attempts = 0
            while (samples.userIDs.count < count || samples.identifiers.count < count) && attempts < count * 50 {
                attempts += 1
                guard maxRowid > 0, let row = try Row.fetchOne(userAt, arguments: [random.within64(1...maxRowid)])
                else { break }
                let id: String = row[0]
                if let kind = samples.addCustomer(userID: id, email: row[1], count: count, random: &random),
                    let statement = identifierQueries[kind]
                {
                    samples.addIdentifier(try String.fetchOne(statement, arguments: [id]))
                }
            }
            return samples
        }
    }

    /// Order ids drawn at random, deterministically for `seed`.
    public func benchOrderIDs(count: Int, seed: UInt64) throws -> [String] {
        try pool.read { db in
            let maxRowid = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM orders") ?? 0
            var random = DemoRandom(seed: seed)
            let at = try db.makeStatement(sql: "SELECT id FROM orders WHERE rowid >= ? LIMIT 1")
            var ids: [String] = []
            while ids.count < count, maxRowid > 0 {
                if let id = try String.fetchOne(at, arguments: [random.within64(1...maxRowid)]) { ids.append(id) }
            }
            return ids
        }
    }

    /// The floor: the same SQL the store's search runs (the matching customers, then their orders' summary),
    /// stepped raw on one connection, no decoding beyond the ids the second statement needs.
    public func floorSearch(_ term: String, limit: Int) throws -> Int {
        guard let match = FullTextQuery.prefixMatch(term) else { return 0 }
        return try pool.read { db in
            let ids = try Row.fetchAll(db, sql: Self.searchSQL, arguments: [match, limit]).map { $0[0] as String }
            guard !ids.isEmpty else { return 0 }
            return ids.count
                + (try Self.stepAll(db, Self.customerSummariesSQL(count: ids.count), StatementArguments(ids)))
        }
    }

    /// The floor of identifier resolution: the same one statement, raw.
    public func floorResolve(_ identifier: String) throws -> Int {
        try pool.read { db in try Self.stepAll(db, Self.resolveSQL, [identifier]) }
    }

    /// The floor of customer 360: the same six statements, raw.
    public func floorCustomer360(_ userID: String) throws -> Int {
        try pool.read { db in
            var rows = 0
            for sql in Self.customer360SQL { rows += try Self.stepAll(db, sql, [userID]) }
            return rows
        }
    }

    /// The floor of a dashboard refresh: the same statements over the rollups, raw.
    public func floorDashboard(window: MetricsWindow, now: Timestamp, stuckThreshold: Int64) throws -> Int {
        try pool.read { db in
            let span = window.span(now: now, zone: .utc)
            let (size, first, last) = (span.bucketSeconds, span.firstBucket, span.lastBucket)
            let table = size == 60 ? "activity_minute" : "activity_hour"
            var rows = 0
            for kind in ["order", "refund", "refund_reason", "signup", "upload"] {
                rows += try Self.stepAll(
                    db, "SELECT key, bucket, count, amount FROM \(table) WHERE kind = ? AND bucket BETWEEN ? AND ?",
                    [kind, first, last])
            }
            rows += try Self.stepAll(db, "SELECT partner, status, n FROM job_counts WHERE n != 0", [])
            rows += try Self.stepAll(db, Rollups.stuckByPartnerSQL, [now.seconds - stuckThreshold])
            rows += try Self.stepAll(db, "SELECT value FROM counters WHERE name = 'missing_photos'", [])
            return rows
        }
    }

    /// The SQL of `query customer` (customer 360), `query customers` (search) and `query order`, with their
    /// parameters numbered, for the sqlite3 command-line shell the process benchmark compares against.
    public static var processFloorSQL: (customer: String, search: String, order: String) {
        let numbered = { (sql: String) in sql.replacingOccurrences(of: "= ?", with: "= ?1") }
        let customer = customer360SQL.map(numbered).joined(separator: ";\n") + ";"
        let search =
            searchSQL.replacingOccurrences(of: "MATCH ?", with: "MATCH ?1")
            .replacingOccurrences(of: "LIMIT ?", with: "LIMIT 50") + ";"
        let order = """
            SELECT * FROM orders WHERE id = ?1;
            SELECT * FROM users WHERE id = (SELECT user_id FROM orders WHERE id = ?1);
            SELECT * FROM payments WHERE order_id = ?1; SELECT * FROM refunds WHERE order_id = ?1;
            SELECT * FROM print_jobs WHERE order_id = ?1; SELECT * FROM disputes WHERE order_id = ?1;
            SELECT * FROM print_job_events WHERE job_id IN (SELECT id FROM print_jobs WHERE order_id = ?1);
            """
        return (customer, search, order)
    }

    /// Steps every row of a cached statement, touching nothing: SQLite's own cost.
    static func stepAll(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> Int {
        let statement = try db.cachedStatement(sql: sql)
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        var count = 0
        while try cursor.next() != nil { count += 1 }
        return count
    }
}

// MARK: - The webhook floor

extension SQLiteStore {
    /// Stripe payments to post refund events about: (payment id, order id, charge id, currency), up to `count`.
    public func benchStripePayments(
        count: Int
    ) throws -> [(id: String, order: String, charge: String, currency: String)] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, order_id, provider_transaction_id, currency FROM payments
                    WHERE provider = 'stripe' AND status = 'settled' LIMIT ?
                    """, arguments: [count]
            ).map { ($0[0], $0[1], $0[2], $0[3]) }
        }
    }

    /// The floor of a webhook's commit: the rows an adopted external refund writes (the event id, the refund, an
    /// audit row, the source's freshness), as plain SQL in one IMMEDIATE transaction each, with no lookup, no
    /// matching and no hash chain. Returns each transaction's duration.
    public func webhookFloor(
        _ events: [(event: String, payment: String, order: String, refund: String, currency: String)], at: Timestamp
    ) throws -> [Duration] {
        var durations: [Duration] = []
        for e in events {
            let start = ContinuousClock.now
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try db.execute(
                        sql: """
                            INSERT INTO webhook_events (provider, event_id, type, received_at)
                            VALUES ('stripe', ?, ?, ?)
                            """,
                        arguments: [e.event, "charge.refunded", at.seconds])
                    try db.execute(
                        sql: """
                            INSERT INTO refunds (id, order_id, payment_id, provider, amount, currency, status, reason,
                              note, idempotency_key, gateway_refund_id, is_void, operator, failure_message, created_at,
                              updated_at, lease_until)
                            VALUES (?, ?, ?, 'stripe', 1, ?, 'succeeded', 'other', '', ?, ?, 0, 'stripe', NULL, ?, ?, 0)
                            """,
                        arguments: [
                            "ext_" + e.refund, e.order, e.payment, e.currency, "external:" + e.refund, e.refund,
                            at.seconds, at.seconds,
                        ])
                    try db.execute(
                        sql: """
                            INSERT INTO audit_log (at, operator, action, target, amount, currency, result, prev_hash,
                              hash) VALUES (?, 'stripe', 'refund.external', ?, 1, ?, 'succeeded', '', '')
                            """, arguments: [at.seconds, "order " + e.order, e.currency])
                    try Schema.touch(db, .stripe, at: at)
                    return .commit
                }
            }
            durations.append(ContinuousClock.now - start)
        }
        return durations
    }
}
