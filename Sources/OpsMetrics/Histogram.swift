/// A log-linear histogram of non-negative integer values (nanoseconds here): each power of two is split in eight,
/// so a percentile is known to within about 9 % whatever the range, in a fixed 512 counters.
public struct LogHistogram: Sendable, Equatable {
    public private(set) var counts = [Int64](repeating: 0, count: 512)
    public private(set) var total: Int64 = 0

    public init() {}

    static func index(_ value: Int64) -> Int {
        guard value > 7 else { return Int(max(0, value)) }
        let exponent = 63 - value.leadingZeroBitCount
        let sub = Int((value >> (exponent - 3)) & 7)
        return exponent * 8 + sub - 16
    }

    /// The largest value that falls in bucket `index`.
    static func upperBound(_ index: Int) -> Int64 {
        guard index > 7 else { return Int64(index) }
        let shifted = index + 16
        let exponent = shifted / 8, sub = Int64(shifted % 8)
        return ((8 + sub + 1) << (exponent - 3)) - 1
    }

    public mutating func record(_ value: Int64) {
        counts[min(511, Self.index(value))] += 1
        total += 1
    }

    public mutating func merge(_ other: LogHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        total += other.total
    }

    /// The value below which `p` percent of the recorded values fall (bucket upper bound), or nil when empty.
    public func percentile(_ p: Double) -> Int64? {
        guard total > 0 else { return nil }
        let rank = max(1, Int64((Double(total) * p / 100).rounded(.up)))
        var seen: Int64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank { return Self.upperBound(i) }
        }
        return Self.upperBound(counts.count - 1)
    }
}
