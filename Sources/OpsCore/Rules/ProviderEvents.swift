// MARK: - A Stripe event, read once for both stores

/// One Stripe event as the ledger acts on it: read here, applied by either store in one transaction with the
/// event id recorded (exactly once).
public struct StripeEvent: Sendable, Equatable {
    public enum Effect: Sendable, Equatable {
        /// Refunds to match against the ledger (`charge.refunded` lists the charge's refunds; `refund.*` one).
        case refunds([StripeRefund])
        /// A chargeback's state (`charge.dispute.*`).
        case dispute(DisputeUpdate)
        /// `payment_intent.succeeded`: the money is captured; a payment on its way there is settled.
        case settled(intent: String)
        /// Not an event popsa-ops acts on (still recorded, so a redelivery is a duplicate).
        case ignored
    }

    public var id: String
    public var type: String
    public var effect: Effect
    /// The charge the event's object names without its payment intent (a lookup at Stripe may find the intent).
    public var chargeAlone: String?

    /// Reads Stripe's JSON; a field the effect needs and does not find is named.
    public static func read(_ event: JSONValue, now: Timestamp) throws(RecordFieldError) -> StripeEvent {
        guard case .string(let id)? = event["id"], case .string(let type)? = event["type"],
            let object = event["data"]?["object"]
        else { throw RecordFieldError(field: "", message: "not a Stripe event (id, type, data.object)") }
        let effect: Effect
        switch type {
        case "charge.refunded":
            guard case .array(let list)? = object["refunds"]?["data"] else {
                effect = .refunds([])
                break
            }
            // A charge's refunds name their charge; the payment intent is the charge's.
            let intent = Self.text(object, "payment_intent")
            var refunds: [StripeRefund] = []
            for refund in list { refunds.append(try StripeRefund.read(refund, intent: intent)) }
            effect = .refunds(refunds)
        case "refund.created", "refund.updated", "refund.failed", "charge.refund.updated":
            effect = .refunds([try StripeRefund.read(object, intent: nil)])
        case "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
            "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated":
            let at: Int64 = if case .integer(let created)? = event["created"] { created } else { now.seconds }
            effect = .dispute(try DisputeUpdate.stripe(object, eventAt: at))
        case "payment_intent.succeeded":
            effect = Self.text(object, "id").map { .settled(intent: $0) } ?? .ignored
        default:
            effect = .ignored
        }
        return StripeEvent(id: id, type: type, effect: effect, chargeAlone: Self.chargeAlone(object))
    }

    /// A charge id (`ch_…`) the object names with no payment intent beside it.
    static func chargeAlone(_ object: JSONValue) -> String? {
        let isCharge: Bool = if case .string("charge")? = object["object"] { true } else { false }
        guard let charge = text(object, isCharge ? "id" : "charge"), charge.hasPrefix("ch_") else { return nil }
        if let intent = text(object, "payment_intent"), !intent.isEmpty { return nil }
        return charge
    }

    static func text(_ object: JSONValue, _ key: String) -> String? {
        if case .string(let s)? = object[key] { return s }
        return nil
    }
}

/// One refund a Stripe event reports, with what finds its payment (the charge, the payment intent).
public struct StripeRefund: Sendable, Equatable {
    public var charge: String
    public var intent: String
    public var refund: ProviderRefund

    static func read(_ object: JSONValue, intent charges: String?) throws(RecordFieldError) -> StripeRefund {
        guard case .string(let id)? = object["id"], case .integer(let amount)? = object["amount"],
            case .string(let statusText)? = object["status"]
        else { throw RecordFieldError(field: "data.object", message: "a refund needs id, amount and status") }
        var intentID: String?
        if case .string(let ours)? = object["metadata"]?["intent_id"] { intentID = ours }
        let status: ProviderRefund.Status =
            switch statusText {
            case "succeeded": .succeeded
            case "pending", "requires_action": .pending
            default: .failed
            }
        return StripeRefund(
            charge: StripeEvent.text(object, "charge") ?? "",
            intent: StripeEvent.text(object, "payment_intent") ?? charges ?? "",
            refund: ProviderRefund(id: id, amount: amount, status: status, intentID: intentID))
    }
}

// MARK: - A chargeback's new state

/// A chargeback's state as a provider reports it, and the rule both stores keep disputes by.
public struct DisputeUpdate: Sendable, Equatable {
    public enum Amount: Sendable, Equatable {
        /// Stripe: minor units.
        case minor(Int64)
        /// Braintree: a decimal string in major units ("100.00").
        case decimal(String)
    }

    public var id: String
    public var provider: PaymentProvider
    /// Stripe: the charge and the payment intent; Braintree: the transaction id in `transaction`.
    public var charge = "", intent = "", transaction = ""
    public var amount: Amount
    /// The currency the provider names, checked against the payment's (nil: not named).
    public var currency: String?
    public var reason: String
    public var status: DisputeStatus
    public var providerStatus: String
    public var evidenceDueBy: Int64?
    public var created: Int64
    public var eventAt: Int64

    static func stripe(_ object: JSONValue, eventAt: Int64) throws(RecordFieldError) -> DisputeUpdate {
        guard let id = StripeEvent.text(object, "id"), case .integer(let amount)? = object["amount"],
            let statusText = StripeEvent.text(object, "status")
        else { throw RecordFieldError(field: "data.object", message: "a dispute needs id, amount and status") }
        guard let status = DisputeStatus.stripe(statusText) else {
            throw RecordFieldError(field: "data.object.status", message: "unknown dispute status \"\(statusText)\"")
        }
        var due: Int64?
        if case .integer(let d)? = object["evidence_details"]?["due_by"] { due = d }
        let created: Int64 = if case .integer(let c)? = object["created"] { c } else { eventAt }
        return DisputeUpdate(
            id: id, provider: .stripe, charge: StripeEvent.text(object, "charge") ?? "",
            intent: StripeEvent.text(object, "payment_intent") ?? "", amount: .minor(amount),
            currency: StripeEvent.text(object, "currency"), reason: StripeEvent.text(object, "reason") ?? "",
            status: status, providerStatus: statusText, evidenceDueBy: due, created: created, eventAt: eventAt)
    }

    /// A Braintree dispute notification's subject; the reply-by day means evidence is due by the end of it.
    public static func braintree(_ d: BraintreeEvent.Subject, eventAt: Int64) throws(RecordFieldError) -> DisputeUpdate
    {
        guard let status = DisputeStatus.braintree(d.status) else {
            throw RecordFieldError(field: "dispute.status", message: "unknown dispute status \"\(d.status)\"")
        }
        var due: Int64?
        if let day = d.replyBy {
            do { due = try Timestamp(iso8601: day + "T23:59:59Z").seconds } catch {
                throw RecordFieldError(field: "dispute.reply-by-date", message: "\"\(day)\" is not a date")
            }
        }
        return DisputeUpdate(
            id: d.id, provider: .braintree, transaction: d.transactionID, amount: .decimal(d.amount),
            currency: d.currency, reason: d.reason, status: status, providerStatus: d.status, evidenceDueBy: due,
            created: d.createdAt?.seconds ?? eventAt, eventAt: eventAt)
    }

    /// The amount in the payment's minor units, once the provider's currency is checked against the payment's.
    public func minorUnits(in currency: Currency) throws(RecordFieldError) -> Int64 {
        let field = provider == .stripe ? "data.object" : "dispute"
        if let named = self.currency, named.uppercased() != currency.code {
            throw RecordFieldError(
                field: provider == .stripe ? "\(field).currency" : "\(field).currency-iso-code",
                message: "\(named.uppercased()) differs from the payment's currency \(currency.code)")
        }
        switch amount {
        case .minor(let units): return units
        case .decimal(let text):
            do { return try Money.parse(text, currency: currency).minorUnits } catch {
                throw RecordFieldError(field: "\(field).amount", message: error.description)
            }
        }
    }

    /// Whether this update replaces what is stored: a later stage always moves it on, an earlier one never (so a
    /// decided dispute is never reopened by a late event), and among events of one stage the newest wins.
    public func replaces(status was: DisputeStatus, eventAt storedAt: Int64) -> Bool {
        status.rank > was.rank || (status.rank == was.rank && eventAt >= storedAt)
    }
}

// MARK: - Refunds made elsewhere

/// What matching one provider-reported refund against the ledger did.
public enum RefundAdoption: Sendable, Equatable {
    /// A refund made outside the console, now in the ledger.
    case adopted
    /// A refund adopted before, moved to its new state.
    case updated
    /// The console's own (its intent id): left to the console and the reconciler.
    case own
    case unchanged
    case unknownPayment

    /// What an event whose refunds did `adoptions` answers.
    public static func outcome(_ adoptions: [RefundAdoption]) -> WebhookOutcome {
        let adopted = adoptions.count { $0 == .adopted }, updated = adoptions.count { $0 == .updated }
        let own = adoptions.count { $0 == .own || $0 == .unchanged }
        if adoptions.contains(.unknownPayment) && adopted + updated + own == 0 { return .unknownPayment }
        return .applied(adopted: adopted, updated: updated, own: own)
    }

    /// The step for a refund the ledger may know: `known` is the refund already recorded with the provider's
    /// refund id (its id and status). Nil: adopt it as new.
    public static func step(
        for refund: ProviderRefund, known: (id: String, status: String)?
    ) -> RefundAdoption? {
        guard let known else { return nil }
        // Only an adopted refund moves, and never back from succeeded (money history).
        guard known.id.hasPrefix("ext_"), known.status != refund.status.rawValue, known.status != "succeeded" else {
            return .unchanged
        }
        return .updated
    }

    /// The ledger row of an adopted refund: its id, idempotency key and note.
    public static func row(
        _ refund: ProviderRefund, provider: PaymentProvider
    ) -> (id: String, key: String, note: String) {
        ("ext_\(refund.id)", "external:\(refund.id)", "made outside popsa-ops, at \(provider.label)")
    }

    /// The audit entry of an adoption (`settled` false) or of an adopted refund's success.
    public static func audit(
        _ refund: ProviderRefund, orderID: String, currency: Currency, provider: PaymentProvider, source: String,
        now: Timestamp, settled: Bool
    ) -> AuditRecord {
        AuditRecord(
            at: now, operatorName: provider.rawValue, sshClient: "",
            action: settled ? "refund.external_succeeded" : "refund.external", target: "order \(orderID)",
            amount: Money(minorUnits: refund.amount, currency: currency), reason: RefundReason.other.rawValue,
            idempotencyKey: row(refund, provider: provider).key, gatewayIDs: refund.id,
            result: settled ? "succeeded" : refund.status.rawValue, detail: settled ? source : "adopted from \(source)")
    }
}

extension AuditRecord {
    /// A Braintree `refund_failed` notification failing a refund whose outcome was still open.
    public static func braintreeRefundFailed(
        orderID: String, amount: Money, transaction: String, now: Timestamp
    ) -> AuditRecord {
        AuditRecord(
            at: now, operatorName: "braintree", sshClient: "", action: "refund.failed", target: "order \(orderID)",
            amount: amount, reason: RefundReason.other.rawValue, idempotencyKey: "", gatewayIDs: transaction,
            result: "failed", detail: "Braintree notification refund_failed")
    }
}

// MARK: - A partner's update

extension PartnerEvent {
    /// Whether the update is the job's latest state (an older one is kept in the timeline only).
    public func isCurrent(jobUpdatedAt: Int64) -> Bool { at.seconds >= jobUpdatedAt }
}
