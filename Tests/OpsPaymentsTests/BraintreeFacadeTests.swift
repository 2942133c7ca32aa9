import Foundation
import OpsCore
import OpsTestSupport
import Testing

@testable import OpsPayments

/// The Braintree facade against a loopback simulator of Braintree's GraphQL API with fault injection.
@Suite struct BraintreeFacadeTests {
    let simulator: BackgroundServer
    var base: String { "http://127.0.0.1:\(simulator.port)" }

    init() throws { simulator = try TestSupport.braintreeSimulator() }

    func gateway(
        publicKey: String = "public_key", transport: any HTTPTransport = AsyncHTTPTransport()
    ) -> BraintreeGateway {
        BraintreeGateway(
            endpoint: base + "/graphql", merchantID: "popsa_gbp", publicKey: publicKey, privateKey: "private_key",
            transport: transport, retry: RetryPolicy(attempts: 3, base: .milliseconds(10)))
    }

    func transaction(_ id: String, _ amount: String, _ status: String) throws {
        try TestSupport.postJSON(
            base + "/_control/transactions",
            #"{"id":"\#(id)","amount":"\#(amount)","currency":"GBP","status":"\#(status)"}"#)
    }

    func fault(_ json: String) throws { try TestSupport.postJSON(base + "/_control/faults", #"{"faults":[\#(json)]}"#) }

    func request(
        _ id: String, _ minor: Int64, full: Bool = false, key: String = UUID().uuidString, intent: String = "ref_x"
    ) -> GatewayRefundRequest {
        GatewayRefundRequest(
            transactionID: id, amount: Money(minorUnits: minor, currency: .gbp), isFullAmount: full, reason: .damaged,
            idempotencyKey: key, intentID: intent, orderID: "ord_1")
    }

    func code(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return "ok"
        } catch {
            guard let error = error as? GatewayError else { return "\(error)" }
            switch error {
            case .refused(let c, _): return c
            case .invalidRequest(let c, _): return c
            case .idempotencyConflict: return "idempotency"
            case .outcomeUnknown: return "unknown"
            case .unreachable: return "unreachable"
            case .authentication: return "authentication"
            case .notFound: return "not_found"
            default: return "\(error)"
            }
        }
    }

    @Test func settledTransactionsRefundInPartsWithBraintreesRules() async throws {
        try transaction("settled1", "45.99", "SETTLED")
        let braintree = gateway()
        let first = try await braintree.refund(request("settled1", 1250, intent: "ref_a"))
        #expect(first.amount == Money(minorUnits: 1250, currency: .gbp) && !first.isVoid && first.intentID == "ref_a")
        #expect(await code { _ = try await braintree.refund(request("settled1", 9999)) } == "91521")
        #expect(await code { _ = try await braintree.refund(request("settled1", 0)) } == "81531")
        _ = try await braintree.refund(request("settled1", 3349))
        #expect(await code { _ = try await braintree.refund(request("settled1", 1)) } == "91512")
        let fetched = try await braintree.fetchTransaction(id: "settled1")
        #expect(fetched.status == .settled)
        #expect(fetched.refunds.map(\.amount.minorUnits).sorted() == [1250, 3349])
        #expect(fetched.refunds.contains { $0.intentID == "ref_a" })
    }

    @Test func beforeSettlementOnlyAFullVoid() async throws {
        try transaction("pending1", "20.00", "SUBMITTED_FOR_SETTLEMENT")
        let braintree = gateway()
        #expect(await code { _ = try await braintree.refund(request("pending1", 500)) } == "91506")
        let void = try await braintree.refund(request("pending1", 2000, full: true))
        #expect(void.isVoid)
        #expect(try await braintree.fetchTransaction(id: "pending1").status == .voided)
        #expect(await code { _ = try await braintree.refund(request("pending1", 2000, full: true)) } == "91504")
    }

    @Test func apiRequestKeyReplaysTheSameRefundAndRefusesDifferentInput() async throws {
        try transaction("replay1", "30.00", "SETTLED")
        let braintree = gateway()
        let first = try await braintree.refund(request("replay1", 1000, key: "key-replay"))
        let again = try await braintree.refund(request("replay1", 1000, key: "key-replay"))
        #expect(first.id == again.id)
        #expect(try await braintree.fetchTransaction(id: "replay1").refunds.count == 1)
        #expect(
            await code { _ = try await braintree.refund(request("replay1", 2000, key: "key-replay")) } == "idempotency")
    }

    @Test func faultsAreReportedForWhatTheyMean() async throws {
        try transaction("fault1", "30.00", "SETTLED")
        let braintree = gateway()
        try fault(#"{"kind":"status","code":500}"#)
        #expect(await code { _ = try await braintree.refund(request("fault1", 100)) } == "unknown")
        try fault(#"{"kind":"status","code":500,"after_commit":true}"#)
        #expect(await code { _ = try await braintree.refund(request("fault1", 100, key: "committed")) } == "unknown")
        // The gateway did commit: the same key gets that refund back, not a second one.
        let replay = try await braintree.refund(request("fault1", 100, key: "committed"))
        #expect(try await braintree.fetchTransaction(id: "fault1").refunds.map(\.id) == [replay.id])
        try fault(#"{"kind":"status","code":429},{"kind":"status","code":429}"#)
        #expect(await code { _ = try await braintree.refund(request("fault1", 100)) } == "ok")
        #expect(
            await code { _ = try await gateway(publicKey: "wrong").refund(request("fault1", 100)) } == "authentication")
        let down = BraintreeGateway(
            endpoint: "http://127.0.0.1:\(BackgroundServer.freePort())/graphql", merchantID: "m", publicKey: "p",
            privateKey: "k", retry: RetryPolicy(attempts: 1))
        #expect(await code { _ = try await down.refund(request("fault1", 100)) } == "unreachable")
    }

    @Test func aSlowAnswerAfterCommittingIsAnUnknownOutcome() async throws {
        try transaction("slow1", "30.00", "SETTLED")
        // Braintree commits the refund, then answers long after the caller's deadline (a minute against two seconds,
        // so a loaded machine cannot make the answer arrive in time). The fault waits for the refund mutation.
        try fault(#"{"kind":"slow","seconds":60,"operation":"refundTransaction"}"#)
        let impatient = gateway(transport: AsyncHTTPTransport(connectTimeout: .seconds(1), readTimeout: .seconds(1)))
        let outcome = await code { _ = try await impatient.refund(request("slow1", 700, key: "slow-key")) }
        let seen = try TestSupport.run("/usr/bin/env", ["curl", "-sS", base + "/_control/state"]).stdout
        #expect(outcome == "unknown", "what the simulator saw: \(seen)")
        // It was committed before the answer was held back: the same key gets that refund, not a second one.
        let replay = try await gateway().refund(request("slow1", 700, key: "slow-key"))
        #expect(try await gateway().fetchTransaction(id: "slow1").refunds.map(\.id) == [replay.id])
    }
}
