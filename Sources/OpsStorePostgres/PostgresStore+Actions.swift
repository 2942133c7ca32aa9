import OpsCore
import PostgresNIO

// MARK: - PostgresStore: ActionStore

/// Support's actions on a shared database: a reservation locks the record's row (`FOR UPDATE`) before it
/// decides, so two boxes acting on one job, order or account queue on that row and the second sees the first's
/// intent.
extension PostgresStore: ActionStore {
    public func actionContext(_ subject: ActionSubject) async throws -> ActionContext? {
        try await actionContext(subject, on: .pool, lock: false)
    }

    func actionContext(_ subject: ActionSubject, on target: PostgresTarget, lock: Bool) async throws -> ActionContext? {
        let id: [StoreValue] = [.text(subject.id)]
        let alias =
            switch subject.kind {
            case .printJob: "j"
            case .order: "o"
            case .customer: "u"
            }
        guard
            let record = try await fetchFirst(
                Self.numbered(ActionSQL.record(subject.kind)) + (lock ? " FOR UPDATE OF \(alias)" : ""), id,
                on: target, { try ActionSQL.decodeRecord(subject.kind, $0) })
        else { return nil }
        return ActionContext(
            subject: subject, user: record.user, order: record.order, job: record.job,
            orderJobs: subject.kind == .order
                ? try await fetch(Self.numbered(ActionSQL.orderJobs), id, on: target) { try PrintJob(row: $0) } : [],
            hold: subject.kind == .printJob ? try await jobHold(jobID: subject.id, on: target) : nil,
            actions: try await actions(subject, on: target))
    }

    public func actions(userID: String) async throws -> [SupportAction] {
        try await fetch(Self.numbered(ActionSQL.byCustomer), [.text(userID)]) { try SupportAction(row: $0) }
    }

    func jobHold(jobID: String, on target: PostgresTarget) async throws -> JobHold? {
        try await fetchFirst(Self.numbered(ActionSQL.hold), [.text(jobID)], on: target) { try JobHold(row: $0) }
    }

    func actions(_ subject: ActionSubject, on target: PostgresTarget) async throws -> [SupportAction] {
        try await fetch(
            Self.numbered(ActionSQL.bySubject), [.text(subject.kind.rawValue), .text(subject.id)], on: target
        ) { try SupportAction(row: $0) }
    }

    public func reserveAction(_ r: ActionReservation, audit: AuditRecord) async throws -> SupportAction {
        try await writeAudited { connection in
            let on = PostgresTarget.connection(connection)
            // The record's row lock: whoever holds it is the only one deciding what may be done to it.
            let context = try r.check(try await actionContext(r.subject, on: on, lock: true))
            try await execute(Self.numbered(ActionSQL.insert), r.values(context), on: on)
            try await appendAudit(audit, on: connection)
            return try await action(id: r.id, on: on)!
        }
    }

    public func resolveAction(
        id: String, _ resolution: ActionResolution, now: Timestamp, audit: AuditRecord
    ) async throws -> SupportAction {
        try await writeAudited { connection in
            let on = PostgresTarget.connection(connection)
            guard
                let stored = try await fetchFirst(
                    Self.numbered(ActionSQL.byID) + " FOR UPDATE", [.text(id)], on: on, { try SupportAction(row: $0) })
            else { throw ActionRefusal.notFound("action \(id)") }
            try await execute(
                Self.numbered(ActionSQL.resolve), ActionSQL.resolveValues(resolution, now: now, id: id), on: on)
            if case .succeeded(let reference) = resolution, stored.status.isOpen {
                var done = stored
                done.reference = reference
                var (status, partner, sequence): (PrintJobStatus?, String?, Int64) = (nil, nil, 1)
                if case .printJob(let job) = stored.subject,
                    let row = try await fetchFirst(
                        "SELECT status, partner FROM print_jobs WHERE id = $1 FOR UPDATE", [.text(job)], on: on,
                        { (try $0.text(0), try $0.text(1)) })
                {
                    (status, partner) = (PrintJobStatus(rawValue: row.0), row.1)
                    sequence =
                        try await fetchFirst(Self.numbered(ActionSQL.nextEventSequence), [.text(job)], on: on) {
                            try $0.integer(0)
                        } ?? 1
                }
                for statement in ActionSQL.effects(
                    of: done, now: now, jobStatus: status, sequence: sequence, partner: partner)
                {
                    try await execute(Self.numbered(statement.sql), statement.values, on: on)
                }
            }
            try await appendAudit(audit, on: connection)
            return try await action(id: id, on: on)!
        }
    }

    public func claimActionsToReconcile(now: Timestamp, leaseSeconds: Int64) async throws -> [SupportAction] {
        // As refunds: rows another reconciler is claiming right now are skipped, not waited for.
        let claimed = try await write { connection in
            try await fetch(
                """
                UPDATE support_actions a SET lease_until = $1 WHERE a.id IN (
                  SELECT id FROM support_actions WHERE status IN ('pending', 'unknown') AND lease_until <= $2
                  FOR UPDATE SKIP LOCKED)
                RETURNING \(ActionSQL.columns)
                """, [.integer(now.seconds + leaseSeconds), .integer(now.seconds)], on: .connection(connection)
            ) { try SupportAction(row: $0) }
        }
        return claimed.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func leasedActions(now: Timestamp) async throws -> [SupportAction] {
        try await fetch(Self.numbered(ActionSQL.leased), [.integer(now.seconds)]) { try SupportAction(row: $0) }
    }

    public func sandboxPlatformPerform(_ call: PlatformCall, now: Timestamp) async throws -> PlatformAnswer {
        try await write { connection in
            let on = PostgresTarget.connection(connection)
            let id: [StoreValue] = [.text(call.subject.id)]
            var facts = SandboxPlatformRule.Facts()
            // The record's row first: the calls about one record are decided and numbered one at a time.
            switch call.subject {
            case .printJob:
                facts.jobStatus = try await fetchFirst(
                    Self.numbered(ActionSQL.jobStatus) + " FOR UPDATE", id, on: on, { try $0.text(0) }
                ).flatMap(PrintJobStatus.init(rawValue:))
                facts.exists = facts.jobStatus != nil
            case .order:
                facts.exists =
                    try await fetchFirst("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", id, on: on) {
                        try $0.integer(0)
                    } != nil
                facts.orderJobStatuses = try await fetch(Self.numbered(ActionSQL.orderJobStatuses), id, on: on) {
                    try $0.text(0)
                }.compactMap(PrintJobStatus.init(rawValue:))
            case .customer:
                facts.accountStatus = try await fetchFirst(
                    Self.numbered(ActionSQL.userStatus) + " FOR UPDATE", id, on: on, { try $0.text(0) }
                ).flatMap(AccountStatus.init(rawValue:))
                facts.exists = facts.accountStatus != nil
            }
            if let answer = try await sandboxAnswer(key: call.idempotencyKey, on: on) { return answer }
            facts.held =
                try await fetchFirst(Self.numbered(ActionSQL.sandboxHeld), id, on: on) { try $0.text(0) } == "hold"
            let (accepted, message) = SandboxPlatformRule.decide(call, facts)
            let answer = PlatformAnswer(
                accepted: accepted, reference: SandboxPlatformRule.reference(call), message: message)
            try await execute(
                Self.numbered(ActionSQL.sandboxRecord), ActionSQL.sandboxValues(call, answer, now: now), on: on)
            return answer
        }
    }

    public func sandboxPlatformAnswer(key: String) async throws -> PlatformAnswer? {
        try await sandboxAnswer(key: key, on: .pool)
    }

    func sandboxAnswer(key: String, on target: PostgresTarget) async throws -> PlatformAnswer? {
        try await fetchFirst(Self.numbered(ActionSQL.sandboxCall), [.text(key)], on: target) {
            PlatformAnswer(accepted: try $0.integer(0) != 0, reference: try $0.text(1), message: try $0.text(2))
        }
    }

    func action(id: String, on target: PostgresTarget) async throws -> SupportAction? {
        try await fetchFirst(Self.numbered(ActionSQL.byID), [.text(id)], on: target) { try SupportAction(row: $0) }
    }
}

// MARK: - PostgresStore: ErasureStore

extension PostgresStore: ErasureStore {
    public func eraseCustomer(_ userID: String, audit: AuditRecord) async throws -> ErasureReport {
        try await writeAudited { connection in
            let on = PostgresTarget.connection(connection)
            let id: [StoreValue] = [.text(userID)]
            // The account's row first: an erasure and an action on the same customer do not interleave.
            guard
                try await fetchFirst("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", id, on: on, { try $0.integer(0) })
                    != nil
            else { throw ActionRefusal.notFound("customer \(userID)") }
            let ids = Array(repeating: StoreValue.text(userID), count: ErasureSQL.countPlaceholders)
            guard
                let report = try await fetchFirst(
                    Self.numbered(ErasureSQL.counts), ids, on: on, { try ErasureSQL.report(userID, $0) })
            else { throw ActionRefusal.notFound("customer \(userID)") }
            let addresses = try await fetch(Self.numbered(ErasureSQL.addresses), id, on: on) {
                (try $0.text(0), try StoredJSON.decodeAddress(try $0.text(1)))
            }
            for (order, address) in addresses {
                try await execute(
                    Self.numbered(ErasureSQL.address), [.text(ErasureSQL.erased(address)), .text(order)], on: on)
            }
            try await execute(Self.numbered(ErasureSQL.user), id, on: on)
            for sql in ErasureSQL.redactions { try await execute(Self.numbered(sql), id, on: on) }
            var entry = audit
            entry.detail = report.summary
            try await appendAudit(entry, on: connection)
            return report
        }
    }
}
