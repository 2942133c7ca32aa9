/// An amount of money: integer minor units of a ``Currency``. Never floating point.
///
/// ```swift
/// let price = try Money.parse("12.50", currency: .gbp)   // 1250 minor units
/// price.formatted                                        // "GBP 12.50"
/// try Money.parse("12.5", currency: .jpy)                // throws .tooManyDecimals
/// ```
public struct Money: Hashable, Sendable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    public var isZero: Bool { minorUnits == 0 }

    /// "GBP 1,234.50", "JPY 1,500", "KWD 1.250".
    public var formatted: String {
        "\(currency.code) \(Money.decimalString(minorUnits, exponent: currency.exponent, grouped: true))"
    }

    /// The amount in major units without grouping, as gateways and forms want it: "1234.50", "1500".
    public var decimalString: String { Money.decimalString(minorUnits, exponent: currency.exponent, grouped: false) }

    public var description: String { formatted }

    /// Sum of two amounts of the same currency. Traps on a currency mismatch: that is a programming error.
    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(lhs.currency) to \(rhs.currency)")
        return Money(minorUnits: lhs.minorUnits + rhs.minorUnits, currency: lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "subtracting \(rhs.currency) from \(lhs.currency)")
        return Money(minorUnits: lhs.minorUnits - rhs.minorUnits, currency: lhs.currency)
    }

    static func decimalString(_ minor: Int64, exponent: Int, grouped: Bool) -> String {
        let negative = minor < 0
        let magnitude = minor.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<exponent { divisor *= 10 }
        var text = grouped ? NumberText.grouped(magnitude / divisor) : String(magnitude / divisor)
        if exponent > 0 {
            let fraction = String(magnitude % divisor)
            text += "." + String(repeating: "0", count: exponent - fraction.count) + fraction
        }
        return negative ? "-" + text : text
    }
}

extension Money {
    /// Parses an amount typed by a person or given on a command line, in major units of `currency`.
    ///
    /// Accepts digits with an optional decimal point followed by at most `currency.exponent` digits
    /// ("12", "12.5", "12.50" in GBP). Refuses signs, exponents, separators and extra decimals, each with
    /// its own ``MoneyParseError``. Zero parses; whether zero is allowed is the caller's rule.
    public static func parse(_ text: String, currency: Currency) throws(MoneyParseError) -> Money {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        if trimmed.hasPrefix("-") { throw .negative(trimmed) }
        // "12,50": a decimal comma (one comma, one or two digits after it, no point), not a thousands separator.
        let commaParts = trimmed.split(separator: ",", omittingEmptySubsequences: false)
        if commaParts.count == 2, !trimmed.contains("."), (1...2).contains(commaParts[1].count),
            commaParts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) })
        {
            throw .decimalComma(trimmed, suggestion: "\(commaParts[0]).\(commaParts[1])")
        }
        if trimmed.contains(",") || trimmed.contains("_") || trimmed.contains(" ") || trimmed.contains("'") {
            throw .separator(trimmed)
        }
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let wholePart = parts.first, !wholePart.isEmpty,
            wholePart.allSatisfy(\.isASCIIDigit)
        else { throw .notANumber(trimmed) }
        var fractionPart = Substring("")
        if parts.count == 2 {
            fractionPart = parts[1]
            guard !fractionPart.isEmpty, fractionPart.allSatisfy(\.isASCIIDigit) else { throw .notANumber(trimmed) }
            guard fractionPart.count <= currency.exponent else {
                throw .tooManyDecimals(trimmed, currency: currency)
            }
        }
        var value: Int64 = 0
        for digit in wholePart {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(digit.asciiValue! - 48))
            if overflow1 || overflow2 { throw .tooLarge(trimmed) }
            value = sum
        }
        let padded = fractionPart + String(repeating: "0", count: currency.exponent - fractionPart.count)
        for digit in padded {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(digit.asciiValue! - 48))
            if overflow1 || overflow2 { throw .tooLarge(trimmed) }
            value = sum
        }
        // Keep far from Int64's edge: no real order is near a quadrillion minor units.
        guard value <= 999_999_999_999_999 else { throw .tooLarge(trimmed) }
        return Money(minorUnits: value, currency: currency)
    }
}

/// Why an amount could not be read. Each case has a message an operator can act on.
public enum MoneyParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case negative(String)
    case separator(String)
    /// "12,50": the decimal separator is a point.
    case decimalComma(String, suggestion: String)
    case notANumber(String)
    case tooManyDecimals(String, currency: Currency)
    case tooLarge(String)

    public var description: String {
        switch self {
        case .empty:
            return "enter an amount"
        case .negative(let text):
            return "\"\(text)\" is negative: enter a positive amount"
        case .separator(let text):
            return "\"\(text)\": use digits and \".\" only, no thousands separators"
        case .decimalComma(let text, let suggestion):
            return "\"\(text)\": the decimal separator is a point, as in \(suggestion)"
        case .notANumber(let text):
            return "\"\(text)\" is not an amount: use digits with an optional decimal point, like 12.50"
        case .tooManyDecimals(let text, let currency):
            if currency.exponent == 0 {
                return "\"\(text)\": \(currency.code) has no minor unit, enter a whole amount"
            }
            return "\"\(text)\": \(currency.code) has \(currency.exponent) decimal places at most"
        case .tooLarge(let text):
            return "\"\(text)\" is too large"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension StringProtocol {
    /// Trims spaces, tabs and newlines at both ends (Foundation-free).
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start...end])
        return String(out)
    }
}
