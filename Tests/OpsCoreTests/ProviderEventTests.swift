import Testing

@testable import OpsCore

/// What a provider's event means, read once for both stores: Stripe's refunds, disputes and settlements, the rule
/// disputes are kept by, and how refunds made elsewhere are matched against the ledger.
@Suite struct ProviderEventTests {
    static let now = Timestamp(seconds: 1_795_000_000)

    func read(_ text: String) throws -> StripeEvent { try StripeEvent.read(try JSONValue.parse(text), now: Self.now) }

    @Test func aChargesRefundsTakeTheChargesPaymentIntentAndTheConsolesIntentId() throws {
        let event = try read(
            #"{"id":"evt_1","type":"charge.refunded","data":{"object":{"id":"ch_1","object":"charge","#
                + #""payment_intent":"pi_1","refunds":{"data":[{"id":"re_1","amount":500,"status":"succeeded","#
                + #""charge":"ch_1","metadata":{"intent_id":"rfi_9"}},"#
                + #"{"id":"re_2","amount":1,"status":"requires_action","#
                + #""charge":"ch_1","payment_intent":"pi_own"}]}}}}"#)
        #expect(event.id == "evt_1" && event.chargeAlone == nil)
        #expect(
            event.effect
                == .refunds([
                    StripeRefund(
                        charge: "ch_1", intent: "pi_1",
                        refund: ProviderRefund(id: "re_1", amount: 500, status: .succeeded, intentID: "rfi_9")),
                    StripeRefund(
                        charge: "ch_1", intent: "pi_own",
                        refund: ProviderRefund(id: "re_2", amount: 1, status: .pending, intentID: nil)),
                ]))
    }

    @Test func aRefundNamingOnlyItsChargeIsOneTheCallerMayLookUp() throws {
        let event = try read(
            #"{"id":"evt_2","type":"refund.created","data":{"object":{"id":"re_3","object":"refund","#
                + #""amount":250,"status":"failed","charge":"ch_lonely"}}}"#)
        #expect(event.chargeAlone == "ch_lonely")
        #expect(
            event.effect
                == .refunds([
                    StripeRefund(
                        charge: "ch_lonely", intent: "",
                        refund: ProviderRefund(id: "re_3", amount: 250, status: .failed, intentID: nil))
                ]))
    }

    @Test func whatAnEventLacksIsNamedAndOtherEventsAreIgnored() throws {
        #expect(throws: RecordFieldError(field: "", message: "not a Stripe event (id, type, data.object)")) {
            try read(#"{"id":"evt_3","type":"refund.created"}"#)
        }
        #expect(throws: RecordFieldError(field: "data.object", message: "a refund needs id, amount and status")) {
            try read(#"{"id":"evt_4","type":"refund.updated","data":{"object":{"id":"re_4","amount":"5"}}}"#)
        }
        let dispute = #"{"id":"evt_5","type":"charge.dispute.created","data":{"object":{"id":"dp_1","amount":9,"#
        #expect(throws: RecordFieldError(field: "data.object.status", message: "unknown dispute status \"maybe\"")) {
            try read(dispute + #""status":"maybe"}}}"#)
        }
        #expect(try read(#"{"id":"evt_6","type":"customer.created","data":{"object":{}}}"#).effect == .ignored)
        #expect(
            try read(#"{"id":"evt_7","type":"payment_intent.succeeded","data":{"object":{"id":"pi_2"}}}"#).effect
                == .settled(intent: "pi_2"))
    }

    @Test func aDisputeIsCheckedAgainstItsPaymentsCurrency() throws {
        let event = try read(
            #"{"id":"evt_8","type":"charge.dispute.created","created":1795000100,"data":{"object":{"id":"dp_2","#
                + #""amount":1999,"currency":"eur","status":"needs_response","charge":"ch_2","#
                + #""evidence_details":{"due_by":1795300000}}}}"#)
        guard case .dispute(let update) = event.effect else {
            Issue.record("not a dispute: \(event.effect)")
            return
        }
        #expect(update.eventAt == 1_795_000_100 && update.created == 1_795_000_100)
        #expect(update.evidenceDueBy == 1_795_300_000)
        #expect(try update.minorUnits(in: try Currency(code: "EUR")) == 1999)
        #expect(
            throws: RecordFieldError(
                field: "data.object.currency", message: "EUR differs from the payment's currency GBP")
        ) { try update.minorUnits(in: try Currency(code: "GBP")) }
        // Braintree's amount is a decimal in major units, read with the payment's exponent.
        let braintree = try DisputeUpdate.braintree(
            BraintreeEvent.Subject(
                id: "bt_dp", transactionID: "tx_1", amount: "1500", currency: "JPY", reason: "fraud", status: "open",
                replyBy: "2026-12-01", createdAt: nil), eventAt: 7)
        #expect(try braintree.minorUnits(in: try Currency(code: "JPY")) == 1500)
        #expect(braintree.evidenceDueBy == (try Timestamp(iso8601: "2026-12-01T23:59:59Z")).seconds)
    }

    @Test func aDecidedDisputeIsNeverReopenedAndTheNewestOfAStageWins() throws {
        func update(_ status: DisputeStatus, at: Int64) -> DisputeUpdate {
            DisputeUpdate(
                id: "dp", provider: .stripe, amount: .minor(1), currency: nil, reason: "", status: status,
                providerStatus: status.rawValue, evidenceDueBy: nil, created: 0, eventAt: at)
        }
        #expect(update(.underReview, at: 5).replaces(status: .needsResponse, eventAt: 9))
        #expect(!update(.needsResponse, at: 5).replaces(status: .needsResponse, eventAt: 9))
        #expect(update(.needsResponse, at: 9).replaces(status: .needsResponse, eventAt: 9))
        #expect(!update(.needsResponse, at: 99).replaces(status: .lost, eventAt: 9))
        #expect(!update(.underReview, at: 99).replaces(status: .won, eventAt: 9))
        #expect(update(.won, at: 99).replaces(status: .lost, eventAt: 9))
        #expect(!update(.won, at: 1).replaces(status: .lost, eventAt: 9))
    }

    @Test func anAdoptedRefundMovesOnlyForwardAndTheEventsAnswerCountsWhatHappened() throws {
        let succeeded = ProviderRefund(id: "re_1", amount: 5, status: .succeeded, intentID: nil)
        #expect(RefundAdoption.step(for: succeeded, known: nil) == nil)
        #expect(RefundAdoption.step(for: succeeded, known: ("ext_re_1", "pending")) == .updated)
        #expect(RefundAdoption.step(for: succeeded, known: ("ext_re_1", "succeeded")) == .unchanged)
        let failed = ProviderRefund(id: "re_1", amount: 5, status: .failed, intentID: nil)
        #expect(RefundAdoption.step(for: failed, known: ("ext_re_1", "succeeded")) == .unchanged)
        // A refund the console made is the console's, whatever the provider says of it.
        #expect(RefundAdoption.step(for: failed, known: ("rfi_1", "pending")) == .unchanged)
        #expect(RefundAdoption.outcome([.unknownPayment]) == .unknownPayment)
        #expect(
            RefundAdoption.outcome([.adopted, .unknownPayment, .own, .updated, .unchanged])
                == .applied(adopted: 1, updated: 1, own: 2))
        let audit = RefundAdoption.audit(
            succeeded, orderID: "ord_1", currency: try Currency(code: "GBP"), provider: .stripe, source: "evt",
            now: Self.now, settled: false)
        #expect(audit.action == "refund.external" && audit.idempotencyKey == "external:re_1")
        #expect(audit.detail == "adopted from evt" && audit.operatorName == "stripe")
    }
}
