// MARK: - Timestamp

/// A moment in time to the second, in UTC: what the platform's records carry.
///
/// Stored as seconds since the Unix epoch; read and written as ISO 8601 (`2026-11-27T09:30:00Z`).
/// ```swift
/// let t = try Timestamp(iso8601: "2026-11-27T09:30:00+01:00")
/// t.iso8601   // "2026-11-27T08:30:00Z"
/// ```
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.seconds < rhs.seconds }

    public func adding(seconds delta: Int64) -> Timestamp { Timestamp(seconds: seconds + delta) }

    public var description: String { iso8601 }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public var iso8601: String {
        let (date, time) = civil
        return "\(date)T\(pad(time.h)):\(pad(time.m)):\(pad(time.s))Z"
    }

    /// `YYYY-MM-DD HH:MM` for screens.
    public var shortDisplay: String {
        let (date, time) = civil
        return "\(date) \(pad(time.h)):\(pad(time.m))"
    }

    /// `YYYY-MM-DD`.
    public var dateOnly: String { civil.0 }

    private var civil: (String, (h: Int64, m: Int64, s: Int64)) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let (y, m, d) = Timestamp.civilFromDays(days)
        let year = y < 0 ? "-" + String(-y) : String(repeating: "0", count: max(0, 4 - String(y).count)) + String(y)
        return ("\(year)-\(pad(m))-\(pad(d))", (rest / 3600, rest % 3600 / 60, rest % 60))
    }

    private func pad(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// Parses ISO 8601 / RFC 3339: `2026-11-27T09:30:00Z`, with optional fractional seconds (dropped) and a
    /// `Z` or `±HH:MM` offset; a date alone (`2026-11-27`) means midnight UTC.
    public init(iso8601 text: String) throws(TimestampError) {
        let chars = Array(text.utf8)
        var index = 0
        func number(_ count: Int) throws(TimestampError) -> Int64 {
            guard index + count <= chars.count else { throw TimestampError.invalid(text) }
            var value: Int64 = 0
            for _ in 0..<count {
                let c = chars[index]
                guard c >= 48 && c <= 57 else { throw TimestampError.invalid(text) }
                value = value * 10 + Int64(c - 48)
                index += 1
            }
            return value
        }
        func expect(_ byte: UInt8) throws(TimestampError) {
            guard index < chars.count, chars[index] == byte else { throw TimestampError.invalid(text) }
            index += 1
        }
        let year = try number(4)
        try expect(UInt8(ascii: "-"))
        let month = try number(2)
        try expect(UInt8(ascii: "-"))
        let day = try number(2)
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year) else {
            throw TimestampError.invalid(text)
        }
        var secondsOfDay: Int64 = 0
        var offset: Int64 = 0
        if index < chars.count {
            guard chars[index] == UInt8(ascii: "T") || chars[index] == UInt8(ascii: " ") else {
                throw TimestampError.invalid(text)
            }
            index += 1
            let hour = try number(2)
            try expect(UInt8(ascii: ":"))
            let minute = try number(2)
            var second: Int64 = 0
            if index < chars.count, chars[index] == UInt8(ascii: ":") {
                index += 1
                second = try number(2)
                if index < chars.count, chars[index] == UInt8(ascii: ".") {
                    index += 1
                    let start = index
                    while index < chars.count, chars[index] >= 48, chars[index] <= 57 { index += 1 }
                    guard index > start else { throw TimestampError.invalid(text) }
                }
            }
            guard hour < 24, minute < 60, second < 60 else { throw TimestampError.invalid(text) }
            secondsOfDay = hour * 3600 + minute * 60 + second
            guard index < chars.count else { throw TimestampError.missingZone(text) }
            if chars[index] == UInt8(ascii: "Z") || chars[index] == UInt8(ascii: "z") {
                index += 1
            } else if chars[index] == UInt8(ascii: "+") || chars[index] == UInt8(ascii: "-") {
                let sign: Int64 = chars[index] == UInt8(ascii: "+") ? 1 : -1
                index += 1
                let oh = try number(2)
                if index < chars.count, chars[index] == UInt8(ascii: ":") { index += 1 }
                let om = try number(2)
                guard oh < 24, om < 60 else { throw TimestampError.invalid(text) }
                offset = sign * (oh * 3600 + om * 60)
            } else {
                throw TimestampError.invalid(text)
            }
        }
        guard index == chars.count else { throw TimestampError.invalid(text) }
        seconds = Timestamp.daysFromCivil(year, month, day) * 86_400 + secondsOfDay - offset
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's civil-date algorithms.
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}

// MARK: - TimestampError

public enum TimestampError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)
    case missingZone(String)

    public var description: String {
        switch self {
        case .invalid(let text): "\"\(text)\" is not an ISO 8601 time (expected e.g. 2026-11-27T09:30:00Z)"
        case .missingZone(let text): "\"\(text)\" has no time zone: add Z for UTC or an offset like +01:00"
        }
    }
}

// MARK: - DurationText

/// A length of time as operators write it: `90s`, `15m`, `72h`, `7d`, or combined like `1h30m`.
public enum DurationText {
    /// Parses `72h`, `15m`, `30s`, `7d`, `1h30m` into seconds.
    public static func parse(_ text: String) throws(DurationError) -> Int64 {
        var total: Int64 = 0
        var current: Int64 = 0
        var sawDigit = false
        var sawUnit = false
        for ch in text.trimmingWhitespace() {
            if let digit = ch.wholeNumberValue, ch.isASCII {
                current = current * 10 + Int64(digit)
                sawDigit = true
                guard current < 1_000_000_000 else { throw .invalid(text) }
                continue
            }
            guard sawDigit else { throw .invalid(text) }
            switch ch {
            case "s": total += current
            case "m": total += current * 60
            case "h": total += current * 3600
            case "d": total += current * 86_400
            case "w": total += current * 7 * 86_400
            default: throw .invalid(text)
            }
            current = 0
            sawDigit = false
            sawUnit = true
        }
        guard sawUnit, !sawDigit else { throw .invalid(text) }
        return total
    }

    /// Seconds as the largest two units: `3d 4h`, `2h 5m`, `45s`.
    public static func format(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        let units: [(Int64, String)] = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")]
        var parts: [String] = []
        var rest = s
        for (size, name) in units where rest >= size || (parts.isEmpty && size == 1) {
            let n = rest / size
            rest -= n * size
            parts.append("\(n)\(name)")
            if parts.count == 2 { break }
        }
        if parts.count == 2, parts[1].hasPrefix("0") { parts.removeLast() }
        return parts.joined(separator: " ")
    }
}

// MARK: - DurationError

public enum DurationError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let text): "\"\(text)\" is not a duration (expected e.g. 90s, 15m, 72h, 7d or 1h30m)"
        }
    }
}
