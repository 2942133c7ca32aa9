// MARK: - DashboardAssembly

/// How a store turns its rollups into the dashboard's snapshot, the same on SQLite and PostgreSQL: which buckets
/// to read for a window, and how the rows read become series, rankings and panels. The stores only read rows.
public struct DashboardAssembly {
    public typealias Series = [String: (counts: [Int64], amounts: [Int64])]

    /// One bucket's row of an activity table: its key (currency, reason, source…), bucket start, count, amount.
    public struct ActivityRow {
        public var key: String
        public var bucket: Int64
        public var count: Int64
        public var amount: Int64

        public init(key: String, bucket: Int64, count: Int64, amount: Int64) {
            self.key = key
            self.bucket = bucket
            self.count = count
            self.amount = amount
        }
    }

    /// A live source's row of `feed_sources`.
    public struct FeedRow {
        public var source: String
        public var lastAt: Int64?
        public var rejected: Int64
        public var lastError: String?
        public var lastErrorAt: Int64?

        public init(source: String, lastAt: Int64?, rejected: Int64, lastError: String?, lastErrorAt: Int64?) {
            self.source = source
            self.lastAt = lastAt
            self.rejected = rejected
            self.lastError = lastError
            self.lastErrorAt = lastErrorAt
        }
    }

    public let window: MetricsWindow
    public let now: Timestamp
    public let span: MetricsSpan

    public init(window: MetricsWindow, now: Timestamp, zone: DisplayZone) {
        self.window = window
        self.now = now
        span = window.span(now: now, zone: zone)
    }

    /// The activity table the window reads: minutes up to an hour, hours beyond.
    public var table: String { span.bucketSeconds == 60 ? "activity_minute" : "activity_hour" }
    /// The buckets of `table` to read (inclusive). Today in a zone whose midnight is inside an hour: that hour
    /// counts from midnight, by the minute (`clippedMinutes`).
    public var buckets: ClosedRange<Int64> {
        (span.clipped ? span.firstBucket + span.bucketSeconds : span.firstBucket)...span.lastBucket
    }
    /// The minutes of `activity_minute` to read for a clipped first hour, or nil.
    public var clippedMinutes: ClosedRange<Int64>? {
        span.clipped ? span.from...(buckets.lowerBound - 60) : nil
    }

    /// A kind's series from its rows in `buckets` and (for a clipped hour) in `clippedMinutes`.
    public func series(_ rows: [ActivityRow], clipped: [ActivityRow] = []) -> Series {
        let (size, count, first) = (span.bucketSeconds, span.count, span.firstBucket)
        var out: Series = [:]
        func add(_ row: ActivityRow, index: Int) {
            guard index >= 0 && index < count else { return }
            // In place: copying the entry out and back would copy both arrays (168 slots for 7 days) per row.
            out[row.key, default: (Array(repeating: 0, count: count), Array(repeating: 0, count: count))]
                .counts[index] += row.count
            out[row.key]!.amounts[index] += row.amount
        }
        for row in rows { add(row, index: Int((row.bucket - first) / size)) }
        for row in clipped { add(row, index: 0) }
        return out
    }

    /// The snapshot from the series of each kind, the running job counts (partner, status, n), the stuck count,
    /// the missing photos and the live sources.
    public func snapshot(
        series: (String) throws -> Series, jobCounts: [(partner: String, status: String, n: Int64)], stuck: Int64,
        stuckThreshold: Int64, missingPhotos: Int64, feeds: [FeedRow]
    ) rethrows -> BusinessSnapshot {
        let count = span.count
        func total(_ s: Series) -> [Int64] {
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
        for row in jobCounts where row.n != 0 {
            guard let status = PrintJobStatus(rawValue: row.status) else { continue }
            jobsByStatus[status, default: 0] += row.n
            if !status.isTerminal { inProgressByPartner[row.partner, default: 0] += row.n }
        }
        let deliveries = try series("feed")
        var snapshot = BusinessSnapshot(
            window: window, at: now, start: Timestamp(seconds: span.firstBucket), orders: total(orders),
            revenue: revenue, signups: total(try series("signup")), uploads: total(try series("upload")),
            missingPhotos: missingPhotos,
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
        snapshot.feeds = feeds.compactMap { row in
            guard let source = FeedSource(rawValue: row.source) else { return nil }
            return FeedPanelRow(
                source: source,
                deliveries: deliveries[source.rawValue]?.counts ?? Array(repeating: 0, count: count),
                lastAt: row.lastAt.map(Timestamp.init(seconds:)), rejected: row.rejected, lastError: row.lastError,
                lastErrorAt: row.lastErrorAt.map(Timestamp.init(seconds:)))
        }
        snapshot.from = Timestamp(seconds: span.from)
        return snapshot
    }

    /// A series' keys, the most counted first (then by key, for a stable order).
    public static func byCount(_ s: Series) -> [(key: String, value: (counts: [Int64], amounts: [Int64]))] {
        var totals: [String: Int64] = [:]
        for (key, value) in s { totals[key] = value.counts.reduce(0, +) }
        let keys = s.keys.sorted { a, b in
            let (x, y) = (totals[a] ?? 0, totals[b] ?? 0)
            return x > y || (x == y && a < b)
        }
        return keys.map { (key: $0, value: s[$0]!) }
    }

    /// The in-progress print job statuses, as an SQL list (spelled as in both stores' partial indexes).
    public static let inProgressJobStatuses = "('queued','sent','accepted','printing','shipped')"

    /// Stuck print jobs by partner (`$1`/`?1`: the cutoff): every job in progress (the running counts) less those
    /// with a partner event since the cutoff — the hourly buckets from the first whole hour after it (at most
    /// threshold ÷ 1 h buckets per partner, whatever the size of the data), and the jobs themselves for the
    /// part-hour before that — and less those support holds on purpose (a held job waits for the customer, not the
    /// partner: nobody should chase it; the holds are a handful). `parameter` is how the store names its first
    /// parameter; a store that numbers `?` in order passes the cutoff `stuckParameterUses` times.
    public static func stuckByPartnerSQL(parameter p: String) -> String {
        """
        SELECT partner, CAST(sum(n) AS BIGINT) AS stuck FROM (
          SELECT partner, n FROM job_counts WHERE status IN \(inProgressJobStatuses)
          UNION ALL
          SELECT partner, -n FROM job_progress_hour WHERE bucket >= (\(p) + 3599) / 3600 * 3600
          UNION ALL
          SELECT partner, -1 FROM print_jobs WHERE status IN \(inProgressJobStatuses)
            AND updated_at >= \(p) AND updated_at < (\(p) + 3599) / 3600 * 3600
          UNION ALL
          SELECT j.partner, -1 FROM job_holds h JOIN print_jobs j ON j.id = h.job_id
            WHERE j.status IN \(inProgressJobStatuses) AND j.updated_at < \(p)
        ) stuck_rows GROUP BY partner
        """
    }

    /// How many times `stuckByPartnerSQL` names its parameter.
    public static let stuckParameterUses = 4

    /// The condition that leaves a print job on hold out of the stuck ones (`j`: the print job).
    public static let notOnHold = "NOT EXISTS (SELECT 1 FROM job_holds h WHERE h.job_id = j.id)"
}
