import OpsCore
import OpsEngine
import OpsTUI

// MARK: - The unit a screen is

/// One screen of the console, as one unit (bubbletea's model, ratatui's stateful widget): its state, how it handles
/// keys and commands, how it receives the results it asked for, what effects it asks for, and how it draws.
///
/// The console forwards input to the current screen and routes every result once, by request id, to the screen
/// that made the request. A screen never changes the stack: it answers with a `Navigation` the console applies
/// once the screen is back in place.
///
/// Adding a screen: the screen's file (a type conforming to this protocol), its `Destination` case and line in
/// `Destination.makeScreen` (Screens/Registry.swift), and its test. See ARCHITECTURE.md, "Where to add".
public protocol ConsoleScreen: Sendable {
    /// Which key bindings apply (keymap sections and `?`).
    var kind: ScreenKind { get }
    /// The breadcrumb label.
    var title: String { get }
    /// The screen's own commands, listed first in `?`.
    var helpCommands: [UICommand] { get }
    /// The main keys, most important first, on the hint line (the top line's right end, as k9s and nano show
    /// theirs): the order screen says that `r` refunds. Those that do not fit are dropped from the end.
    var hintCommands: [UICommand] { get }
    /// Whether a commit in the database reloads it (the dashboard keeps its own interval).
    var reloadsOnChange: Bool { get }

    /// Asks for what it shows: when opened, when revealed again, when the data changed. Keeps selection and typing.
    mutating func load(state: inout AppState) -> [Effect]
    /// A key for a focused text field; nil when no field takes it (it then goes through the keymap).
    mutating func handleTyping(_ key: Key, state: inout AppState) -> Reply?
    /// Pasted text (a bracketed paste: always text, never keys) for a focused text field; nil when no field takes
    /// it (the console then says so and nothing else happens).
    mutating func handlePaste(_ text: String, state: inout AppState) -> Reply?
    /// Printable keys are text here, never shortcuts (the search screen): the help lists no printable key.
    var typesPrintableKeys: Bool { get }
    /// A command from the keymap.
    mutating func handle(_ command: UICommand, state: inout AppState) -> Reply
    /// The answer to one of this screen's requests. A screen drops answers to requests it has since replaced.
    mutating func receive(_ result: EffectResult, request: Int, state: AppState)
    /// The clock moved (`due`: a refresh is forced, as headless `wait` does).
    mutating func tick(state: inout AppState, due: Bool) -> [Effect]

    /// Where the selection is, for the status bar ("3/50"); nil when there is no list.
    func positionText(state: AppState) -> String?
    /// What `y` copies to the operator's clipboard: the selected row's id, else the record's own (an order id, a
    /// tracking number, an email); nil when there is nothing to copy.
    func copyTarget(state: AppState) -> Copyable?
    /// The customer whose personal data this screen shows (for `:reveal`): their id and name; nil when none.
    func personalDataOwner(state: AppState) -> (userID: String, name: String)?
    /// The record a note added here is about (a customer, order or print job id); nil where notes do not belong.
    var noteSubject: String? { get }
    /// What `a` acts on here, once the record has loaded (`ownActions`: `A`, the record's own actions rather than
    /// the one its diagnosis suggests), and the action to open on; nil where actions do not belong.
    func actionTarget(ownActions: Bool) -> (subject: ActionSubject, chosen: ActionKind?)?
    /// Whose timeline `t` opens here (a customer or an order id); nil where there is none.
    var timelineSubject: String? { get }
    func render(into buffer: inout Buffer, state: AppState)
}

extension ConsoleScreen {
    public var reloadsOnChange: Bool { true }
    public var hintCommands: [UICommand] { helpCommands.filter { $0 != .prevTab && $0 != .prevPartner } }
    public mutating func handleTyping(_ key: Key, state: inout AppState) -> Reply? { nil }
    public mutating func handlePaste(_ text: String, state: inout AppState) -> Reply? { nil }
    public var typesPrintableKeys: Bool { false }
    public mutating func tick(state: inout AppState, due: Bool) -> [Effect] { [] }
    public func positionText(state: AppState) -> String? { nil }
    public func copyTarget(state: AppState) -> Copyable? { nil }
    public func personalDataOwner(state: AppState) -> (userID: String, name: String)? { nil }
    public var noteSubject: String? { nil }
    public func actionTarget(ownActions: Bool) -> (subject: ActionSubject, chosen: ActionKind?)? { nil }
    public var timelineSubject: String? { nil }
}

// MARK: - What a screen answers

/// Text `y` copies, and what it is ("order id"), for the toast.
public struct Copyable: Sendable, Hashable {
    public var what: String
    public var text: String

    public init(_ what: String, _ text: String) {
        self.what = what
        self.text = text
    }
}

extension Destination {
    /// The id a row leading here stands for.
    var copyable: Copyable? {
        switch self {
        case .customer(let id, _): Copyable("customer id", id)
        case .order(let id): Copyable("order id", id)
        case .printJob(let id): Copyable("print job id", id)
        default: nil
        }
    }
}

/// Where the console goes after a command.
public enum Navigation: Sendable, Hashable {
    /// Opens the destination's screen on top.
    case push(Destination)
    /// Leaves this screen; the one revealed reloads quietly.
    case pop
    /// Back to the search screen.
    case home
    /// This screen gives way to another (the breadcrumb does not grow).
    case replace(Destination)
}

/// A screen's answer to a key or a command: the effects it asks for, and where to go.
public struct Reply: Sendable {
    public var effects: [Effect]
    public var navigation: Navigation?

    public init(_ effects: [Effect] = [], _ navigation: Navigation? = nil) {
        self.effects = effects
        self.navigation = navigation
    }

    public static let none = Reply()
    public static func go(_ destination: Destination) -> Reply { Reply([], .push(destination)) }
    public static let back = Reply([], .pop)
}

/// An effect's answer, delivered to the screen whose request it was.
public enum EffectResult: Sendable {
    case search(Result<SearchResult, EffectError>)
    case customer(Result<Customer360, EffectError>)
    case order(Result<OrderView, EffectError>)
    case printJob(Result<PrintJobDetail, EffectError>)
    case orders(Result<Page<OrderRow>, EffectError>)
    case printJobs(Result<Page<PrintJobRow>, EffectError>)
    case partners([String])
    /// The answer to a screen's own `Fetch`: the value its closure returned.
    case value(Result<any Sendable, EffectError>)
    case dashboard(Result<DashboardData, EffectError>)
}

// MARK: - The stack

/// A screen on the stack, with the identity results are routed by.
public struct StackEntry: Sendable {
    public let id: Int
    public var screen: any ConsoleScreen
    /// Where it was opened for (the recent items remember records by it).
    public var destination: Destination?
}
