import OpsCore
import Testing

@Suite struct JSONTests {
    @Test func parsesStrictlyAndKeepsIntegersExact() throws {
        let value = try JSONValue.parse(#"{"a": 9007199254740993, "b": [true, null, "x\u00e9\n"], "c": 1.5}"#)
        #expect(value["a"] == .integer(9_007_199_254_740_993))
        #expect(value["b"] == .array([.bool(true), .null, .string("xé\n")]))
        #expect(value["c"] == .number("1.5"))
    }

    @Test(arguments: [
        (#"{"a":1,}"#, 8), (#"{"a":1 "b":2}"#, 8), (#"{"a":1,"a":2}"#, 8), (#"[1,2"#, 5), (#"{"a":01}"#, 7),
        ("", 1), (#"{"a":"x"} x"#, 11), (#"{"a":tru}"#, 6),
    ])
    func reportsTheColumnOfMalformedJSON(text: String, column: Int) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        do { _ = try JSONValue.parse(text) } catch { #expect(error.column == column, "\(error)") }
    }

    @Test func serializesStablyAndEscapesControls() {
        let value = JSONValue.object([("z", .integer(1)), ("a", .string("\u{1B}[2J\u{85}"))])
        #expect(value.serialized() == #"{"z":1,"a":"\u001b[2J\u0085"}"#)
    }

    @Test func decodesAnOrderRecordAndChecksItsAmounts() throws {
        let line =
            #"{"type":"order","id":"o1","user_id":"u1","print_id":"p1","currency":"GBP","status":"paid","#
            + #""line_items":[{"sku":"pb","description":"Photobook","quantity":2,"unit_amount":1000}],"#
            + #""subtotal_amount":2000,"shipping_amount":299,"tax_amount":0,"total_amount":2299,"#
            + #""shipping_address":{"name":"A","line1":"1 St","city":"Leeds","postcode":"LS1","#
            + #""country":"GB"},"created_at":"2026-01-01T00:00:00Z"}"#
        guard case .order(let order) = try ImportRecord.decode(try JSONValue.parse(line)) else {
            Issue.record("not an order"); return
        }
        #expect(order.total == Money(minorUnits: 2299, currency: .gbp))
        // The JSON output of the record reads back as the same record.
        guard
            case .order(let again) = try ImportRecord.decode(
                try JSONValue.parse(addType(order.json, "order").serialized()))
        else {
            Issue.record("not an order"); return
        }
        #expect(again == order)
    }

    func addType(_ value: JSONValue, _ type: String) -> JSONValue {
        guard case .object(let fields) = value else { return value }
        return .object([("type", .string(type))] + fields)
    }

    @Test(arguments: [
        (
            #"{"type":"gift"}"#, "type",
            "unknown type \"gift\" (expected one of user, print, photo, order, payment, print_job, print_job_event, "
                + "dispute)"
        ),
        (
            #"{"type":"user","id":"u1","email":"a@b.c","country":"GB","created_at":"2026-01-01T00:00:00Z"}"#, "name",
            "missing"
        ),
        (
            #"{"type":"user","id":"u1","email":"a@b.c","name":"A","country":"XX","created_at":"2026-01-01T00:00:00Z"}"#,
            "country", "\"XX\" is not an upper-case ISO 3166 code of a country Popsa serves"
        ),
        (
            #"{"type":"user","id":"u1","email":"a@b.c","name":"A","country":"GB","#
                + #""created_at":"2026-01-01T00:00:00Z","nickname":"x"}"#,
            "nickname", "unknown field"
        ),
        (
            #"{"type":"payment","id":"p","order_id":"o","provider":"stripe","provider_transaction_id":"ch_1","#
                + #""amount":12.5,"currency":"GBP","status":"settled","created_at":"2026-01-01T00:00:00Z"}"#,
            "amount", "expected an integer, found 12.5 (amounts are integer minor units)"
        ),
        (
            #"{"type":"payment","id":"p","order_id":"o","provider":"stripe","provider_transaction_id":"ch_1","#
                + #""amount":1250,"currency":"XYZ","status":"settled","created_at":"2026-01-01T00:00:00Z"}"#,
            "currency", "unknown currency \"XYZ\" (expected an upper-case ISO 4217 code)"
        ),
        (
            #"{"type":"payment","id":"p","order_id":"o","provider":"paypal","provider_transaction_id":"ch_1","#
                + #""amount":1250,"currency":"GBP","status":"settled","created_at":"2026-01-01T00:00:00Z"}"#,
            "provider", "unknown value \"paypal\" (expected one of stripe, braintree)"
        ),
        (
            #"{"type":"print","id":"p1","user_id":"u1","product":"photobook","title":"T","page_count":"20","#
                + #""photo_count":20,"created_at":"2026-01-01T00:00:00Z"}"#,
            "page_count", "expected an integer, found a string"
        ),
        (
            #"{"type":"print_job_event","job_id":"j1","sequence":1,"at":"last tuesday","status":"sent"}"#, "at",
            "\"last tuesday\" is not an ISO 8601 time (expected e.g. 2026-11-27T09:30:00Z)"
        ),
    ])
    func namesTheFieldAtFault(line: String, field: String, message: String) throws {
        let value = try JSONValue.parse(line)
        do {
            _ = try ImportRecord.decode(value)
            Issue.record("decoded a bad record")
        } catch {
            #expect(error.field == field)
            #expect(error.message == message)
        }
    }
}
