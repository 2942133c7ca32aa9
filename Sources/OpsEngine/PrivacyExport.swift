import OpsCore

// MARK: - What is held about a customer

/// Everything the store holds about one customer, in full (a data-subject access request): the customer, their
/// prints, orders (with shipping addresses), payments, refunds, print jobs with their partner timelines, disputes,
/// notes, support's actions, and the audit entries about them or their orders and print jobs.
public struct PrivacyExport: Sendable {
    public var customer: Customer360
    /// Each print job's partner timeline, by job id.
    public var jobEvents: [String: [PrintJobEvent]]
    /// Support's actions on their account, orders and print jobs (with their notes and new addresses).
    public var actions: [SupportAction] = []
    public var audit: [AuditEntry]

    /// What an audit entry's `target` is when it is about this customer's records.
    public var targets: Set<String> {
        var set: Set<String> = ["customer \(customer.user.id)"]
        for order in customer.orders { set.insert("order \(order.id)") }
        for job in customer.printJobs { set.insert("print job \(job.id)") }
        return set
    }

    public func json(exportedAt: Timestamp, by operatorName: String) -> JSONValue {
        let events = customer.printJobs.map { job in
            (job.id, JSONValue.array((jobEvents[job.id] ?? []).map(\.json)))
        }
        return .object([
            ("format", .string("popsa-ops privacy export 1")), ("exported_at", .string(exportedAt.iso8601)),
            ("exported_by", .string(operatorName)), ("customer", customer.json),
            ("print_job_events", .object(events)), ("support_actions", .array(actions.map(\.json))),
            ("audit", .array(audit.map(\.json))),
        ])
    }
}

extension Engine {
    /// Gathers what is held about `customer` (as `customer(identifiedBy:)` read it); `audit` gives the audit log's
    /// entries (every one: those about this customer are kept).
    public func privacyExport(
        of customer: Customer360, audit: () async throws -> [AuditEntry]
    ) async throws -> PrivacyExport {
        var export = PrivacyExport(customer: customer, jobEvents: try await events(customer.printJobs), audit: [])
        export.actions = try await store.actions(userID: customer.user.id)
        let targets = export.targets
        export.audit = try await audit().filter { targets.contains($0.record.target) }.sorted {
            $0.sequence < $1.sequence
        }
        return export
    }
}

// MARK: - Erasure

extension Engine {
    /// Erases a customer's personal data (`ErasureSQL`), recorded as `privacy.erased` in the same transaction.
    public func erase(
        _ userID: String, reason: ErasureReason, by who: OperatorIdentity
    ) async throws -> ErasureReport {
        try await store.eraseCustomer(
            userID,
            audit: AuditRecord(
                at: clock.now(), operatorName: who.name, sshClient: who.sshClient ?? "", action: "privacy.erased",
                target: "customer \(userID)", reason: reason.rawValue, result: "ok"))
    }
}
