// MARK: - Personal data, shown only when needed

/// How a customer's personal data is shown: masked by default (enough to tell customers apart and to confirm what
/// a ticket says), in full for a while after a reveal, and masked further on a shared screen.
public enum Exposure: Hashable, Sendable {
    /// `is***@yahoo.com`, the street lines hidden, the postcode's first part.
    case masked
    /// Everything, after an audited reveal.
    case revealed
    /// A screen share: names as initials, no email or postcode at all.
    case shareSafe
}

/// Masking rules. Search still matches the full values: masking is only what is drawn or printed.
public enum PersonalData {
    /// `isabel.martin@yahoo.com` → `is***@yahoo.com` (the domain tells providers apart; two letters confirm a
    /// customer reading out an address).
    public static func email(_ email: String, _ exposure: Exposure) -> String {
        switch exposure {
        case .revealed: return email
        case .shareSafe: return "***"
        case .masked:
            guard let at = email.lastIndex(of: "@") else { return "***" }
            return String(email[..<at].prefix(2)) + "***" + email[at...]
        }
    }

    /// `SW1A 1AA` → `SW1A ***`; a postcode without a space keeps its first half (at most four characters).
    public static func postcode(_ postcode: String, _ exposure: Exposure) -> String {
        switch exposure {
        case .revealed: return postcode
        case .shareSafe: return postcode.isEmpty ? "" : "***"
        case .masked:
            let trimmed = postcode.trimmingWhitespace()
            guard !trimmed.isEmpty else { return "" }
            if let space = trimmed.firstIndex(of: " ") { return String(trimmed[..<space]) + " ***" }
            return String(trimmed.prefix(min(4, trimmed.count / 2))) + "***"
        }
    }

    /// A name, or its initials on a shared screen (`Isabel Martin` → `I. M.`).
    public static func name(_ name: String, _ exposure: Exposure) -> String {
        guard exposure == .shareSafe else { return name }
        let initials = name.split(whereSeparator: { $0 == " " || $0 == "-" }).compactMap(\.first)
        return initials.isEmpty ? "***" : initials.map { "\($0)." }.joined(separator: " ")
    }

    /// The address with the street lines hidden and the postcode partial (city and country stay: they tell
    /// customers apart and explain a delivery).
    public static func address(_ a: Address, _ exposure: Exposure) -> Address {
        guard exposure != .revealed else { return a }
        return Address(
            name: name(a.name, exposure), line1: "•••", line2: "", city: a.city, region: a.region,
            postcode: postcode(a.postcode, exposure), country: a.country)
    }
}

/// Why an agent reveals a customer's personal data: one of a few reasons, so that the audit log (whose chain can
/// never be rewritten) holds no free text about a customer.
public enum RevealReason: String, CaseIterable, Hashable, Sendable {
    case ticket, delivery, payment, fraud, request

    public var label: String {
        switch self {
        case .ticket: "answering the customer's ticket"
        case .delivery: "a delivery problem (the address)"
        case .payment: "a payment or refund question"
        case .fraud: "a fraud or chargeback check"
        case .request: "the customer's request for their data"
        }
    }

    public static var choices: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// Who may reveal and who may export personal data, and for how long a reveal lasts (configuration `[privacy]`).
public struct PrivacyPolicy: Hashable, Sendable {
    public var revealSeconds: Int64 = 300
    public var revealRoles: Set<Role> = [.agent, .supervisor]
    /// Roles whose `--json` output holds personal data in full.
    public var exportRoles: Set<Role> = [.supervisor]
    /// Roles that may erase a customer's personal data.
    public var eraseRoles: Set<Role> = [.supervisor]

    public init() {}
}

// MARK: - Records as they may be shown

extension User {
    /// This customer with their email (and, on a shared screen, their name) as `exposure` shows them.
    public func masked(_ exposure: Exposure) -> User {
        var user = self
        user.email = PersonalData.email(email, exposure)
        user.name = PersonalData.name(name, exposure)
        return user
    }
}

extension Order {
    public func masked(_ exposure: Exposure) -> Order {
        var order = self
        order.shippingAddress = PersonalData.address(shippingAddress, exposure)
        return order
    }
}

extension Customer360 {
    public func masked(_ exposure: Exposure) -> Customer360 {
        var c = self
        c.user = user.masked(exposure)
        c.orders = orders.map { $0.masked(exposure) }
        return c
    }
}

extension OrderDetail {
    public func masked(_ exposure: Exposure) -> OrderDetail {
        var d = self
        d.user = user.masked(exposure)
        d.order = order.masked(exposure)
        return d
    }
}

extension PrintJobDetail {
    public func masked(_ exposure: Exposure) -> PrintJobDetail {
        var d = self
        d.user = user.masked(exposure)
        d.order = order.masked(exposure)
        return d
    }
}
