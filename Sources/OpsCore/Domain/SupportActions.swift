// MARK: - ActionSubject

/// What a support action is taken on: a print job, an order, or a customer's account.
public enum ActionSubject: Hashable, Sendable {
    case printJob(String)
    case order(String)
    case customer(String)

    public enum Kind: String, CaseIterable, Hashable, Sendable {
        case printJob = "print_job", order, customer

        /// `print job`, `order`, `customer`.
        public var label: String { rawValue.replacingUnderscores() }
        /// What the audit's action names start with: `job`, `order`, `account`.
        public var auditPrefix: String {
            switch self {
            case .printJob: "job"
            case .order: "order"
            case .customer: "account"
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .printJob: .printJob
        case .order: .order
        case .customer: .customer
        }
    }

    public var id: String {
        switch self {
        case .printJob(let id), .order(let id), .customer(let id): id
        }
    }

    /// As the audit and the messages name it: `print job job_…`, `order ord_…`, `customer usr_…`.
    public var target: String {
        switch self {
        case .printJob(let id): "print job \(id)"
        case .order(let id): "order \(id)"
        case .customer(let id): "customer \(id)"
        }
    }

    public init?(kind: String, id: String) {
        switch Kind(rawValue: kind) {
        case .printJob: self = .printJob(id)
        case .order: self = .order(id)
        case .customer: self = .customer(id)
        case nil: return nil
        }
    }
}

// MARK: - ActionKind

/// What support can ask the platform to do.
public enum ActionKind: String, DomainEnum {
    /// Print jobs: keep one from printing until released; stop one for good before it prints; print and ship
    /// a new one for a book that arrived damaged, got lost or came out badly; ask the partner for news of one.
    case hold, release, cancel, reprint, chase
    /// Orders: a new shipping address (before the job goes to the partner, same country); the confirmation email
    /// sent again.
    case changeAddress = "change_address", resendConfirmation = "resend_confirmation"
    /// Accounts: locked (no sign-in) and unlocked; the "forgot password" email sent.
    case lock, unlock, passwordReset = "password_reset"

    public var subject: ActionSubject.Kind {
        switch self {
        case .hold, .release, .cancel, .reprint, .chase: .printJob
        case .changeAddress, .resendConfirmation: .order
        case .lock, .unlock, .passwordReset: .customer
        }
    }

    /// The actions on a kind of record, in the order the console lists them.
    public static func on(_ subject: ActionSubject.Kind) -> [ActionKind] {
        allCases.filter { $0.subject == subject }
    }

    public var label: String {
        switch self {
        case .hold: "Hold"
        case .release: "Release"
        case .cancel: "Cancel"
        case .reprint: "Reprint"
        case .chase: "Chase partner"
        case .changeAddress: "Change address"
        case .resendConfirmation: "Resend confirmation"
        case .lock: "Lock account"
        case .unlock: "Unlock account"
        case .passwordReset: "Send password reset"
        }
    }

    /// The command line's word for it (`popsa-ops job reprint`, `order change-address`, `account lock`).
    public var command: String { String(rawValue.map { $0 == "_" ? "-" : $0 }) }

    /// The reasons it may be filed under.
    public var reasons: [ActionReason] {
        switch self {
        case .reprint: [.damaged, .lostInDelivery, .printQuality, .other]
        case .lock: [.securityConcern, .paymentProblem, .customerRequest, .other]
        default:
            [.customerRequest, .wrongDesign, .addressProblem, .paymentProblem, .duplicate, .securityConcern, .other]
        }
    }

    /// The audit's action names: `job.cancel.requested`, `order.change_address.succeeded`, `account.lock.failed`.
    public func audit(_ step: String) -> String { "\(subject.auditPrefix).\(rawValue).\(step)" }
}

// MARK: - ActionReason

/// Why an action was taken: a code (the audit keeps it), with free text only in the action's note.
public enum ActionReason: String, DomainEnum {
    case customerRequest = "customer_request"
    case wrongDesign = "wrong_design"
    case addressProblem = "address_problem"
    case paymentProblem = "payment_problem"
    case duplicate
    case damaged
    case lostInDelivery = "lost_in_delivery"
    case printQuality = "print_quality"
    case securityConcern = "security_concern"
    case other

    public var label: String {
        switch self {
        case .customerRequest: "Customer request"
        case .wrongDesign: "Wrong design"
        case .addressProblem: "Address problem"
        case .paymentProblem: "Payment problem"
        case .duplicate: "Duplicate"
        case .damaged: "Damaged"
        case .lostInDelivery: "Lost in delivery"
        case .printQuality: "Print quality"
        case .securityConcern: "Security concern"
        case .other: "Other (note required)"
        }
    }
}

// MARK: - ActionStatus

/// An action intent's state, as a refund intent's.
public enum ActionStatus: String, DomainEnum {
    /// Recorded with its key; the platform has not answered yet.
    case pending
    /// The platform was called and did not say what happened: the reconciler asks it.
    case unknown
    case succeeded, failed

    public var isOpen: Bool { self == .pending || self == .unknown }
}

// MARK: - SupportAction

/// One support action, from its intent to its outcome.
public struct SupportAction: Hashable, Sendable, Identifiable {
    public var id: String
    public var subject: ActionSubject
    public var userID: String
    /// The order it belongs to (the job's, or the order acted on); nil for an account action.
    public var orderID: String?
    public var kind: ActionKind
    public var reason: ActionReason
    /// Free text, kept here (a table an erasure can redact), never in the audit chain.
    public var note: String
    /// The new address of a change of address.
    public var address: Address?
    public var status: ActionStatus
    public var idempotencyKey: String
    public var operatorName: String
    /// What the platform said (a refusal, why the outcome is unknown), or nil.
    public var message: String?
    /// The platform's reference for what it did (a reprint's new job id).
    public var reference: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var leaseUntil: Timestamp

    public init(
        id: String, subject: ActionSubject, userID: String, orderID: String?, kind: ActionKind,
        reason: ActionReason, note: String, address: Address? = nil, status: ActionStatus, idempotencyKey: String,
        operatorName: String, message: String?, reference: String?, createdAt: Timestamp, updatedAt: Timestamp,
        leaseUntil: Timestamp
    ) {
        self.id = id
        self.subject = subject
        self.userID = userID
        self.orderID = orderID
        self.kind = kind
        self.reason = reason
        self.note = note
        self.address = address
        self.status = status
        self.idempotencyKey = idempotencyKey
        self.operatorName = operatorName
        self.message = message
        self.reference = reference
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.leaseUntil = leaseUntil
    }
}

// MARK: - JobHold

/// A job support has put on hold: since when, by which action.
public struct JobHold: Hashable, Sendable {
    public var actionID: String
    public var since: Timestamp
    public var by: String

    public init(actionID: String, since: Timestamp, by: String) {
        self.actionID = actionID
        self.since = since
        self.by = by
    }
}

// MARK: - ActionContext

/// What deciding an action needs: the record and its customer, the job's order and hold or the order's jobs,
/// and the actions already taken on the record (newest first).
public struct ActionContext: Hashable, Sendable {
    public var subject: ActionSubject
    public var user: User
    /// The job's order, or the order acted on.
    public var order: Order?
    public var job: PrintJob?
    /// An order's print jobs.
    public var orderJobs: [PrintJob]
    public var hold: JobHold?
    public var actions: [SupportAction]

    public init(
        subject: ActionSubject, user: User, order: Order?, job: PrintJob?, orderJobs: [PrintJob] = [],
        hold: JobHold? = nil, actions: [SupportAction]
    ) {
        self.subject = subject
        self.user = user
        self.order = order
        self.job = job
        self.orderJobs = orderJobs
        self.hold = hold
        self.actions = actions
    }

    /// A job's reprint already made, if any.
    public var reprint: SupportAction? {
        actions.first { $0.kind == .reprint && $0.status == .succeeded }
    }
}

// MARK: - ActionRules

/// When each action is possible, shared by the console (which offers only those), the engine's plan and both
/// stores' reservation (checked again inside the transaction that records the intent, the record's row locked).
public enum ActionRules {
    /// Before the partner starts printing: the states a job can still be held or cancelled in.
    public static let beforePrinting: Set<PrintJobStatus> = [.queued, .sent, .accepted]
    /// A book exists (or failed): it can be printed again.
    public static let reprintable: Set<PrintJobStatus> = [.shipped, .delivered, .failed]

    /// Why `kind` cannot be done now, in words, or nil when it can. `address` is a change of address's new one.
    public static func refusal(_ kind: ActionKind, _ context: ActionContext, address: Address? = nil) -> String? {
        let target = context.subject.target
        guard kind.subject == context.subject.kind else { return "\(kind.label) is not an action on a \(target)" }
        if let open = context.actions.first(where: { $0.status.isOpen }) {
            return
                "an earlier action on \(target) (\(open.kind.rawValue) \(open.id)) has no known outcome yet: run "
                + "popsa-ops reconcile"
        }
        switch kind {
        case .hold, .release, .cancel, .reprint, .chase:
            guard let job = context.job else { return "no print job to act on" }
            return jobRefusal(kind, job, context)
        case .changeAddress, .resendConfirmation:
            guard let order = context.order else { return "no order to act on" }
            return orderRefusal(kind, order, context, address: address)
        case .lock, .unlock, .passwordReset:
            return accountRefusal(kind, context.user)
        }
    }

    static func jobRefusal(_ kind: ActionKind, _ job: PrintJob, _ context: ActionContext) -> String? {
        switch kind {
        case .hold:
            if let hold = context.hold { return "print job \(job.id) is already on hold (by \(hold.by))" }
            guard beforePrinting.contains(job.status) else { return tooLate(job, "held") }
        case .release:
            guard context.hold != nil else { return "print job \(job.id) is not on hold" }
        case .cancel:
            guard beforePrinting.contains(job.status) else { return tooLate(job, "cancelled") }
        case .chase:
            guard !job.status.isTerminal else {
                return "print job \(job.id) is \(job.status.label): there is no news to chase"
            }
        case .reprint:
            if let done = context.reprint {
                return
                    "print job \(job.id) was already reprinted as \(done.reference ?? "a new job") on "
                    + "\(done.updatedAt.dateOnly): act on that one"
            }
            guard reprintable.contains(job.status) else {
                return
                    "print job \(job.id) is \(job.status.label): a reprint is for a book that was shipped, delivered "
                    + "or failed"
            }
        default: break
        }
        return nil
    }

    static func orderRefusal(
        _ kind: ActionKind, _ order: Order, _ context: ActionContext, address: Address?
    )
        -> String?
    {
        switch kind {
        case .changeAddress:
            guard order.status == .paid || order.status == .pending || order.status == .partiallyRefunded else {
                return "order \(order.id) is \(order.status.label): there is nothing left to deliver"
            }
            if let gone = context.orderJobs.first(where: { $0.status != .queued && $0.status != .cancelled }) {
                return
                    "print job \(gone.id) is already \(gone.status.label) at \(gone.partner): the address can only "
                    + "change before the job is sent"
            }
            guard let address else { return nil }
            return addressProblem(address, replacing: order.shippingAddress)
        case .resendConfirmation:
            guard order.status != .cancelled && order.status != .pending else {
                return "order \(order.id) is \(order.status.label): there is no confirmation to send"
            }
        default: break
        }
        return nil
    }

    static func accountRefusal(_ kind: ActionKind, _ user: User) -> String? {
        let who = "the account of \(user.id)"
        if user.status == .deleted { return "\(who) is deleted" }
        switch kind {
        case .lock: if user.status == .locked { return "\(who) is already locked" }
        case .unlock: if user.status != .locked { return "\(who) is not locked" }
        case .passwordReset:
            if user.status == .locked { return "\(who) is locked: unlock it first, then send the reset" }
        default: break
        }
        return nil
    }

    /// What is wrong with a new shipping address, or nil: the fields a label needs, the same country (a change of
    /// country changes prices, taxes and the partner), something actually changed.
    public static func addressProblem(_ new: Address, replacing old: Address) -> String? {
        for (field, value) in [
            ("name", new.name), ("line1", new.line1), ("city", new.city), ("postcode", new.postcode),
        ]
        where value.trimmingWhitespace().isEmpty {
            return "the new address needs a \(field)"
        }
        for value in [new.name, new.line1, new.line2, new.city, new.region, new.postcode]
        where value.count > 100 || value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "an address line is at most 100 characters, without control characters"
        }
        guard new.country.uppercased() == old.country.uppercased() else {
            return
                "the country cannot change (\(old.country) → \(new.country)): cancel and re-order instead, or refund"
        }
        guard new != old else { return "the new address is the same as the old one" }
        return nil
    }

    /// The actions possible now on the context's record.
    public static func available(_ context: ActionContext) -> [ActionKind] {
        ActionKind.on(context.subject.kind).filter { refusal($0, context) == nil }
    }

    static func tooLate(_ job: PrintJob, _ what: String) -> String {
        switch job.status {
        case .cancelled: "print job \(job.id) is already cancelled"
        case .delivered, .failed: "print job \(job.id) is \(job.status.label): there is nothing left to stop"
        default:
            "print job \(job.id) is already \(job.status.label) at \(job.partner): it can only be \(what) before "
                + "printing"
        }
    }
}

// MARK: - What an action does, in words

extension ActionKind {
    /// What confirming it does, for the confirmation. `email` is the customer's email as the screen may show it
    /// (masked unless revealed); by default the stored one.
    public func consequence(_ context: ActionContext, address: Address? = nil, email: String? = nil) -> String {
        let partner = context.job?.partner ?? "the partner"
        let job = context.job?.id ?? ""
        let email = email ?? context.user.email
        switch self {
        case .hold: return "\(partner) will not print print job \(job) until it is released"
        case .release: return "\(partner) may print print job \(job) again"
        case .cancel: return "\(partner) will not print or ship print job \(job); this cannot be undone"
        case .reprint:
            return "\(partner) prints and ships print job \(job) again as a new job, at Popsa's cost"
        case .chase:
            return "\(partner) is asked for news of print job \(job); the answer arrives as a partner update"
        case .changeAddress:
            return "the order ships to \(address?.singleLine ?? "the new address") instead"
        case .resendConfirmation: return "the order confirmation is emailed again to \(email)"
        case .lock: return "\(context.user.id) can no longer sign in until the account is unlocked"
        case .unlock: return "\(context.user.id) can sign in again"
        case .passwordReset: return "a password-reset link is emailed to \(email)"
        }
    }

    /// The outcome in words, once the platform has done it (`reference` its reference: a reprint's new job).
    public func done(_ subject: ActionSubject, reference: String?) -> String {
        switch self {
        case .hold: "\(subject.target) is on hold"
        case .release: "\(subject.target) is released"
        case .cancel: "\(subject.target) is cancelled"
        case .reprint: "\(subject.target) is being reprinted as print job \(reference ?? "?")"
        case .chase: "the partner was asked for news of \(subject.target)"
        case .changeAddress: "\(subject.target) ships to the new address"
        case .resendConfirmation: "the confirmation of \(subject.target) was sent again"
        case .lock: "the account of \(subject.id) is locked"
        case .unlock: "the account of \(subject.id) is unlocked"
        case .passwordReset: "a password-reset link was sent to \(subject.id)"
        }
    }
}

// MARK: - ActionPermissions

/// Which roles may take each action (`[permissions]` in the configuration); viewers never.
public struct ActionPermissions: Hashable, Sendable {
    public var roles: [ActionKind: Set<Role>]

    /// Agents and supervisors, except unlocking an account (a lock is often fraud): supervisors.
    public static let defaults: [ActionKind: Set<Role>] = Dictionary(
        uniqueKeysWithValues: ActionKind.allCases.map { ($0, $0 == .unlock ? [.supervisor] : [.agent, .supervisor]) })

    public init(roles: [ActionKind: Set<Role>] = [:]) {
        self.roles = Self.defaults.merging(roles) { $1 }
    }

    public func allows(_ kind: ActionKind, _ role: Role) -> Bool {
        role != .viewer && (roles[kind] ?? []).contains(role)
    }
}

// MARK: - Reservation and resolution

/// An action intent to record.
public struct ActionReservation: Hashable, Sendable {
    public var id: String
    public var subject: ActionSubject
    public var kind: ActionKind
    public var reason: ActionReason
    public var note: String
    public var address: Address?
    public var idempotencyKey: String
    public var operatorName: String
    public var now: Timestamp
    public var leaseUntil: Timestamp

    public init(
        id: String, subject: ActionSubject, kind: ActionKind, reason: ActionReason, note: String, address: Address?,
        idempotencyKey: String, operatorName: String, now: Timestamp, leaseUntil: Timestamp
    ) {
        self.id = id
        self.subject = subject
        self.kind = kind
        self.reason = reason
        self.note = note
        self.address = address
        self.idempotencyKey = idempotencyKey
        self.operatorName = operatorName
        self.now = now
        self.leaseUntil = leaseUntil
    }

    /// What both stores check inside the reservation's transaction, the record's row locked: the rule still allows
    /// the action (someone else may have acted, or the partner started printing, since the plan was checked).
    public func check(_ context: ActionContext?) throws(ActionRefusal) -> ActionContext {
        guard let context else { throw .notFound(subject.target) }
        if let why = ActionRules.refusal(kind, context, address: address) { throw .notPossible(why) }
        return context
    }

    /// The intent's row, pending, in `ActionSQL.insert`'s order.
    public func values(_ context: ActionContext) -> [StoreValue] {
        [
            .text(id), .text(subject.kind.rawValue), .text(subject.id), .text(context.user.id),
            context.order.map { .text($0.id) } ?? .null, .text(kind.rawValue), .text(reason.rawValue), .text(note),
            address.map { .text(StoredJSON.encode($0)) } ?? .null, .text(ActionStatus.pending.rawValue),
            .text(idempotencyKey), .text(operatorName), .integer(now.seconds), .integer(now.seconds),
            .integer(leaseUntil.seconds),
        ]
    }
}

/// How the platform's answer ended, to record on the intent.
public enum ActionResolution: Hashable, Sendable {
    case succeeded(reference: String)
    case failed(message: String)
    case unknown(message: String)

    public var status: ActionStatus {
        switch self {
        case .succeeded: .succeeded
        case .failed: .failed
        case .unknown: .unknown
        }
    }
}

/// Why an action cannot go ahead, before anything is sent. Messages are for the operator.
public enum ActionRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    case notPermitted(String)
    /// Nothing by that name (`print job job_x`, `order ord_x`…).
    case notFound(String)
    case notPossible(String)
    case noteRequired
    case badReason(String)

    public var description: String {
        switch self {
        case .notPermitted(let m), .notPossible(let m), .badReason(let m): m
        case .notFound(let what): "no \(what)"
        case .noteRequired: "\"Other\" needs a note saying why"
        }
    }
}

// MARK: - The platform's side

/// One call to the platform, as the facade sends it.
public struct PlatformCall: Hashable, Sendable {
    public var kind: ActionKind
    public var subject: ActionSubject
    public var actionID: String
    public var idempotencyKey: String
    public var address: Address?

    public init(
        kind: ActionKind, subject: ActionSubject, actionID: String, idempotencyKey: String, address: Address? = nil
    ) {
        self.kind = kind
        self.subject = subject
        self.actionID = actionID
        self.idempotencyKey = idempotencyKey
        self.address = address
    }
}

/// What the platform answered: done (with its reference), or refused (why).
public struct PlatformAnswer: Hashable, Sendable {
    public var accepted: Bool
    public var reference: String
    public var message: String

    public init(accepted: Bool, reference: String, message: String) {
        self.accepted = accepted
        self.reference = reference
        self.message = message
    }
}

/// The platform's own rule, as its sandbox twin applies it to what it knows (the job's status at the partner,
/// its own holds, the order's jobs, the account's status). It knows the records, not support's rules, which
/// forbid more (a second hold, a second reprint, a change of country).
public enum SandboxPlatformRule {
    public struct Facts: Sendable {
        public var jobStatus: PrintJobStatus?
        public var held = false
        public var orderJobStatuses: [PrintJobStatus] = []
        public var accountStatus: AccountStatus?
        public var exists = false

        public init() {}
    }

    public static func decide(_ call: PlatformCall, _ facts: Facts) -> (Bool, String) {
        guard facts.exists else { return (false, "\(call.subject.target) not found") }
        switch call.kind {
        case .hold, .cancel:
            guard let status = facts.jobStatus, ActionRules.beforePrinting.contains(status) else {
                return (false, "job is \(facts.jobStatus?.rawValue ?? "unknown") at the partner")
            }
            return (true, call.kind == .hold ? "held" : "cancelled at the partner")
        case .release:
            return facts.held ? (true, "released") : (false, "job is not held")
        case .reprint:
            return (true, "reprint ordered")
        case .chase:
            guard let status = facts.jobStatus, !status.isTerminal else {
                return (false, "job is \(facts.jobStatus?.rawValue ?? "unknown") at the partner")
            }
            return (true, "partner asked for an update")
        case .changeAddress:
            guard facts.orderJobStatuses.allSatisfy({ $0 == .queued || $0 == .cancelled }) else {
                return (false, "a job of the order is already with the partner")
            }
            return (true, "address changed")
        case .resendConfirmation:
            return (true, "confirmation queued")
        case .lock, .unlock, .passwordReset:
            guard facts.accountStatus != .deleted else { return (false, "account deleted") }
            return (true, call.kind == .passwordReset ? "reset email queued" : "account \(call.kind.rawValue)ed")
        }
    }

    /// The platform's reference for what it did: a reprint's new job id, else its own id for the call.
    public static func reference(_ call: PlatformCall) -> String {
        (call.kind == .reprint ? "job_r" : "plat_") + call.actionID.split(separator: "_").last.map(String.init)!
    }
}
