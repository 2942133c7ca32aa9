import Foundation
import OpsCore
import OpsEngine
import OpsPayments
import OpsStore
import OpsStorePostgres
import OpsTestSupport
import Testing

/// The refund ledger, stated once and run against both stores: the same refunds through the same engine and
/// sandbox gateways, two processes' connections racing for one remainder, the reconciler's claims, and the audit
/// chain with its cross-check against the refunds.
@Suite struct LedgerContractTests {
    typealias Ledger = RefundStore & SandboxLedger

    /// One writable copy of the fixture on a store, opened twice (two connections, as two ops boxes would have).
    struct Stores {
        let kind: CustomerSearchContractTests.StoreKind
        let first: any Ledger
        let second: any Ledger
        let query: @Sendable (String) throws -> String
        let close: @Sendable () async -> Void

        static func make(_ kind: CustomerSearchContractTests.StoreKind) async throws -> Stores {
            switch kind {
            case .sqlite:
                let path = TestSupport.fixtureCopy()
                return Stores(
                    kind: kind, first: try SQLiteStore.open(path: path), second: try SQLiteStore.open(path: path),
                    query: { try TestSupport.sql(path, $0) }, close: {})
            case .postgres:
                let url = try TestSupport.postgresDatabase()
                let location = try PostgresLocation(url: url, defaultUser: "ops")
                let first = try await PostgresStore.openForTests(location)
                _ = try await first.copy(from: try SQLiteStore.open(path: TestSupport.fixtureDatabase, readOnly: true))
                let second = try await PostgresStore.openForTests(location)
                return Stores(
                    kind: kind, first: first, second: second, query: { try TestSupport.psql(url, $0) },
                    close: {
                        await first.close()
                        await second.close()
                    })
            }
        }

        func service(_ store: any Ledger) -> RefundService {
            let clock = EngineClock.frozen(TestSupport.nowTimestamp)
            return RefundService(
                store: store,
                gateways: [
                    .stripe: SandboxGateway(provider: .stripe, ledger: store, clock: clock.now),
                    .braintree: SandboxGateway(provider: .braintree, ledger: store, clock: clock.now),
                ], policy: RefundPolicy(), clock: clock)
        }

        /// Paid GBP orders with one settled payment and no refunds yet, in id order.
        func untouchedOrders(_ limit: Int) throws -> [String] {
            try query(
                """
                SELECT o.id FROM orders o JOIN payments pay ON pay.order_id = o.id
                WHERE o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled'
                  AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id)
                  AND (SELECT count(*) FROM payments p2 WHERE p2.order_id = o.id) = 1
                ORDER BY o.id LIMIT \(limit)
                """
            ).split(separator: "\n").map(String.init)
        }
    }

    static func with(
        _ kind: CustomerSearchContractTests.StoreKind, _ body: (Stores) async throws -> Void
    )
        async throws
    {
        let stores = try await Stores.make(kind)
        do {
            try await body(stores)
            await stores.close()
        } catch {
            await stores.close()
            throw error
        }
    }

    static let supervisor = OperatorIdentity(name: "sam", sshClient: "10.0.0.9", role: .supervisor)

    @Test(arguments: CustomerSearchContractTests.StoreKind.allCases)
    func aRefundMovesTheMoneyTheOrderAndTheChain(kind: CustomerSearchContractTests.StoreKind) async throws {
        try await Self.with(kind) { s in
            // The copy's chain (on PostgreSQL: copied from SQLite entry by entry) verifies before anything is done.
            guard case .intact(let before) = try await s.first.verifyAudit() else {
                Issue.record("\(kind): the copied chain does not verify: \(try await s.first.verifyAudit())")
                return
            }
            #expect(before > 0, "the fixture's seeded refunds are audited")
            let order = try s.untouchedOrders(1)[0]
            let service = s.service(s.first)
            let plan = try await service.plan(
                orderID: order, amountText: "1.25", reason: .damaged, note: "", operator: Self.supervisor)
            let result = try await service.execute(plan, operator: Self.supervisor)
            #expect(result.refund.status == .succeeded, "\(kind)")
            // The other connection sees it at once: the order moved with the money, the sandbox holds one refund.
            let context = try await s.second.refundContext(orderID: order)!
            #expect(context.order.status == .partiallyRefunded, "\(kind)")
            #expect(context.refunds.map(\.amount) == [125], "\(kind)")
            let (state, records) = try await s.second.sandboxTransaction(
                provider: plan.payment.provider, transactionID: plan.payment.providerTransactionID)!
            #expect(state.refunded == 125 && records.count == 1, "\(kind)")
            // Two entries (requested, succeeded), chained on; the newest first.
            #expect(try await s.second.verifyAudit() == .intact(entries: before + 2), "\(kind)")
            let newest = try await s.second.auditEntries(limit: 2)
            #expect(newest.map(\.record.action) == ["refund.succeeded", "refund.requested"], "\(kind)")
            #expect(newest.allSatisfy { $0.record.target == "order \(order)" && $0.record.operatorName == "sam" })
            // More than is left is refused by the store's own check.
            let all = try await service.plan(
                orderID: order, amountText: plan.balance.money(plan.balance.remaining - 125).decimalString,
                reason: .damaged, note: "", operator: Self.supervisor)
            _ = try await service.execute(all, operator: Self.supervisor)
            await #expect(throws: ReservationError.self) {
                _ = try await service.execute(plan, operator: Self.supervisor)
            }
            #expect(try await s.first.refundContext(orderID: order)!.order.status == .refunded, "\(kind)")
        }
    }

    /// Two processes on two connections reserve the whole remainder of the same payment at the same moment, fifty
    /// times over: each time exactly one wins, the other is refused by the store (never a second refund), and the
    /// chain holds one request per winner.
    @Test(arguments: CustomerSearchContractTests.StoreKind.allCases)
    func twoConnectionsRacingForOneRemainderExactlyOneWins(kind: CustomerSearchContractTests.StoreKind) async throws {
        try await Self.with(kind) { s in
            let orders = try s.untouchedOrders(50)
            #expect(orders.count == 50, "\(kind): the fixture has fifty untouched orders")
            let before = try await s.first.auditEntries(limit: 1).first?.sequence ?? 0
            for (trial, order) in orders.enumerated() {
                let context = try await s.first.refundContext(orderID: order)!
                let payment = context.payments[0]
                func reserve(_ store: any Ledger, _ who: String) async -> Bool {
                    let key = "race-\(trial)-\(who)"
                    do {
                        _ = try await store.reserveRefund(
                            RefundReservation(
                                id: "ref_\(key)", orderID: order, paymentID: payment.id, amount: payment.amount,
                                reason: .other, note: "", idempotencyKey: key, operatorName: who,
                                now: TestSupport.nowTimestamp,
                                leaseUntil: TestSupport.nowTimestamp.adding(seconds: 60)),
                            audit: AuditRecord(
                                at: TestSupport.nowTimestamp, operatorName: who, sshClient: "",
                                action: "refund.requested",
                                target: "order \(order)", amount: payment.money, reason: "other", idempotencyKey: key,
                                gatewayIDs: "", result: "ok", detail: "race"))
                        return true
                    } catch {
                        #expect(error is ReservationError, "\(kind): the loser is refused by the check, not \(error)")
                        return false
                    }
                }
                async let a = reserve(s.first, "box-a")
                async let b = reserve(s.second, "box-b")
                let wins = [await a, await b].filter { $0 }.count
                #expect(wins == 1, "\(kind) trial \(trial): \(wins) reservations of one remainder")
            }
            let intents = try s.query(
                "SELECT count(*) FROM refunds WHERE idempotency_key LIKE 'race-%'")
            #expect(intents == "50", "\(kind)")
            #expect(try await s.first.verifyAudit() == .intact(entries: before + 50), "\(kind)")
        }
    }

    /// Intents whose lease ran out are claimed once: two reconcilers claiming at the same time split them.
    @Test(arguments: CustomerSearchContractTests.StoreKind.allCases)
    func expiredIntentsAreClaimedByOneReconcilerEach(kind: CustomerSearchContractTests.StoreKind) async throws {
        try await Self.with(kind) { s in
            let now = TestSupport.nowTimestamp
            var ids: Set<String> = []
            for (n, order) in try s.untouchedOrders(6).enumerated() {
                let payment = try await s.first.refundContext(orderID: order)!.payments[0]
                let key = "lease-\(n)"
                ids.insert("ref_\(key)")
                _ = try await s.first.reserveRefund(
                    RefundReservation(
                        id: "ref_\(key)", orderID: order, paymentID: payment.id, amount: 100, reason: .other,
                        note: "", idempotencyKey: key, operatorName: "a", now: now.adding(seconds: -600),
                        leaseUntil: n == 5 ? now.adding(seconds: 60) : now.adding(seconds: -60)),
                    audit: AuditRecord(
                        at: now, operatorName: "a", sshClient: "", action: "refund.requested",
                        target: "order \(order)", amount: Money(minorUnits: 100, currency: payment.currency),
                        reason: "other", idempotencyKey: key, gatewayIDs: "", result: "ok", detail: ""))
            }
            async let x = s.first.claimRefundsToReconcile(now: now, leaseSeconds: 300)
            async let y = s.second.claimRefundsToReconcile(now: now, leaseSeconds: 300)
            let (one, two) = (Set(try await x.map(\.id)), Set(try await y.map(\.id)))
            #expect(one.isDisjoint(with: two), "\(kind): an intent claimed twice")
            #expect(one.union(two) == ids.subtracting(["ref_lease-5"]), "\(kind)")
            #expect(try await s.first.leasedRefunds(now: now).map(\.id).sorted() == ids.sorted(), "\(kind)")
            #expect(try await s.second.claimRefundsToReconcile(now: now, leaseSeconds: 300).isEmpty, "\(kind)")
        }
    }

    /// `audit verify` finds an edited entry, and a refund deleted from the ledger even though the chain is whole.
    @Test(arguments: CustomerSearchContractTests.StoreKind.allCases)
    func verifyFindsAnEditedEntryAndADeletedRefund(kind: CustomerSearchContractTests.StoreKind) async throws {
        try await Self.with(kind) { s in
            let refunded = try s.query("SELECT order_id FROM refunds ORDER BY id LIMIT 1")
            _ = try s.query("DELETE FROM refunds WHERE order_id = '\(refunded)'")
            guard case .broken(_, let problem) = try await s.first.verifyAudit() else {
                Issue.record("\(kind): a deleted refund passed verify")
                return
            }
            #expect(problem.contains("order \(refunded)") && problem.contains("do not match"), "\(kind): \(problem)")
            _ = try s.query("UPDATE audit_log SET amount = amount + 1 WHERE seq = 2")
            #expect(
                try await s.first.verifyAudit()
                    == .broken(sequence: 2, problem: "its contents were edited (the hash does not match)"), "\(kind)")
        }
    }
}
