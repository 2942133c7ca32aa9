import OpsCore
import Testing

@Suite struct RulesTests {
    let now = try! Timestamp(iso8601: "2026-11-27T12:00:00Z")

    func job(_ status: PrintJobStatus, hoursAgo: Int64) -> PrintJob {
        PrintJob(
            id: "job_1", orderID: "ord_1", partner: "inkworks-uk", status: status,
            trackingNumber: status == .shipped ? "RM1GB" : nil,
            carrier: status == .shipped ? "Royal Mail" : nil, createdAt: now.adding(seconds: -hoursAgo * 3600 - 100),
            updatedAt: now.adding(seconds: -hoursAgo * 3600))
    }

    @Test func printJobsMoveForwardOrFail() {
        #expect(PrintJobStatus.queued.canMove(to: .sent))
        #expect(PrintJobStatus.queued.canMove(to: .printing))
        #expect(PrintJobStatus.printing.canMove(to: .failed))
        #expect(!PrintJobStatus.printing.canMove(to: .sent))
        #expect(!PrintJobStatus.delivered.canMove(to: .failed))
        #expect(!PrintJobStatus.failed.canMove(to: .queued))
        #expect(PrintJobStatus.inProgress == [.queued, .sent, .accepted, .printing, .shipped])
    }

    @Test func stuckMeansInProgressWithoutAnEventForLongerThanTheThreshold() {
        #expect(job(.printing, hoursAgo: 73).isStuck(now: now, threshold: 72 * 3600))
        #expect(!job(.printing, hoursAgo: 71).isStuck(now: now, threshold: 72 * 3600))
        #expect(!job(.delivered, hoursAgo: 500).isStuck(now: now, threshold: 72 * 3600))
    }

    @Test func braintreeSettlementRules() {
        #expect(PaymentStatus.settled.isSettledForRefund)
        #expect(PaymentStatus.settling.isSettledForRefund)
        #expect(!PaymentStatus.submittedForSettlement.isSettledForRefund)
        #expect(PaymentStatus.submittedForSettlement.isVoidable)
        #expect(!PaymentStatus.settled.isVoidable)
    }

    func detail(status: OrderStatus = .paid, missing: Int = 0, jobs: [PrintJob]) -> OrderDetail {
        let gbp = Currency.gbp
        let user = User(
            id: "usr_1", email: "a@b.c", name: "A", country: "GB", locale: "en-GB", status: .active, createdAt: now)
        let order = Order(
            id: "ord_1", userID: "usr_1", printID: "prt_1", currency: gbp,
            lineItems: [LineItem(sku: "x", description: "x", quantity: 1, unitAmount: 100)],
            subtotalAmount: 100, shippingAmount: 0, taxAmount: 0, totalAmount: 100,
            shippingAddress: Address(name: "A", line1: "1", city: "L", postcode: "1", country: "GB"),
            status: status, createdAt: now)
        let print = Print(
            id: "prt_1", userID: "usr_1", product: .photobook, title: "t", pageCount: 20, photoCount: 20,
            createdAt: now, updatedAt: now)
        return OrderDetail(
            order: order, user: user,
            print: PrintSummary(print: print, photos: PhotoProgress(uploaded: 20 - missing, missing: missing)),
            payments: [], refunds: [], printJobs: jobs)
    }

    @Test func diagnosisSuggestsTheJobActionThatFollowsAndNamesTheJob() {
        // Refunded in full while the partner has not printed yet: cancel it, one key away.
        let queued = job(.queued, hoursAgo: 2)
        let refunded = OrderDiagnosis(detail: detail(status: .refunded, jobs: [queued]), now: now)
        #expect(refunded.headline.severity == .problem)
        #expect(refunded.headline.text.contains("will still be printed and shipped"))
        #expect(refunded.nextAction?.action == .job(queued.id, .cancel))
        // Already printing: nothing to cancel, so nothing suggested.
        let printing = OrderDiagnosis(detail: detail(status: .refunded, jobs: [job(.printing, hoursAgo: 2)]), now: now)
        #expect(printing.nextAction == nil)
        // A job support holds: the diagnosis says so, and release is the next step.
        var held = detail(jobs: [queued])
        held.holds[queued.id] = JobHold(actionID: "ja_1", since: now, by: "alice")
        let diagnosis = OrderDiagnosis(detail: held, now: now)
        #expect(diagnosis.headline.text.hasPrefix("On hold since") && diagnosis.headline.text.contains("alice"))
        #expect(diagnosis.nextAction?.action == .job(queued.id, .release))
        #expect(OrderDiagnosis(detail: detail(jobs: [queued]), now: now).nextAction == nil)
    }

    @Test func diagnosisExplainsWhyAnOrderHasNotArrived() {
        let blocked = OrderDiagnosis(detail: detail(missing: 2, jobs: [job(.queued, hoursAgo: 100)]), now: now)
        #expect(blocked.headline.severity == .problem)
        #expect(blocked.headline.text == "2 of 20 photos never finished uploading: printing is blocked")

        let stuck = OrderDiagnosis(detail: detail(jobs: [job(.printing, hoursAgo: 100)]), now: now)
        #expect(stuck.headline.text == "Stuck: no update from inkworks-uk for 4d 4h (printing)")

        let late = OrderDiagnosis(detail: detail(jobs: [job(.shipped, hoursAgo: 15 * 24)]), now: now)
        #expect(late.headline.severity == .warning)
        #expect(late.headline.text.hasPrefix("Shipped 15d ago with Royal Mail, tracking RM1GB"))

        let fine = OrderDiagnosis(detail: detail(jobs: [job(.delivered, hoursAgo: 10)]), now: now)
        #expect(fine.headline.severity == .ok)

        let lost = OrderDiagnosis(detail: detail(jobs: []), now: now)
        #expect(lost.headline.text == "No print job was created for this paid order")
    }

    @Test func balanceReservesInFlightRefunds() {
        let payment = Payment(
            id: "pay_1", orderID: "ord_1", provider: .stripe, providerTransactionID: "ch_1", providerChargeID: nil,
            amount: 5000, currency: .gbp, status: .settled, createdAt: now, settledAt: now)
        func refund(_ id: String, _ amount: Int64, _ status: RefundStatus) -> Refund {
            Refund(
                id: id, orderID: "ord_1", paymentID: "pay_1", provider: .stripe, amount: amount, currency: .gbp,
                status: status,
                reason: .damaged, note: "", idempotencyKey: id, gatewayRefundID: nil, isVoid: false, operatorName: "t",
                failureMessage: nil, createdAt: now, updatedAt: now)
        }
        let balance = PaymentBalance(
            payment: payment,
            refunds: [
                refund("a", 1000, .succeeded), refund("b", 500, .pending),
                refund("c", 700, .unknown), refund("d", 2000, .failed),
            ])
        #expect(balance.captured == 5000)
        #expect(balance.refunded == 1000)
        #expect(balance.inFlight == 1200)
        #expect(balance.remaining == 2800)
        var authorized = payment
        authorized.status = .authorized
        #expect(PaymentBalance(payment: authorized, refunds: []).remaining == 0)
    }
}

@Suite struct PersonalDataRulesTests {
    @Test func maskedShowsEnoughToTellCustomersApartAndNoMore() {
        #expect(PersonalData.email("isabel.martin@yahoo.com", .masked) == "is***@yahoo.com")
        #expect(PersonalData.email("isabel.martin@yahoo.com", .revealed) == "isabel.martin@yahoo.com")
        #expect(PersonalData.email("isabel.martin@yahoo.com", .shareSafe) == "***")
        #expect(PersonalData.email("not-an-email", .masked) == "***")
        #expect(PersonalData.postcode("SW1A 1AA", .masked) == "SW1A ***")
        #expect(PersonalData.postcode("75008", .masked) == "75***")
        #expect(PersonalData.postcode("", .masked) == "")
        #expect(PersonalData.name("Isabel Martin-Lopez", .shareSafe) == "I. M. L.")
        #expect(PersonalData.name("Isabel Martin", .masked) == "Isabel Martin")
        let home = Address(
            name: "Isabel Martin", line1: "12 High St", line2: "Flat 3", city: "Leeds", postcode: "LS1 4AB",
            country: "GB")
        #expect(PersonalData.address(home, .masked).singleLine == "Isabel Martin, •••, Leeds LS1 ***, GB")
        #expect(PersonalData.address(home, .revealed) == home)
    }
}

/// When support may hold, release or cancel a print job.
@Suite struct JobActionRulesTests {
    func context(_ status: PrintJobStatus, held: Bool = false, open: Bool = false) -> JobActionContext {
        let at = Timestamp(seconds: 1_800_000_000)
        let job = PrintJob(
            id: "job_1", orderID: "ord_1", partner: "inkworks-uk", status: status, trackingNumber: nil, carrier: nil,
            createdAt: at, updatedAt: at)
        let action = JobAction(
            id: "ja_1", jobID: "job_1", orderID: "ord_1", userID: "usr_1", kind: .hold, reason: .duplicate, note: "",
            status: .unknown, idempotencyKey: "k", operatorName: "alice", message: nil, reference: nil, createdAt: at,
            updatedAt: at, leaseUntil: at)
        return JobActionContext(
            job: job, userID: "usr_1", hold: held ? JobHold(actionID: "ja_0", since: at, by: "alice") : nil,
            actions: open ? [action] : [])
    }

    @Test func holdAndCancelOnlyBeforePrintingReleaseOnlyWhenHeld() {
        for status in PrintJobStatus.allCases {
            let early = [.queued, .sent, .accepted].contains(status)
            #expect((JobActionRules.refusal(.hold, context(status)) == nil) == early, "\(status)")
            #expect((JobActionRules.refusal(.cancel, context(status)) == nil) == early, "\(status)")
            #expect(JobActionRules.refusal(.release, context(status)) == "print job job_1 is not on hold")
        }
        #expect(JobActionRules.available(context(.queued, held: true)) == [.release, .cancel])
        #expect(
            JobActionRules.refusal(.hold, context(.queued, held: true))
                == "print job job_1 is already on hold (by alice)")
        #expect(
            JobActionRules.refusal(.cancel, context(.printing))
                == "print job job_1 is already printing at inkworks-uk: it can only be cancelled before printing")
        #expect(JobActionRules.refusal(.cancel, context(.cancelled)) == "print job job_1 is already cancelled")
    }

    @Test func anActionWithoutAKnownOutcomeBlocksTheNext() {
        let why = JobActionRules.refusal(.cancel, context(.queued, open: true))
        #expect(why?.contains("(hold ja_1) has no known outcome yet: run popsa-ops reconcile") == true)
        #expect(JobActionRules.available(context(.queued, open: true)).isEmpty)
    }

    @Test func viewersNeverActWhateverTheConfigurationSays() {
        let permissive = ActionPermissions(roles: [.cancel: [.viewer, .agent]])
        #expect(!permissive.allows(.cancel, .viewer))
        #expect(permissive.allows(.cancel, .agent))
        #expect(!ActionPermissions(roles: [.cancel: [.supervisor]]).allows(.cancel, .agent))
        #expect(ActionPermissions().allows(.hold, .agent) && ActionPermissions().allows(.release, .supervisor))
    }
}
