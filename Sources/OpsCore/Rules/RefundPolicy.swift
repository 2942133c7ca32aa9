/// Who is acting: the Unix user, the SSH client they came from, and the role configuration gives them.
public struct OperatorIdentity: Hashable, Sendable {
    public var name: String
    public var sshClient: String?
    public var role: Role

    public init(name: String, sshClient: String?, role: Role) {
        self.name = name
        self.sshClient = sshClient
        self.role = role
    }
}

/// Who may refund how much, and when the confirmation asks for the amount to be typed again.
public struct RefundPolicy: Hashable, Sendable {
    /// Roles by Unix user name.
    public var roles: [String: Role]
    /// The role of anyone not listed.
    public var defaultRole: Role
    /// The most an agent may refund at once, per currency. A currency without a limit cannot be refunded by agents.
    public var agentLimits: [Currency: Int64]
    /// At or above this amount the confirmation step asks the operator to type the amount again.
    public var retypeThreshold: [Currency: Int64]

    public init(
        roles: [String: Role] = [:], defaultRole: Role = .agent, agentLimits: [Currency: Int64] = [:],
        retypeThreshold: [Currency: Int64] = [:]
    ) {
        self.roles = roles
        self.defaultRole = defaultRole
        self.agentLimits = agentLimits
        self.retypeThreshold = retypeThreshold
    }

    public func role(of user: String) -> Role { roles[user] ?? defaultRole }

    /// Why `role` may not refund `amount`, if it may not.
    public func limitProblem(_ amount: Money, role: Role) -> String? {
        switch role {
        case .viewer:
            return "viewers cannot refund (ask a supervisor to change your role)"
        case .supervisor:
            return nil
        case .agent:
            guard let limit = agentLimits[amount.currency] else {
                return "agents have no refund limit set for \(amount.currency.code): a supervisor must refund this"
            }
            if amount.minorUnits > limit {
                return
                    "\(amount.formatted) is over your limit of "
                    + "\(Money(minorUnits: limit, currency: amount.currency).formatted) per refund: a supervisor "
                    + "must refund this"
            }
            return nil
        }
    }

    public func needsRetype(_ amount: Money) -> Bool {
        guard let threshold = retypeThreshold[amount.currency] else { return false }
        return amount.minorUnits >= threshold
    }
}
