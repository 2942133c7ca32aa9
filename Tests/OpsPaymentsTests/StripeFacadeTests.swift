import Foundation
import GRDB
import OpsCore
import OpsEngine
import OpsTestSupport
import Testing

@testable import OpsPayments
@testable import OpsStore

/// Records what a facade sends, and forwards it.
// Unchecked: its one mutable list is only touched under its lock.
final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    let base: any HTTPTransport
    private let lock = NSLock()
    private var sent: [(method: String, url: String, headers: [(String, String)], body: String)] = []

    init(_ base: any HTTPTransport = AsyncHTTPTransport()) { self.base = base }

    var requests: [(method: String, url: String, headers: [(String, String)], body: String)] {
        lock.withLock { sent }
    }

    func send(
        method: String, url: String, headers: [(String, String)], body: [UInt8]?
    ) async throws(TransportError) -> HTTPExchange {
        lock.withLock { sent.append((method, url, headers, String(decoding: body ?? [], as: UTF8.self))) }
        return try await base.send(method: method, url: url, headers: headers, body: body)
    }
}

/// The Stripe facade against localstripe: the real wire format, refunds by charge and by payment intent, errors.
@Suite(.serialized) struct StripeFacadeTests {
    func gateway(_ transport: RecordingTransport = RecordingTransport()) throws -> StripeGateway {
        let server = try TestSupport.localstripe.get()
        return StripeGateway(
            apiBase: "http://127.0.0.1:\(server.port)", secretKey: "sk_test_popsa", transport: transport)
    }

    @Test func refundsAPaymentIntentInPartsWithTheWireFormatStripeExpects() async throws {
        let transport = RecordingTransport()
        let stripe = try gateway(transport)
        let gbp = Currency.gbp
        let payment = try await stripe.createTransaction(
            amount: Money(minorUnits: 4599, currency: gbp), idempotencyKey: UUID().uuidString,
            orderID: "ord_test")
        #expect(payment.id.hasPrefix("pi_"))
        #expect(payment.status == .settled)
        let first = try await stripe.refund(
            GatewayRefundRequest(
                transactionID: payment.id, amount: Money(minorUnits: 1250, currency: gbp), isFullAmount: false,
                reason: .damaged,
                idempotencyKey: "key-1-\(UUID().uuidString)", intentID: "ref_one", orderID: "ord_test"))
        #expect(first.id.hasPrefix("re_"))
        #expect(first.amount == Money(minorUnits: 1250, currency: gbp))
        #expect(first.status == .succeeded)
        #expect(first.intentID == "ref_one")

        let refundRequest = try #require(transport.requests.last)
        #expect(refundRequest.method == "POST" && refundRequest.url.hasSuffix("/v1/refunds"))
        #expect(refundRequest.body.contains("payment_intent=\(payment.id)"))
        #expect(refundRequest.body.contains("amount=1250"))
        #expect(refundRequest.body.contains("metadata[intent_id]=ref_one"))
        #expect(!refundRequest.body.contains("reason="), "damaged has no Stripe reason")
        let headers = Dictionary(refundRequest.headers, uniquingKeysWith: { a, _ in a })
        #expect(headers["Authorization"] == "Bearer sk_test_popsa")
        #expect(headers["Stripe-Version"] == StripeGateway.apiVersion)
        #expect(headers["Content-Type"] == "application/x-www-form-urlencoded")
        #expect(headers["Idempotency-Key"]?.hasPrefix("key-1-") == true)

        _ = try await stripe.refund(
            GatewayRefundRequest(
                transactionID: payment.id, amount: Money(minorUnits: 3349, currency: gbp), isFullAmount: false,
                reason: .lateDelivery,
                idempotencyKey: UUID().uuidString, intentID: "ref_two", orderID: "ord_test"))
        let fetched = try await stripe.fetchTransaction(id: payment.id)
        #expect(fetched.refunds.map(\.amount.minorUnits).sorted() == [1250, 3349])
        #expect(Set(fetched.refunds.compactMap(\.intentID)) == ["ref_one", "ref_two"])
    }

    @Test func zeroDecimalCurrenciesGoInMinorUnits() async throws {
        let transport = RecordingTransport()
        let stripe = try gateway(transport)
        let jpy = Currency.jpy
        let payment = try await stripe.createTransaction(
            amount: Money(minorUnits: 3500, currency: jpy), idempotencyKey: UUID().uuidString, orderID: "o")
        let refund = try await stripe.refund(
            GatewayRefundRequest(
                transactionID: payment.id, amount: Money(minorUnits: 500, currency: jpy), isFullAmount: false,
                reason: .printQuality,
                idempotencyKey: UUID().uuidString, intentID: "ref_jpy", orderID: "o"))
        #expect(refund.amount == Money(minorUnits: 500, currency: jpy))
        #expect(transport.requests.last?.body.contains("amount=500") == true)
    }

    @Test func stripeErrorsMapToThePlatformsErrors() async throws {
        let stripe = try gateway()
        do {
            _ = try await stripe.refund(
                GatewayRefundRequest(
                    transactionID: "ch_missing", amount: Money(minorUnits: 100, currency: .gbp),
                    isFullAmount: false, reason: .damaged, idempotencyKey: UUID().uuidString,
                    intentID: "x", orderID: "o"))
            Issue.record("refunded a missing charge")
        } catch {
            guard case .notFound = error else { Issue.record("\(error)"); return }
        }
        // localstripe rejects the `reason` parameter, which real Stripe accepts: the facade sends Stripe's format and
        // reports the refusal as an invalid request rather than pretending it worked.
        let payment = try await stripe.createTransaction(
            amount: Money(minorUnits: 1000, currency: .gbp), idempotencyKey: UUID().uuidString, orderID: "o")
        do {
            _ = try await stripe.refund(
                GatewayRefundRequest(
                    transactionID: payment.id, amount: Money(minorUnits: 100, currency: .gbp),
                    isFullAmount: false, reason: .customerRequest, idempotencyKey: UUID().uuidString,
                    intentID: "x", orderID: "o"))
            Issue.record("localstripe accepted reason=")
        } catch {
            guard case .invalidRequest = error else { Issue.record("\(error)"); return }
        }
    }

    @Test(arguments: [
        (
            400,
            #"{"error":{"type":"invalid_request_error","code":"charge_already_refunded","#
                + #""message":"Charge ch_1 has already been refunded."}}"#,
            "refused"
        ),
        (
            400,
            #"{"error":{"type":"invalid_request_error","param":"amount","#
                + #""message":"Refund amount (£60.00) is greater than charge amount (£45.99)"}}"#,
            "refused"
        ),
        (
            400,
            #"{"error":{"type":"idempotency_error","#
                + #""message":"Keys for idempotent requests can only be used with the same parameters"}}"#,
            "idempotency"
        ),
        (
            401, #"{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_****"}}"#,
            "authentication"
        ),
        (
            402, #"{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}"#,
            "declined"
        ),
        (
            404, #"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such charge"}}"#,
            "not_found"
        ),
        (409, #"{"error":{"type":"idempotency_error","message":"in progress"}}"#, "idempotency"),
        (500, #"{"error":{"type":"api_error","message":"Something went wrong"}}"#, "unknown"),
        (503, "not json", "unknown"),
    ])
    func errorObjectsAreMapped(status: Int, body: String, kind: String) {
        do {
            _ = try StripeGateway.interpret(HTTPExchange(status: status, headers: [], body: Array(body.utf8)))
            Issue.record("no error")
        } catch {
            let got: String =
                switch error {
                case .refused: "refused"
                case .idempotencyConflict: "idempotency"
                case .authentication: "authentication"
                case .declined: "declined"
                case .notFound: "not_found"
                case .outcomeUnknown: "unknown"
                default: "other: \(error)"
                }
            #expect(got == kind)
        }
    }

    @Test func rateLimitsAreRetriedWithBackoffUnlessStripeSaysNot() async throws {
        // Unchecked: the facade under test calls it one request at a time, never concurrently.
        final class Scripted: HTTPTransport, @unchecked Sendable {
            var responses: [HTTPExchange]
            var calls = 0
            init(_ responses: [HTTPExchange]) { self.responses = responses }
            func send(
                method: String, url: String, headers: [(String, String)], body: [UInt8]?
            ) async throws(TransportError) -> HTTPExchange {
                calls += 1
                return responses.removeFirst()
            }
        }
        let ok = HTTPExchange(
            status: 200, headers: [],
            body: Array(#"{"id":"re_1","amount":100,"currency":"gbp","status":"succeeded"}"#.utf8))
        let limited = HTTPExchange(
            status: 429, headers: [("Retry-After", "0")], body: Array(#"{"error":{"type":"rate_limit_error"}}"#.utf8))
        let transport = Scripted([limited, limited, ok])
        let stripe = StripeGateway(
            apiBase: "http://127.0.0.1:1", secretKey: "sk", transport: transport, retry: RetryPolicy(attempts: 3))
        let request = GatewayRefundRequest(
            transactionID: "ch_1", amount: Money(minorUnits: 100, currency: .gbp), isFullAmount: false,
            reason: .damaged, idempotencyKey: "k", intentID: "i", orderID: "o")
        #expect(try await stripe.refund(request).id == "re_1")
        #expect(transport.calls == 3)
        let noRetry = Scripted([HTTPExchange(status: 429, headers: [("Stripe-Should-Retry", "false")], body: [])])
        let strict = StripeGateway(apiBase: "http://127.0.0.1:1", secretKey: "sk", transport: noRetry)
        await #expect(throws: GatewayError.rateLimited) { try await strict.refund(request) }
        #expect(noRetry.calls == 1)
    }

    @Test func aRefusedConnectionIsUnreachableNotUnknown() async throws {
        let stripe = StripeGateway(
            apiBase: "http://127.0.0.1:\(BackgroundServer.freePort())", secretKey: "sk",
            retry: RetryPolicy(attempts: 2, base: .milliseconds(10)))
        do {
            _ = try await stripe.refund(
                GatewayRefundRequest(
                    transactionID: "ch_1", amount: Money(minorUnits: 1, currency: .gbp), isFullAmount: false,
                    reason: .damaged, idempotencyKey: "k", intentID: "i", orderID: "o"))
            Issue.record("no error")
        } catch {
            guard case .unreachable = error else { Issue.record("\(error)"); return }
        }
    }
}

/// localstripe accepts over-refunds and ignores idempotency keys: racing consoles against it, the engine's own
/// reservation is the only guard between them and refunding more than was captured.
@Suite(.serialized) struct LocalstripeRaceTests {
    @Test func twentyConsolesRacingForOneRemainderRefundItOnce() async throws {
        let server = try TestSupport.localstripe.get()
        let stripe = StripeGateway(apiBase: "http://127.0.0.1:\(server.port)", secretKey: "sk_test_popsa")
        let path = TestSupport.fixtureCopy()
        let store = try SQLiteStore.open(path: path)
        let (order, paymentID, amount) = try await store.pool.read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT o.id, p.id, p.amount FROM orders o JOIN payments p ON p.order_id = o.id
                    WHERE o.currency = 'GBP' AND o.status = 'paid' AND p.provider = 'stripe' AND p.status = 'settled'
                    ORDER BY o.id LIMIT 1
                    """)!
            return (row[0] as String, row[1] as String, row[2] as Int64)
        }
        // The payment becomes a real payment intent at localstripe, of the same amount.
        let intent = try await stripe.createTransaction(
            amount: Money(minorUnits: amount, currency: .gbp),
            idempotencyKey: UUID().uuidString, orderID: order)
        try await store.pool.write { db in
            try db.execute(
                sql: "UPDATE payments SET provider_transaction_id = ?, provider_charge_id = NULL WHERE id = ?",
                arguments: [intent.id, paymentID])
        }
        let supervisor = OperatorIdentity(name: "sam", sshClient: nil, role: .supervisor)
        let service = RefundService(
            store: store, gateways: [.stripe: stripe], policy: RefundPolicy(agentLimits: [:], retypeThreshold: [:]),
            clock: .frozen(TestSupport.nowTimestamp))
        let whole = Money(minorUnits: amount, currency: .gbp).decimalString
        let plans = try await withThrowingTaskGroup(of: RefundPlan.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await service.plan(
                        orderID: order, amountText: whole, reason: .damaged, note: "", operator: supervisor)
                }
            }
            return try await group.reduce(into: [RefundPlan]()) { $0.append($1) }
        }
        let outcomes = await withTaskGroup(of: String.self) { group in
            for plan in plans {
                group.addTask {
                    do {
                        let outcome = try await service.execute(plan, operator: supervisor).outcome
                        return outcome == .succeeded ? "ok" : "\(outcome)"
                    } catch { return "refused: \(error)" }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "ok" }.count == 1, "\(outcomes)")
        let atStripe = try await stripe.fetchTransaction(id: intent.id)
        #expect(atStripe.refunds.count == 1, "localstripe holds \(atStripe.refunds.count) refunds")
        #expect(atStripe.refunds.reduce(0) { $0 + $1.amount.minorUnits } == amount)
    }
}
