import GRDB
import OpsCore

// MARK: - SQLiteStore: ActionStore

extension SQLiteStore: ActionStore {
    public func actionContext(_ subject: ActionSubject) async throws -> ActionContext? {
        try readNow { db in try Self.actionContext(db, subject) }
    }

    static func actionContext(_ db: Database, _ subject: ActionSubject) throws -> ActionContext? {
        guard
            let record = try fetchFirstDecoded(
                db, ActionSQL.record(subject.kind), [subject.id],
                {
                    try ActionSQL.decodeRecord(subject.kind, $0)
                })
        else { return nil }
        return ActionContext(
            subject: subject, user: record.user, order: record.order, job: record.job,
            orderJobs: subject.kind == .order
                ? try fetchDecoded(db, ActionSQL.orderJobs, [subject.id]) { try PrintJob(row: $0) } : [],
            hold: subject.kind == .printJob ? try jobHold(db, jobID: subject.id) : nil,
            actions: try actions(db, subject))
    }

    public func actions(userID: String) async throws -> [SupportAction] {
        try readNow { db in try fetchDecoded(db, ActionSQL.byCustomer, [userID]) { try SupportAction(row: $0) } }
    }

    static func jobHold(_ db: Database, jobID: String) throws -> JobHold? {
        try fetchFirstDecoded(db, ActionSQL.hold, [jobID]) { try JobHold(row: $0) }
    }

    static func actions(_ db: Database, _ subject: ActionSubject) throws -> [SupportAction] {
        try fetchDecoded(db, ActionSQL.bySubject, [subject.kind.rawValue, subject.id]) { try SupportAction(row: $0) }
    }

    public func reserveAction(_ r: ActionReservation, audit: AuditRecord) async throws -> SupportAction {
        try writeAudited { db in
            // IMMEDIATE: this transaction holds the write lock from its first read, so the rule is decided on what
            // no one else can change before the intent is in.
            let context = try r.check(try Self.actionContext(db, r.subject))
            try db.execute(sql: ActionSQL.insert, arguments: Self.arguments(r.values(context)))
            try Self.appendAudit(db, audit)
            return try Self.action(db, id: r.id)!
        }
    }

    public func resolveAction(
        id: String, _ resolution: ActionResolution, now: Timestamp, audit: AuditRecord
    ) async throws -> SupportAction {
        try writeAudited { db in
            guard let action = try Self.action(db, id: id) else { throw ActionRefusal.notFound("action \(id)") }
            try db.execute(
                sql: ActionSQL.resolve,
                arguments: Self.arguments(ActionSQL.resolveValues(resolution, now: now, id: id)))
            if case .succeeded(let reference) = resolution, action.status.isOpen {
                var done = action
                done.reference = reference
                var (status, partner, sequence): (PrintJobStatus?, String?, Int64) = (nil, nil, 1)
                if case .printJob(let job) = action.subject,
                    let row = try Row.fetchOne(
                        db, sql: "SELECT status, partner FROM print_jobs WHERE id = ?", arguments: [job])
                {
                    (status, partner) = (PrintJobStatus(rawValue: row[0]), row[1])
                    sequence = try Int64.fetchOne(db, sql: ActionSQL.nextEventSequence, arguments: [job]) ?? 1
                }
                for statement in ActionSQL.effects(
                    of: done, now: now, jobStatus: status, sequence: sequence, partner: partner)
                {
                    try db.execute(sql: statement.sql, arguments: Self.arguments(statement.values))
                }
            }
            try Self.appendAudit(db, audit)
            return try Self.action(db, id: id)!
        }
    }

    public func claimActionsToReconcile(now: Timestamp, leaseSeconds: Int64) async throws -> [SupportAction] {
        try writeImmediately { db in
            let due = try fetchDecoded(db, ActionSQL.toReconcile, [now.seconds]) { try SupportAction(row: $0) }
            for action in due {
                try db.execute(sql: ActionSQL.lease, arguments: [now.seconds + leaseSeconds, action.id])
            }
            return due
        }
    }

    public func leasedActions(now: Timestamp) async throws -> [SupportAction] {
        try readNow { db in try fetchDecoded(db, ActionSQL.leased, [now.seconds]) { try SupportAction(row: $0) } }
    }

    public func sandboxPlatformPerform(_ call: PlatformCall, now: Timestamp) async throws -> PlatformAnswer {
        try writeImmediately { db in
            if let answer = try Self.sandboxAnswer(db, key: call.idempotencyKey) { return answer }
            var facts = SandboxPlatformRule.Facts()
            let id = call.subject.id
            switch call.subject {
            case .printJob:
                facts.jobStatus = try String.fetchOne(db, sql: ActionSQL.jobStatus, arguments: [id])
                    .flatMap(PrintJobStatus.init(rawValue:))
                facts.exists = facts.jobStatus != nil
                facts.held = try String.fetchOne(db, sql: ActionSQL.sandboxHeld, arguments: [id]) == "hold"
            case .order:
                facts.exists = try Int.fetchOne(db, sql: ActionSQL.orderExists, arguments: [id]) == 1
                facts.orderJobStatuses = try String.fetchAll(db, sql: ActionSQL.orderJobStatuses, arguments: [id])
                    .compactMap(PrintJobStatus.init(rawValue:))
            case .customer:
                facts.accountStatus = try String.fetchOne(db, sql: ActionSQL.userStatus, arguments: [id])
                    .flatMap(AccountStatus.init(rawValue:))
                facts.exists = facts.accountStatus != nil
            }
            let (accepted, message) = SandboxPlatformRule.decide(call, facts)
            let answer = PlatformAnswer(
                accepted: accepted, reference: SandboxPlatformRule.reference(call), message: message)
            try db.execute(
                sql: ActionSQL.sandboxRecord, arguments: Self.arguments(ActionSQL.sandboxValues(call, answer, now: now))
            )
            return answer
        }
    }

    public func sandboxPlatformAnswer(key: String) async throws -> PlatformAnswer? {
        try readNow { db in try Self.sandboxAnswer(db, key: key) }
    }

    static func sandboxAnswer(_ db: Database, key: String) throws -> PlatformAnswer? {
        try fetchFirstDecoded(db, ActionSQL.sandboxCall, [key]) {
            PlatformAnswer(accepted: try $0.integer(0) != 0, reference: try $0.text(1), message: try $0.text(2))
        }
    }

    static func action(_ db: Database, id: String) throws -> SupportAction? {
        try fetchFirstDecoded(db, ActionSQL.byID, [id]) { try SupportAction(row: $0) }
    }

    static func arguments(_ values: [StoreValue]) -> StatementArguments {
        StatementArguments(values.map(\.databaseValue))
    }
}

// MARK: - SQLiteStore: ErasureStore

extension SQLiteStore: ErasureStore {
    public func eraseCustomer(_ userID: String, audit: AuditRecord) async throws -> ErasureReport {
        try writeAudited { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM users WHERE id = ?", arguments: [userID]) == 1 else {
                throw ActionRefusal.notFound("customer \(userID)")
            }
            let ids = StatementArguments(Array(repeating: userID, count: ErasureSQL.countPlaceholders))
            let report = try ErasureSQL.report(userID, try Row.fetchOne(db, sql: ErasureSQL.counts, arguments: ids)!)
            for row in try Row.fetchAll(db, sql: ErasureSQL.addresses, arguments: [userID]) {
                let address = try StoredJSON.decodeAddress(row[1])
                try db.execute(sql: ErasureSQL.address, arguments: [ErasureSQL.erased(address), row[0] as String])
            }
            try db.execute(sql: ErasureSQL.user, arguments: [userID])
            for sql in ErasureSQL.redactions { try db.execute(sql: sql, arguments: [userID]) }
            var entry = audit
            entry.detail = report.summary
            try Self.appendAudit(db, entry)
            return report
        }
    }
}
