import GRDB
import OpsCore

// MARK: - The lists

/// The lists as `ListQueries` plans them (the same SQL on both stores), run here; the `/` filter's customers come
/// from the full-text index, read through the customer index (`INDEXED BY`).
extension SQLiteStore {
    public func orders(
        status: OrderStatus?, text: String?, page: PageRequest, limit: Int
    ) async throws -> Page<OrderRow> {
        var list = ListQueries.orders(status: status)
        return try readNow { db in
            if let text, let filter = try ListText.condition(db, text, forJobs: false) {
                list.narrow(
                    by: filter.sql, arguments: filter.arguments, capped: filter.capped,
                    from: ListQueries.ordersFrom(filter, hint: ListText.hint))
            }
            return try list.fetch(db, page: page, limit: limit, decode: ListQueries.orderRow)
        }
    }

    public func printJobs(_ filter: PrintJobFilter, page: PageRequest, limit: Int) async throws -> Page<PrintJobRow> {
        guard var list = ListQueries.printJobs(filter) else {
            return Page(rows: [], hasMoreAfter: false, hasMoreBefore: false)
        }
        return try readNow { db in
            if let text = filter.text, let condition = try ListText.condition(db, text, forJobs: true) {
                list.narrow(
                    by: condition.sql, arguments: condition.arguments, capped: condition.capped,
                    from: ListQueries.printJobsFrom(condition, hint: ListText.hint))
            }
            return try list.fetch(db, page: page, limit: limit, decode: ListQueries.printJobRow)
        }
    }

    public func printJobCountsByPartner(_ filter: PrintJobFilter) async throws -> [String: Int] {
        guard let statement = ListQueries.printJobCountsByPartner(filter) else { return [:] }
        return try readNow { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: statement.sql, arguments: StatementArguments(statement.arguments.map(\.databaseValue)))
            {
                let n: Int = row[1]
                if n > 0 { counts[row[0]] = n }
            }
            return counts
        }
    }
}

// MARK: - The `/` filter, in the database

enum ListText {
    static func hint(_ index: String) -> String { "INDEXED BY \(index)" }

    /// nil when the text has nothing to match on.
    static func condition(_ db: Database, _ text: String, forJobs: Bool) throws -> ListQueries.ListCondition? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        if let r = try SQLiteStore.resolve(db, trimmed) { return ListQueries.condition(resolved: r, forJobs: forJobs) }
        guard let match = FullTextQuery.prefixMatch(trimmed) else { return .none }
        return ListQueries.condition(
            customers: try String.fetchAll(
                db,
                sql: """
                    SELECT u.id FROM users_fts JOIN users u ON u.rowid = users_fts.rowid WHERE users_fts MATCH ?
                    ORDER BY users_fts.rowid DESC LIMIT ?
                    """, arguments: [match, ListQueries.customerLimit + 1]))
    }
}

// MARK: - Paging by key

extension KeysetList {
    /// Runs the plan for `page` and decodes its rows.
    func fetch<Row_: Hashable & Sendable>(
        _ db: Database, page: PageRequest, limit: Int,
        decode: (Row) throws -> Row_
    ) throws -> Page<Row_> {
        let plan = plan(page: page, limit: limit)
        func arguments(_ statement: Statement) -> StatementArguments {
            StatementArguments(statement.arguments.map(\.databaseValue))
        }
        let rows = try Row.fetchAll(db, sql: plan.rows.sql, arguments: arguments(plan.rows)).map(decode)
        let total = try Int.fetchOne(db, sql: plan.total.sql, arguments: arguments(plan.total))
        let before = try plan.before.flatMap { try Int.fetchOne(db, sql: $0.sql, arguments: arguments($0)) }
        return self.page(plan, rows: rows, total: total, before: before)
    }
}
