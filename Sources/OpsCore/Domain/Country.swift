/// A country the platform sells in: its ISO 3166-1 alpha-2 code, the currency orders there are charged in and a
/// default locale.
public struct Country: Hashable, Sendable {
    public let code: String
    public let name: String
    public let currency: Currency
    public let locale: String

    /// The 50 countries Popsa serves.
    public static let served: [Country] = table.map { entry in
        // The table is static and checked by a test; an unknown currency here is a programming error.
        Country(code: entry.0, name: entry.1, currency: try! Currency(code: entry.2), locale: entry.3)
    }

    private static let byCode: [String: Country] = Dictionary(uniqueKeysWithValues: served.map { ($0.code, $0) })

    /// The served country with this alpha-2 code (case-insensitive), if any.
    public static func served(_ code: String) -> Country? { byCode[code.uppercased()] }

    /// Whether `code` is a syntactically valid ISO 3166-1 alpha-2 code (two ASCII letters).
    public static func isAlpha2(_ code: String) -> Bool {
        code.count == 2 && code.allSatisfy { $0.isASCII && $0.isLetter }
    }

    private static let table: [(String, String, String, String)] = [
        ("GB", "United Kingdom", "GBP", "en-GB"), ("IE", "Ireland", "EUR", "en-IE"),
        ("US", "United States", "USD", "en-US"), ("CA", "Canada", "CAD", "en-CA"),
        ("AU", "Australia", "AUD", "en-AU"), ("NZ", "New Zealand", "NZD", "en-NZ"),
        ("FR", "France", "EUR", "fr-FR"), ("DE", "Germany", "EUR", "de-DE"),
        ("ES", "Spain", "EUR", "es-ES"), ("IT", "Italy", "EUR", "it-IT"),
        ("NL", "Netherlands", "EUR", "nl-NL"), ("BE", "Belgium", "EUR", "nl-BE"),
        ("AT", "Austria", "EUR", "de-AT"), ("PT", "Portugal", "EUR", "pt-PT"),
        ("FI", "Finland", "EUR", "fi-FI"), ("GR", "Greece", "EUR", "el-GR"),
        ("LU", "Luxembourg", "EUR", "fr-LU"), ("SK", "Slovakia", "EUR", "sk-SK"),
        ("SI", "Slovenia", "EUR", "sl-SI"), ("EE", "Estonia", "EUR", "et-EE"),
        ("HR", "Croatia", "EUR", "hr-HR"), ("SE", "Sweden", "SEK", "sv-SE"),
        ("NO", "Norway", "NOK", "nb-NO"), ("DK", "Denmark", "DKK", "da-DK"),
        ("IS", "Iceland", "ISK", "is-IS"), ("CH", "Switzerland", "CHF", "de-CH"),
        ("PL", "Poland", "PLN", "pl-PL"), ("CZ", "Czechia", "CZK", "cs-CZ"),
        ("HU", "Hungary", "HUF", "hu-HU"), ("RO", "Romania", "RON", "ro-RO"),
        ("BG", "Bulgaria", "BGN", "bg-BG"), ("JP", "Japan", "JPY", "ja-JP"),
        ("KR", "South Korea", "KRW", "ko-KR"), ("SG", "Singapore", "SGD", "en-SG"),
        ("HK", "Hong Kong", "HKD", "zh-HK"), ("TW", "Taiwan", "TWD", "zh-TW"),
        ("MY", "Malaysia", "MYR", "ms-MY"), ("TH", "Thailand", "THB", "th-TH"),
        ("VN", "Vietnam", "VND", "vi-VN"), ("PH", "Philippines", "PHP", "en-PH"),
        ("IN", "India", "INR", "en-IN"), ("AE", "United Arab Emirates", "AED", "ar-AE"),
        ("SA", "Saudi Arabia", "SAR", "ar-SA"), ("KW", "Kuwait", "KWD", "ar-KW"),
        ("BH", "Bahrain", "BHD", "ar-BH"), ("JO", "Jordan", "JOD", "ar-JO"),
        ("IL", "Israel", "ILS", "he-IL"), ("ZA", "South Africa", "ZAR", "en-ZA"),
        ("MX", "Mexico", "MXN", "es-MX"), ("CL", "Chile", "CLP", "es-CL"),
    ]
}
