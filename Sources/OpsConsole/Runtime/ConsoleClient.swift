import OpsCore
import OpsEngine

/// Everything the console asks of the engine, as a struct of functions (isowords' client pattern): `live` calls
/// the engine, the refund service and the audit log; a test replaces any of them, for instance to hold answers
/// and release them in the order it chooses.
public struct ConsoleClient: Sendable {
    public var search: @Sendable (String) async throws -> SearchResult
    public var customer: @Sendable (String) async throws -> Customer360
    public var order: @Sendable (String) async throws -> OrderView
    public var printJob: @Sendable (String) async throws -> PrintJobDetail
    /// Orders by status, narrowed by a `/` filter's text.
    public var orders: @Sendable (OrderStatus?, String?, PageRequest) async throws -> Page<OrderRow>
    public var printJobs: @Sendable (PrintJobQuery, PageRequest) async throws -> Page<PrintJobRow>
    public var partners: @Sendable () async throws -> [String]
    /// Print jobs per partner for a list's status or stuck filter (its partner ignored).
    public var partnerCounts: @Sendable (PrintJobQuery) async throws -> [String: Int]
    /// Chargebacks (all, or only the open ones), open ones first by evidence due date.
    public var disputes: @Sendable (_ openOnly: Bool) async throws -> [DisputeRow]
    public var changeToken: @Sendable () async throws -> Int64
    /// When each live source last delivered.
    public var freshness: @Sendable () async throws -> [SourceFreshness]
    public var dashboard: @Sendable (MetricsWindow, DisplayZone) async throws -> DashboardData
    /// The audit log's newest entries and the chain's verification; nil when this console has no audit log.
    public var audit: (@Sendable () async throws -> AuditPage)?
    /// Records a reveal of personal data in the audit log; nil when this console has no audit log to record it
    /// in (then nothing is revealed).
    public var recordReveal: (@Sendable (Reveal) async throws -> Void)?
    /// Adds an internal note (about, text, ticket) as this console's operator; nil when notes cannot be added.
    public var addNote: (@Sendable (String, String, String?) async throws -> Note)?
    /// Plans and executes a refund; nil when refunds are not available in this console.
    public var refund: (@Sendable (RefundSubmission) async throws -> RefundResult)?
    /// Takes a support action (planned and executed exactly once); nil when not available (a viewer).
    public var act: (@Sendable (ActionSubmission) async throws -> ActionResult)?
    /// A customer's or an order's timeline (anything the search resolves); nil when not available.
    public var timeline: (@Sendable (String) async throws -> TimelineView)?
    /// What the action dialog needs about a record; nil when actions are not available.
    public var actionContext: (@Sendable (ActionSubject) async throws -> ActionContext)?
    /// Finishes refunds left pending or unknown; nil for a viewer or without refunds.
    public var reconcile: (@Sendable () async throws -> ReconcileReport)?
    /// Finishes support actions left pending or unknown (asking the platform first); nil when actions are not
    /// available in this console.
    public var reconcileActions: (@Sendable () async throws -> ReconcileReport)?
    /// Signals that another process committed a change, as the store notices it (PostgreSQL's notifications),
    /// so the console checks at once instead of at its next tick; nil when the store can only be polled.
    public var changes: (@Sendable () -> AsyncStream<Void>)?

    public init(
        search: @escaping @Sendable (String) async throws -> SearchResult,
        customer: @escaping @Sendable (String) async throws -> Customer360,
        order: @escaping @Sendable (String) async throws -> OrderView,
        printJob: @escaping @Sendable (String) async throws -> PrintJobDetail,
        orders: @escaping @Sendable (OrderStatus?, String?, PageRequest) async throws -> Page<OrderRow>,
        printJobs: @escaping @Sendable (PrintJobQuery, PageRequest) async throws -> Page<PrintJobRow>,
        partners: @escaping @Sendable () async throws -> [String],
        partnerCounts: @escaping @Sendable (PrintJobQuery) async throws -> [String: Int],
        disputes: @escaping @Sendable (_ openOnly: Bool) async throws -> [DisputeRow],
        changeToken: @escaping @Sendable () async throws -> Int64,
        freshness: @escaping @Sendable () async throws -> [SourceFreshness],
        dashboard: @escaping @Sendable (MetricsWindow, DisplayZone) async throws -> DashboardData,
        audit: (@Sendable () async throws -> AuditPage)?,
        refund: (@Sendable (RefundSubmission) async throws -> RefundResult)?,
        reconcile: (@Sendable () async throws -> ReconcileReport)?
    ) {
        self.search = search
        self.customer = customer
        self.order = order
        self.printJob = printJob
        self.orders = orders
        self.printJobs = printJobs
        self.partners = partners
        self.partnerCounts = partnerCounts
        self.disputes = disputes
        self.changeToken = changeToken
        self.freshness = freshness
        self.dashboard = dashboard
        self.audit = audit
        self.refund = refund
        self.reconcile = reconcile
    }

    /// Lists load a page of this many rows.
    public static let pageSize = 100

    /// The real thing: the engine, the refund service and the audit log, acting as `identity`.
    public static func live(
        engine: Engine, refunds: RefundService?, audit: (any RefundStore)?,
        identity: OperatorIdentity, actions: ActionService? = nil
    ) -> ConsoleClient {
        var auditPage: (@Sendable () async throws -> AuditPage)?
        if let store = audit {
            auditPage = { @Sendable () async throws -> AuditPage in
                (try await store.auditEntries(limit: 500), try await store.verifyAudit())
            }
        }
        var refund: (@Sendable (RefundSubmission) async throws -> RefundResult)?
        var reconcile: (@Sendable () async throws -> ReconcileReport)?
        if let service = refunds {
            refund = { @Sendable (submission: RefundSubmission) async throws -> RefundResult in
                let plan = try await service.plan(
                    orderID: submission.orderID, paymentID: submission.paymentID,
                    amountText: submission.amountText, reason: submission.reason,
                    note: submission.note, overrideDispute: submission.overrideDispute, operator: identity)
                return try await service.execute(plan, operator: identity)
            }
            if identity.role != .viewer {
                reconcile = { @Sendable () async throws -> ReconcileReport in
                    try await service.reconcile(operator: identity)
                }
            }
        }
        var client = ConsoleClient(
            search: { try await engine.search($0) },
            // `:customer`, `:order` and `:job` take any identifier the search takes (an email, a pi_, a tracking
            // number); an id costs nothing more.
            customer: { try await engine.customer(identifiedBy: $0) },
            order: { try await engine.order(identifiedBy: $0) },
            printJob: { try await engine.printJob(identifiedBy: $0) },
            orders: { try await engine.orders(status: $0, text: $1, page: $2, limit: pageSize) },
            printJobs: { query, page in
                try await engine.printJobs(
                    status: query.status, partner: query.partner, stuckFor: query.stuckFor, text: query.text,
                    page: page, limit: pageSize)
            },
            partners: { try await engine.partners() },
            partnerCounts: { try await engine.printJobCountsByPartner(status: $0.status, stuckFor: $0.stuckFor) },
            disputes: { try await engine.disputes(openOnly: $0) },
            changeToken: { try await engine.changeToken() },
            freshness: { try await engine.freshness() },
            dashboard: { try await engine.dashboard(window: $0, zone: $1) },
            audit: auditPage, refund: refund, reconcile: reconcile)
        client.timeline = { @Sendable of in try await engine.timeline(identifiedBy: of) }
        if let actions, identity.role >= .agent {
            client.act = { @Sendable submission in
                let plan = try await actions.plan(
                    submission.subject, kind: submission.kind, reason: submission.reason, note: submission.note,
                    address: submission.address, operator: identity)
                return try await actions.execute(plan, operator: identity)
            }
            client.actionContext = { @Sendable subject in try await actions.context(subject) }
            client.reconcileActions = { @Sendable in try await actions.reconcile(operator: identity) }
        }
        if identity.role >= .agent {
            client.addNote = { @Sendable about, text, ticket in
                try await engine.addNote(about: about, text: text, ticket: ticket, by: identity)
            }
        }
        if let store = audit {
            client.recordReveal = { @Sendable reveal in
                try await store.appendAudit(
                    AuditRecord(
                        at: engine.clock.now(), operatorName: identity.name, sshClient: identity.sshClient ?? "",
                        action: "personal_data.revealed", target: "customer \(reveal.userID)",
                        reason: reveal.reason.rawValue, result: "ok",
                        detail: "shown in full until \(reveal.until.iso8601)"))
            }
        }
        return client
    }
}
