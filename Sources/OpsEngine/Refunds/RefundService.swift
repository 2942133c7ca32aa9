import Foundation
import Logging
import OpsCore
import OpsPayments

// MARK: - RefundPlan

/// A refund an operator has filled in and the rules have accepted, ready to confirm.
public struct RefundPlan: Hashable, Sendable {
    public var context: RefundContext
    public var payment: Payment
    public var balance: PaymentBalance
    public var amount: Money
    public var reason: RefundReason
    public var note: String
    /// A Braintree payment not yet settled is voided in full rather than refunded.
    public var isVoid: Bool
    /// The confirmation asks for the amount to be typed again.
    public var needsRetype: Bool
    /// The open or lost chargeback a supervisor is overriding (their note says why), or nil.
    public var overridesDispute: Dispute?
}

// MARK: - RefundRefusal

/// Why a refund cannot go ahead, before anything is sent anywhere. Messages are for the operator.
public enum RefundRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    case notPermitted(String)
    case orderNotFound(String)
    case nothingToRefund(String)
    case badAmount(String)
    case noteRequired
    case tooMuch(String)
    case overLimit(String)
    case notSettled(String)
    /// An open or lost chargeback on the payment: a refund would pay twice.
    case disputed(String)

    public var description: String {
        switch self {
        case .notPermitted(let m), .nothingToRefund(let m), .badAmount(let m), .tooMuch(let m), .overLimit(let m),
            .notSettled(let m), .disputed(let m):
            m
        case .orderNotFound(let id): "no order with id \(id)"
        case .noteRequired: "\"Other\" needs a note saying why"
        }
    }
}

// MARK: - RefundRules

/// The rules a refund must pass before anything is sent, shared by the console's dialog (checked as the operator
/// types) and `RefundService.plan`. In the order an operator fixes them: the amount, what is left, the operator's
/// limit, the provider's settlement rule, then the note.
public enum RefundRules {
    /// A Braintree payment not yet settled can only be voided, in full.
    public static func isVoidOnly(_ payment: Payment) -> Bool {
        payment.provider == .braintree && payment.status.isVoidable
    }

    /// The amount in the payment's currency, and whether the refund is a void. Throws the first problem. A reason
    /// not chosen yet (the dialog, as the agent types) skips only the note rule that depends on it.
    public static func check(
        amountText: String, balance: PaymentBalance, reason: RefundReason?, note: String, role: Role,
        policy: RefundPolicy
    ) throws(RefundRefusal) -> (amount: Money, isVoid: Bool) {
        let amount: Money
        do { amount = try Money.parse(amountText, currency: balance.currency) } catch {
            throw .badAmount(error.description)
        }
        guard amount.minorUnits > 0 else { throw .badAmount("enter an amount greater than zero") }
        guard balance.remaining > 0 else {
            throw .nothingToRefund(
                balance.captured == 0
                    ? "the payment has not been captured (\(balance.payment.status.label)): nothing to refund"
                    : "nothing is left to refund on this payment")
        }
        guard amount.minorUnits <= balance.remaining else {
            throw .tooMuch(
                "\(amount.formatted) is more than the \(balance.money(balance.remaining).formatted) left to refund")
        }
        if let problem = policy.limitProblem(amount, role: role) { throw .overLimit(problem) }
        let payment = balance.payment
        let isVoid = isVoidOnly(payment)
        if isVoid && !(amount.minorUnits == payment.amount && balance.refunded == 0 && balance.inFlight == 0) {
            throw .notSettled(
                "\(payment.provider.label) payment \(payment.providerTransactionID) is \(payment.status.label): "
                    + "before settlement it can only be voided in full (\(payment.money.formatted)), or refunded in "
                    + "part once settled (91506)"
            )
        }
        if reason == .other && note.trimmingWhitespace().isEmpty { throw .noteRequired }
        return (amount, isVoid)
    }

    /// The chargeback guard: an open or lost dispute on the payment refuses the refund (the bank takes, or took,
    /// the money back: a refund would pay the customer twice) unless a supervisor overrides it with a note.
    /// Returns the dispute being overridden, or nil when none blocks.
    public static func checkDisputes(
        _ disputes: [Dispute], paymentID: String, role: Role, note: String, override: Bool, now: Timestamp
    ) throws(RefundRefusal) -> Dispute? {
        guard let block = Dispute.refundBlock(disputes, paymentID: paymentID) else { return nil }
        let headline = block.warning(now: now) + " (\(block.provider.label) dispute \(block.id))"
        guard override else {
            throw .disputed(
                headline + (role == .supervisor ? "; a supervisor may override it, with a note saying why" : ""))
        }
        guard role == .supervisor else {
            throw .notPermitted("\(headline); only a supervisor can override a chargeback")
        }
        guard !note.trimmingWhitespace().isEmpty else {
            throw .disputed("\(headline); to override it, write a note saying why (the override is audited)")
        }
        return block
    }
}

// MARK: - RefundResult

/// How a refund ended.
public struct RefundResult: Hashable, Sendable {
    public typealias Outcome = ExecutionOutcome

    public var refund: Refund
    public var outcome: Outcome

    /// One line for the operator.
    public var summary: String {
        let what = refund.isVoid ? "Voided" : "Refunded"
        switch outcome {
        case .succeeded:
            return
                "\(what) \(refund.money.formatted) on order \(refund.orderID) (\(refund.provider.label) "
                + "\(refund.gatewayRefundID ?? ""))"
        case .failed(let message): return "\(refund.provider.label) refused the refund: \(message)"
        case .unknown(let message):
            return
                "Outcome not known yet: \(message). The reconciler will settle it; nothing more will be refunded "
                + "meanwhile."
        }
    }
}

// MARK: - ReconcileReport

/// What a reconciliation pass did.
public struct ReconcileReport: Hashable, Sendable {
    public var examined = 0
    public var succeeded = 0
    public var failed = 0
    public var stillUnknown = 0
    public var lines: [String] = []

    public init() {}
}

// MARK: - PaymentRecheckReport

/// What asking the providers about recent payments found.
public struct PaymentRecheckReport: Hashable, Sendable {
    public var payments = 0
    public var adopted = 0
    public var updated = 0
    /// Payments a provider could not be asked about, in words.
    public var failures: [String] = []

    public init() {}
}

// MARK: - RefundService

/// Refunds exactly once: the intent is recorded with its idempotency key and its amount reserved before the
/// gateway is called; the call happens outside any database transaction; its outcome is recorded after. A crash
/// at any point leaves an intent the reconciler can finish with the same key.
public final class RefundService: Sendable {
    let store: any RefundStore
    let gateways: [PaymentProvider: any PaymentGateway]
    public let policy: RefundPolicy
    let clock: EngineClock
    /// How long the caller owns a fresh intent before the reconciler may take it over.
    let leaseSeconds: Int64
    /// Providers this process has no gateway for, and why (live mode without that provider's credentials).
    let unavailable: [PaymentProvider: String]
    let log = Logger(label: "popsa-ops.refunds")

    public init(
        store: any RefundStore, gateways: [PaymentProvider: any PaymentGateway], policy: RefundPolicy,
        clock: EngineClock = .system, leaseSeconds: Int64 = 120, unavailable: [PaymentProvider: String] = [:]
    ) {
        self.store = store
        self.gateways = gateways
        self.unavailable = unavailable
        self.policy = policy
        self.clock = clock
        self.leaseSeconds = leaseSeconds
    }

    // MARK: Planning

    /// The order's refund situation: payments, what is left, for the dialog's header.
    public func context(orderID: String) async throws -> RefundContext {
        guard let context = try await store.refundContext(orderID: orderID) else {
            throw RefundRefusal.orderNotFound(orderID)
        }
        return context
    }

    /// Checks a refund as typed: amount in the order's currency, reason, note, what is left, the operator's limit,
    /// Braintree's settlement rule. Throws the first problem.
    public func plan(
        orderID: String, paymentID: String? = nil, amountText: String, reason: RefundReason, note: String,
        overrideDispute: Bool = false, operator who: OperatorIdentity
    ) async throws -> RefundPlan {
        if who.role == .viewer {
            throw RefundRefusal.notPermitted("viewers cannot refund (read-only, or your role is viewer)")
        }
        let context = try await context(orderID: orderID)
        let balances = context.balances
        guard
            let balance = paymentID.flatMap({ id in balances.first { $0.payment.id == id } })
                ?? balances.first(where: { $0.remaining > 0 }) ?? balances.first
        else {
            throw RefundRefusal.nothingToRefund("order \(orderID) has no payment")
        }
        let (amount, isVoid) = try RefundRules.check(
            amountText: amountText, balance: balance, reason: reason, note: note,
            role: who.role, policy: policy)
        let overridden = try RefundRules.checkDisputes(
            context.disputes, paymentID: balance.payment.id, role: who.role, note: note, override: overrideDispute,
            now: clock.now())
        if let why = unavailable[balance.payment.provider] { throw RefundRefusal.notPermitted(why) }
        return RefundPlan(
            context: context, payment: balance.payment, balance: balance, amount: amount, reason: reason, note: note,
            isVoid: isVoid, needsRetype: policy.needsRetype(amount), overridesDispute: overridden)
    }

    // MARK: Executing, exactly once

    /// Carries out a planned refund. Refusals by the store's own check (someone else refunded meanwhile) throw
    /// `ReservationError`; everything after the reservation is recorded and returned.
    public func execute(_ plan: RefundPlan, operator who: OperatorIdentity) async throws -> RefundResult {
        let now = clock.now()
        let intentID = "ref_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20)
        let key = UUID().uuidString.lowercased()
        let refund = try await store.reserveRefund(
            RefundReservation(
                id: String(intentID), orderID: plan.context.order.id, paymentID: plan.payment.id,
                amount: plan.amount.minorUnits, reason: plan.reason, note: plan.note, idempotencyKey: key,
                operatorName: who.name, now: now, leaseUntil: now.adding(seconds: leaseSeconds),
                overridesDispute: plan.overridesDispute?.id),
            audit: audit(
                who, "refund.requested", plan.context.order.id, plan.amount, plan.reason, key, "", "ok",
                // Flags and references only: the note is free text, kept in the refund's row (which an erasure can
                // redact), never in the chain.
                detail: (plan.isVoid ? "void; " : "")
                    + (plan.overridesDispute.map { "overrides \($0.status.label) chargeback \($0.id); " } ?? "")
                    + "intent \(intentID)"))
        log.info(
            "refund reserved",
            metadata: [
                "intent": "\(refund.id)", "order": "\(refund.orderID)", "amount": "\(plan.amount.formatted)",
                "provider": "\(refund.provider.rawValue)", "operator": "\(who.name)", "void": "\(plan.isVoid)",
            ])
        TestFaults.crash(at: .afterReserve)
        return try await drive(refund, payment: plan.payment, operator: who, action: "refund")
    }

    /// Calls the gateway for an intent and records what it said.
    func drive(
        _ refund: Refund, payment: Payment, operator who: OperatorIdentity, action: String
    ) async throws -> RefundResult {
        guard let gateway = gateways[refund.provider] else {
            let resolved = try await store.resolveRefund(
                id: refund.id, .unknown(message: "no \(refund.provider.label) gateway configured"),
                now: clock.now(),
                audit: audit(
                    who, "\(action).unknown", refund.orderID, refund.money,
                    refund.reason, refund.idempotencyKey, "", "unknown"))
            return RefundResult(refund: resolved, outcome: .unknown("no \(refund.provider.label) gateway configured"))
        }
        let request = GatewayRefundRequest(
            transactionID: payment.providerTransactionID, amount: refund.money,
            isFullAmount: refund.amount == payment.amount,
            reason: refund.reason, idempotencyKey: refund.idempotencyKey, intentID: refund.id, orderID: refund.orderID)
        let resolution: RefundResolution
        let result: String
        var gatewayIDs = ""
        do {
            let done = try await gateway.refund(request)
            TestFaults.crash(at: .afterGateway)
            switch done.status {
            case .succeeded:
                resolution = .succeeded(gatewayRefundID: done.id, isVoid: done.isVoid)
                result = "ok"
            case .failed:
                resolution = .failed(message: "the gateway reports refund \(done.id) failed")
                result = "refused"
            case .pending:
                resolution = .unknown(message: "the gateway reports refund \(done.id) pending")
                result = "unknown"
            }
            gatewayIDs = "\(payment.providerTransactionID) \(done.id)"
        } catch {
            if error.isOutcomeUnknown {
                resolution = .unknown(message: error.description)
                result = "unknown"
            } else if case .unreachable = error {
                // Nothing was sent: the intent stays to be driven again, not failed.
                resolution = .unknown(message: error.description)
                result = "unknown"
            } else if case .circuitOpen = error {
                resolution = .unknown(message: error.description)
                result = "unknown"
            } else {
                resolution = .failed(message: error.description)
                result = "refused"
            }
        }
        let kind: String =
            switch resolution {
            case .succeeded: "succeeded"
            case .failed: "failed"
            case .unknown: "unknown"
            }
        let resolved: Refund
        do {
            await TestFaults.pause(at: .pauseBeforeRecording)
            try TestFaults.fail(at: .recording)
            resolved = try await store.resolveRefund(
                id: refund.id, resolution, now: clock.now(),
                audit: audit(
                    who, "\(action).\(kind)", refund.orderID, refund.money, refund.reason, refund.idempotencyKey,
                    gatewayIDs, result,
                    detail: {
                        if case .failed(let m) = resolution { return m }
                        if case .unknown(let m) = resolution { return m }
                        return ""
                    }()))
        } catch {
            // The gateway has answered; money may have moved. Whatever it said, this process cannot record it (a full
            // disk, an I/O error): the intent stays reserved and leased, and the reconciler asks the gateway.
            log.error(
                "refund outcome not recorded",
                metadata: [
                    "intent": "\(refund.id)", "order": "\(refund.orderID)", "gateway_said": "\(kind)",
                    "error": "\(error)",
                ])
            let message =
                "\(refund.provider.label) answered, but the outcome could not be recorded in the database"
                + " (\(StoreFailure.summary(of: error))): recorded as unknown; run popsa-ops reconcile"
            return RefundResult(refund: refund, outcome: .unknown(message))
        }
        TestFaults.crash(at: .afterRecord)
        var fields: Logger.Metadata = [
            "intent": "\(refund.id)", "order": "\(refund.orderID)", "action": "\(action)", "outcome": "\(kind)",
            "gateway_ids": "\(gatewayIDs)",
        ]
        switch resolution {
        case .succeeded: log.info("refund resolved", metadata: fields)
        case .failed(let m): fields["reason"] = "\(m)"; log.warning("refund refused", metadata: fields)
        case .unknown(let m): fields["reason"] = "\(m)"; log.warning("refund outcome unknown", metadata: fields)
        }
        switch resolution {
        case .succeeded: return RefundResult(refund: resolved, outcome: .succeeded)
        case .failed(let m): return RefundResult(refund: resolved, outcome: .failed(m))
        case .unknown(let m): return RefundResult(refund: resolved, outcome: .unknown(m))
        }
    }

    // MARK: Reconciling what was left unknown

    /// Finishes intents left pending or unknown (a crash, a timeout, a 5xx). Within the gateway's idempotency
    /// window the same key is sent again, so the gateway either does the refund or returns the one it did; past it,
    /// the gateway's refunds are searched for the intent id before anything is sent with a new key.
    public func reconcile(operator who: OperatorIdentity) async throws -> ReconcileReport {
        var report = ReconcileReport()
        let now = clock.now()
        for refund in try await store.claimRefundsToReconcile(now: now, leaseSeconds: leaseSeconds) {
            report.examined += 1
            guard let context = try await store.refundContext(orderID: refund.orderID),
                let payment = context.payments.first(where: { $0.id == refund.paymentID }),
                let gateway = gateways[refund.provider]
            else {
                report.stillUnknown += 1
                continue
            }
            var intent = refund
            // Ask the gateway before sending anything, inside the idempotency window too: a gateway or a proxy
            // that ignores idempotency keys must not turn a retry into a second refund.
            let found: GatewayRefund?
            do {
                found = try await gateway.fetchTransaction(id: payment.providerTransactionID).refunds
                    .first(where: { $0.intentID == refund.id })
            } catch {
                log.warning(
                    "reconcile cannot look up the transaction",
                    metadata: [
                        "intent": "\(refund.id)", "provider": "\(refund.provider.rawValue)", "error": "\(error)",
                    ])
                report.stillUnknown += 1
                report.lines.append(
                    "\(refund.id): cannot ask \(refund.provider.label) whether it was refunded"
                        + " (\(error.description)); nothing re-sent, still unknown")
                continue
            }
            if let done = found {
                let resolved = try await store.resolveRefund(
                    id: refund.id, .succeeded(gatewayRefundID: done.id, isVoid: done.isVoid), now: clock.now(),
                    audit: audit(
                        who, "reconcile.succeeded", refund.orderID, refund.money, refund.reason, refund.idempotencyKey,
                        "\(payment.providerTransactionID) \(done.id)", "ok", detail: "found at the gateway by intent id"
                    ))
                report.succeeded += 1
                report.lines.append("\(resolved.id): found \(done.id) at \(refund.provider.label); succeeded")
                continue
            }
            if now.seconds - refund.createdAt.seconds >= gateway.idempotencyWindow {
                // The key is forgotten and the refund was not made: a new key.
                let newKey = UUID().uuidString.lowercased()
                try await store.rekeyRefund(id: refund.id, newKey: newKey)
                intent.idempotencyKey = newKey
            }
            let result = try await drive(intent, payment: payment, operator: who, action: "reconcile")
            switch result.outcome {
            case .succeeded: report.succeeded += 1
            case .failed: report.failed += 1
            case .unknown: report.stillUnknown += 1
            }
            report.lines.append("\(refund.id): \(result.summary)")
        }
        for leased in try await store.leasedRefunds(now: now) {
            report.stillUnknown += 1
            report.lines.append(
                "\(leased.id): \(leased.money.formatted) on order \(leased.orderID) is being driven by"
                    + " \(leased.operatorName)'s process (leased); run reconcile again once it has finished")
        }
        if report.examined > 0 {
            log.info(
                "reconciled",
                metadata: [
                    "examined": "\(report.examined)", "succeeded": "\(report.succeeded)",
                    "failed": "\(report.failed)", "unknown": "\(report.stillUnknown)",
                ])
        }
        return report
    }

    // MARK: Refunds made elsewhere

    /// The webhooks' safety net: asks each provider for the refunds of the payments created in the last `seconds`
    /// and adopts those the ledger does not hold.
    public func recheckPayments(since seconds: Int64) async throws -> PaymentRecheckReport {
        var report = PaymentRecheckReport()
        let now = clock.now()
        let payments = try await store.paymentsToRecheck(
            since: Timestamp(seconds: now.seconds - seconds), providers: Array(gateways.keys))
        report.payments = payments.count
        for payment in payments {
            guard let gateway = gateways[payment.provider] else { continue }
            do {
                let transaction = try await gateway.fetchTransaction(id: payment.providerTransactionID)
                let refunds = transaction.refunds.map { r in
                    ProviderRefund(
                        id: r.id, amount: r.amount.minorUnits,
                        status: r.status == .succeeded ? .succeeded : r.status == .pending ? .pending : .failed,
                        intentID: r.intentID)
                }
                let result = try await store.adoptProviderRefunds(
                    payment: payment, refunds: refunds, source: "reconcile --payments", now: now)
                report.adopted += result.adopted
                report.updated += result.updated
            } catch let error as GatewayError {
                report.failures.append("\(payment.provider.label) \(payment.providerTransactionID): \(error)")
            }
        }
        return report
    }

    // MARK: The audit entry

    func audit(
        _ who: OperatorIdentity, _ action: String, _ orderID: String, _ amount: Money, _ reason: RefundReason,
        _ key: String,
        _ gatewayIDs: String, _ result: String, detail: String = ""
    ) -> AuditRecord {
        AuditRecord(
            at: clock.now(), operatorName: who.name, sshClient: who.sshClient ?? "", action: action,
            target: "order \(orderID)",
            amount: amount, reason: reason.rawValue, idempotencyKey: key, gatewayIDs: gatewayIDs, result: result,
            detail: detail)
    }
}

// MARK: - TestFaults

/// Crash points for the exactly-once tests: `POPSA_OPS_TEST_FAULT=after-reserve|after-gateway|after-record` makes
/// the process exit at once at that point. Compiled into debug builds only.
public enum TestFaults {
    public enum Point: String, Sendable {
        case afterReserve = "after-reserve", afterGateway = "after-gateway", afterRecord = "after-record"
        case recording = "fail-recording"
        /// Waits before recording the gateway's answer until the file `POPSA_OPS_TEST_FAULT_MARKER` (which it
        /// creates) is removed: a test stops the database server in that gap.
        case pauseBeforeRecording = "pause-before-record"
    }

    /// A store failure after the gateway has answered (POPSA_OPS_TEST_FAULT=fail-recording): what a full disk
    /// or an I/O error does to the last step.
    public struct InjectedFailure: Error, CustomStringConvertible {
        public var description: String { "disk I/O error (injected by POPSA_OPS_TEST_FAULT)" }
    }

    public static func fail(at point: Point) throws {
        #if DEBUG
        if ProcessInfo.processInfo.environment["POPSA_OPS_TEST_FAULT"] == point.rawValue { throw InjectedFailure() }
        #endif
    }

    public static func pause(at point: Point) async {
        #if DEBUG
        let environment = ProcessInfo.processInfo.environment
        guard environment["POPSA_OPS_TEST_FAULT"] == point.rawValue,
            let marker = environment["POPSA_OPS_TEST_FAULT_MARKER"]
        else { return }
        FileManager.default.createFile(atPath: marker, contents: nil)
        let deadline = ContinuousClock.now + .seconds(60)
        while FileManager.default.fileExists(atPath: marker) && ContinuousClock.now < deadline {
            do { try await Task.sleep(for: .milliseconds(20)) } catch { return }
        }
        #endif
    }

    public static func crash(at point: Point) {
        #if DEBUG
        if ProcessInfo.processInfo.environment["POPSA_OPS_TEST_FAULT"] == point.rawValue {
            _exit(86)
        }
        #endif
    }
}

// MARK: - StoreFailure

/// A failure of the store in words an operator can act on, without the library's text (which goes to the log).
public enum StoreFailure {
    public static func summary(of error: any Error) -> String {
        if let failure = error as? StoreWriteFailure { return failure.description }
        if let failure = error as? TestFaults.InjectedFailure { return failure.description }
        return "a database error (details in the log)"
    }
}
