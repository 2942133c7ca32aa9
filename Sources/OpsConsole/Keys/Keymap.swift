import OpsTUI

/// Every action a key can trigger, by the name key-binding configuration uses.
public enum UICommand: String, CaseIterable, Hashable, Sendable {
    case quit, back, help, command, filter, up, down
    case pageUp = "page-up", pageDown = "page-down", top, bottom, open
    case nextTab = "next-tab", prevTab = "prev-tab", refresh
    case metrics, orders, jobs, stuckJobs = "stuck-jobs", home
    case refund, openOrder = "open-order", openCustomer = "open-customer", partner
    case prevPartner = "previous-partner"
    case pause, window, audit, disputes, copy
    case jumpBack = "jump-back", jumpForward = "jump-forward", reveal, note
    case action, timeline
    case orderActions = "order-actions"

    /// What the help overlay says it does.
    public var summary: String {
        switch self {
        case .quit: "back (quit: :q)"
        case .back: "back / close"
        case .help: "this help"
        case .command: "command mode (:customer ID, :order ID, :jobs stuck …)"
        case .filter: "search, or filter the list"
        case .up: "up"
        case .down: "down"
        case .pageUp: "page up"
        case .pageDown: "page down"
        case .top: "first row"
        case .bottom: "last row"
        case .open: "open"
        case .nextTab: "next tab"
        case .prevTab: "previous tab"
        case .refresh: "reload"
        case .metrics: "metrics dashboard"
        case .orders: "orders by status"
        case .jobs: "print jobs"
        case .stuckJobs: "stuck print jobs"
        case .home: "back to search, its text selected"
        case .refund: "refund this order"
        case .openOrder: "open the order"
        case .openCustomer: "open the customer"
        case .partner: "next print partner with jobs here"
        case .prevPartner: "previous print partner with jobs here"
        case .pause: "pause / resume refresh"
        case .window: "next time window"
        case .audit: "audit log"
        case .disputes: "chargebacks, by evidence due date"
        case .copy: "copy the id to your clipboard (OSC 52)"
        case .jumpBack: "back through the records opened (:recent lists them)"
        case .jumpForward: "forward again (ctrl-i is tab in a terminal)"
        case .reveal: "show this customer's personal data in full, for a reason (audited, for a few minutes)"
        case .note: "add an internal note here (:note [#TICKET] TEXT)"
        case .timeline: "this customer's or order's timeline: money, fulfilment, support, newest first"
        case .orderActions: "the order's own actions (change address, resend confirmation), whatever it suggests"
        case .action:
            "act on this record: hold, release, cancel or reprint a print job; change an order's address or resend "
                + "its confirmation; lock, unlock or reset an account (audited; on an order, its diagnosis's next step)"
        }
    }
}

extension UICommand {
    /// The one or two words the hint line shows after the key.
    public var hint: String {
        switch self {
        case .openOrder: "order"
        case .openCustomer: "customer"
        case .nextTab: "tabs"
        case .prevTab: "tabs"
        case .stuckJobs: "stuck"
        case .pageUp, .pageDown: "page"
        case .action: "actions"
        case .orderActions: "order actions"
        default: rawValue
        }
    }
}

/// Keys → commands, globally and per screen.
public struct Keymap: Hashable, Sendable {
    public var bindings: [ScreenKind: [Key: UICommand]]
    /// Keys a screen switches off (configured `"<disabled>"`), global bindings included.
    public var disabled: [ScreenKind: Set<Key>]

    public init(bindings: [ScreenKind: [Key: UICommand]], disabled: [ScreenKind: Set<Key>] = [:]) {
        self.bindings = bindings
        self.disabled = disabled
    }

    public func command(for key: Key, on screen: ScreenKind) -> UICommand? {
        if disabled[screen]?.contains(key) == true { return nil }
        if let screenBindings = bindings[screen], let command = screenBindings[key] { return command }
        return bindings[.global]?[key]
    }

    /// Keys bound to `command` where `screen` is shown, for the help overlay: screen bindings first.
    public func keys(for command: UICommand, on screen: ScreenKind) -> [Key] {
        var keys: [Key] = []
        for scope in [screen, .global] {
            for (key, bound) in bindings[scope] ?? [:] where bound == command {
                // A global key the screen rebinds to something else, or switches off, does not do this here.
                if scope == .global, let override = bindings[screen]?[key], override != command { continue }
                if disabled[screen]?.contains(key) == true { continue }
                if !keys.contains(key) { keys.append(key) }
            }
        }
        return keys.sorted { Keymap.order($0) < Keymap.order($1) }
    }

    /// Stable order for listing keys: letters, then named keys.
    static func order(_ key: Key) -> String {
        switch key {
        case .character: "0" + key.name
        case .control: "1" + key.name
        case .function: "2" + key.name
        default: "3" + key.name
        }
    }

    public static let defaults: Keymap = {
        func k(_ name: String) -> Key { Key(name: name)! }
        var global: [Key: UICommand] = [:]
        for (names, command) in [
            (["q"], UICommand.quit), (["esc"], .back), (["?", "f1"], .help), ([":"], .command), (["/"], .filter),
            (["up", "k"], .up), (["down", "j"], .down), (["pgup", "ctrl-b"], .pageUp), (["pgdn", "ctrl-f"], .pageDown),
            (["home", "g"], .top), (["end", "G"], .bottom), (["enter"], .open), (["tab"], .nextTab),
            (["backtab"], .prevTab), (["ctrl-r"], .refresh), (["m"], .metrics), (["H"], .home), (["y"], .copy),
            (["ctrl-o"], .jumpBack), (["ctrl-n"], .jumpForward),
        ] as [([String], UICommand)] {
            for name in names { global[k(name)] = command }
        }
        var bindings: [ScreenKind: [Key: UICommand]] = [.global: global]
        for (kind, keys) in ScreenKind.defaultKeys {
            bindings[kind] = Dictionary(uniqueKeysWithValues: keys.map { (k($0.0), $0.1) })
        }
        return Keymap(bindings: bindings)
    }()
}
