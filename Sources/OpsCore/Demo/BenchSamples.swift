// MARK: - BenchSamples

/// What the benchmarks feed both stores: search terms as people type them, identifiers a ticket carries,
/// customers to open. Drawn from a store's own customers, deterministically for a seed.
public struct BenchSamples: Sendable {
    /// What a person types into search: one or two word prefixes of real customers' names.
    public var searchTerms: [String] = []
    /// Identifiers a ticket may carry: order ids, emails, tracking numbers, Stripe and Braintree ids.
    public var identifiers: [String] = []
    public var userIDs: [String] = []

    public init() {}

    /// The kinds of identifier `add` asks for: an order id, the email, a tracking number, a transaction id.
    public static let identifierKinds = 4

    /// Adds what one customer drawn at random gives: the customer and a type-ahead of their email's words.
    /// Returns which kind of their identifiers to add next with `addIdentifier` (an order id, the email, a
    /// tracking number, a transaction id), or nil when there are enough.
    public mutating func addCustomer(userID: String, email: String, count: Int, random: inout DemoRandom) -> Int? {
        if userIDs.count < count { userIDs.append(userID) }
        // Email local parts are ASCII "given.family123": type-ahead of the first word, or of both.
        let words = email.prefix { $0 != "@" }.split(separator: ".").map { String($0.prefix { !$0.isNumber }) }
        if searchTerms.count < count, let first = words.first, first.count >= 2 {
            let short = String(first.prefix(random.within(2...max(2, min(6, first.count)))))
            if words.count > 1, random.chance(500), let second = words.last, !second.isEmpty {
                searchTerms.append("\(first) \(second.prefix(random.within(1...min(4, second.count))))")
            } else {
                searchTerms.append(short)
            }
        }
        return identifiers.count < count ? random.below(Self.identifierKinds) : nil
    }

    /// The customer's identifier of the kind asked for, if they have one.
    public mutating func addIdentifier(_ value: String?) {
        if let value { identifiers.append(value) }
    }
}
