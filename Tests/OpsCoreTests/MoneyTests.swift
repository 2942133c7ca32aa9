import OpsCore
import Testing

@Suite struct MoneyTests {
    let gbp = try! Currency(code: "GBP")
    let jpy = try! Currency(code: "JPY")
    let kwd = try! Currency(code: "KWD")

    @Test func exponentsFollowISO4217() throws {
        #expect(gbp.exponent == 2)
        #expect(jpy.exponent == 0)
        #expect(kwd.exponent == 3)
        #expect(try Currency(code: "krw").exponent == 0)
        #expect(try Currency(code: "BHD").exponent == 3)
        #expect(try Currency(code: "eur").code == "EUR")
    }

    @Test func unknownCurrencyIsAnError() {
        #expect(throws: CurrencyError.unknown("XYZ")) { try Currency(code: "XYZ") }
        #expect(throws: CurrencyError.unknown("")) { try Currency(code: "") }
    }

    @Test(arguments: [
        ("12.50", "GBP", Int64(1250)), ("12.5", "GBP", 1250), ("12", "GBP", 1200), ("0.01", "GBP", 1),
        ("0", "GBP", 0), (" 7.05 ", "GBP", 705), ("1500", "JPY", 1500), ("1.250", "KWD", 1250),
        ("1.25", "KWD", 1250), ("3", "KWD", 3000), ("999999999999.99", "USD", 99_999_999_999_999),
    ])
    func parsesMajorUnitsIntoMinorUnits(text: String, code: String, minor: Int64) throws {
        let money = try Money.parse(text, currency: try Currency(code: code))
        #expect(money.minorUnits == minor)
        #expect(money.currency.code == code)
    }

    @Test func refusesWhatIsNotAnAmountWithASpecificReason() {
        #expect(throws: MoneyParseError.tooManyDecimals("12.345", currency: gbp)) {
            try Money.parse("12.345", currency: gbp)
        }
        #expect(throws: MoneyParseError.tooManyDecimals("12.5", currency: jpy)) {
            try Money.parse("12.5", currency: jpy)
        }
        #expect(throws: MoneyParseError.tooManyDecimals("1.2345", currency: kwd)) {
            try Money.parse("1.2345", currency: kwd)
        }
        #expect(throws: MoneyParseError.negative("-5")) { try Money.parse("-5", currency: gbp) }
        #expect(throws: MoneyParseError.notANumber("abc")) { try Money.parse("abc", currency: gbp) }
        #expect(throws: MoneyParseError.notANumber("1e3")) { try Money.parse("1e3", currency: gbp) }
        #expect(throws: MoneyParseError.notANumber("12.")) { try Money.parse("12.", currency: gbp) }
        #expect(throws: MoneyParseError.notANumber(".5")) { try Money.parse(".5", currency: gbp) }
        #expect(throws: MoneyParseError.notANumber("+5")) { try Money.parse("+5", currency: gbp) }
        #expect(throws: MoneyParseError.separator("1,000")) { try Money.parse("1,000", currency: gbp) }
        // A decimal comma is named as such, with the amount as it should be typed.
        #expect(throws: MoneyParseError.decimalComma("12,50", suggestion: "12.50")) {
            try Money.parse("12,50", currency: gbp)
        }
        #expect(
            MoneyParseError.decimalComma("12,5", suggestion: "12.5").description
                == "\"12,5\": the decimal separator is a point, as in 12.5")
        #expect(throws: MoneyParseError.separator("1,50,0")) { try Money.parse("1,50,0", currency: gbp) }
        #expect(throws: MoneyParseError.empty) { try Money.parse("  ", currency: gbp) }
        #expect(throws: MoneyParseError.tooLarge("99999999999999999999")) {
            try Money.parse("99999999999999999999", currency: gbp)
        }
    }

    @Test func messagesNameTheCurrencyRule() {
        #expect(
            MoneyParseError.tooManyDecimals("12.5", currency: jpy).description
                == "\"12.5\": JPY has no minor unit, enter a whole amount")
        #expect(
            MoneyParseError.tooManyDecimals("12.345", currency: gbp).description
                == "\"12.345\": GBP has 2 decimal places at most")
    }

    @Test func formatsWithTheCurrencyExponentAndGrouping() {
        #expect(Money(minorUnits: 123_450, currency: gbp).formatted == "GBP 1,234.50")
        #expect(Money(minorUnits: 5, currency: gbp).formatted == "GBP 0.05")
        #expect(Money(minorUnits: 1_500_000, currency: jpy).formatted == "JPY 1,500,000")
        #expect(Money(minorUnits: 1250, currency: kwd).formatted == "KWD 1.250")
        #expect(Money(minorUnits: -705, currency: gbp).formatted == "GBP -7.05")
        #expect(Money(minorUnits: 123_450, currency: gbp).decimalString == "1234.50")
    }

    @Test func roundTripsEveryKnownCurrency() throws {
        for currency in Currency.known {
            for minor: Int64 in [0, 1, 9, 10, 99, 100, 12345, 1_000_000] {
                let money = Money(minorUnits: minor, currency: currency)
                #expect(try Money.parse(money.decimalString, currency: currency) == money)
            }
        }
    }

    @Test func servesFiftyCountriesWithKnownCurrencies() {
        #expect(Country.served.count == 50)
        #expect(Set(Country.served.map(\.code)).count == 50)
        #expect(Country.served("gb")?.currency == gbp)
        #expect(Country.served("KW")?.currency.exponent == 3)
    }
}
