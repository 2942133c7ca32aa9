import GRDB
import OpsCore

// MARK: - The lists

extension SQLiteStore {
    public func orders(
        status: OrderStatus?, text: String?, page: PageRequest, limit: Int
    ) async throws -> Page<OrderRow> {
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        if let status {
            conditions.append("o.status = ?")
            arguments.append((status.rawValue).databaseValue)
        }
        // The running counts kept by triggers answer "how many" at once, whatever the size of the list.
        let total = Count(
            sql: "SELECT coalesce(sum(n), 0) FROM order_counts" + (status == nil ? "" : " WHERE status = ?"),
            arguments: status.map { [$0.rawValue.databaseValue] } ?? [])
        var list = KeysetList(
            select: "SELECT o.id, o.user_id, u.name, o.status, o.total_amount, o.currency, o.created_at",
            from: "FROM orders o JOIN users u ON u.id = o.user_id", countFrom: "FROM orders o", total: total,
            conditions: conditions, arguments: arguments,
            timeColumn: "o.created_at", idColumn: "o.id", descending: true)
        return try readNow { db in
            if let text, let filter = try ListText.condition(db, text, forJobs: false) {
                list.narrow(
                    by: filter,
                    from: "FROM orders o \(filter.index("orders_user")) JOIN users u ON u.id = o.user_id")
            }
            return try list.fetch(db, page: page, limit: limit) { row in
                let currency = try row.storedCurrency(5, "orders")
                return OrderRow(
                    id: row[0], userID: row[1], customerName: row[2],
                    status: try decodeEnum(row, 3, "orders", "status"),
                    total: Money(minorUnits: row[4], currency: currency),
                    createdAt: Timestamp(seconds: row[6]))
            }
        }
    }

    public func printJobs(_ filter: PrintJobFilter, page: PageRequest, limit: Int) async throws -> Page<PrintJobRow> {
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        if let stuckFor = filter.stuckFor {
            if let status = filter.status, status.isTerminal {
                return Page(rows: [], hasMoreAfter: false, hasMoreBefore: false)
            }
            // Spelled exactly as in the partial indexes' WHERE clause so SQLite can use them.
            conditions.append("j.status IN \(Schema.inProgressJobStatuses)")
            conditions.append("j.updated_at < ?")
            arguments.append((filter.now.seconds - stuckFor).databaseValue)
        }
        if let status = filter.status {
            conditions.append("j.status = ?")
            arguments.append((status.rawValue).databaseValue)
        }
        if let partner = filter.partner {
            conditions.append("j.partner = ?")
            arguments.append((partner).databaseValue)
        }
        var list = KeysetList(
            select: "SELECT \(Columns.job), u.name, u.id",
            from: "FROM print_jobs j JOIN orders o ON o.id = j.order_id JOIN users u ON u.id = o.user_id",
            countFrom: "FROM print_jobs j",
            total: Self.printJobCount(filter, conditions: conditions, arguments: arguments),
            conditions: conditions, arguments: arguments,
            timeColumn: "j.updated_at", idColumn: "j.id", descending: filter.stuckFor == nil)
        return try readNow { db in
            if let text = filter.text, let condition = try ListText.condition(db, text, forJobs: true) {
                list.narrow(
                    by: condition,
                    from: "FROM print_jobs j JOIN orders o \(condition.index("orders_user")) ON o.id = j.order_id "
                        + "JOIN users u ON u.id = o.user_id")
            }
            return try list.fetch(db, page: page, limit: limit) { row in
                PrintJobRow(
                    job: try PrintJob(row: row), customerName: row[Columns.jobCount],
                    userID: row[Columns.jobCount + 1])
            }
        }
    }
}

// MARK: - Counting them from the running counts

extension SQLiteStore {
    public func printJobCountsByPartner(_ filter: PrintJobFilter) async throws -> [String: Int] {
        var sql: String
        var arguments: [DatabaseValue] = []
        switch (filter.stuckFor, filter.status) {
        case (let stuckFor?, nil):
            sql = "SELECT partner, stuck FROM (\(Rollups.stuckByPartnerSQL))"
            arguments = [(filter.now.seconds - stuckFor).databaseValue]
        case (let stuckFor?, let status?):
            guard !status.isTerminal else { return [:] }
            sql = """
                SELECT j.partner, count(*) FROM print_jobs j WHERE j.status IN \(Schema.inProgressJobStatuses)
                  AND j.updated_at < ? AND j.status = ? GROUP BY j.partner
                """
            arguments = [(filter.now.seconds - stuckFor).databaseValue, status.rawValue.databaseValue]
        case (nil, let status?):
            sql = "SELECT partner, sum(n) FROM job_counts WHERE status = ? GROUP BY partner"
            arguments = [status.rawValue.databaseValue]
        case (nil, nil):
            sql = "SELECT partner, sum(n) FROM job_counts GROUP BY partner"
        }
        return try readNow { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)) {
                let n: Int = row[1]
                if n > 0 { counts[row[0]] = n }
            }
            return counts
        }
    }

    /// How many print jobs a filter keeps, from the running counts: by status and partner at once; stuck ones
    /// from the in-progress counts less those heard from since the cutoff (as the dashboard counts them). Only
    /// stuck jobs of one status are counted from the jobs themselves (a partial index, a few thousand rows).
    static func printJobCount(_ filter: PrintJobFilter, conditions: [String], arguments: [DatabaseValue]) -> Count {
        if let stuckFor = filter.stuckFor {
            guard filter.status == nil else {
                return Count(
                    sql: "SELECT count(*) FROM print_jobs j WHERE " + conditions.joined(separator: " AND "),
                    arguments: arguments)
            }
            return Count(
                sql: "SELECT coalesce(sum(stuck), 0) FROM (\(Rollups.stuckByPartnerSQL))"
                    + (filter.partner == nil ? "" : " WHERE partner = ?2"),
                arguments: [(filter.now.seconds - stuckFor).databaseValue]
                    + (filter.partner.map { [$0.databaseValue] } ?? []))
        }
        var wheres: [String] = []
        var args: [DatabaseValue] = []
        if let status = filter.status {
            wheres.append("status = ?")
            args.append(status.rawValue.databaseValue)
        }
        if let partner = filter.partner {
            wheres.append("partner = ?")
            args.append(partner.databaseValue)
        }
        return Count(
            sql: "SELECT coalesce(sum(n), 0) FROM job_counts"
                + (wheres.isEmpty ? "" : " WHERE " + wheres.joined(separator: " AND ")), arguments: args)
    }
}

// MARK: - The `/` filter, in the database

/// What a list's `/` filter keeps: the record an identifier names (an order, a print job, a tracking number, a
/// customer's id or email), else the orders of the customers whose name or email match as the search matches
/// (accent-insensitive, by prefix).
enum ListText {
    /// Customers a word may match before the filter asks for more letters.
    static let customerLimit = 5000

    struct Condition {
        var sql: String
        var arguments: [DatabaseValue]
        /// The customers matched were capped: the rows shown may not be all.
        var capped: Bool
        /// Rows are found through their customers: the orders are read by customer, not scanned by time.
        var byCustomer = false

        func index(_ name: String) -> String { byCustomer ? "INDEXED BY \(name)" : "" }
    }

    /// nil when the text has nothing to match on (it then keeps no row: see `none`).
    static func condition(_ db: Database, _ text: String, forJobs: Bool) throws -> Condition? {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        if let r = try SQLiteStore.resolve(db, trimmed) {
            switch r.kind {
            case .printJob, .trackingNumber:
                if forJobs, let job = r.printJobID {
                    return Condition(sql: "j.id = ?", arguments: [job.databaseValue], capped: false)
                }
                if let order = r.orderID {
                    return Condition(sql: "o.id = ?", arguments: [order.databaseValue], capped: false)
                }
            case .order, .payment, .providerTransaction, .providerCharge, .dispute:
                if let order = r.orderID {
                    return Condition(sql: "o.id = ?", arguments: [order.databaseValue], capped: false)
                }
            case .user, .email, .print:
                break
            }
            return Condition(
                sql: "o.user_id = ?", arguments: [r.userID.databaseValue], capped: false, byCustomer: true)
        }
        guard let match = FullTextQuery.prefixMatch(trimmed) else {
            return Condition(sql: "0", arguments: [], capped: false)
        }
        let users = try String.fetchAll(
            db,
            sql: """
                SELECT u.id FROM users_fts JOIN users u ON u.rowid = users_fts.rowid WHERE users_fts MATCH ?
                ORDER BY users_fts.rowid DESC LIMIT ?
                """, arguments: [match, customerLimit + 1])
        let capped = users.count > customerLimit
        let ids = users.prefix(customerLimit)
        guard !ids.isEmpty else { return Condition(sql: "0", arguments: [], capped: false) }
        return Condition(
            sql: "o.user_id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ",")))",
            arguments: ids.map(\.databaseValue), capped: capped, byCustomer: true)
    }
}

// MARK: - Paging by key

/// A query answering how many rows a whole list has.
struct Count: Sendable {
    var sql: String
    var arguments: [DatabaseValue]
}

/// A list sorted by (time, id) and paged by key: each page starts from the last row seen, so page 10,000 costs
/// what page 1 costs.
struct KeysetList: Sendable {
    var select: String
    var from: String
    /// The smallest FROM the conditions need, for counting rows (the joins only add columns).
    var countFrom: String
    /// How many rows the whole list has: asked with every page, so positions are exact ("1/2,304").
    var total: Count
    var conditions: [String]
    var arguments: [DatabaseValue]
    var timeColumn: String
    var idColumn: String
    /// Newest first.
    var descending: Bool

    /// Adds a `/` filter's condition: rows are then found through the matching customers (`from` names the index),
    /// and counted one by one (up to a bound) instead of from the running counts.
    mutating func narrow(by condition: ListText.Condition, from: String) {
        conditions.append(condition.sql)
        arguments += condition.arguments
        self.from = from
        countFrom = from
        let matching =
            "SELECT 1 \(from) WHERE " + conditions.joined(separator: " AND ") + " LIMIT \(Self.countLimit + 1)"
        total = Count(sql: "SELECT count(*) FROM (\(matching))", arguments: arguments)
        totalIsAtLeast = condition.capped
        filtered = true
    }

    /// How far a filtered list is counted ("10,000+" beyond).
    static let countLimit = 10_000
    /// The count is a lower bound (customers capped, or counting stopped at `countLimit`).
    var totalIsAtLeast = false
    /// A `/` filter narrowed the list (its count is bounded by `countLimit`).
    var filtered = false

    func fetch<Row_: Hashable & Sendable>(
        _ db: Database, page: PageRequest, limit: Int,
        decode: (Row) throws -> Row_
    ) throws -> Page<Row_> {
        var where_ = conditions
        var args = arguments
        // Walking backwards (before a cursor, or from the end) reverses the order, then the rows are flipped.
        let backwards: Bool
        switch page {
        case .first:
            backwards = false
        case .last:
            backwards = true
        case .after(let c):
            backwards = false
            where_.append("(\(timeColumn), \(idColumn)) \(descending ? "<" : ">") (?, ?)")
            args += [c.time.databaseValue, c.id.databaseValue]
        case .before(let c):
            backwards = true
            where_.append("(\(timeColumn), \(idColumn)) \(descending ? ">" : "<") (?, ?)")
            args += [c.time.databaseValue, c.id.databaseValue]
        case .from(let c):
            backwards = false
            where_.append("(\(timeColumn), \(idColumn)) \(descending ? "<=" : ">=") (?, ?)")
            args += [c.time.databaseValue, c.id.databaseValue]
        }
        let ascending = descending == backwards
        let direction = ascending ? "ASC" : "DESC"
        let sql = """
            \(select) \(from) \(where_.isEmpty ? "" : "WHERE " + where_.joined(separator: " AND "))
            ORDER BY \(timeColumn) \(direction), \(idColumn) \(direction) LIMIT ?
            """
        args.append((limit + 1).databaseValue)
        var rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(decode)
        let more = rows.count > limit
        if more { rows.removeLast() }
        if backwards { rows.reverse() }
        var total = try Int.fetchOne(db, sql: self.total.sql, arguments: StatementArguments(self.total.arguments))
        let atLeast = totalIsAtLeast || (filtered && (total ?? 0) > Self.countLimit)
        if atLeast, let t = total { total = min(t, Self.countLimit) }
        func finish(_ page: Page<Row_>) -> Page<Row_> {
            var page = page
            page.totalIsAtLeast = atLeast
            return page
        }
        switch page {
        case .first: return finish(Page(rows: rows, hasMoreAfter: more, hasMoreBefore: false, total: total))
        case .last: return finish(Page(rows: rows, hasMoreAfter: false, hasMoreBefore: more, total: total))
        case .after: return finish(Page(rows: rows, hasMoreAfter: more, hasMoreBefore: true, total: total))
        case .from(let c):
            // A window refreshed in place: where it now starts (rows may have come or gone above it).
            let above = conditions + ["(\(timeColumn), \(idColumn)) \(descending ? ">" : "<") (?, ?)"]
            let before = try Int.fetchOne(
                db, sql: "SELECT count(*) \(countFrom) WHERE " + above.joined(separator: " AND "),
                arguments: StatementArguments(arguments + [c.time.databaseValue, c.id.databaseValue]))
            var page = Page(rows: rows, hasMoreAfter: more, hasMoreBefore: (before ?? 1) > 0, total: total)
            page.before = before
            return finish(page)
        case .before: return finish(Page(rows: rows, hasMoreAfter: true, hasMoreBefore: more, total: total))
        }
    }
}
