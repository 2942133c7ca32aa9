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
        // A failed job, or one shipped too long ago: reprint it; not once a later job (its reprint) exists.
        let failed = job(.failed, hoursAgo: 5)
        #expect(
            OrderDiagnosis(detail: detail(jobs: [failed]), now: now).nextAction?.action == .job(failed.id, .reprint))
        let lost = job(.shipped, hoursAgo: 15 * 24)
        #expect(OrderDiagnosis(detail: detail(jobs: [lost]), now: now).nextAction?.action == .job(lost.id, .reprint))
        var reprint = job(.queued, hoursAgo: 1)
        reprint.id = "job_r1"
        #expect(OrderDiagnosis(detail: detail(jobs: [failed, reprint]), now: now).nextAction == nil)
    }

    @Test func diagnosisExplainsWhyAnOrderHasNotArrived() {
        let blocked = OrderDiagnosis(detail: detail(missing: 2, jobs: [job(.queued, hoursAgo: 100)]), now: now)
        #expect(blocked.headline.severity == .problem)
        #expect(blocked.headline.text == "2 of 20 photos never finished uploading: printing is blocked")

        let stuck = OrderDiagnosis(detail: detail(jobs: [job(.printing, hoursAgo: 100)]), now: now)
        #expect(stuck.headline.text == "Stuck: no update from inkworks-uk for 4d 4h (printing)")
        #expect(stuck.nextAction?.action == .job("job_1", .chase))

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

/// When support may act: on print jobs (hold, release, cancel, reprint), orders (change address, resend the
/// confirmation) and accounts (lock, unlock, password reset).
@Suite struct ActionRulesTests {
    let at = Timestamp(seconds: 1_800_000_000)
    var user: User {
        User(id: "usr_1", email: "a@b.c", name: "A", country: "GB", locale: "en-GB", status: .active, createdAt: at)
    }
    var order: Order {
        Order(
            id: "ord_1", userID: "usr_1", printID: "prt_1", currency: .gbp,
            lineItems: [LineItem(sku: "x", description: "x", quantity: 1, unitAmount: 100)], subtotalAmount: 100,
            shippingAmount: 0, taxAmount: 0, totalAmount: 100,
            shippingAddress: Address(name: "A", line1: "1 High St", city: "Leeds", postcode: "LS1 4AB", country: "GB"),
            status: .paid, createdAt: at)
    }

    func job(_ status: PrintJobStatus) -> PrintJob {
        PrintJob(
            id: "job_1", orderID: "ord_1", partner: "inkworks-uk", status: status, trackingNumber: nil, carrier: nil,
            createdAt: at, updatedAt: at)
    }

    func action(_ kind: ActionKind, _ status: ActionStatus, on subject: ActionSubject) -> SupportAction {
        SupportAction(
            id: "act_1", subject: subject, userID: "usr_1", orderID: "ord_1", kind: kind, reason: .duplicate, note: "",
            status: status, idempotencyKey: "k", operatorName: "alice", message: nil, reference: "job_r2",
            createdAt: at, updatedAt: at, leaseUntil: at)
    }

    func context(_ status: PrintJobStatus, held: Bool = false, actions: [SupportAction] = []) -> ActionContext {
        ActionContext(
            subject: .printJob("job_1"), user: user, order: order, job: job(status),
            hold: held ? JobHold(actionID: "act_0", since: at, by: "alice") : nil, actions: actions)
    }

    @Test func holdAndCancelOnlyBeforePrintingReleaseOnlyWhenHeldReprintOnce() {
        for status in PrintJobStatus.allCases {
            let early = [.queued, .sent, .accepted].contains(status)
            #expect((ActionRules.refusal(.hold, context(status)) == nil) == early, "\(status)")
            #expect((ActionRules.refusal(.cancel, context(status)) == nil) == early, "\(status)")
            #expect(ActionRules.refusal(.release, context(status)) == "print job job_1 is not on hold")
            let made = [.shipped, .delivered, .failed].contains(status)
            #expect((ActionRules.refusal(.reprint, context(status)) == nil) == made, "\(status)")
        }
        #expect(ActionRules.available(context(.queued, held: true)) == [.release, .cancel, .chase])
        #expect(ActionRules.available(context(.printing)) == [.chase])
        #expect(ActionRules.available(context(.delivered)) == [.reprint])
        #expect(
            ActionRules.refusal(.hold, context(.queued, held: true)) == "print job job_1 is already on hold (by alice)")
        #expect(
            ActionRules.refusal(.cancel, context(.printing))
                == "print job job_1 is already printing at inkworks-uk: it can only be cancelled before printing")
        #expect(ActionRules.refusal(.cancel, context(.cancelled)) == "print job job_1 is already cancelled")
        let reprinted = context(.delivered, actions: [action(.reprint, .succeeded, on: .printJob("job_1"))])
        #expect(ActionRules.refusal(.reprint, reprinted)?.contains("already reprinted as job_r2") == true)
    }

    @Test func anActionWithoutAKnownOutcomeBlocksTheNext() {
        let open = context(.queued, actions: [action(.hold, .unknown, on: .printJob("job_1"))])
        let why = ActionRules.refusal(.cancel, open)
        #expect(why?.contains("(hold act_1) has no known outcome yet: run popsa-ops reconcile") == true)
        #expect(ActionRules.available(open).isEmpty)
    }

    @Test func anAddressChangesBeforeTheJobIsSentWithinItsCountry() {
        func orderContext(_ jobs: [PrintJobStatus]) -> ActionContext {
            ActionContext(
                subject: .order("ord_1"), user: user, order: order, job: nil, orderJobs: jobs.map(job), actions: [])
        }
        var moved = order.shippingAddress
        moved.line1 = "2 Park Row"
        #expect(ActionRules.refusal(.changeAddress, orderContext([.queued]), address: moved) == nil)
        #expect(
            ActionRules.refusal(.changeAddress, orderContext([.sent]), address: moved)
                == "print job job_1 is already sent at inkworks-uk: the address can only change before the job is sent")
        var abroad = moved
        abroad.country = "FR"
        #expect(
            ActionRules.refusal(.changeAddress, orderContext([.queued]), address: abroad)?.hasPrefix(
                "the country cannot change (GB → FR)") == true)
        #expect(
            ActionRules.refusal(.changeAddress, orderContext([.queued]), address: order.shippingAddress)
                == "the new address is the same as the old one")
        var blank = moved
        blank.postcode = " "
        #expect(
            ActionRules.refusal(.changeAddress, orderContext([]), address: blank) == "the new address needs a postcode")
        #expect(ActionRules.refusal(.hold, orderContext([.queued])) == "Hold is not an action on a order ord_1")
    }

    @Test func accountsLockUnlockAndResetInTurn() {
        func account(_ status: AccountStatus) -> ActionContext {
            var u = user
            u.status = status
            return ActionContext(subject: .customer("usr_1"), user: u, order: nil, job: nil, actions: [])
        }
        #expect(ActionRules.available(account(.active)) == [.lock, .passwordReset])
        #expect(ActionRules.available(account(.locked)) == [.unlock])
        #expect(ActionRules.available(account(.deleted)).isEmpty)
        #expect(
            ActionRules.refusal(.passwordReset, account(.locked))
                == "the account of usr_1 is locked: unlock it first, then send the reset")
    }

    @Test func viewersNeverActWhateverTheConfigurationSays() {
        let permissive = ActionPermissions(roles: [.cancel: [.viewer, .agent]])
        #expect(!permissive.allows(.cancel, .viewer))
        #expect(permissive.allows(.cancel, .agent))
        #expect(!ActionPermissions(roles: [.cancel: [.supervisor]]).allows(.cancel, .agent))
        #expect(ActionPermissions().allows(.hold, .agent) && ActionPermissions().allows(.release, .supervisor))
        // Unlocking is for supervisors unless the configuration says otherwise.
        #expect(!ActionPermissions().allows(.unlock, .agent) && ActionPermissions().allows(.unlock, .supervisor))
    }
}
