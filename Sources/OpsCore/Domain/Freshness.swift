// MARK: - Sources of live data

/// Where live changes come from: the platform's feed, the payment providers' webhooks, the print partners.
public enum FeedSource: String, DomainEnum {
    case platform, stripe, braintree, partners

    /// How it is named in the status bar.
    public var shortLabel: String {
        switch self {
        case .platform: "feed"
        case .stripe: "stripe"
        case .braintree: "braintree"
        case .partners: "partners"
        }
    }

    /// How long a source may be silent before the console warns: the platform's feed changes every second; the
    /// providers and partners speak less often.
    public var defaultSilence: Int64 {
        switch self {
        case .platform: 15 * 60
        case .stripe, .braintree: 6 * 3600
        case .partners: 6 * 3600
        }
    }
}

extension FeedSource {
    /// Quiet for `age` seconds is past this source's threshold (configured, else its default).
    public func isSilent(age: Int64, thresholds: [FeedSource: Int64]) -> Bool {
        age > (thresholds[self] ?? defaultSilence)
    }
}

// MARK: - SourceFreshness

/// When a source last delivered something the store applied (or recognised as a redelivery), and how much.
public struct SourceFreshness: Hashable, Sendable {
    public var source: FeedSource
    public var lastAt: Timestamp
    public var deliveries: Int64

    public init(source: FeedSource, lastAt: Timestamp, deliveries: Int64) {
        self.source = source
        self.lastAt = lastAt
        self.deliveries = deliveries
    }

    /// Seconds since the last delivery (never negative: clocks of two processes may disagree a little).
    public func age(now: Timestamp) -> Int64 { max(0, now.seconds - lastAt.seconds) }

    /// Silent for longer than its threshold.
    public func isSilent(now: Timestamp, thresholds: [FeedSource: Int64]) -> Bool {
        source.isSilent(age: age(now: now), thresholds: thresholds)
    }
}

// MARK: - FeedPanel

/// One live source on the dashboard's ingest panel: deliveries per bucket of the window, refusals, the last error.
public struct FeedPanelRow: Hashable, Sendable {
    public var source: FeedSource
    /// Deliveries per bucket, oldest first (the window's buckets).
    public var deliveries: [Int64]
    public var lastAt: Timestamp?
    public var rejected: Int64
    public var lastError: String?
    public var lastErrorAt: Timestamp?

    public init(
        source: FeedSource, deliveries: [Int64], lastAt: Timestamp?, rejected: Int64, lastError: String?,
        lastErrorAt: Timestamp?
    ) {
        self.source = source
        self.deliveries = deliveries
        self.lastAt = lastAt
        self.rejected = rejected
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
    }
}
