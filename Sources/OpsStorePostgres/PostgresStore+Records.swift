import OpsCore
import PostgresNIO

// MARK: - PostgresStore: RecordViewStore

/// The customer, order and print job views: the SQLite store's statements, section by section, in PostgreSQL's
/// dialect (numbered placeholders, no rowid).
extension PostgresStore: RecordViewStore {
    static let printWithPhotos = """
        SELECT \(StoredColumns.print),
          (SELECT count(*) FROM photos ph WHERE ph.print_id = p.id AND ph.status = 'uploaded'),
          (SELECT count(*) FROM photos ph WHERE ph.print_id = p.id AND ph.status = 'missing')
        FROM prints p
        """

    /// The customer-360 SQL, one statement per section (shared with the benchmark's floor), each prepared.
    static let customer360SQL: [String] = {
        func section(_ columns: String, _ join: String, _ order: String) -> String {
            "SELECT \(columns) FROM orders o JOIN \(join) WHERE o.user_id = $1 ORDER BY \(order)"
        }
        return [
            "SELECT \(StoredColumns.user) FROM users u WHERE u.id = $1",
            printWithPhotos + " WHERE p.user_id = $1 ORDER BY p.created_at DESC, p.id",
            "SELECT \(StoredColumns.order) FROM orders o WHERE o.user_id = $1 ORDER BY o.created_at DESC, o.id",
            section(StoredColumns.payment, "payments pay ON pay.order_id = o.id", "pay.created_at DESC, pay.id"),
            section(StoredColumns.refund, "refunds r ON r.order_id = o.id", "r.created_at DESC, r.id"),
            section(StoredColumns.job, "print_jobs j ON j.order_id = o.id", "j.created_at DESC, j.id"),
            section(StoredColumns.dispute, "disputes d ON d.order_id = o.id", "d.created_at DESC, d.id"),
            numbered(NoteSQL.byCustomer),
        ]
    }()

    public func customer360(userID: String) async throws -> Customer360? {
        let id = [StoreValue.text(userID)]
        typealias S = PreparedSQL
        // The sections after the customer's row go out together, each on a connection of the pool: the view
        // waits for the slowest section rather than for the sum of eight round trips.
        async let prints = fetchPrepared(S.CustomerPrints.self, id, { try PrintSummary(row: $0) })
        async let orders = fetchPrepared(S.CustomerOrders.self, id, { try Order(row: $0) })
        async let payments = fetchPrepared(S.CustomerPayments.self, id, { try Payment(row: $0) })
        async let refunds = fetchPrepared(S.CustomerRefunds.self, id, { try Refund(row: $0) })
        async let jobs = fetchPrepared(S.CustomerJobs.self, id, { try PrintJob(row: $0) })
        async let disputes = fetchPrepared(S.CustomerDisputes.self, id, { try Dispute(row: $0) })
        async let notes = fetchPrepared(S.CustomerNotes.self, id, { try Note(row: $0) })
        guard let user = try await fetchPrepared(S.Customer.self, id, { try User(row: $0) }).first else { return nil }
        return Customer360(
            user: user, prints: try await prints, orders: try await orders, payments: try await payments,
            refunds: try await refunds, printJobs: try await jobs, disputes: try await disputes,
            notes: try await notes)
    }

    public func orderDetail(orderID: String) async throws -> OrderDetail? {
        try await orderDetail(orderID: orderID, on: .pool)
    }

    /// The order view, on a transaction's connection when a refund reservation re-checks it.
    func orderDetail(orderID: String, on target: PostgresTarget) async throws -> OrderDetail? {
        let id: [StoreValue] = [.text(orderID)]
        guard
            let (order, user) = try await fetchFirst(
                """
                SELECT \(StoredColumns.order), \(StoredColumns.user) FROM orders o JOIN users u ON u.id = o.user_id
                WHERE o.id = $1
                """, id, on: target, { (try Order(row: $0), try User(row: $0, at: StoredColumns.orderCount)) })
        else { return nil }
        return OrderDetail(
            order: order, user: user,
            print: try await fetchFirst(
                Self.printWithPhotos + " WHERE p.id = $1", [.text(order.printID)], on: target,
                { try PrintSummary(row: $0) }),
            payments: try await fetch(
                "SELECT \(StoredColumns.payment) FROM payments pay WHERE pay.order_id = $1 ORDER BY pay.created_at, "
                    + "pay.id", id, on: target, { try Payment(row: $0) }),
            refunds: try await fetch(
                "SELECT \(StoredColumns.refund) FROM refunds r WHERE r.order_id = $1 ORDER BY r.created_at, r.id", id,
                on: target, { try Refund(row: $0) }),
            printJobs: try await fetch(
                "SELECT \(StoredColumns.job) FROM print_jobs j WHERE j.order_id = $1 ORDER BY j.created_at, j.id", id,
                on: target, { try PrintJob(row: $0) }),
            disputes: try await fetch(
                "SELECT \(StoredColumns.dispute) FROM disputes d WHERE d.order_id = $1 ORDER BY d.created_at DESC, "
                    + "d.id", id, on: target, { try Dispute(row: $0) }),
            notes: try await notes(NoteSQL.byOrder, id, on: target),
            holds: Dictionary(
                try await fetch(Self.numbered(ActionSQL.holdsOfOrder), id, on: target) {
                    (try $0.text(0), try JobHold(row: $0, at: 1))
                }, uniquingKeysWith: { first, _ in first }), actions: try await actions(.order(orderID), on: target))
    }

    public func printJobDetail(jobID: String) async throws -> PrintJobDetail? {
        let id: [StoreValue] = [.text(jobID)]
        guard
            let (job, order, user) = try await fetchFirst(
                """
                SELECT \(StoredColumns.job), \(StoredColumns.order), \(StoredColumns.user)
                FROM print_jobs j JOIN orders o ON o.id = j.order_id JOIN users u ON u.id = o.user_id WHERE j.id = $1
                """, id,
                {
                    (
                        try PrintJob(row: $0), try Order(row: $0, at: StoredColumns.jobCount),
                        try User(row: $0, at: StoredColumns.jobCount + StoredColumns.orderCount)
                    )
                })
        else { return nil }
        let events = try await fetch(
            "SELECT job_id, sequence, at, status, message FROM print_job_events WHERE job_id = $1 ORDER BY sequence",
            id
        ) { row in
            PrintJobEvent(
                jobID: try row.text(0), sequence: Int(try row.integer(1)), at: try row.timestamp(2),
                status: try row.storedEnum(3, "print_job_events", "status"), message: try row.text(4))
        }
        return PrintJobDetail(
            job: job, order: order, user: user, events: events,
            notes: try await notes(NoteSQL.byJob, [.text(order.id), .text(jobID)], on: .pool),
            hold: try await jobHold(jobID: jobID, on: .pool), actions: try await actions(.printJob(jobID), on: .pool))
    }

    /// One chargeback, by its provider id.
    public func dispute(id: String) async throws -> Dispute? {
        try await fetchFirst("SELECT \(StoredColumns.dispute) FROM disputes d WHERE d.id = $1", [.text(id)]) {
            try Dispute(row: $0)
        }
    }
}
