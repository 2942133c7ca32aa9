import OpsCore
import PostgresNIO

// MARK: - PostgresStore: QueryStore

/// The lists, as `ListQueries` plans them for both stores, and the rest of the read side.
extension PostgresStore: QueryStore {
    public func orders(
        status: OrderStatus?, text: String?, page: PageRequest, limit: Int
    ) async throws -> Page<OrderRow> {
        var list = ListQueries.orders(status: status)
        if let text, let filter = try await listCondition(text, forJobs: false) {
            list.narrow(
                by: filter.sql, arguments: filter.arguments, capped: filter.capped,
                from: ListQueries.ordersFrom(filter, hint: { _ in "" }))
        }
        return try await fetch(list, page: page, limit: limit, decode: ListQueries.orderRow)
    }

    public func printJobs(_ filter: PrintJobFilter, page: PageRequest, limit: Int) async throws -> Page<PrintJobRow> {
        guard var list = ListQueries.printJobs(filter) else {
            return Page(rows: [], hasMoreAfter: false, hasMoreBefore: false)
        }
        if let text = filter.text, let condition = try await listCondition(text, forJobs: true) {
            list.narrow(
                by: condition.sql, arguments: condition.arguments, capped: condition.capped,
                from: ListQueries.printJobsFrom(condition, hint: { _ in "" }))
        }
        return try await fetch(list, page: page, limit: limit, decode: ListQueries.printJobRow)
    }

    public func printJobCountsByPartner(_ filter: PrintJobFilter) async throws -> [String: Int] {
        guard let statement = ListQueries.printJobCountsByPartner(filter) else { return [:] }
        var counts: [String: Int] = [:]
        for (partner, n) in try await fetch(statement, { (try $0.text(0), try $0.integer(1)) }) where n > 0 {
            counts[partner] = Int(n)
        }
        return counts
    }

    public func partners() async throws -> [String] {
        // A skip scan, as on SQLite: one probe of the partner index per partner, not a read of every job.
        try await fetch(
            """
            WITH RECURSIVE p(partner) AS (
              SELECT min(partner) FROM print_jobs
              UNION ALL SELECT (SELECT min(partner) FROM print_jobs WHERE partner > p.partner) FROM p
              WHERE p.partner IS NOT NULL)
            SELECT partner FROM p WHERE partner IS NOT NULL
            """
        ) { try $0.text(0) }
    }

    public func disputes(openOnly: Bool, limit: Int) async throws -> [DisputeRow] {
        try await fetch(
            """
            SELECT \(StoredColumns.dispute), u.name, u.id FROM disputes d
            JOIN orders o ON o.id = d.order_id JOIN users u ON u.id = o.user_id
            WHERE $1 = 0 OR d.status IN ('needs_response', 'under_review')
            ORDER BY d.status NOT IN ('needs_response', 'under_review'),
              CASE WHEN d.status IN ('needs_response', 'under_review') THEN coalesce(d.evidence_due_by, 1e18) END,
              d.updated_at DESC, d.id
            LIMIT $2
            """, [.flag(openOnly), .integer(Int64(limit))]
        ) { row in
            DisputeRow(dispute: try Dispute(row: row), customerName: try row.text(12), userID: try row.text(13))
        }
    }

    public func freshness() async throws -> [SourceFreshness] {
        try await fetch(
            "SELECT source, last_at, deliveries FROM feed_sources WHERE last_at IS NOT NULL ORDER BY source"
        ) { row in
            SourceFreshness(
                source: try row.storedEnum(0, "feed_sources", "source"), lastAt: try row.timestamp(1),
                deliveries: try row.integer(2))
        }
    }

    /// The change sequence every committed write advances (see `PostgresSchema.changes`).
    public func changeToken() async throws -> Int64 {
        try await fetchFirst("SELECT last_value FROM popsa_changes") { try $0.integer(0) } ?? 0
    }

    /// The `/` filter's condition: the record an identifier names, else the customers the words match.
    func listCondition(_ text: String, forJobs: Bool) async throws -> ListQueries.ListCondition? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        if let r = try await resolve(identifier: trimmed) {
            return ListQueries.condition(resolved: r, forJobs: forJobs)
        }
        let words = SearchWords.split(trimmed)
        guard !words.isEmpty else { return .none }
        return ListQueries.condition(
            customers: try await fetch(
                Self.searchSQL("u.id"),
                [.text(words.joined(separator: " ")), .integer(Int64(ListQueries.customerLimit + 1))]
            ) { try $0.text(0) })
    }
}

// MARK: - Running planned statements

extension PostgresStore {
    /// `?` placeholders numbered for PostgreSQL (`$1`, `$2`…). The planned SQL holds no `?` of its own.
    static func numbered(_ sql: String) -> String {
        var out = ""
        var n = 0
        for character in sql {
            if character == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(character)
            }
        }
        return out
    }

    func fetch<T>(_ statement: KeysetList.Statement, _ decode: (PostgresRecordRow) throws -> T) async throws -> [T] {
        try await fetch(Self.numbered(statement.sql), statement.arguments, decode)
    }

    func fetch<Row: Hashable & Sendable>(
        _ list: KeysetList, page: PageRequest, limit: Int, decode: (PostgresRecordRow) throws -> Row
    ) async throws -> Page<Row> {
        let plan = list.plan(page: page, limit: limit)
        let rows = try await fetch(plan.rows, decode)
        let total = try await fetch(plan.total) { try $0.integer(0) }.first
        var before: Int64?
        if let statement = plan.before { before = try await fetch(statement) { try $0.integer(0) }.first }
        return list.page(plan, rows: rows, total: total.map(Int.init), before: before.map(Int.init))
    }
}

// MARK: - PostgresStore: DashboardStore

extension PostgresStore: DashboardStore {
    public func businessSnapshot(
        window: MetricsWindow, now: Timestamp, zone: DisplayZone, stuckThreshold: Int64
    ) async throws -> BusinessSnapshot {
        let assembly = DashboardAssembly(window: window, now: now, zone: zone)
        // Every kind's rows in one statement per table, grouped here.
        func rows(
            _ table: String, _ range: ClosedRange<Int64>
        ) async throws -> [String: [DashboardAssembly.ActivityRow]] {
            var out: [String: [DashboardAssembly.ActivityRow]] = [:]
            let all = try await fetch(
                "SELECT kind, key, bucket, count, amount FROM \(table) WHERE bucket BETWEEN $1 AND $2",
                [.integer(range.lowerBound), .integer(range.upperBound)]
            ) { row in
                (
                    try row.text(0),
                    DashboardAssembly.ActivityRow(
                        key: try row.text(1), bucket: try row.integer(2), count: try row.integer(3),
                        amount: try row.integer(4))
                )
            }
            for (kind, row) in all { out[kind, default: []].append(row) }
            return out
        }
        let bucketed = try await rows(assembly.table, assembly.buckets)
        var clipped: [String: [DashboardAssembly.ActivityRow]] = [:]
        if let minutes = assembly.clippedMinutes { clipped = try await rows("activity_minute", minutes) }
        let jobCounts = try await fetch("SELECT partner, status, n FROM job_counts WHERE n <> 0") {
            (partner: try $0.text(0), status: try $0.text(1), n: try $0.integer(2))
        }
        return assembly.snapshot(
            series: { kind in assembly.series(bucketed[kind] ?? [], clipped: clipped[kind] ?? []) },
            jobCounts: jobCounts,
            stuck: try await stuckByPartner(now: now, threshold: stuckThreshold).values.reduce(0, +),
            stuckThreshold: stuckThreshold, missingPhotos: try await missingPhotos(),
            feeds: try await fetch(
                "SELECT source, last_at, rejected, last_error, last_error_at FROM feed_sources ORDER BY source"
            ) { row in
                DashboardAssembly.FeedRow(
                    source: try row.text(0), lastAt: try row.optionalInteger(1), rejected: try row.integer(2),
                    lastError: try row.optionalText(3), lastErrorAt: try row.optionalInteger(4))
            })
    }

    public func businessTotals(now: Timestamp, stuckThreshold: Int64) async throws -> BusinessTotals {
        var orders: [OrderStatus: Int64] = [:]
        for (status, n) in try await fetch(
            "SELECT status, n FROM order_counts", [], { (try $0.text(0), try $0.integer(1)) })
        {
            if let status = OrderStatus(rawValue: status) { orders[status] = n }
        }
        var jobs: [String: [PrintJobStatus: Int64]] = [:]
        for (partner, status, n) in try await fetch(
            "SELECT partner, status, n FROM job_counts", [], { (try $0.text(0), try $0.text(1), try $0.integer(2)) })
        {
            if let status = PrintJobStatus(rawValue: status) { jobs[partner, default: [:]][status] = n }
        }
        var refunded: [Currency: (count: Int64, amount: Int64)] = [:]
        for (code, count, amount) in try await fetch(
            "SELECT key, sum(count)::bigint, sum(amount)::bigint FROM activity_hour WHERE kind = 'refund' GROUP BY key",
            [],
            { (try $0.text(0), try $0.integer(1), try $0.integer(2)) })
        {
            if let currency = try? Currency(code: code) { refunded[currency] = (count, amount) }
        }
        var totals = BusinessTotals(
            ordersByStatus: orders, jobsByPartnerAndStatus: jobs,
            stuckByPartner: try await stuckByPartner(now: now, threshold: stuckThreshold),
            missingPhotos: try await missingPhotos(), refundedByCurrency: refunded)
        totals.feeds = try await fetch(
            "SELECT source, deliveries, rejected, last_at FROM feed_sources ORDER BY source"
        ) { row -> (source: FeedSource, deliveries: Int64, rejected: Int64, age: Int64?)? in
            guard let source = FeedSource(rawValue: try row.text(0)) else { return nil }
            return (
                source, try row.integer(1), try row.integer(2),
                try row.optionalInteger(3).map { max(0, now.seconds - $0) }
            )
        }.compactMap { $0 }
        return totals
    }

    func stuckByPartner(now: Timestamp, threshold: Int64) async throws -> [String: Int64] {
        var stuck: [String: Int64] = [:]
        for (partner, n) in try await fetch(
            DashboardAssembly.stuckByPartnerSQL(parameter: "$1"), [.integer(now.seconds - threshold)],
            { (try $0.text(0), try $0.integer(1)) })
        {
            stuck[partner] = n
        }
        return stuck
    }

    func missingPhotos() async throws -> Int64 {
        try await fetchFirst("SELECT value FROM counters WHERE name = 'missing_photos'") { try $0.integer(0) } ?? 0
    }
}

// MARK: - Notifications

extension PostgresStore {
    /// One element per notification on `popsa_changes` (sent by the writers' triggers, delivered when they
    /// commit), on a connection of its own held while the stream is consumed. A lost connection yields one
    /// element (the listener should check the store now), is re-made after `retryAfter` and LISTEN said again;
    /// one element then stands for whatever was missed meanwhile.
    public func changes(retryAfter: Duration = .seconds(1)) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let listener = Task { [client, logger] in
            var reconnected = false
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: "popsa_changes") { notifications in
                            if reconnected { continuation.yield() }
                            for try await _ in notifications { continuation.yield() }
                        }
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("change notifications lost", metadata: ["error": "\(Self.describe(error))"])
                    // The listener checks at once: a server that went away shows now, not at its next check.
                    continuation.yield()
                }
                reconnected = true
                do { try await Task.sleep(for: retryAfter) } catch { break }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in listener.cancel() }
        return stream
    }
}
