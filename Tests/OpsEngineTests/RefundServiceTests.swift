import Foundation
import GRDB
import OpsCore
import OpsEngine
import OpsStorePostgres
import OpsTestSupport
import Testing

@testable import OpsPayments
@testable import OpsStore

/// A test gateway in front of another: everything goes through to `base` unless the wrapper says otherwise.
protocol ForwardingGateway: PaymentGateway {
    var base: any PaymentGateway { get }
}

extension ForwardingGateway {
    var provider: PaymentProvider { base.provider }
    var idempotencyWindow: Int64 { base.idempotencyWindow }
    func createTransaction(
        amount: Money, idempotencyKey: String, orderID: String
    ) async throws(GatewayError) -> GatewayTransaction {
        try await base.createTransaction(amount: amount, idempotencyKey: idempotencyKey, orderID: orderID)
    }
    func refund(_ request: GatewayRefundRequest) async throws(GatewayError) -> GatewayRefund {
        try await base.refund(request)
    }
    func void(transactionID: String, idempotencyKey: String) async throws(GatewayError) -> GatewayTransaction {
        try await base.void(transactionID: transactionID, idempotencyKey: idempotencyKey)
    }
    func fetchTransaction(id: String) async throws(GatewayError) -> GatewayTransaction {
        try await base.fetchTransaction(id: id)
    }
}

/// A gateway that does what the wrapped one does, then reports a failure: the gateway committed, the answer was lost.
struct LosesAnswers: ForwardingGateway {
    let base: any PaymentGateway
    func refund(_ request: GatewayRefundRequest) async throws(GatewayError) -> GatewayRefund {
        _ = try await base.refund(request)
        throw .outcomeUnknown("read timeout")
    }
}

/// A gateway (or a proxy in front of one) that ignores idempotency keys: every call is a new request to it.
struct IgnoresKeys: ForwardingGateway {
    let base: any PaymentGateway
    func createTransaction(
        amount: Money, idempotencyKey: String, orderID: String
    ) async throws(GatewayError) -> GatewayTransaction {
        try await base.createTransaction(amount: amount, idempotencyKey: UUID().uuidString, orderID: orderID)
    }
    func refund(_ request: GatewayRefundRequest) async throws(GatewayError) -> GatewayRefund {
        var fresh = request
        fresh.idempotencyKey = UUID().uuidString
        return try await base.refund(fresh)
    }
    func void(transactionID: String, idempotencyKey: String) async throws(GatewayError) -> GatewayTransaction {
        try await base.void(transactionID: transactionID, idempotencyKey: UUID().uuidString)
    }
}

/// A gateway that refunds whatever it is asked, however much, however often: only the engine's own reservation
/// stands between two consoles and an over-refund (localstripe behaves the same way).
actor AcceptsAnything: PaymentGateway {
    nonisolated let provider: PaymentProvider
    nonisolated var idempotencyWindow: Int64 { 86_400 }
    private(set) var refunds: [GatewayRefund] = []

    init(provider: PaymentProvider) { self.provider = provider }

    func createTransaction(
        amount: Money, idempotencyKey: String, orderID: String
    ) async throws(GatewayError) -> GatewayTransaction {
        throw .refused(code: "unsupported", message: "not in this test")
    }
    func refund(_ request: GatewayRefundRequest) async throws(GatewayError) -> GatewayRefund {
        let done = GatewayRefund(
            id: "re_any_\(refunds.count + 1)", amount: request.amount, status: .succeeded, isVoid: false,
            intentID: request.intentID)
        refunds.append(done)
        return done
    }
    func void(transactionID: String, idempotencyKey: String) async throws(GatewayError) -> GatewayTransaction {
        throw .refused(code: "unsupported", message: "not in this test")
    }
    func fetchTransaction(id: String) async throws(GatewayError) -> GatewayTransaction {
        throw .notFound(id)
    }
}

/// A gateway whose transaction lookups do not show which intent a refund was for (metadata stripped by a proxy):
/// the reconciler can only rely on re-sending the same idempotency key.
struct HidesIntentIDs: ForwardingGateway {
    let base: any PaymentGateway
    func fetchTransaction(id: String) async throws(GatewayError) -> GatewayTransaction {
        var found = try await base.fetchTransaction(id: id)
        found.refunds = found.refunds.map {
            var r = $0; r.intentID = nil; return r
        }
        return found
    }
}

/// The fixture on one of the two stores, as the refund service sees it; the SQL the tests check with runs there
/// too (sqlite3 or psql). The audit tests below, which edit the SQLite file under the chain, use `sqlite`.
struct RefundFixture {
    let store: any RefundStore & SandboxLedger
    let under: StoreUnderTest
    /// The SQLite store, when the fixture is on SQLite.
    let sqlite: SQLiteStore?
    static let now = TestSupport.nowTimestamp
    static let agent = OperatorIdentity(name: "alice", sshClient: "10.1.2.3", role: .agent)
    static let supervisor = OperatorIdentity(name: "sam", sshClient: nil, role: .supervisor)
    static let policy = RefundPolicy(
        agentLimits: [.gbp: 25_000, .jpy: 5_000, .eur: 30_000], retypeThreshold: [.gbp: 10_000])

    /// A writable copy of the fixture on SQLite.
    init() throws {
        under = try StoreUnderTest.fixtureCopy(.sqlite)
        let opened = try SQLiteStore.open(path: under.database)
        (store, sqlite) = (opened, opened)
    }

    private init(_ under: StoreUnderTest, _ store: any RefundStore & SandboxLedger) {
        (self.under, self.store, sqlite) = (under, store, nil)
    }

    /// A writable copy of the fixture on the store of `kind` (PostgreSQL: a new database the copy filled).
    static func make(_ kind: StoreUnderTest.Kind) async throws -> RefundFixture {
        switch kind {
        case .sqlite: return try RefundFixture()
        case .postgres:
            let under = try StoreUnderTest.fixtureCopy(.postgres)
            let location = try PostgresLocation(url: under.database, defaultUser: "ops")
            return RefundFixture(under, try await PostgresStore.open(location, password: nil, deadline: .seconds(120)))
        }
    }

    /// Lets a PostgreSQL pool go.
    func close() async { await (store as? PostgresStore)?.close() }

    /// Runs `body` on a fresh fixture of `kind`, closing it afterwards whatever happens.
    static func with(_ kind: StoreUnderTest.Kind, _ body: (RefundFixture) async throws -> Void) async throws {
        let f = try await make(kind)
        do {
            try await body(f)
            await f.close()
        } catch {
            await f.close()
            throw error
        }
    }

    func service(
        clock: EngineClock = .frozen(RefundFixture.now), wrap: (any PaymentGateway) -> any PaymentGateway = { $0 }
    ) -> RefundService {
        let gateways: [PaymentProvider: any PaymentGateway] = [
            .stripe: wrap(SandboxGateway(provider: .stripe, ledger: store, clock: clock.now)),
            .braintree: wrap(SandboxGateway(provider: .braintree, ledger: store, clock: clock.now)),
        ]
        return RefundService(store: store, gateways: gateways, policy: Self.policy, clock: clock)
    }

    func order(_ condition: String) throws -> String {
        let id = try under.sql(
            "SELECT o.id FROM orders o JOIN payments pay ON pay.order_id = o.id WHERE \(condition) "
                + "ORDER BY o.id LIMIT 1"
        )
        guard !id.isEmpty else { throw TestFailure("no order where \(condition)") }
        return id
    }

    func count(_ sql: String) throws -> Int {
        guard let n = Int(try under.sql(sql)) else { throw TestFailure("not a number from \(sql)") }
        return n
    }

    /// Refunds `amount` on `order` through a gateway wrapped by `wrap` that then loses the answer: the intent is
    /// left unknown (nil if the outcome was anything else).
    func lostRefund(
        order: String, amount: String, through wrap: @escaping (any PaymentGateway) -> any PaymentGateway = { $0 }
    )
        async throws -> Refund?
    {
        let lossy = service { LosesAnswers(base: wrap($0)) }
        let plan = try await lossy.plan(
            orderID: order, amountText: amount, reason: .damaged, note: "", operator: Self.agent)
        let result = try await lossy.execute(plan, operator: Self.agent)
        guard case .unknown = result.outcome else {
            Issue.record("expected an unknown outcome, got \(result.outcome)")
            return nil
        }
        return result.refund
    }

    /// Reconciles ten minutes later: past the creator's lease, well inside the idempotency key's window.
    func reconcileLater(
        through wrap: @escaping (any PaymentGateway) -> any PaymentGateway = { $0 }
    ) async throws
        -> ReconcileReport
    {
        try await service(clock: .frozen(Self.now.adding(seconds: 600)), wrap: wrap).reconcile(operator: Self.agent)
    }

    func gatewayRefunds(of intent: Refund) throws -> Int {
        try count("SELECT count(*) FROM sandbox_refunds WHERE intent_id = '\(intent.id)'")
    }
}

@Suite struct RefundServiceTests {
    @Test(
        arguments: StoreUnderTest.Kind.allCases,
        [
            ("12.345", "\"12.345\": GBP has 2 decimal places at most"),
            ("-5", "\"-5\" is negative: enter a positive amount"),
            ("0", "enter an amount greater than zero"),
            ("abc", "\"abc\" is not an amount: use digits with an optional decimal point, like 12.50"),
            ("1e3", "\"1e3\" is not an amount: use digits with an optional decimal point, like 12.50"),
            ("100000", "GBP 100,000.00 is more than the"), ("", "enter an amount"),
        ])
    func badAmountsAreRefusedBeforeAnythingIsSent(
        kind: StoreUnderTest.Kind, refused: (text: String, message: String)
    )
        async throws
    {
        let (text, message) = refused
        try await RefundFixture.with(kind) { f in
            let order = try f.order("o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled'")
            await #expect {
                _ = try await f.service().plan(
                    orderID: order, amountText: text, reason: .damaged, note: "", operator: RefundFixture.agent)
            } throws: { error in
                (error as? RefundRefusal)?.description.hasPrefix(message) == true
            }
            #expect(try f.count("SELECT count(*) FROM refunds WHERE operator = 'alice'") == 0)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func zeroDecimalCurrenciesRefuseFractions(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order("o.currency = 'JPY' AND o.status = 'paid' AND pay.status = 'settled'")
            await #expect(throws: RefundRefusal.badAmount("\"12.5\": JPY has no minor unit, enter a whole amount")) {
                try await f.service().plan(
                    orderID: order, amountText: "12.5", reason: .damaged, note: "", operator: RefundFixture.agent)
            }
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func rolesLimitsAndNotesAreEnforced(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order(
                "o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' AND o.total_amount > 300")
            let viewer = OperatorIdentity(name: "vic", sshClient: nil, role: .viewer)
            await #expect(throws: RefundRefusal.self) {
                try await f.service().plan(
                    orderID: order, amountText: "1", reason: .damaged, note: "", operator: viewer)
            }
            await #expect(throws: RefundRefusal.noteRequired) {
                try await f.service().plan(
                    orderID: order, amountText: "1", reason: .other, note: "  ", operator: RefundFixture.agent)
            }
            let big = RefundPolicy(agentLimits: [.gbp: 100], retypeThreshold: [:])
            let strict = RefundService(store: f.store, gateways: [:], policy: big, clock: .frozen(RefundFixture.now))
            await #expect(
                throws: RefundRefusal.overLimit(
                    "GBP 2.00 is over your limit of GBP 1.00 per refund: a supervisor must refund this")
            ) {
                try await strict.plan(
                    orderID: order, amountText: "2", reason: .damaged, note: "", operator: RefundFixture.agent)
            }
            _ = try await strict.plan(
                orderID: order, amountText: "2", reason: .damaged, note: "", operator: RefundFixture.supervisor)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func partialRefundsMoveTheOrderStatusWithTheMoney(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order(
                "o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' AND pay.provider = 'stripe'")
            let service = f.service()
            let total = try f.count("SELECT total_amount FROM orders WHERE id = '\(order)'")
            let first = try await service.execute(
                try await service.plan(
                    orderID: order, amountText: "1.00", reason: .damaged, note: "",
                    operator: RefundFixture.agent), operator: RefundFixture.agent)
            #expect(first.outcome == .succeeded)
            #expect(
                try f.count("SELECT count(*) FROM orders WHERE id = '\(order)' AND status = 'partially_refunded'") == 1)
            let rest = Money(minorUnits: Int64(total - 100), currency: .gbp).decimalString
            let second = try await service.execute(
                try await service.plan(
                    orderID: order, amountText: rest, reason: .damaged, note: "",
                    operator: RefundFixture.supervisor), operator: RefundFixture.supervisor)
            #expect(second.outcome == .succeeded)
            #expect(try f.count("SELECT count(*) FROM orders WHERE id = '\(order)' AND status = 'refunded'") == 1)
            await #expect(throws: RefundRefusal.nothingToRefund("nothing is left to refund on this payment")) {
                try await service.plan(
                    orderID: order, amountText: "0.01", reason: .damaged, note: "", operator: RefundFixture.agent)
            }
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func braintreeBeforeSettlementIsAFullVoidOnly(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order(
                "pay.provider = 'braintree' AND pay.status = 'submitted_for_settlement' AND o.status = 'paid'")
            let service = f.service()
            await #expect {
                try await service.plan(
                    orderID: order, amountText: "0.01", reason: .damaged, note: "", operator: RefundFixture.supervisor)
            } throws: { ($0 as? RefundRefusal)?.description.contains("91506") == true }
            let total = try f.count("SELECT total_amount FROM orders WHERE id = '\(order)'")
            let currency = try Currency(code: try f.under.sql("SELECT currency FROM orders WHERE id = '\(order)'"))
            let plan = try await service.plan(
                orderID: order, amountText: Money(minorUnits: Int64(total), currency: currency).decimalString,
                reason: .duplicate, note: "", operator: RefundFixture.supervisor)
            #expect(plan.isVoid)
            let result = try await service.execute(plan, operator: RefundFixture.supervisor)
            #expect(result.outcome == .succeeded && result.refund.isVoid)
            #expect(try f.count("SELECT count(*) FROM payments WHERE order_id = '\(order)' AND status = 'voided'") == 1)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func concurrentRefundsOfTheRemainderSucceedExactlyOnce(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order(
                "o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' AND pay.provider = 'stripe'")
            let total = try f.count("SELECT total_amount FROM orders WHERE id = '\(order)'")
            let amount = Money(minorUnits: Int64(total), currency: .gbp).decimalString
            let service = f.service()
            let outcomes = await withTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            let plan = try await service.plan(
                                orderID: order, amountText: amount, reason: .damaged, note: "",
                                operator: RefundFixture.supervisor)
                            let result = try await service.execute(plan, operator: RefundFixture.supervisor)
                            return result.outcome == .succeeded ? "ok" : "failed"
                        } catch { return "refused" }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "ok" }.count == 1)
            #expect(
                try f.count("SELECT count(*) FROM refunds WHERE order_id = '\(order)' AND status = 'succeeded'") == 1)
            #expect(
                try f.count(
                    "SELECT count(*) FROM sandbox_refunds WHERE transaction_id = (SELECT provider_transaction_id FROM "
                        + "payments WHERE order_id = '\(order)')"
                ) == 1)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func withAGatewayThatAcceptsAnythingTheReservationAloneHoldsTheLine(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order(
                "o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' AND pay.provider = 'stripe'")
            let total = try f.count("SELECT total_amount FROM orders WHERE id = '\(order)'")
            let gateway = AcceptsAnything(provider: .stripe)
            let service = RefundService(
                store: f.store, gateways: [.stripe: gateway], policy: RefundFixture.policy,
                clock: .frozen(RefundFixture.now))
            // Twenty consoles plan the whole remainder at once (each sees it all left), then race to reserve it.
            let plans = try await withThrowingTaskGroup(of: RefundPlan.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await service.plan(
                            orderID: order, amountText: Money(minorUnits: Int64(total), currency: .gbp).decimalString,
                            reason: .damaged, note: "", operator: RefundFixture.supervisor)
                    }
                }
                return try await group.reduce(into: [RefundPlan]()) { $0.append($1) }
            }
            let outcomes = await withTaskGroup(of: String.self) { group in
                for plan in plans {
                    group.addTask {
                        do {
                            return try await service.execute(plan, operator: RefundFixture.supervisor).outcome
                                == .succeeded
                                ? "ok" : "no"
                        } catch { return "refused" }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "ok" }.count == 1, "\(outcomes)")
            #expect(await gateway.refunds.count == 1)
            #expect(
                try f.count(
                    "SELECT coalesce(sum(amount), 0) FROM refunds WHERE order_id = '\(order)' AND status != 'failed'")
                    == total)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func aLostAnswerIsResentWithTheSameKeyWhenTheGatewayCannotSayWhichIntent(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order(
                "o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' AND pay.provider = 'stripe'")
            guard
                let intent = try await f.lostRefund(order: order, amount: "1.75", through: { HidesIntentIDs(base: $0) })
            else { return }
            let report = try await f.reconcileLater { HidesIntentIDs(base: $0) }
            #expect(report.succeeded == 1, "\(report.lines)")
            // The same key: the gateway replayed its refund instead of making a second one.
            #expect(try f.gatewayRefunds(of: intent) == 1)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func aLostAnswerIsReconciledWithTheSameKeyExactlyOnce(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order("o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled'")
            let lossy = f.service { LosesAnswers(base: $0) }
            let plan = try await lossy.plan(
                orderID: order, amountText: "2.50", reason: .lostInDelivery, note: "", operator: RefundFixture.agent)
            let result = try await lossy.execute(plan, operator: RefundFixture.agent)
            guard case .unknown = result.outcome else { Issue.record("\(result.outcome)"); return }
            // The money is held while unknown: nothing more than what is left can be reserved.
            let held = try await f.service().context(orderID: order).balances.first!.inFlight
            #expect(held == 250)
            // A later reconciler (after the creator's lease) re-sends the same key and records the one refund.
            let later = EngineClock.frozen(RefundFixture.now.adding(seconds: 600))
            let report = try await f.service(clock: later).reconcile(operator: RefundFixture.agent)
            #expect(report.examined == 1 && report.succeeded == 1)
            #expect(try f.count("SELECT count(*) FROM sandbox_refunds WHERE intent_id = '\(result.refund.id)'") == 1)
            #expect(
                try f.count("SELECT count(*) FROM refunds WHERE id = '\(result.refund.id)' AND status = 'succeeded'")
                    == 1)
            let again = try await f.service(clock: later).reconcile(operator: RefundFixture.agent)
            #expect(again.examined == 0)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func insideTheWindowReconcileAsksTheGatewayBeforeResending(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order(
                "o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' AND pay.provider = 'stripe'")
            guard let intent = try await f.lostRefund(order: order, amount: "2.00", through: { IgnoresKeys(base: $0) })
            else { return }
            // Past the lease, well inside the key's window; the gateway would refund again if asked to.
            let report = try await f.reconcileLater { IgnoresKeys(base: $0) }
            #expect(report.succeeded == 1, "\(report.lines)")
            #expect(try f.gatewayRefunds(of: intent) == 1)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func reconcileLeavesLeasedIntentsAloneAndSaysSo(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order("o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled'")
            let lossy = f.service { LosesAnswers(base: $0) }
            let plan = try await lossy.plan(
                orderID: order, amountText: "1.00", reason: .damaged, note: "", operator: RefundFixture.agent)
            let result = try await lossy.execute(plan, operator: RefundFixture.agent)
            // Resolved as unknown, the lease is released; take it again as a live process would hold it.
            try f.under.sql(
                "UPDATE refunds SET status = 'pending', lease_until = \(RefundFixture.now.seconds + 300) "
                    + "WHERE id = '\(result.refund.id)'")
            let report = try await f.service().reconcile(operator: RefundFixture.agent)
            #expect(report.examined == 0)
            #expect(report.stillUnknown == 1)
            #expect(report.lines.first?.contains("leased") == true, "\(report.lines)")
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func pastTheKeysWindowTheRefundIsFoundByIntentID(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order(
                "o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' AND pay.provider = 'stripe'")
            let lossy = f.service { LosesAnswers(base: $0) }
            let plan = try await lossy.plan(
                orderID: order, amountText: "3.00", reason: .damaged, note: "", operator: RefundFixture.agent)
            let result = try await lossy.execute(plan, operator: RefundFixture.agent)
            let twoDaysLater = EngineClock.frozen(RefundFixture.now.adding(seconds: 2 * 86_400))
            let report = try await f.service(clock: twoDaysLater).reconcile(operator: RefundFixture.agent)
            #expect(report.succeeded == 1)
            #expect(report.lines.first?.contains("found") == true)
            #expect(try f.count("SELECT count(*) FROM sandbox_refunds WHERE intent_id = '\(result.refund.id)'") == 1)
        }
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func aRefusalReleasesTheReservation(kind: StoreUnderTest.Kind) async throws {
        try await RefundFixture.with(kind) { f in
            let order = try f.order(
                "o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' AND pay.provider = 'stripe'")
            // The gateway has refunded it all already (say, from its own dashboard): the sandbox refuses.
            let txn = try f.under.sql("SELECT provider_transaction_id FROM payments WHERE order_id = '\(order)'")
            let total = try f.count("SELECT total_amount FROM orders WHERE id = '\(order)'")
            try f.under.sql(
                """
                INSERT INTO sandbox_refunds (id, provider, transaction_id, amount, currency, is_void, idempotency_key,
                  fingerprint, intent_id, created_at)
                VALUES ('re_outside', 'stripe', '\(txn)', \(total), 'GBP', 0, 'k-outside', 'f', NULL, 0)
                """)
            let service = f.service()
            let result = try await service.execute(
                try await service.plan(
                    orderID: order, amountText: "1", reason: .damaged, note: "",
                    operator: RefundFixture.agent), operator: RefundFixture.agent)
            guard case .failed(let message) = result.outcome else { Issue.record("\(result.outcome)"); return }
            #expect(message.contains("charge_already_refunded"))
            #expect(try await service.context(orderID: order).balances.first!.inFlight == 0)
        }
    }
}

@Suite struct AuditChainTests {
    /// The fixture's log (one entry per seeded refund) followed by five entries of our own; returns the fixture
    /// and the sequence number of the first of the five.
    func logWithEntries() async throws -> (RefundFixture, Int64) {
        let f = try RefundFixture()
        let base = Int64(try f.count("SELECT count(*) FROM audit_log")) + 1
        for i in 1...5 {
            try await f.sqlite!.appendAudit(
                AuditRecord(
                    at: RefundFixture.now.adding(seconds: Int64(i)), operatorName: "alice", sshClient: "",
                    action: "note.added", target: "order ord_\(i)",
                    amount: Money(minorUnits: Int64(i * 100), currency: .gbp), result: "ok"))
        }
        #expect(try await f.sqlite!.verifyAudit() == .intact(entries: base + 4))
        return (f, base)
    }

    @Test func anEditedEntryIsNamed() async throws {
        let (f, base) = try await logWithEntries()
        try await f.sqlite!.pool.write { db in
            try db.execute(sql: "UPDATE audit_log SET amount = 1 WHERE seq = ?", arguments: [base + 2])
        }
        #expect(
            try await f.sqlite!.verifyAudit()
                == .broken(sequence: base + 2, problem: "its contents were edited (the hash does not match)"))
    }

    @Test func aDeletedEntryIsNamed() async throws {
        let (f, base) = try await logWithEntries()
        try await f.sqlite!.pool.write { db in
            try db.execute(sql: "DELETE FROM audit_log WHERE seq = ?", arguments: [base + 1])
        }
        guard case .broken(let sequence, _) = try await f.sqlite!.verifyAudit() else { Issue.record("intact"); return }
        #expect(sequence == base + 2)
    }

    @Test func reorderedEntriesAreNamed() async throws {
        let (f, base) = try await logWithEntries()
        try await f.sqlite!.pool.write { db in
            try db.execute(sql: "UPDATE audit_log SET seq = -2 WHERE seq = ?", arguments: [base + 1])
            try db.execute(sql: "UPDATE audit_log SET seq = ? WHERE seq = ?", arguments: [base + 1, base + 3])
            try db.execute(sql: "UPDATE audit_log SET seq = ? WHERE seq = -2", arguments: [base + 3])
        }
        guard case .broken(let sequence, _) = try await f.sqlite!.verifyAudit() else { Issue.record("intact"); return }
        #expect(sequence == base + 1)
    }

    @Test func aDeletedTailIsNamed() async throws {
        let (f, base) = try await logWithEntries()
        try await f.sqlite!.pool.write { db in
            try db.execute(sql: "DELETE FROM audit_log WHERE seq = ?", arguments: [base + 4])
        }
        #expect(
            try await f.sqlite!.verifyAudit()
                == .broken(
                    sequence: base + 4,
                    problem:
                        "the log ends at entry \(base + 3) but its head records entry \(base + 4): newer entries "
                        + "were deleted"
                ))
    }

    @Test func aForgedEntryWithAConsistentHashIsCaughtByTheLink() async throws {
        let (f, base) = try await logWithEntries()
        // Rewrite entry base+1 completely, with a hash that matches its new contents: only the next entry's link
        // to the previous hash can tell.
        let forged = base + 1
        let entry = try await f.sqlite!.pool.read { db in
            SQLiteStore.auditEntry(
                try Row.fetchOne(
                    db, sql: "SELECT \(SQLiteStore.auditColumns) FROM audit_log WHERE seq = ?",
                    arguments: [forged])!)
        }
        var record = entry.record
        record.amount = Money(minorUnits: 1, currency: .gbp)
        let hash = SQLiteStore.auditHash(sequence: forged, record: record, previousHash: entry.previousHash)
        try await f.sqlite!.pool.write { db in
            try db.execute(sql: "UPDATE audit_log SET amount = 1, hash = ? WHERE seq = ?", arguments: [hash, forged])
        }
        guard case .broken(let sequence, _) = try await f.sqlite!.verifyAudit() else { Issue.record("intact"); return }
        #expect(sequence == forged + 1)
    }

    @Test func aDeletedTailWithItsHeadRewoundIsCaughtByTheAnchor() async throws {
        let (f, base) = try await logWithEntries()
        let head = base + 4
        try await f.sqlite!.pool.write { db in
            try db.execute(sql: "DELETE FROM audit_log WHERE seq >= ?", arguments: [head - 1])
            try db.execute(
                sql: "UPDATE audit_head SET seq = ?, hash = (SELECT hash FROM audit_log WHERE seq = ?)",
                arguments: [head - 2, head - 2])
        }
        guard case .broken(_, let problem) = try await f.sqlite!.verifyAudit() else { Issue.record("intact"); return }
        #expect(problem.contains("entry \(head) was anchored outside the database"), "\(problem)")
    }

    @Test func anAnchorThatCannotBeReadFailsTheCheck() async throws {
        let (f, _) = try await logWithEntries()
        try FileManager.default.removeItem(atPath: f.sqlite!.auditAnchorPath)
        try FileManager.default.createDirectory(atPath: f.sqlite!.auditAnchorPath, withIntermediateDirectories: false)
        guard case .broken(_, let problem) = try await f.sqlite!.verifyAudit() else { Issue.record("intact"); return }
        #expect(problem.contains("cannot be read"), "\(problem)")
    }

    @Test func aWipedLogIsCaughtByTheLedgerCrossCheck() async throws {
        let (f, _) = try await logWithEntries()
        try? FileManager.default.removeItem(atPath: f.sqlite!.auditAnchorPath)
        try await f.sqlite!.pool.write { db in try db.execute(sql: "DELETE FROM audit_log; DELETE FROM audit_head") }
        guard case .broken(_, let problem) = try await f.sqlite!.verifyAudit() else { Issue.record("intact"); return }
        #expect(problem.contains("do not match the audit log"), "\(problem)")
    }

    @Test func aDeletedRefundIsCaughtByTheLedgerCrossCheck() async throws {
        let (f, _) = try await logWithEntries()
        try await f.sqlite!.pool.write { db in
            try db.execute(
                sql: "DELETE FROM refunds WHERE id = (SELECT id FROM refunds WHERE status = 'succeeded' LIMIT 1)")
        }
        guard case .broken(_, let problem) = try await f.sqlite!.verifyAudit() else { Issue.record("intact"); return }
        #expect(problem.contains("do not match the audit log"), "\(problem)")
    }
}
