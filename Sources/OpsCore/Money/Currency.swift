/// An ISO 4217 currency with the number of digits after the decimal point of its minor unit.
///
/// ```swift
/// let gbp = try Currency(code: "GBP")   // exponent 2
/// let jpy = try Currency(code: "jpy")   // exponent 0
/// ```
///
/// Only the currencies in ``Currency/known`` exist: an unknown code is an error, never a guess.
public struct Currency: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The three-letter upper-case ISO 4217 code.
    public let code: String
    /// Digits of the minor unit: 0 for JPY, 2 for GBP, 3 for KWD.
    public let exponent: Int

    /// Looks a code up in the ISO 4217 table (case-insensitive).
    public init(code: String) throws(CurrencyError) {
        let upper = code.uppercased()
        guard let exponent = Currency.exponents[upper] else { throw CurrencyError.unknown(code) }
        self.code = upper
        self.exponent = exponent
    }

    private init(uncheckedCode code: String, exponent: Int) {
        self.code = code
        self.exponent = exponent
    }

    public var description: String { code }

    /// 10^exponent: the number of minor units in one major unit.
    public var minorUnitsPerMajor: Int64 {
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    public static func < (lhs: Currency, rhs: Currency) -> Bool { lhs.code < rhs.code }

    /// Every currency this platform knows, sorted by code.
    public static var known: [Currency] {
        exponents.keys.sorted().map { Currency(uncheckedCode: $0, exponent: exponents[$0]!) }
    }

    public static let gbp = Currency(uncheckedCode: "GBP", exponent: 2)
    public static let usd = Currency(uncheckedCode: "USD", exponent: 2)
    public static let eur = Currency(uncheckedCode: "EUR", exponent: 2)
    public static let jpy = Currency(uncheckedCode: "JPY", exponent: 0)
    public static let kwd = Currency(uncheckedCode: "KWD", exponent: 3)

    /// ISO 4217 minor-unit exponents. Stripe's zero-decimal currencies (BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF
    /// UGX VND VUV XAF XOF XPF) are 0 here and its three-decimal ones (BHD JOD KWD OMR TND) are 3.
    static let exponents: [String: Int] = {
        var table: [String: Int] = [:]
        for code in [
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
            "VUV", "XAF", "XOF", "XPF",
        ] {
            table[code] = 0
        }
        for code in ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"] { table[code] = 3 }
        for code in [
            "AED", "ARS", "AUD", "BGN", "BRL", "CAD", "CHF", "CNY", "COP", "CZK", "DKK", "EGP", "EUR",
            "GBP", "HKD", "HUF", "IDR", "ILS", "INR", "MAD", "MXN", "MYR", "NGN", "NOK", "NZD", "PEN",
            "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "SAR", "SEK", "SGD", "THB", "TRY", "TWD", "UAH",
            "USD", "ZAR",
        ] {
            table[code] = 2
        }
        return table
    }()
}

/// A currency code that is not in the ISO 4217 table this platform knows.
public enum CurrencyError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknown(String)

    public var description: String {
        switch self {
        case .unknown(let code): "unknown currency \"\(code)\" (expected an ISO 4217 code such as GBP, EUR, JPY)"
        }
    }
}
