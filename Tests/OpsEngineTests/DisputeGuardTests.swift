import Foundation
import GRDB
import OpsCore
import OpsEngine
import OpsTestSupport
import Testing

@testable import OpsStore

/// The chargeback guard: a refund on a payment with an open or lost dispute would pay the customer twice; it is
/// refused (in the plan and again in the reservation's transaction) unless a supervisor overrides it with a note.
@Suite struct DisputeGuardTests {
    /// Puts a dispute on the order's payment, through the import path the feed uses.
    func dispute(
        _ f: RefundFixture, order: String, id: String, status: DisputeStatus, due: String = "2026-11-30T09:00:00Z"
    ) throws {
        let (payment, amount, currency) = try f.sqlite!.pool.read { db in
            let row = try Row.fetchOne(
                db, sql: "SELECT id, amount, currency FROM payments WHERE order_id = ? LIMIT 1", arguments: [order])!
            return (row[0] as String, row[1] as Int64, row[2] as String)
        }
        let line =
            #"{"type":"dispute","id":"\#(id)","payment_id":"\#(payment)","amount":\#(amount),"#
            + #""currency":"\#(currency)","reason":"fraudulent","status":"\#(status.rawValue)","#
            + #""evidence_due_by":"\#(due)","created_at":"2026-11-26T09:00:00Z","updated_at":"2026-11-26T09:00:00Z"}"#
        _ = try f.sqlite!.importJSONLines(bytes: Array(line.utf8), name: "disputes")
    }

    func order(_ f: RefundFixture) throws -> String {
        try f.order(
            "o.currency = 'GBP' AND o.status = 'paid' AND pay.status = 'settled' AND pay.provider = 'stripe'")
    }

    @Test(arguments: [DisputeStatus.needsResponse, .underReview, .lost])
    func anOpenOrLostChargebackRefusesTheRefund(status: DisputeStatus) async throws {
        let f = try RefundFixture()
        let order = try order(f)
        try dispute(f, order: order, id: "dp_block", status: status)
        let service = f.service()
        for who in [RefundFixture.agent, RefundFixture.supervisor] {
            await #expect {
                try await service.plan(
                    orderID: order, amountText: "1.00", reason: .damaged, note: "", operator: who)
            } throws: { error in
                guard case .disputed(let message)? = error as? RefundRefusal else { return false }
                return message.contains("dp_block") && message.hasPrefix("Do not refund")
            }
        }
        // An agent cannot override, even with a note.
        await #expect {
            try await service.plan(
                orderID: order, amountText: "1.00", reason: .damaged, note: "bank says fine", overrideDispute: true,
                operator: RefundFixture.agent)
        } throws: { ($0 as? RefundRefusal)?.description.contains("only a supervisor") == true }
        #expect(try f.count("SELECT count(*) FROM refunds WHERE order_id = '\(order)'") == 0)
    }

    @Test func aSupervisorOverridesWithANoteTheAuditRecordsTheOverride() async throws {
        let f = try RefundFixture()
        let order = try order(f)
        try dispute(f, order: order, id: "dp_override", status: .needsResponse)
        let service = f.service()
        await #expect {
            try await service.plan(
                orderID: order, amountText: "1.00", reason: .damaged, note: " ", overrideDispute: true,
                operator: RefundFixture.supervisor)
        } throws: { ($0 as? RefundRefusal)?.description.contains("write a note") == true }
        let plan = try await service.plan(
            orderID: order, amountText: "1.00", reason: .damaged, note: "issuer withdrew the chargeback by phone",
            overrideDispute: true, operator: RefundFixture.supervisor)
        #expect(plan.overridesDispute?.id == "dp_override")
        let result = try await service.execute(plan, operator: RefundFixture.supervisor)
        #expect(result.outcome == .succeeded)
        let audit = try await f.store.auditEntries(limit: 10).map(\.record)
        // The override is in the chain; the note (free text) is kept with the refund, out of the chain.
        #expect(
            audit.contains {
                $0.action == "refund.requested" && $0.detail.contains("overrides needs response chargeback dp_override")
                    && $0.detail.contains("intent \(result.refund.id)")
            })
        #expect(!audit.contains { $0.detail.contains("issuer withdrew") })
        #expect(result.refund.note == "issuer withdrew the chargeback by phone")
    }

    @Test func aChargebackArrivingAfterThePlanStillRefusesTheReservation() async throws {
        let f = try RefundFixture()
        let order = try order(f)
        let service = f.service()
        let plan = try await service.plan(
            orderID: order, amountText: "1.00", reason: .damaged, note: "", operator: RefundFixture.agent)
        try dispute(f, order: order, id: "dp_late", status: .needsResponse)
        await #expect {
            try await service.execute(plan, operator: RefundFixture.agent)
        } throws: { error in
            guard case .disputed(let message)? = error as? ReservationError else { return false }
            return message.contains("Do not refund: chargeback open") && message.contains("dp_late")
        }
        #expect(try f.count("SELECT count(*) FROM refunds WHERE order_id = '\(order)'") == 0)
    }

    @Test func aWonChargebackNoLongerBlocks() async throws {
        let f = try RefundFixture()
        let order = try order(f)
        try dispute(f, order: order, id: "dp_won", status: .won)
        let plan = try await f.service().plan(
            orderID: order, amountText: "1.00", reason: .damaged, note: "", operator: RefundFixture.agent)
        #expect(plan.overridesDispute == nil)
        #expect(try await f.service().execute(plan, operator: RefundFixture.agent).outcome == .succeeded)
    }
}
