// MARK: - KeysetList

/// A list sorted by (time, id) and paged by key: each page starts from the last row seen, so page 10,000 costs
/// what page 1 costs. Both stores build their lists with it and run the statements it plans; SQL is written with
/// `?` placeholders in argument order (the PostgreSQL store numbers them).
public struct KeysetList: Sendable {
    /// A statement with its arguments.
    public struct Statement: Sendable {
        public var sql: String
        public var arguments: [StoreValue]

        public init(sql: String, arguments: [StoreValue]) {
            self.sql = sql
            self.arguments = arguments
        }
    }

    /// What a page needs run: its rows (one more than asked, to know whether more follow), the whole list's
    /// count, and for a window refreshed in place how many rows now come before it.
    public struct Plan: Sendable {
        public var rows: Statement
        public var total: Statement
        public var before: Statement?
        let backwards: Bool
        let limit: Int
        let page: PageRequest
    }

    public var select: String
    public var from: String
    /// The smallest FROM the conditions need, for counting rows (the joins only add columns).
    public var countFrom: String
    /// How many rows the whole list has: asked with every page, so positions are exact ("1/2,304").
    public var total: Statement
    public var conditions: [String]
    public var arguments: [StoreValue]
    public var timeColumn: String
    public var idColumn: String
    /// Newest first.
    public var descending: Bool
    /// The count is a lower bound (customers capped, or counting stopped at `countLimit`).
    public var totalIsAtLeast = false
    /// A `/` filter narrowed the list (its count is bounded by `countLimit`).
    public var filtered = false

    /// How far a filtered list is counted ("10,000+" beyond).
    public static let countLimit = 10_000

    public init(
        select: String, from: String, countFrom: String, total: Statement, conditions: [String],
        arguments: [StoreValue], timeColumn: String, idColumn: String, descending: Bool
    ) {
        self.select = select
        self.from = from
        self.countFrom = countFrom
        self.total = total
        self.conditions = conditions
        self.arguments = arguments
        self.timeColumn = timeColumn
        self.idColumn = idColumn
        self.descending = descending
    }

    /// Adds a `/` filter's condition: rows are then found through `from` (the matching customers), and counted
    /// one by one (up to a bound) instead of from the running counts.
    public mutating func narrow(by condition: String, arguments more: [StoreValue], capped: Bool, from: String) {
        conditions.append(condition)
        arguments += more
        self.from = from
        countFrom = from
        let matching =
            "SELECT 1 \(from) WHERE " + conditions.joined(separator: " AND ") + " LIMIT \(Self.countLimit + 1)"
        total = Statement(sql: "SELECT count(*) FROM (\(matching)) matching", arguments: arguments)
        totalIsAtLeast = capped
        filtered = true
    }

    public func plan(page: PageRequest, limit: Int) -> Plan {
        var where_ = conditions
        var args = arguments
        // Walking backwards (before a cursor, or from the end) reverses the order, then the rows are flipped.
        let backwards: Bool
        func cursor(_ c: PageCursor, _ op: String) {
            where_.append("(\(timeColumn), \(idColumn)) \(op) (?, ?)")
            args += [.integer(c.time), .text(c.id)]
        }
        switch page {
        case .first: backwards = false
        case .last: backwards = true
        case .after(let c):
            backwards = false
            cursor(c, descending ? "<" : ">")
        case .before(let c):
            backwards = true
            cursor(c, descending ? ">" : "<")
        case .from(let c):
            backwards = false
            cursor(c, descending ? "<=" : ">=")
        }
        let direction = descending == backwards ? "ASC" : "DESC"
        let sql = """
            \(select) \(from) \(where_.isEmpty ? "" : "WHERE " + where_.joined(separator: " AND "))
            ORDER BY \(timeColumn) \(direction), \(idColumn) \(direction) LIMIT ?
            """
        var before: Statement?
        if case .from(let c) = page {
            // A window refreshed in place: where it now starts (rows may have come or gone above it).
            let above = conditions + ["(\(timeColumn), \(idColumn)) \(descending ? ">" : "<") (?, ?)"]
            before = Statement(
                sql: "SELECT count(*) \(countFrom) WHERE " + above.joined(separator: " AND "),
                arguments: arguments + [.integer(c.time), .text(c.id)])
        }
        return Plan(
            rows: Statement(sql: sql, arguments: args + [.integer(Int64(limit + 1))]), total: total, before: before,
            backwards: backwards, limit: limit, page: page)
    }

    /// The page from what the plan's statements answered.
    public func page<Row: Hashable & Sendable>(
        _ plan: Plan, rows fetched: [Row], total counted: Int?, before: Int?
    ) -> Page<Row> {
        var rows = fetched
        let more = rows.count > plan.limit
        if more { rows.removeLast() }
        if plan.backwards { rows.reverse() }
        var total = counted
        let atLeast = totalIsAtLeast || (filtered && (total ?? 0) > Self.countLimit)
        if atLeast, let t = total { total = min(t, Self.countLimit) }
        var page: Page<Row>
        switch plan.page {
        case .first: page = Page(rows: rows, hasMoreAfter: more, hasMoreBefore: false, total: total)
        case .last: page = Page(rows: rows, hasMoreAfter: false, hasMoreBefore: more, total: total)
        case .after: page = Page(rows: rows, hasMoreAfter: more, hasMoreBefore: true, total: total)
        case .from:
            page = Page(rows: rows, hasMoreAfter: more, hasMoreBefore: (before ?? 1) > 0, total: total)
            page.before = before
        case .before: page = Page(rows: rows, hasMoreAfter: true, hasMoreBefore: more, total: total)
        }
        page.totalIsAtLeast = atLeast
        return page
    }
}
