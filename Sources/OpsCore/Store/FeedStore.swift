// MARK: - FeedStore

/// What `serve` writes: the platform's feed, print partners' updates and the payment providers' events, each
/// applied in one transaction with the store's rules (the import's for the feed), exactly once where the sender
/// retries. Both stores implement it, with the same answers.
public protocol FeedStore: Sendable {
    /// A signed batch of JSON Lines, with a file import's rules, noted as the platform's delivery at `received`.
    func ingest(_ bytes: [UInt8], name: String, received: Timestamp) async throws -> ImportReport
    /// A partner's update of one of its jobs (see `PartnerEventOutcome`).
    func recordPartnerEvent(
        _ event: PartnerEvent, partner: String, received: Timestamp
    ) async throws
        -> PartnerEventOutcome
    /// One Stripe event, exactly once (its id is recorded with its effect).
    func applyStripeEvent(_ event: StripeEvent, now: Timestamp) async throws -> WebhookOutcome
    /// One Braintree notification, exactly once (its payload's digest is recorded with its effect).
    func applyBraintreeEvent(_ event: BraintreeEvent, now: Timestamp) async throws -> WebhookOutcome
    /// Whether some Stripe payment here already knows `charge`.
    func knowsStripeCharge(_ charge: String) async throws -> Bool
    /// Records that `charge` belongs to the Stripe payment recorded by `intent` (what Stripe said when asked):
    /// false when no payment has that intent or it already names another charge.
    func linkStripeCharge(_ charge: String, toIntent intent: String) async throws -> Bool
    /// Counts a request a live source's endpoint refused, with the reason as its last error (never the payload).
    func recordFeedRejection(_ source: FeedSource, reason: String, at: Timestamp) async throws
}
