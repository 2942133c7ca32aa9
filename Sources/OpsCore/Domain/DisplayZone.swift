// MARK: - DisplayZone

/// The time zone the operator reads times in (`timezone = "Europe/London"` in the configuration; UTC by default).
/// Records keep UTC; only what is shown moves, and every time shown names its zone ("09:30 BST").
///
/// A zone is its offsets from UTC as a list of periods, so that this module needs no clock library: the
/// configuration builds it from the system's zone database (OpsConsole's `DisplayZone.named`).
/// ```swift
/// t.display(in: .utc)        // "2026-11-27 09:30 UTC"
/// zone.startOfDay(containing: t)   // the zone's midnight before t, in UTC seconds
/// ```
public struct DisplayZone: Hashable, Sendable, CustomStringConvertible {
    /// From `start` (UTC seconds) until the next period's start, local time is UTC plus `offset` seconds.
    public struct Period: Hashable, Sendable {
        public var start: Int64
        public var offset: Int64
        public var abbreviation: String

        public init(start: Int64, offset: Int64, abbreviation: String) {
            self.start = start
            self.offset = offset
            self.abbreviation = abbreviation
        }
    }

    /// The IANA name (`Europe/London`), as configured.
    public var identifier: String
    /// Oldest first; the first covers everything before the second.
    public let periods: [Period]
    /// The columns `display(in:)` takes at most: a table's time column is this wide (drawn every frame, so kept).
    public let displayWidth: Int

    /// `periods` must not be empty; they are sorted by start here.
    public init(identifier: String, periods: [Period]) {
        precondition(!periods.isEmpty, "a zone has at least one period")
        self.identifier = identifier
        self.periods = periods.sorted { $0.start < $1.start }
        displayWidth = 17 + periods.map(\.abbreviation.utf8.count).max()!
    }

    public static let utc = DisplayZone(
        identifier: "UTC", periods: [Period(start: .min, offset: 0, abbreviation: "UTC")])

    public var description: String { identifier }

    /// The period `t` falls in.
    public func period(at t: Timestamp) -> Period {
        // The last period starting at or before t (binary search: a zone with summer time has a few hundred).
        var low = 0, high = periods.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if periods[mid].start <= t.seconds { low = mid } else { high = mid - 1 }
        }
        return periods[low]
    }

    /// The moment local time `t` is shown as: UTC shifted by the offset (for the civil-date arithmetic only).
    public func local(_ t: Timestamp) -> Timestamp { Timestamp(seconds: t.seconds + period(at: t).offset) }

    /// The start of the local day `t` falls in, as a UTC moment (the dashboard's "today").
    public func startOfDay(containing t: Timestamp) -> Timestamp {
        let local = t.seconds + period(at: t).offset
        let midnight = (local >= 0 ? local / 86_400 : (local - 86_399) / 86_400) * 86_400
        // The offset at midnight can differ from the offset now (a change of summer time today).
        var guess = midnight - period(at: t).offset
        guess = midnight - period(at: Timestamp(seconds: guess)).offset
        // A change at midnight itself can leave the guess in the previous local day: never start before it.
        if guess > t.seconds { guess = t.seconds }
        return Timestamp(seconds: guess)
    }
}

extension Timestamp {
    /// `YYYY-MM-DD HH:MM ZONE` in the operator's zone: what screens and text output show.
    public func display(in zone: DisplayZone) -> String {
        let p = zone.period(at: self)
        return Timestamp(seconds: seconds + p.offset).shortDisplay + " " + p.abbreviation
    }

    /// `HH:MM:SS ZONE` in the operator's zone ("as of" lines).
    public func timeOfDay(in zone: DisplayZone) -> String {
        let p = zone.period(at: self)
        return String(Timestamp(seconds: seconds + p.offset).iso8601.dropFirst(11).prefix(8)) + " " + p.abbreviation
    }

    /// `YYYY-MM-DD`, the local date in the operator's zone.
    public func date(in zone: DisplayZone) -> String { zone.local(self).dateOnly }
}
