/// The dashboard's time windows.
public enum MetricsWindow: String, CaseIterable, Sendable, Hashable {
    /// `today`: since midnight in the operator's zone (configuration `timezone`).
    case fifteenMinutes = "15m", hour = "1h", today = "today", day = "24h", week = "7d"

    /// The window's length; today's is at most a day (`span` has the real one).
    public var seconds: Int64 {
        switch self {
        case .fifteenMinutes: 900
        case .hour: 3600
        case .today, .day: 86_400
        case .week: 7 * 86_400
        }
    }

    /// The buckets the window covers at `now`: the last one is the bucket `now` falls in. Today's first bucket
    /// is the hour the zone's midnight falls in, counted from midnight (a zone half an hour off UTC starts
    /// inside an hour).
    public func span(now: Timestamp, zone: DisplayZone) -> MetricsSpan {
        let size = bucketSeconds
        let last = now.seconds / size * size
        guard self == .today else {
            let first = last - (seconds / size - 1) * size
            return MetricsSpan(bucketSeconds: size, firstBucket: first, count: Int(seconds / size), from: first)
        }
        let midnight = zone.startOfDay(containing: now).seconds
        let first = midnight / size * size
        return MetricsSpan(
            bucketSeconds: size, firstBucket: first, count: Int((last - first) / size) + 1, from: midnight)
    }

    /// `15m, 1h, today, 24h or 7d`, for messages.
    public static var choices: String {
        let names = allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// Minute buckets for the short windows, hour buckets for the long ones.
    public var bucketSeconds: Int64 { seconds <= 3600 ? 60 : 3600 }

    public var next: MetricsWindow {
        let all = MetricsWindow.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// A window's buckets at one moment.
public struct MetricsSpan: Hashable, Sendable {
    public var bucketSeconds: Int64
    /// The first bucket's start (a multiple of `bucketSeconds`).
    public var firstBucket: Int64
    public var count: Int
    /// Where counting starts: `firstBucket`, or later inside the first bucket (today's window).
    public var from: Int64

    public var lastBucket: Int64 { firstBucket + Int64(count - 1) * bucketSeconds }
    /// Whether the first bucket is counted only from `from`.
    public var clipped: Bool { from != firstBucket }
}

/// Business numbers over a window, from the store's rollups.
public struct BusinessSnapshot: Hashable, Sendable {
    public var window: MetricsWindow
    /// When the numbers were read.
    public var at: Timestamp
    /// The first bucket's start; buckets are `window.bucketSeconds` long, oldest first.
    public var start: Timestamp
    /// Where the window starts: `start`, or local midnight for `today`.
    public var from: Timestamp
    public var orders: [Int64]
    /// Revenue per bucket, in minor units, for every currency with orders in the window, the most orders first.
    public var revenue: [(Currency, [Int64])]
    public var signups: [Int64]
    public var uploads: [Int64]
    public var missingPhotos: Int64
    public var jobsByStatus: [(PrintJobStatus, Int64)]
    /// Jobs still in progress, by partner.
    public var jobsInProgressByPartner: [(String, Int64)]
    public var stuckJobs: Int64
    public var stuckThreshold: Int64
    public var refundCount: Int64
    public var refundedByCurrency: [(Currency, Int64)]
    public var refundsByReason: [(RefundReason, Int64)]
    /// The live sources that have delivered or been refused (the ingest panel).
    public var feeds: [FeedPanelRow] = []

    public init(
        window: MetricsWindow, at: Timestamp, start: Timestamp, orders: [Int64], revenue: [(Currency, [Int64])],
        signups: [Int64], uploads: [Int64], missingPhotos: Int64, jobsByStatus: [(PrintJobStatus, Int64)],
        jobsInProgressByPartner: [(String, Int64)], stuckJobs: Int64, stuckThreshold: Int64, refundCount: Int64,
        refundedByCurrency: [(Currency, Int64)], refundsByReason: [(RefundReason, Int64)]
    ) {
        self.window = window
        self.at = at
        self.start = start
        self.from = start
        self.orders = orders
        self.revenue = revenue
        self.signups = signups
        self.uploads = uploads
        self.missingPhotos = missingPhotos
        self.jobsByStatus = jobsByStatus
        self.jobsInProgressByPartner = jobsInProgressByPartner
        self.stuckJobs = stuckJobs
        self.stuckThreshold = stuckThreshold
        self.refundCount = refundCount
        self.refundedByCurrency = refundedByCurrency
        self.refundsByReason = refundsByReason
    }

    /// The seconds the window covers: its length, or since midnight for `today`.
    public var coveredSeconds: Int64 { window == .today ? max(1, at.seconds - from.seconds) : window.seconds }

    public static func == (a: BusinessSnapshot, b: BusinessSnapshot) -> Bool {
        a.window == b.window && a.at == b.at && a.orders == b.orders && a.signups == b.signups && a.uploads == b.uploads
            && a.missingPhotos == b.missingPhotos && a.stuckJobs == b.stuckJobs && a.refundCount == b.refundCount
            && a.revenue.map(\.0) == b.revenue.map(\.0) && a.revenue.map(\.1) == b.revenue.map(\.1)
            && a.jobsByStatus.map(\.1) == b.jobsByStatus.map(\.1) && a.feeds == b.feeds
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(window)
        hasher.combine(at)
        hasher.combine(orders)
    }
}

/// Running totals for the Prometheus exposition.
public struct BusinessTotals: Hashable, Sendable {
    public var ordersByStatus: [OrderStatus: Int64]
    public var jobsByPartnerAndStatus: [String: [PrintJobStatus: Int64]]
    public var stuckByPartner: [String: Int64]
    public var missingPhotos: Int64
    public var refundedByCurrency: [Currency: (count: Int64, amount: Int64)]
    /// Per live source: deliveries and refusals since the database was created, and seconds since the last one.
    public var feeds: [(source: FeedSource, deliveries: Int64, rejected: Int64, age: Int64?)] = []

    public init(
        ordersByStatus: [OrderStatus: Int64], jobsByPartnerAndStatus: [String: [PrintJobStatus: Int64]],
        stuckByPartner: [String: Int64], missingPhotos: Int64,
        refundedByCurrency: [Currency: (count: Int64, amount: Int64)]
    ) {
        self.ordersByStatus = ordersByStatus
        self.jobsByPartnerAndStatus = jobsByPartnerAndStatus
        self.stuckByPartner = stuckByPartner
        self.missingPhotos = missingPhotos
        self.refundedByCurrency = refundedByCurrency
    }

    public static func == (a: BusinessTotals, b: BusinessTotals) -> Bool {
        a.ordersByStatus == b.ordersByStatus && a.jobsByPartnerAndStatus == b.jobsByPartnerAndStatus
            && a.stuckByPartner == b.stuckByPartner && a.missingPhotos == b.missingPhotos
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(missingPhotos) }
}

/// The dashboard's reads.
public protocol DashboardStore: Sendable {
    /// `zone` is the operator's: the `today` window is its day.
    func businessSnapshot(
        window: MetricsWindow, now: Timestamp, zone: DisplayZone, stuckThreshold: Int64
    ) async throws -> BusinessSnapshot
    func businessTotals(now: Timestamp, stuckThreshold: Int64) async throws -> BusinessTotals
}

/// What the traffic simulator writes: live platform activity.
public protocol TrafficStore: Sendable {
    /// Customers in the store (the simulator numbers its new ones after them).
    func customerCount() async throws -> Int
    /// Writes new customers with their prints, orders, payments and print jobs.
    func insert(_ customers: [DemoCustomer]) async throws
    /// Marks up to `limit` missing photos uploaded at `now`. Returns how many.
    func uploadMissingPhotos(limit: Int, now: Timestamp) async throws -> Int
    /// Moves up to `limit` print jobs in progress one step on, with a partner event at `now`. Returns how many.
    func advancePrintJobs(limit: Int, now: Timestamp, seed: UInt64) async throws -> Int
}

// MARK: - SimulatedPartner

/// How the traffic simulator moves a print job one step on, the same on both stores.
public enum SimulatedPartner {
    /// The jobs a partner works on next: the most recently active ones in progress (it works through its queue,
    /// it does not revive stuck ones), ties broken by id so that both stores pick the same. One placeholder: how
    /// many to read.
    public static let candidatesSQL = """
        SELECT \(StoredColumns.job) FROM print_jobs j WHERE j.status IN \(DashboardAssembly.inProgressJobStatuses)
        ORDER BY j.updated_at DESC, j.id DESC LIMIT ?
        """

    /// Writes a step: status, updated_at, tracking number, carrier, then the job's id.
    public static let updateSQL = """
        UPDATE print_jobs SET status = ?, updated_at = ?, tracking_number = ?, carrier = ? WHERE id = ?
        """
    /// Records the partner's event: job, sequence, time, status, message.
    public static let eventSQL = """
        INSERT INTO print_job_events (job_id, sequence, at, status, message) VALUES (?, ?, ?, ?, ?)
        """

    /// The job's next step: its status, tracking number and carrier, and the partner's event message.
    public struct Step: Sendable, Equatable {
        public var status: PrintJobStatus
        public var trackingNumber: String?
        public var carrier: String?
        public var message: String
    }

    /// The step `job` takes next (nil when it has none), given its next event's sequence and how many jobs this
    /// tick already moved (so that two jobs shipped in one second get different tracking numbers).
    public static func step(_ job: PrintJob, now: Timestamp, sequence: Int, moved: Int) -> Step? {
        guard let next = job.status.next else { return nil }
        let tracking =
            next == .shipped ? (job.trackingNumber ?? "SIM\(now.seconds)\(sequence)\(moved)") : job.trackingNumber
        let message: String =
            switch next {
            case .sent: "Sent to \(job.partner)"
            case .accepted: "Accepted by partner"
            case .printing: "In production"
            case .shipped: "Dispatched, tracking \(tracking ?? "")"
            default: "Delivered"
            }
        return Step(
            status: next, trackingNumber: tracking, carrier: job.carrier ?? (next == .shipped ? "DHL" : nil),
            message: message)
    }
}
