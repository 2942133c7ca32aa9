import OpsCore

// MARK: - Revealing personal data

extension AppState {
    /// `:reveal REASON` (or `v`, which types it): the customer on screen's personal data in full for the configured
    /// time, once the audit log has recorded who, whom and why. Viewers never; a shared screen never.
    mutating func reveal(_ reason: RevealReason) -> [Effect] {
        guard let owner = current.personalDataOwner(state: self) else {
            message = StatusMessage("Open a customer, an order or a print job to reveal its customer's data", .warning)
            return []
        }
        guard privacy.revealRoles.contains(session.role) else {
            message = StatusMessage(
                "A \(session.role.rawValue) may not reveal personal data (configuration [privacy] reveal_roles)",
                .error)
            return []
        }
        guard !shareSafe else {
            message = StatusMessage("The screen is shared: end screen-share-safe mode first (:share)", .warning)
            return []
        }
        return [
            .recordReveal(
                Reveal(
                    userID: owner.userID, name: owner.name, reason: reason,
                    until: now.adding(seconds: privacy.revealSeconds)))
        ]
    }
}
