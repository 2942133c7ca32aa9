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
        let assembly = DashboardAssembly(window: window, now: now, zone: zone)
        func rows(_ sql: String, _ kind: String, _ range: ClosedRange<Int64>) throws -> [DashboardAssembly.ActivityRow]
        {
            try fetchDecoded(db, sql, [kind, range.lowerBound, range.upperBound]) { row in
                DashboardAssembly.ActivityRow(key: row[0], bucket: row[1], count: row[2], amount: row[3])
            }
        }
        let bucketed = """
            SELECT key, bucket, count, amount FROM \(assembly.table) WHERE kind = ? AND bucket BETWEEN ? AND ?
            """
        let minutes = "SELECT key, bucket, count, amount FROM activity_minute WHERE kind = ? AND bucket BETWEEN ? AND ?"
        return try assembly.snapshot(
            series: { kind in
                assembly.series(
                    try rows(bucketed, kind, assembly.buckets),
                    clipped: try assembly.clippedMinutes.map { try rows(minutes, kind, $0) } ?? [])
            },
            jobCounts: try fetchDecoded(db, "SELECT partner, status, n FROM job_counts WHERE n != 0", []) {
                (partner: $0[0], status: $0[1], n: $0[2])
            },
            stuck: try fetchDecoded(db, Rollups.stuckByPartnerSQL, [now.seconds - stuckThreshold]) { $0[1] as Int64 }
                .reduce(0, +),
            stuckThreshold: stuckThreshold,
            missingPhotos: try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT value FROM counters WHERE name = 'missing_photos'")) ?? 0,
            feeds: try fetchDecoded(
                db, "SELECT source, last_at, rejected, last_error, last_error_at FROM feed_sources ORDER BY source", []
            ) { row in
                DashboardAssembly.FeedRow(
                    source: row[0], lastAt: row[1], rejected: row[2], lastError: row[3], lastErrorAt: row[4])
            })
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
