// MARK: - RefundContext

/// An order with what a refund decision needs: its payments and their refunds.
public struct RefundContext: Hashable, Sendable {
    public var order: Order
    public var user: User
    public var payments: [Payment]
    public var refunds: [Refund]
    /// Chargebacks on the order's payments: an open or lost one blocks refunds on its payment.
    public var disputes: [Dispute]

    public init(order: Order, user: User, payments: [Payment], refunds: [Refund], disputes: [Dispute] = []) {
        self.order = order
        self.user = user
        self.payments = payments
        self.refunds = refunds
        self.disputes = disputes
    }

    public var balances: [PaymentBalance] { payments.map { PaymentBalance(payment: $0, refunds: refunds) } }
}

// MARK: - AuditRecord

/// One line of the audit log, before it is chained.
public struct AuditRecord: Hashable, Sendable {
    public var at: Timestamp
    public var operatorName: String
    public var sshClient: String
    /// `refund.requested`, `refund.succeeded`, `refund.failed`, `refund.unknown`, `refund.reconciled`…
    public var action: String
    /// What it was done to: `order ord_…`.
    public var target: String
    public var amount: Money?
    public var reason: String
    public var idempotencyKey: String
    /// The gateway's ids for what it did (refund id, transaction id).
    public var gatewayIDs: String
    /// `ok`, `refused`, `error`, `unknown`.
    public var result: String
    public var detail: String

    public init(
        at: Timestamp, operatorName: String, sshClient: String, action: String, target: String, amount: Money? = nil,
        reason: String = "", idempotencyKey: String = "", gatewayIDs: String = "", result: String, detail: String = ""
    ) {
        self.at = at
        self.operatorName = operatorName
        self.sshClient = sshClient
        self.action = action
        self.target = target
        self.amount = amount
        self.reason = reason
        self.idempotencyKey = idempotencyKey
        self.gatewayIDs = gatewayIDs
        self.result = result
        self.detail = detail
    }
}

// MARK: - AuditEntry

/// A stored, chained audit entry.
public struct AuditEntry: Hashable, Sendable {
    public var sequence: Int64
    public var record: AuditRecord
    public var previousHash: String
    public var hash: String

    public init(sequence: Int64, record: AuditRecord, previousHash: String, hash: String) {
        self.sequence = sequence
        self.record = record
        self.previousHash = previousHash
        self.hash = hash
    }
}

// MARK: - AuditVerification

/// What `audit verify` found.
public enum AuditVerification: Hashable, Sendable {
    case intact(entries: Int64)
    /// The first entry that does not chain: edited, deleted, inserted or reordered.
    case broken(sequence: Int64, problem: String)
}

// MARK: - RefundReservation

/// A refund intent to reserve.
public struct RefundReservation: Hashable, Sendable {
    public var id: String
    public var orderID: String
    public var paymentID: String
    public var amount: Int64
    public var reason: RefundReason
    public var note: String
    public var idempotencyKey: String
    public var operatorName: String
    public var now: Timestamp
    /// The intent belongs to its creator until then; the reconciler leaves it alone meanwhile.
    public var leaseUntil: Timestamp
    /// A supervisor's override of the dispute guard: the dispute it overrides, or nil (then an open or lost
    /// dispute on the payment refuses the reservation, even one that arrived after the plan was checked).
    public var overridesDispute: String?

    public init(
        id: String, orderID: String, paymentID: String, amount: Int64, reason: RefundReason, note: String,
        idempotencyKey: String, operatorName: String, now: Timestamp, leaseUntil: Timestamp,
        overridesDispute: String? = nil
    ) {
        self.overridesDispute = overridesDispute
        self.id = id
        self.orderID = orderID
        self.paymentID = paymentID
        self.amount = amount
        self.reason = reason
        self.note = note
        self.idempotencyKey = idempotencyKey
        self.operatorName = operatorName
        self.now = now
        self.leaseUntil = leaseUntil
    }
}

// MARK: - RefundResolution

/// How a gateway call ended, to record on the intent.
public enum RefundResolution: Hashable, Sendable {
    case succeeded(gatewayRefundID: String, isVoid: Bool)
    case failed(message: String)
    case unknown(message: String)
}

// MARK: - ReservationError

/// Why a reservation was refused by the store's own rules (checked inside the write transaction).
public enum ReservationError: Error, Hashable, Sendable, CustomStringConvertible {
    case orderNotFound(String)
    case paymentNotFound(String)
    case exceedsRemaining(requested: Money, remaining: Money)
    /// An open or lost chargeback on the payment (its headline).
    case disputed(String)

    public var description: String {
        switch self {
        case .disputed(let headline): headline
        case .orderNotFound(let id): "no order with id \(id)"
        case .paymentNotFound(let id): "the order has no payment \(id)"
        case .exceedsRemaining(let requested, let remaining):
            remaining.isZero
                ? "nothing is left to refund on this payment (requested \(requested.formatted))"
                : "\(requested.formatted) is more than the \(remaining.formatted) left to refund"
        }
    }
}

// MARK: - The store's own check

extension RefundReservation {
    /// What both stores check inside the reservation's transaction, after locking what they lock: the payment is
    /// the order's, the amount is not more than what is left (captured − pending, unknown and succeeded refunds),
    /// and no open or lost chargeback blocks it unless the override names that dispute (one that arrived after the
    /// plan was checked still refuses). Returns the payment.
    public func check(_ context: RefundContext) throws -> Payment {
        guard let payment = context.payments.first(where: { $0.id == paymentID }) else {
            throw ReservationError.paymentNotFound(paymentID)
        }
        let balance = PaymentBalance(payment: payment, refunds: context.refunds)
        guard amount <= balance.remaining else {
            throw ReservationError.exceedsRemaining(
                requested: balance.money(amount), remaining: balance.money(balance.remaining))
        }
        if let block = Dispute.refundBlock(context.disputes, paymentID: paymentID), overridesDispute != block.id {
            throw ReservationError.disputed(block.warning(now: now) + " (\(block.provider.label) dispute \(block.id))")
        }
        return payment
    }
}

// MARK: - RefundStore

/// The write side for refunds and the audit log. Reservations are atomic across processes: two consoles on one
/// database can never reserve more than was captured.
public protocol RefundStore: Sendable {
    func refundContext(orderID: String) async throws -> RefundContext?

    /// In one transaction: checks what is left on the payment (captured − pending, unknown and succeeded refunds),
    /// records the intent as pending with its key, and appends `audit`.
    func reserveRefund(_ reservation: RefundReservation, audit: AuditRecord) async throws -> Refund

    /// In one transaction: records the outcome, moves the order's (and on a void, the payment's) status with the
    /// money, and appends `audit`.
    func resolveRefund(
        id: String, _ resolution: RefundResolution, now: Timestamp, audit: AuditRecord
    ) async throws -> Refund

    /// Intents still pending or unknown whose lease has run out, claimed for `leaseSeconds` by the caller.
    func claimRefundsToReconcile(now: Timestamp, leaseSeconds: Int64) async throws -> [Refund]

    /// Intents still pending or unknown whose lease has not run out: a live process (or one that died moments
    /// ago) is driving them, so a reconciler must leave them alone and say so.
    func leasedRefunds(now: Timestamp) async throws -> [Refund]

    /// Gives a claimed intent a new idempotency key (past the gateway's window, after checking it never happened).
    func rekeyRefund(id: String, newKey: String) async throws

    func refund(id: String) async throws -> Refund?

    func appendAudit(_ record: AuditRecord) async throws
    /// Newest first.
    func auditEntries(limit: Int) async throws -> [AuditEntry]
    func verifyAudit() async throws -> AuditVerification
    /// Payments of `providers` created since `since` and still standing (not voided, failed or declined).
    func paymentsToRecheck(since: Timestamp, providers: [PaymentProvider]) async throws -> [Payment]
    /// Matches the refunds a provider reports for a payment against the ledger, adopting those made elsewhere
    /// (audited, counted against what is left at once): how many were adopted and how many moved on.
    func adoptProviderRefunds(
        payment: Payment, refunds: [ProviderRefund], source: String, now: Timestamp
    ) async throws -> (adopted: Int, updated: Int)
}

// MARK: - SandboxTransactionState

/// A transaction as a sandbox gateway sees it, in its own ledger.
public struct SandboxTransactionState: Hashable, Sendable {
    public var provider: PaymentProvider
    public var transactionID: String
    public var amount: Money
    public var status: PaymentStatus
    /// Refunded so far at the gateway (voids excluded).
    public var refunded: Int64

    public init(provider: PaymentProvider, transactionID: String, amount: Money, status: PaymentStatus, refunded: Int64)
    {
        self.provider = provider
        self.transactionID = transactionID
        self.amount = amount
        self.status = status
        self.refunded = refunded
    }
}

// MARK: - SandboxDecision

/// What a sandbox gateway decided to do with a request.
public enum SandboxDecision: Hashable, Sendable {
    case refund(Int64)
    case void
}

// MARK: - SandboxRecord

/// A refund or void the sandbox carried out.
public struct SandboxRecord: Hashable, Sendable {
    public var id: String
    public var transactionID: String
    public var amount: Money
    public var isVoid: Bool
    public var intentID: String?
    public var fingerprint: String

    public init(id: String, transactionID: String, amount: Money, isVoid: Bool, intentID: String?, fingerprint: String)
    {
        self.id = id
        self.transactionID = transactionID
        self.amount = amount
        self.isVoid = isVoid
        self.intentID = intentID
        self.fingerprint = fingerprint
    }
}

extension SandboxRecord {
    /// A new refund's ids as the provider would make them: the id the gateway answers with (Stripe `re_…`,
    /// Braintree a short id, a void its transaction's id) and the ledger row's own (a void's is `void_…`).
    public static func newIDs(
        provider: PaymentProvider, isVoid: Bool, transactionID: String
    ) -> (answered: String, row: String) {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let suffix = String(
            (0..<(provider == .stripe ? 24 : 8)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        let answered = provider == .stripe ? "re_" + suffix : (isVoid ? transactionID : suffix)
        return (answered, isVoid ? "void_" + suffix : answered)
    }
}

// MARK: - SandboxLedger

/// The ledger behind the in-process sandbox gateways, kept in the database so demo refunds survive restarts and
/// crash tests see what "the gateway" committed.
public protocol SandboxLedger: Sendable {
    /// Atomically: replays the record stored under `idempotencyKey` if it is younger than `window`; otherwise lets
    /// `decide` judge the transaction's current state and stores what it decides.
    func sandboxApply(
        provider: PaymentProvider, transactionID: String, idempotencyKey: String, fingerprint: String,
        intentID: String?, window: Int64, now: Timestamp,
        decide: @Sendable (SandboxTransactionState) throws -> SandboxDecision
    ) async throws -> (SandboxRecord, replayed: Bool)

    func sandboxTransaction(
        provider: PaymentProvider, transactionID: String
    ) async throws -> (SandboxTransactionState, [SandboxRecord])?
}

// MARK: - SandboxTransactionNotFound

/// The sandbox ledger has no such transaction.
public struct SandboxTransactionNotFound: Error, Hashable, Sendable {
    public var transactionID: String
    public init(transactionID: String) { self.transactionID = transactionID }
}

// MARK: - StoreWriteFailure

/// A write the store could not make, in words an operator can act on; the library's own text is kept in
/// `detail` for the log and never shown.
public struct StoreWriteFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        case diskFull, readOnly, ioError, busy, other
        /// The database server could not be reached, or the connection to it was lost (PostgreSQL).
        case unreachable
    }

    public var kind: Kind
    public var detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String {
        switch kind {
        case .diskFull: "the disk is full"
        case .readOnly: "the database is read-only for this account"
        case .ioError: "a disk I/O error"
        case .busy: "the database stayed locked by another process"
        case .unreachable: "the database server could not be reached"
        case .other: "a database error (details in the log)"
        }
    }
}

// MARK: - ProviderRefund

/// A refund as a payment provider reports it.
public struct ProviderRefund: Sendable, Hashable {
    public enum Status: String, Sendable { case succeeded, pending, failed }
    public var id: String
    /// Minor units of the payment's currency.
    public var amount: Int64
    public var status: Status
    /// The console's intent id, when the provider carried it.
    public var intentID: String?

    public init(id: String, amount: Int64, status: Status, intentID: String?) {
        self.id = id
        self.amount = amount
        self.status = status
        self.intentID = intentID
    }
}
