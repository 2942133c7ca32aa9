import OpsCore
import Testing

/// Chargebacks in the domain: both providers' vocabularies mapped to one, the guard, the headline support reads,
/// and the evidence mapped to each provider's fields.
@Suite struct DisputeTests {
    let now = try! Timestamp(iso8601: "2026-11-27T12:00:00Z")

    func dispute(_ status: DisputeStatus, provider: PaymentProvider = .stripe, payment: String = "pay_1") -> Dispute {
        Dispute(
            id: "dp_1", paymentID: payment, orderID: "ord_1", provider: provider, amount: 4599, currency: .gbp,
            reason: "product_not_received", status: status, providerStatus: status.rawValue,
            evidenceDueBy: now.adding(seconds: 3 * 86_400), createdAt: now.adding(seconds: -86_400),
            updatedAt: now)
    }

    @Test func bothProvidersVocabulariesMapToOne() {
        #expect(DisputeStatus.stripe("warning_needs_response") == .needsResponse)
        #expect(DisputeStatus.stripe("needs_response") == .needsResponse)
        #expect(DisputeStatus.stripe("warning_under_review") == .underReview)
        #expect(DisputeStatus.stripe("warning_closed") == .won)
        #expect(DisputeStatus.stripe("lost") == .lost)
        #expect(DisputeStatus.stripe("charge_refunded") == nil)
        #expect(DisputeStatus.braintree("OPEN") == .needsResponse)
        #expect(DisputeStatus.braintree("disputed") == .underReview)
        #expect(DisputeStatus.braintree("under_review") == .underReview)
        #expect(DisputeStatus.braintree("auto_accepted") == .lost)
        #expect(DisputeStatus.braintree("ACCEPTED") == .lost)
        #expect(DisputeStatus.braintree("expired") == .lost)
        #expect(DisputeStatus.braintree("WON") == .won)
        #expect(DisputeStatus.braintree("settled") == nil)
    }

    @Test func openAndLostDisputesBlockRefundsOnTheirPaymentOnly() {
        for status in DisputeStatus.allCases {
            let block = Dispute.refundBlock([dispute(status)], paymentID: "pay_1")
            #expect((block != nil) == (status != .won), "\(status)")
        }
        #expect(Dispute.refundBlock([dispute(.needsResponse, payment: "pay_2")], paymentID: "pay_1") == nil)
    }

    @Test func theHeadlineSaysWhatToDo() {
        #expect(
            dispute(.needsResponse).headline(now: now)
                == "Chargeback opened (product not received, GBP 45.99), evidence due in 3d: do not refund")
        #expect(dispute(.lost).headline(now: now).contains("already went back to the card holder"))
        var late = dispute(.needsResponse)
        late.evidenceDueBy = now.adding(seconds: -7200)
        #expect(late.dueText(now: now) == "evidence was due 2h ago")
        #expect(dispute(.underReview).dueText(now: now) == nil)
    }

    @Test func evidenceUsesEachProvidersFieldNames() throws {
        let user = User(
            id: "usr_1", email: "zoe@example.com", name: "Zoe Martin", country: "GB", locale: "en_GB",
            status: .active, createdAt: now.adding(seconds: -90 * 86_400))
        let order = Order(
            id: "ord_1", userID: "usr_1", printID: "prt_1", currency: .gbp,
            lineItems: [LineItem(sku: "book", description: "Photobook", quantity: 1, unitAmount: 4599)],
            subtotalAmount: 4599, shippingAmount: 0, taxAmount: 0, totalAmount: 4599,
            shippingAddress: Address(
                name: "Zoe Martin", line1: "1 High St", line2: "", city: "Leeds", region: "", postcode: "LS1 1AA",
                country: "GB"),
            status: .paid, createdAt: now.adding(seconds: -20 * 86_400))
        let job = PrintJob(
            id: "job_1", orderID: "ord_1", partner: "inkworks-uk", status: .delivered, trackingNumber: "RM1GB",
            carrier: "Royal Mail", createdAt: now.adding(seconds: -19 * 86_400), updatedAt: now)
        let events = [
            PrintJobEvent(
                jobID: "job_1", sequence: 1, at: now.adding(seconds: -15 * 86_400), status: .shipped, message: ""),
            PrintJobEvent(
                jobID: "job_1", sequence: 2, at: now.adding(seconds: -12 * 86_400), status: .delivered, message: ""),
        ]
        let detail = OrderDetail(
            order: order, user: user, print: nil, payments: [], refunds: [], printJobs: [job])
        let stripe = DisputeEvidence(dispute: dispute(.needsResponse), order: detail, timelines: ["job_1": events])
        let fields = Dictionary(uniqueKeysWithValues: stripe.fields.map { ($0.name, $0.value) })
        #expect(fields["shipping_carrier"] == "Royal Mail")
        #expect(fields["shipping_tracking_number"] == "RM1GB")
        #expect(fields["shipping_date"] == "2026-11-12")
        #expect(fields["service_date"] == "2026-11-15")
        #expect(fields["customer_email_address"] == "zoe@example.com")
        #expect(stripe.missing == ["upload history"])
        let braintree = DisputeEvidence(
            dispute: dispute(.needsResponse, provider: .braintree), order: detail, timelines: [:])
        #expect(
            braintree.fields.map(\.name) == [
                "PURCHASER_NAME", "PURCHASER_EMAIL_ADDRESS", "CARRIER_NAME",
                "TRACKING_NUMBER", "GENERAL",
            ])
    }
}
