// MARK: - ListQueries

/// The orders and print-jobs lists as SQL both stores run (their tables and running counts are the same): the
/// list with its count, the `/` filter's condition, the per-partner counts. Placeholders are `?` in argument
/// order. `hint` lets a store name the index a filtered list should be read through (SQLite's INDEXED BY).
public enum ListQueries {
    /// The orders list, newest first, of one status or all.
    public static func orders(status: OrderStatus?) -> KeysetList {
        var conditions: [String] = []
        var arguments: [StoreValue] = []
        if let status {
            conditions.append("o.status = ?")
            arguments.append(.text(status.rawValue))
        }
        // The running counts kept by triggers answer "how many" at once, whatever the size of the list.
        let total = KeysetList.Statement(
            sql: "SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM order_counts"
                + (status == nil ? "" : " WHERE status = ?"),
            arguments: status.map { [.text($0.rawValue)] } ?? [])
        return KeysetList(
            select: "SELECT o.id, o.user_id, u.name, o.status, o.total_amount, o.currency, o.created_at",
            from: "FROM orders o JOIN users u ON u.id = o.user_id", countFrom: "FROM orders o", total: total,
            conditions: conditions, arguments: arguments,
            timeColumn: "o.created_at", idColumn: "o.id", descending: true)
    }

    /// The FROM of the orders list narrowed by a `/` filter.
    public static func ordersFrom(_ condition: ListCondition, hint: (String) -> String) -> String {
        "FROM orders o \(condition.byCustomer ? hint("orders_user") : "") JOIN users u ON u.id = o.user_id"
    }

    public static func orderRow(_ row: some StoreRow) throws -> OrderRow {
        OrderRow(
            id: try row.text(0), userID: try row.text(1), customerName: try row.text(2),
            status: try row.storedEnum(3, "orders", "status"),
            total: Money(minorUnits: try row.integer(4), currency: try row.storedCurrency(5, "orders")),
            createdAt: try row.timestamp(6))
    }

    /// The print-jobs list: most recently updated first, stuck ones longest-stuck first; nil when the filter can
    /// keep nothing (stuck in a terminal status).
    public static func printJobs(_ filter: PrintJobFilter) -> KeysetList? {
        var conditions: [String] = []
        var arguments: [StoreValue] = []
        if let stuckFor = filter.stuckFor {
            if let status = filter.status, status.isTerminal { return nil }
            // Spelled exactly as in the partial indexes' WHERE clause so the stores can use them.
            conditions.append("j.status IN \(DashboardAssembly.inProgressJobStatuses)")
            conditions.append("j.updated_at < ?")
            conditions.append(DashboardAssembly.notOnHold)
            arguments.append(.integer(filter.now.seconds - stuckFor))
        }
        if let status = filter.status {
            conditions.append("j.status = ?")
            arguments.append(.text(status.rawValue))
        }
        if let partner = filter.partner {
            conditions.append("j.partner = ?")
            arguments.append(.text(partner))
        }
        return KeysetList(
            select: "SELECT \(StoredColumns.job), u.name, u.id",
            from: "FROM print_jobs j JOIN orders o ON o.id = j.order_id JOIN users u ON u.id = o.user_id",
            countFrom: "FROM print_jobs j", total: printJobCount(filter, conditions: conditions, arguments: arguments),
            conditions: conditions, arguments: arguments,
            timeColumn: "j.updated_at", idColumn: "j.id", descending: filter.stuckFor == nil)
    }

    /// The FROM of the print-jobs list narrowed by a `/` filter.
    public static func printJobsFrom(_ condition: ListCondition, hint: (String) -> String) -> String {
        "FROM print_jobs j JOIN orders o \(condition.byCustomer ? hint("orders_user") : "") ON o.id = j.order_id "
            + "JOIN users u ON u.id = o.user_id"
    }

    public static func printJobRow(_ row: some StoreRow) throws -> PrintJobRow {
        PrintJobRow(
            job: try PrintJob(row: row), customerName: try row.text(StoredColumns.jobCount),
            userID: try row.text(StoredColumns.jobCount + 1))
    }

    /// How many print jobs a filter keeps, from the running counts: by status and partner at once; stuck ones
    /// from the in-progress counts less those heard from since the cutoff (as the dashboard counts them). Only
    /// stuck jobs of one status are counted from the jobs themselves (a partial index, a few thousand rows).
    static func printJobCount(
        _ filter: PrintJobFilter, conditions: [String], arguments: [StoreValue]
    ) -> KeysetList.Statement {
        if let stuckFor = filter.stuckFor {
            guard filter.status == nil else {
                return KeysetList.Statement(
                    sql: "SELECT count(*) FROM print_jobs j WHERE " + conditions.joined(separator: " AND "),
                    arguments: arguments)
            }
            return KeysetList.Statement(
                sql:
                    "SELECT CAST(coalesce(sum(stuck), 0) AS BIGINT) FROM ("
                    + DashboardAssembly.stuckByPartnerSQL(parameter: "?") + ") s"
                    + (filter.partner == nil ? "" : " WHERE partner = ?"),
                arguments: Array(
                    repeating: .integer(filter.now.seconds - stuckFor), count: DashboardAssembly.stuckParameterUses)
                    + (filter.partner.map { [.text($0)] } ?? []))
        }
        var wheres: [String] = []
        var args: [StoreValue] = []
        if let status = filter.status {
            wheres.append("status = ?")
            args.append(.text(status.rawValue))
        }
        if let partner = filter.partner {
            wheres.append("partner = ?")
            args.append(.text(partner))
        }
        return KeysetList.Statement(
            sql: "SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM job_counts"
                + (wheres.isEmpty ? "" : " WHERE " + wheres.joined(separator: " AND ")), arguments: args)
    }

    /// Print jobs per partner under a filter (its partner ignored); nil when it keeps nothing.
    public static func printJobCountsByPartner(_ filter: PrintJobFilter) -> KeysetList.Statement? {
        switch (filter.stuckFor, filter.status) {
        case (let stuckFor?, nil):
            return KeysetList.Statement(
                sql: "SELECT partner, stuck FROM (\(DashboardAssembly.stuckByPartnerSQL(parameter: "?"))) s",
                arguments: Array(
                    repeating: .integer(filter.now.seconds - stuckFor), count: DashboardAssembly.stuckParameterUses))
        case (let stuckFor?, let status?):
            guard !status.isTerminal else { return nil }
            return KeysetList.Statement(
                sql: """
                    SELECT j.partner, count(*) FROM print_jobs j
                    WHERE j.status IN \(DashboardAssembly.inProgressJobStatuses) AND j.updated_at < ? AND j.status = ?
                      AND \(DashboardAssembly.notOnHold)
                    GROUP BY j.partner
                    """, arguments: [.integer(filter.now.seconds - stuckFor), .text(status.rawValue)])
        case (nil, let status?):
            return KeysetList.Statement(
                sql: "SELECT partner, CAST(sum(n) AS BIGINT) FROM job_counts WHERE status = ? GROUP BY partner",
                arguments: [.text(status.rawValue)])
        case (nil, nil):
            return KeysetList.Statement(
                sql: "SELECT partner, CAST(sum(n) AS BIGINT) FROM job_counts GROUP BY partner", arguments: [])
        }
    }

    // MARK: The `/` filter

    /// Customers a word may match before the filter asks for more letters.
    public static let customerLimit = 5000

    /// What a list's `/` filter keeps: the record an identifier names (an order, a print job, a tracking
    /// number, a customer's id or email), else the orders of the customers whose name or email match as the
    /// search matches (accent-insensitive, by prefix).
    public struct ListCondition: Sendable {
        public var sql: String
        public var arguments: [StoreValue]
        /// The customers matched were capped: the rows shown may not be all.
        public var capped: Bool
        /// Rows are found through their customers: the orders are read by customer, not scanned by time.
        public var byCustomer = false

        /// Keeps no row.
        public static let none = ListCondition(sql: "1 = 0", arguments: [], capped: false)
    }

    /// The condition for what `text` resolved to exactly (nil: nothing did; search the words).
    public static func condition(resolved r: ResolvedIdentifier, forJobs: Bool) -> ListCondition {
        switch r.kind {
        case .printJob, .trackingNumber:
            if forJobs, let job = r.printJobID {
                return ListCondition(sql: "j.id = ?", arguments: [.text(job)], capped: false)
            }
            if let order = r.orderID { return ListCondition(sql: "o.id = ?", arguments: [.text(order)], capped: false) }
        case .order, .payment, .providerTransaction, .providerCharge, .dispute:
            if let order = r.orderID { return ListCondition(sql: "o.id = ?", arguments: [.text(order)], capped: false) }
        case .user, .email, .print:
            break
        }
        return ListCondition(sql: "o.user_id = ?", arguments: [.text(r.userID)], capped: false, byCustomer: true)
    }

    /// The condition for the customers the words matched (up to `customerLimit + 1` of them, newest first).
    public static func condition(customers users: [String]) -> ListCondition {
        let ids = users.prefix(customerLimit)
        guard !ids.isEmpty else { return .none }
        return ListCondition(
            sql: "o.user_id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))",
            arguments: ids.map { .text($0) }, capped: users.count > customerLimit, byCustomer: true)
    }
}
