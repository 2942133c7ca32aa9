import GRDB
import OpsCore

extension SQLiteStore: DashboardStore {
    public func businessSnapshot(
        window: MetricsWindow, now: Timestamp, zone: DisplayZone, stuckThreshold: Int64
    ) async throws -> BusinessSnapshot {
        try readNow { db in
            try Self.businessSnapshot(db, window: window, now: now, zone: zone, stuckThreshold: stuckThreshold)
        }
    }

    static func businessSnapshot(
        _ db: Database, window: MetricsWindow, now: Timestamp, zone: DisplayZone, stuckThreshold: Int64
    ) throws -> BusinessSnapshot {
        let span = window.span(now: now, zone: zone)
        let (size, count) = (span.bucketSeconds, span.count)
        let (firstBucket, lastBucket) = (span.firstBucket, span.lastBucket)
        let table = size == 60 ? "activity_minute" : "activity_hour"
        // Today in a zone whose midnight is inside an hour: that hour counts from midnight, by the minute.
        let hoursFrom = span.clipped ? firstBucket + size : firstBucket
        func series(_ kind: String) throws -> [String: (counts: [Int64], amounts: [Int64])] {
            var out: [String: (counts: [Int64], amounts: [Int64])] = [:]
            func add(_ rows: RowCursor, bucketed: Bool) throws {
                while let row = try rows.next() {
                    let key: String = row[0]
                    let index = bucketed ? Int((row[1] as Int64 - firstBucket) / size) : 0
                    guard index >= 0 && index < count else { continue }
                    // In place: copying the entry out and back would copy both arrays (168 slots for 7 days) per row.
                    out[key, default: (Array(repeating: 0, count: count), Array(repeating: 0, count: count))]
                        .counts[index] += row[2]
                    out[key]!.amounts[index] += row[3]
                }
            }
            try add(
                Row.fetchCursor(
                    db.cachedStatement(
                        sql: """
                            SELECT key, bucket, count, amount FROM \(table) WHERE kind = ? AND bucket BETWEEN ? AND ?
                            """), arguments: [kind, hoursFrom, lastBucket]), bucketed: true)
            if span.clipped {
                try add(
                    Row.fetchCursor(
                        db.cachedStatement(
                            sql: """
                                SELECT key, bucket, count, amount FROM activity_minute
                                WHERE kind = ? AND bucket BETWEEN ? AND ?
                                """), arguments: [kind, span.from, hoursFrom - 60]), bucketed: false)
            }
            return out
        }
        func total(_ s: [String: (counts: [Int64], amounts: [Int64])]) -> [Int64] {
            var sum = Array(repeating: Int64(0), count: count)
            for (_, v) in s { for i in 0..<count { sum[i] += v.counts[i] } }
            return sum
        }
        let orders = try series("order")
        // Every currency with orders, the most orders first: amounts in different currencies do not compare (a
        // million VND is about thirty pounds), counts do.
        let revenue = Self.byCount(orders).compactMap { key, value -> (Currency, [Int64])? in
            guard let currency = try? Currency(code: key) else { return nil }
            return (currency, value.amounts)
        }
        let refunds = try series("refund")
        let reasons = try series("refund_reason")
        var jobsByStatus: [PrintJobStatus: Int64] = [:]
        var inProgressByPartner: [String: Int64] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT partner, status, n FROM job_counts WHERE n != 0")) {
            guard let status = PrintJobStatus(rawValue: row[1]) else { continue }
            let n: Int64 = row[2]
            jobsByStatus[status, default: 0] += n
            if !status.isTerminal { inProgressByPartner[row[0], default: 0] += n }
        }
        let stuck = try Row.fetchAll(
            db.cachedStatement(sql: Rollups.stuckByPartnerSQL),
            arguments: [now.seconds - stuckThreshold]
        )
        .reduce(Int64(0)) { $0 + ($1[1] as Int64) }
        let missing =
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM counters WHERE name = 'missing_photos'")) ?? 0
        let deliveries = try series("feed")
        let feeds = try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT source, last_at, rejected, last_error, last_error_at FROM feed_sources ORDER BY source")
        ).compactMap { row -> FeedPanelRow? in
            guard let source = FeedSource(rawValue: row[0]) else { return nil }
            let last: Int64? = row[1], errorAt: Int64? = row[4]
            return FeedPanelRow(
                source: source,
                deliveries: deliveries[source.rawValue]?.counts ?? Array(repeating: 0, count: count),
                lastAt: last.map(Timestamp.init(seconds:)), rejected: row[2], lastError: row[3],
                lastErrorAt: errorAt.map(Timestamp.init(seconds:)))
        }
        var snapshot = BusinessSnapshot(
            window: window, at: now, start: Timestamp(seconds: firstBucket), orders: total(orders),
            revenue: revenue, signups: total(try series("signup")),
            uploads: total(try series("upload")),
            missingPhotos: missing,
            jobsByStatus: PrintJobStatus.allCases.map { ($0, jobsByStatus[$0] ?? 0) },
            jobsInProgressByPartner: inProgressByPartner.sorted {
                $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key)
            },
            stuckJobs: stuck, stuckThreshold: stuckThreshold,
            refundCount: total(refunds).reduce(0, +),
            refundedByCurrency: Self.byCount(refunds).compactMap { key, value in
                (try? Currency(code: key)).map { ($0, value.amounts.reduce(0, +)) }
            },
            refundsByReason: reasons.compactMap { key, value in
                RefundReason(rawValue: key).map { ($0, value.counts.reduce(0, +)) }
            }
            .sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0.rawValue < $1.0.rawValue) })
        snapshot.feeds = feeds
        snapshot.from = Timestamp(seconds: span.from)
        return snapshot
    }

    /// A series' keys, the most counted first (then by key, for a stable order).
    static func byCount(
        _ s: [String: (counts: [Int64], amounts: [Int64])]
    ) -> [(key: String, value: (counts: [Int64], amounts: [Int64]))] {
        var totals: [String: Int64] = [:]
        for (key, value) in s { totals[key] = value.counts.reduce(0, +) }
        let keys = s.keys.sorted { a, b in
            let (x, y) = (totals[a] ?? 0, totals[b] ?? 0)
            return x > y || (x == y && a < b)
        }
        return keys.map { (key: $0, value: s[$0]!) }
    }

    public func businessTotals(now: Timestamp, stuckThreshold: Int64) async throws -> BusinessTotals {
        try readNow { db in
            var orders: [OrderStatus: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, n FROM order_counts") {
                if let status = OrderStatus(rawValue: row[0]) { orders[status] = row[1] }
            }
            var jobs: [String: [PrintJobStatus: Int64]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT partner, status, n FROM job_counts") {
                if let status = PrintJobStatus(rawValue: row[1]) { jobs[row[0], default: [:]][status] = row[2] }
            }
            var stuck: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: Rollups.stuckByPartnerSQL, arguments: [now.seconds - stuckThreshold]) {
                stuck[row[0]] = row[1]
            }
            var refunded: [Currency: (count: Int64, amount: Int64)] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT key, sum(count), sum(amount) FROM activity_hour WHERE kind = 'refund' GROUP BY key")
            {
                if let currency = try? Currency(code: row[0]) { refunded[currency] = (row[1], row[2]) }
            }
            let missing = try Int64.fetchOne(db, sql: "SELECT value FROM counters WHERE name = 'missing_photos'") ?? 0
            var totals = BusinessTotals(
                ordersByStatus: orders, jobsByPartnerAndStatus: jobs, stuckByPartner: stuck, missingPhotos: missing,
                refundedByCurrency: refunded)
            totals.feeds = try Row.fetchAll(
                db, sql: "SELECT source, deliveries, rejected, last_at FROM feed_sources ORDER BY source"
            ).compactMap { row in
                guard let source = FeedSource(rawValue: row[0]) else { return nil }
                let last: Int64? = row[3]
                return (source, row[1], row[2], last.map { max(0, now.seconds - $0) })
            }
            return totals
        }
    }
}
