import OpsCore
import OpsEngine
import OpsTUI

/// Something that changes the state: input, time, or an effect's result.
public enum Action: Sendable {
    case key(Key)
    /// A bracketed paste: text for the focused field, never keys.
    case paste(String)
    case resize(Size)
    /// The clock moved (interactive mode, about once a second). `monotonicMilliseconds` times refreshes; `due`
    /// forces them (headless `wait`).
    case tick(Timestamp, monotonicMilliseconds: Int64 = 0, due: Bool = false)
    /// The answer to a screen's request, routed to that screen.
    case loaded(request: Int, EffectResult)
    /// The store's change token, from a periodic check.
    /// The store's change token, and when each live source last delivered (read only when the token moved: nil
    /// when it did not, since a delivery is a write).
    case changeToken(Int64, freshness: [SourceFreshness]? = nil)
    /// The store says another process committed: check the change token now, not at the next tick.
    case storeChanged
    /// The change check failed: the store cannot be reached (a server restarting, a network cut), in words.
    case storeUnreachable(String)
    case refundFinished(request: Int, Result<RefundResult, EffectError>)
    case actionFinished(request: Int, Result<ActionResult, EffectError>)
    /// A record's action context, for the action dialog to open on (`chosen`: the action it opens on).
    case actionContextLoaded(ActionSubject, chosen: ActionKind?, Result<ActionContext, EffectError>)
    case reconciled(refunds: ReconcileReport, actions: ReconcileReport)
    case themeLoaded(String, Result<Theme, EffectError>)
    /// A reveal was recorded in the audit log (or could not be: then nothing is shown).
    case revealRecorded(Reveal, Result<Bool, EffectError>)
    /// A note was added (or refused, in words).
    case noteAdded(Result<Note, EffectError>)
    /// The console started: what it needs beyond the first screen.
    case started
    /// A warning for the status line from the runtime (an interrupt answered with a question).
    case warn(String)
    /// An effect that had nothing to report (every effect answers exactly once, so the console can count them).
    case none
}

/// An effect's failure, as a message for the status bar.
public struct EffectError: Error, Sendable, Hashable {
    public var message: String

    public init(_ message: String) { self.message = message }

    public init(_ error: any Error) {
        message = String(describing: error)
    }
}

/// Work the console asks for. Effects run off the UI path; each comes back as an `Action`.
public enum Effect: Sendable, Hashable {
    case search(String, request: Int)
    case loadCustomer(String, request: Int)
    case loadOrder(String, request: Int)
    case loadPrintJob(String, request: Int)
    case loadOrders(status: OrderStatus?, text: String?, page: PageRequest, request: Int)
    case loadPrintJobs(PrintJobQuery, page: PageRequest, request: Int)
    case loadPartners(request: Int)
    /// Reads the change token; `known` is the one the shown data was loaded with.
    case checkChanges(known: Int64?)
    case refund(RefundSubmission, request: Int)
    /// Takes a support action (the action dialog's submission).
    case act(ActionSubmission, request: Int)
    /// Reads what the action dialog needs about a record.
    case loadActionContext(ActionSubject, chosen: ActionKind?)
    /// Finish refunds left pending or unknown (at start-up).
    case reconcile
    /// Work a screen defines in its own file; answered to that screen as `EffectResult.value`.
    case fetch(Fetch, request: Int)
    case loadDashboard(MetricsWindow, zone: DisplayZone, request: Int)
    case loadTheme(String)
    /// Records a reveal of a customer's personal data in the audit log; only once it is recorded is it shown.
    case recordReveal(Reveal)
    /// Adds an internal note to the record `about` names (a customer, order or print job id).
    case addNote(about: String, text: String, ticket: String?)
}

/// An operator's reveal of one customer's personal data: why, and until when it is shown.
public struct Reveal: Sendable, Hashable {
    public var userID: String
    public var name: String
    public var reason: RevealReason
    public var until: Timestamp

    public init(userID: String, name: String, reason: RevealReason, until: Timestamp) {
        self.userID = userID
        self.name = name
        self.reason = reason
        self.until = until
    }
}

/// A call on the console's client that a screen defines itself, so a new screen needs no new effect, result or
/// runner case: `.fetch(Fetch("disputes \(id)") { try await $0.disputes(id) }, request: …)`.
public struct Fetch: Sendable, Hashable {
    /// What it fetches: names it in logs, and two fetches with the same label are the same work.
    public let label: String
    let run: @Sendable (ConsoleClient) async throws -> any Sendable

    public init(_ label: String, _ run: @escaping @Sendable (ConsoleClient) async throws -> any Sendable) {
        self.label = label
        self.run = run
    }

    public static func == (a: Fetch, b: Fetch) -> Bool { a.label == b.label }
    public func hash(into hasher: inout Hasher) { hasher.combine(label) }
}

/// The audit log's newest entries and whether the chain is intact.
public typealias AuditPage = ([AuditEntry], AuditVerification)

/// What the refund dialog sends when the operator confirms.
public struct RefundSubmission: Sendable, Hashable {
    public var orderID: String
    public var paymentID: String
    public var amountText: String
    public var reason: RefundReason
    public var note: String
    /// A supervisor refunding despite an open or lost chargeback (the dialog said so before the confirmation).
    public var overrideDispute: Bool = false
}

/// Which print jobs a list shows.
public struct PrintJobQuery: Hashable, Sendable {
    public var status: PrintJobStatus?
    public var partner: String?
    public var stuckFor: Int64?
    /// The `/` filter's text, matched in the database.
    public var text: String?

    public init(status: PrintJobStatus? = nil, partner: String? = nil, stuckFor: Int64? = nil, text: String? = nil) {
        self.status = status
        self.partner = partner
        self.stuckFor = stuckFor
        self.text = text
    }
}
