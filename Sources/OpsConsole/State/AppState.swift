import OpsCore
import OpsEngine
import OpsTUI

/// Data a screen waits for: nothing yet, or what came back.
public enum Loadable<Value: Sendable>: Sendable {
    case loading
    case loaded(Value)
    case failed(String)

    public var value: Value? {
        if case .loaded(let v) = self { return v }
        return nil
    }

    /// Takes an engine answer. With `keepShown`, a failure leaves loaded data on screen (a live reload that failed
    /// should not blank what the operator is reading).
    mutating func receive(_ result: Result<Value, EffectError>, keepShown: Bool = false) {
        switch result {
        case .success(let value): self = .loaded(value)
        case .failure(let error): if !(keepShown && value != nil) { self = .failed(error.message) }
        }
    }
}

/// Who is at the keyboard, on which database: what the status bar shows.
public struct Session: Hashable, Sendable {
    public var operatorName: String
    /// The SSH client address, when the console runs over SSH.
    public var sshClient: String?
    public var role: Role
    public var databaseName: String
    public var readOnly: Bool

    public init(operatorName: String, sshClient: String?, role: Role, databaseName: String, readOnly: Bool) {
        self.operatorName = operatorName
        self.sshClient = sshClient
        self.role = readOnly ? .viewer : role
        self.databaseName = databaseName
        self.readOnly = readOnly
    }
}

/// A message in the status bar.
public struct StatusMessage: Hashable, Sendable {
    public var text: String
    public var tone: StatusTone

    public init(_ text: String, _ tone: StatusTone = .neutral) {
        self.text = text
        self.tone = tone
    }
}

/// The whole state of the console. Changed only by `Console.dispatch`, one action at a time.
public struct AppState: Sendable {
    public var size: Size
    public var theme: Theme
    public var keymap: Keymap
    public var session: Session
    public var now: Timestamp
    /// `--now`: the clock does not move.
    public var clockFrozen: Bool
    public var stuckThreshold: Int64
    /// Refund limits and confirmation thresholds, for the refund dialog's checks as the operator types.
    public var policy = RefundPolicy()
    /// Which roles may act on print jobs, for the action dialog's choices.
    public var permissions = ActionPermissions()
    /// How often the dashboard refreshes.
    public var refreshMilliseconds: Int64 = 2000
    /// Monotonic time of the last tick, for refresh intervals (the wall clock may be frozen with --now).
    public var monotonicMilliseconds: Int64 = 0

    /// Navigation: the last screen is shown. The first is always the search screen.
    public var stack: [StackEntry]
    public var overlay: Overlay?
    public var commandHistory: [String] = []
    public var message: StatusMessage?
    /// The store's change token when the shown data was loaded.
    public var changeToken: Int64?
    /// Every how many ticks the console asks the store for its change token itself: every tick (a second) when
    /// polling is all it has; less often when the store announces other processes' commits (PostgreSQL), the
    /// check then only a safety net for an announcement lost with a connection.
    public var checkChangesEveryTicks = 1
    /// Ticks since the token was last asked for.
    var ticksSinceChangeCheck = 0
    /// Why the store cannot be reached, while it cannot (the last change check failed): the status bar says so,
    /// the screen keeps what it shows, and the next check that succeeds reloads it.
    public var storeProblem: String?
    /// When each live source last delivered, read with the change token; shown in the status bar.
    public var freshness: [SourceFreshness] = []
    /// How long each source may be silent before the status bar warns (configuration `[silence]`).
    public var silence: [FeedSource: Int64] = [:]
    /// The currencies the dashboard shows first (configuration `[dashboard] currencies`).
    public var mainCurrencies: [Currency] = ConsoleConfig.defaultMainCurrencies
    /// The zone times are shown in (configuration `timezone`); the dashboard's "today" is its day.
    public var zone: DisplayZone = .utc
    /// Where payment ids and tracking numbers lead (configuration `[links]`).
    public var links = LinkTemplates()
    /// Who may reveal personal data, and for how long (configuration `[privacy]`).
    public var privacy = PrivacyPolicy()
    /// Customers whose personal data is shown in full, until when (an audited `:reveal`).
    public var reveals: [String: Timestamp] = [:]
    /// A screen share (`:share`): names as initials, no email or postcode, whatever was revealed.
    public var shareSafe = false
    public var quitting = false
    /// The records opened lately, newest first (`:recent`, ctrl-o).
    public var recent: [RecentItem] = []
    /// The records opened, in order, and where ctrl-o / ctrl-n stand in them (a jump list, as in vim).
    public var jumps: [Destination] = []
    public var jumpIndex = -1
    /// The print partners' names (loaded at start), for `:jobs partner=` completion and checks.
    public var partners: [String] = []
    /// Text `y` asked to put on the operator's clipboard, for the terminal loop to send (OSC 52) and clear.
    public var clipboard: String?

    /// What quitting now would leave unfinished ("A refund of ord_…"), if anything: the refund sent and not yet
    /// answered.
    public var workInFlight: String? {
        guard case .refund(let dialog)? = overlay, dialog.step == .working else { return nil }
        return "A refund of \(dialog.orderID)"
    }
    var nextRequest = 1
    var nextScreen = 1
    /// Which screen (by `StackEntry.id`) made each request still awaiting its answer.
    var owners: [Int: Int] = [:]

    public init(
        size: Size, theme: Theme, keymap: Keymap = .defaults, session: Session, now: Timestamp,
        clockFrozen: Bool, stuckThreshold: Int64 = OrderDiagnosis.defaultStuckThreshold
    ) {
        self.size = size
        self.theme = theme
        self.keymap = keymap
        self.session = session
        self.now = now
        self.clockFrozen = clockFrozen
        self.stuckThreshold = stuckThreshold
        stack = [StackEntry(id: 0, screen: SearchScreen())]
    }

    mutating func requestID() -> Int {
        defer { nextRequest += 1 }
        return nextRequest
    }

    /// The smallest terminal the console lays out in.
    public static let minimumSize = Size(width: 60, height: 16)
    public var isTooSmall: Bool { size.width < Self.minimumSize.width || size.height < Self.minimumSize.height }
}

/// What is drawn over the screen.
public enum Overlay: Sendable {
    case help
    case command(CommandLineState)
    case refund(RefundDialog)
    case action(ActionDialog)
}

extension Optional where Wrapped == Overlay {
    var isCommandLine: Bool {
        if case .command? = self { return true }
        return false
    }
}

/// The `:` command line: the text being typed, completion and history position.
public struct CommandLineState: Sendable {
    /// Long enough for a note (`:note` takes up to 2,000 characters).
    public var field = TextField("", maxLength: Note.maxLength + 100)

    public init(_ text: String = "") { field.set(text) }
    /// Index into the history while browsing it with up/down.
    public var historyIndex: Int?
}

// MARK: - Personal data

extension AppState {
    /// How `userID`'s personal data is shown now.
    public func exposure(of userID: String) -> Exposure {
        if shareSafe { return .shareSafe }
        if let until = reveals[userID], until > now { return .revealed }
        return .masked
    }

    public func email(_ user: User) -> String { PersonalData.email(user.email, exposure(of: user.id)) }
    /// A name in a list of many customers' records: initials on a shared screen, else the name.
    public func listName(_ name: String) -> String { PersonalData.name(name, shareSafe ? .shareSafe : .masked) }
    public func name(_ name: String, of userID: String) -> String { PersonalData.name(name, exposure(of: userID)) }
    public func address(_ address: Address, of userID: String) -> String {
        PersonalData.address(address, exposure(of: userID)).singleLine
    }
}
