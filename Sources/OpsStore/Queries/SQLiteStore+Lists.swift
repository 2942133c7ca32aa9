import GRDB
import OpsCore

extension SQLiteStore {
    public func orders(status: OrderStatus?, page: PageRequest, limit: Int) async throws -> Page<OrderRow> {
        var conditions: [String] = []
        var arguments: [DatabaseValue] = []
        if let status {
            conditions.append("o.status = ?")
            arguments.append((status.rawValue).databaseValue)
        }
        let list = KeysetList(
            select: "SELECT o.id, o.user_id, u.name, o.status, o.total_amount, o.currency, o.created_at",
            from: "FROM orders o JOIN users u ON u.id = o.user_id", countFrom: "FROM orders o",
            conditions: conditions, arguments: arguments,
            timeColumn: "o.created_at", idColumn: "o.id", descending: true)
        return try readNow { db in
            try list.fetch(db, page: page, limit: limit) { row in
                let currency = try decodeCurrency(row, 5, "orders")
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
        let list = KeysetList(
            select: "SELECT \(Columns.job), u.name, u.id",
            from: "FROM print_jobs j JOIN orders o ON o.id = j.order_id JOIN users u ON u.id = o.user_id",
            countFrom: "FROM print_jobs j", conditions: conditions, arguments: arguments,
            timeColumn: "j.updated_at", idColumn: "j.id", descending: filter.stuckFor == nil)
        return try readNow { db in
            try list.fetch(db, page: page, limit: limit) { row in
                PrintJobRow(
                    job: try PrintJob(row: row), customerName: row[Columns.jobCount],
                    userID: row[Columns.jobCount + 1])
            }
        }
    }
}

/// A list sorted by (time, id) and paged by key: each page starts from the last row seen, so page 10,000 costs
/// what page 1 costs.
struct KeysetList: Sendable {
    var select: String
    var from: String
    /// The smallest FROM the conditions need, for counting the whole list (the joins only add columns).
    var countFrom: String
    var conditions: [String]
    var arguments: [DatabaseValue]
    var timeColumn: String
    var idColumn: String
    /// Newest first.
    var descending: Bool

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
        switch page {
        case .first: return Page(rows: rows, hasMoreAfter: more, hasMoreBefore: false)
        case .last:
            // From the end, the rows' place in the whole list is its size: count it (an index scan, on a jump).
            let total =
                more
                ? try Int.fetchOne(
                    db,
                    sql: """
                        SELECT count(*) \(countFrom)
                        \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                        """, arguments: StatementArguments(arguments)) : rows.count
            return Page(rows: rows, hasMoreAfter: false, hasMoreBefore: more, total: total)
        case .after, .from: return Page(rows: rows, hasMoreAfter: more, hasMoreBefore: true)
        case .before: return Page(rows: rows, hasMoreAfter: true, hasMoreBefore: more)
        }
    }
}
