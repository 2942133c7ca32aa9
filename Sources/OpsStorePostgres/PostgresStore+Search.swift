import OpsCore
import PostgresNIO

// MARK: - PostgresStore: CustomerSearchStore

extension PostgresStore: CustomerSearchStore {
    static let userColumns = "u.id, u.email, u.name, u.country, u.locale, u.status, u.created_at"

    public func searchCustomers(_ text: String, limit: Int) async throws -> [User] {
        let words = SearchWords.split(text)
        guard !words.isEmpty else { return [] }
        return try await searchStaged(words.joined(separator: " "), limit: limit, columns: Self.userColumns) {
            try User(row: $0)
        }
    }

    /// The search in two stages, each bounded. First the newest `searchWindow` (30,000) customers are read newest
    /// first and checked against the query (made once), stopping at the page's last match: a prefix that one
    /// customer in 600 shares fills the page there. Only when it does not are the older customers asked through
    /// the GIN index and their matches sorted — few by then, or the window would have filled; and cheap to find,
    /// a short prefix being one posting list (`PostgresSchema.prefixLexemes`). The window costs about 0.4 µs a
    /// customer when nothing fills it (a typo: 12 ms at 30,000), the second stage in proportion to the matches it
    /// sorts; 30,000 gave the lowest p99 at a million (10,000: 53 ms, 120,000: 33, measured per stage in psql).
    /// One statement leaves the choice to the planner, which for a rare pair of common prefixes walks every
    /// customer backwards: half a second at a million.
    func searchStaged<T>(
        _ query: String, limit: Int, columns: String, _ decode: (PostgresRecordRow) throws -> T
    ) async throws -> [T] {
        var found = try await fetch(
            Self.newestSearchSQL(columns), [.text(query), .integer(Int64(limit)), .integer(searchWindow)], decode)
        guard found.count < limit else { return found }
        // The newest customer the window did not read; none: the window read them all.
        let older = try await fetchFirst(
            "SELECT seq FROM users ORDER BY seq DESC OFFSET $1 LIMIT 1", [.integer(searchWindow)]
        ) { try $0.integer(0) }
        guard let older else { return found }
        found += try await fetch(
            Self.olderSearchSQL(columns), [.text(query), .integer(Int64(limit - found.count)), .integer(older)], decode)
        return found
    }

    /// The typed words (`$1`, joined by spaces) as a text-search query: each word, as the index makes words (lower
    /// case, accents removed), a required prefix — up to three letters the prefix's own lexeme (`li~`, see
    /// `PostgresSchema.prefixLexemes`), longer ones `word:*`. The words carry letters, digits and marks only, so
    /// none is an operator or a quote; one that unaccents into two is two prefixes. A scalar subquery, so that the
    /// query is made once per statement: as a bare expression it was made again for every row checked.
    static let typedQuery = """
        (SELECT array_to_string(ARRAY(
          SELECT CASE WHEN length(x) <= 3 THEN quote_literal(x || '~') ELSE quote_literal(x) || ':*' END
          FROM unnest(string_to_array($1, ' ')) AS w,
            unnest(string_to_array(trim(popsa_search_words(w)), ' ')) AS x
          WHERE x <> ''), ' & ')::tsquery)
        """

    /// Customers whose words start with the typed words, newest first, at most `$2` (the whole table: the lists'
    /// text filter).
    static func searchSQL(_ columns: String) -> String {
        "SELECT \(columns) FROM users u WHERE u.search_vector @@ \(typedQuery) ORDER BY u.seq DESC LIMIT $2"
    }

    /// The first stage: matches among the newest `$3` customers, newest first, at most `$2`.
    static func newestSearchSQL(_ columns: String) -> String {
        """
        SELECT \(columns) FROM (SELECT * FROM users ORDER BY seq DESC LIMIT $3) u
        WHERE u.search_vector @@ \(typedQuery) ORDER BY u.seq DESC LIMIT $2
        """
    }

    /// The second stage: matches from customer `$3` back, through the text index alone, sorted, at most `$2`.
    /// `seq + 0` keeps the planner from walking the customers in order instead, and from intersecting the text
    /// index's matches with the range of every older customer read from the `seq` index (990,000 entries at a
    /// million, most of this stage's time).
    static func olderSearchSQL(_ columns: String) -> String {
        """
        SELECT \(columns) FROM users u WHERE u.seq + 0 <= $3 AND u.search_vector @@ \(typedQuery)
        ORDER BY u.seq + 0 DESC LIMIT $2
        """
    }

    public func customersByPostcode(_ postcode: String, limit: Int) async throws -> [User] {
        let key = postcode.uppercased().filter { !$0.isWhitespace }
        guard !key.isEmpty else { return [] }
        return try await users(
            """
            SELECT \(Self.userColumns) FROM users u WHERE u.id IN (
              SELECT o.user_id FROM orders o WHERE \(PostgresSchema.postcodeKey("o")) = $1)
            ORDER BY u.created_at DESC, u.id LIMIT $2
            """, [.text(key), .integer(Int64(limit))])
    }

    public func customerSummaries(_ userIDs: [String]) async throws -> [String: CustomerSummary] {
        guard !userIDs.isEmpty else { return [:] }
        var out: [String: CustomerSummary] = [:]
        for (user, count, last, city) in try await fetchPrepared(
            PreparedSQL.Summaries.self, Self.summaries(userIDs),
            { (try $0.text(0), try $0.integer(1), try $0.optionalInteger(2), try $0.optionalText(3)) })
        {
            out[user] = CustomerSummary(
                orders: Int(count), lastOrderAt: last.map(Timestamp.init(seconds:)), city: city)
        }
        return out
    }

    /// Each customer's orders: how many, the last one's date, and its city (shared with the benchmark's floor).
    static let summariesSQL = """
        SELECT o.user_id, count(*), max(o.created_at),
          (SELECT (l.shipping_address::jsonb)->>'city' FROM orders l WHERE l.user_id = o.user_id
           ORDER BY l.created_at DESC LIMIT 1)
        FROM orders o WHERE o.user_id = ANY($1) GROUP BY o.user_id
        """

    /// The summaries' statement for these customers (their ids as one array value).
    static func summaries(_ userIDs: [String]) -> Prepared<PreparedSQL.Summaries> {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(userIDs)
        return Prepared(bindings: bindings)
    }

    /// Every identifier kind in one statement, the first kind that matches winning, in the SQLite store's order.
    static let resolveSQL = """
        SELECT kind, user_id, order_id, job_id, print_id, intent FROM (
          SELECT 1 AS rank, 'user' AS kind, u.id AS user_id, NULL::text AS order_id, NULL::text AS job_id,
                 NULL::text AS print_id, NULL::text AS intent FROM users u WHERE u.id = $1
          UNION ALL SELECT 2, 'email', u.id, NULL, NULL, NULL, NULL FROM users u WHERE lower(u.email) = lower($1)
          UNION ALL SELECT 3, 'order', o.user_id, o.id, NULL, NULL, NULL FROM orders o WHERE o.id = $1
          UNION ALL SELECT 4, 'print', p.user_id, NULL, NULL, p.id, NULL FROM prints p WHERE p.id = $1
          UNION ALL SELECT 5, 'print_job', o.user_id, o.id, j.id, NULL, NULL
            FROM print_jobs j JOIN orders o ON o.id = j.order_id WHERE j.id = $1
          UNION ALL SELECT 6, 'payment', o.user_id, o.id, NULL, NULL, NULL
            FROM payments pay JOIN orders o ON o.id = pay.order_id WHERE pay.id = $1
          UNION ALL SELECT 7, 'provider_transaction', o.user_id, o.id, NULL, NULL, NULL
            FROM payments pay JOIN orders o ON o.id = pay.order_id WHERE pay.provider_transaction_id = $1
          UNION ALL SELECT 8, 'provider_charge', o.user_id, o.id, NULL, NULL, pay.provider_transaction_id
            FROM payments pay JOIN orders o ON o.id = pay.order_id WHERE pay.provider_charge_id = $1
          UNION ALL SELECT 9, 'provider_transaction', o.user_id, o.id, NULL, NULL, NULL
            FROM payments pay JOIN orders o ON o.id = pay.order_id
            WHERE pay.provider_transaction_id = lower($1) AND pay.provider = 'braintree'
          UNION ALL SELECT 10, 'tracking_number', o.user_id, o.id, j.id, NULL, NULL
            FROM print_jobs j JOIN orders o ON o.id = j.order_id
            WHERE lower(j.tracking_number) = lower($1) AND j.tracking_number IS NOT NULL
          UNION ALL SELECT 11, 'dispute', o.user_id, o.id, NULL, NULL, NULL
            FROM disputes d JOIN orders o ON o.id = d.order_id WHERE d.id = $1
        ) found ORDER BY rank LIMIT 1
        """

    public func resolve(identifier: String) async throws -> ResolvedIdentifier? {
        let text = identifier.trimmingWhitespace()
        guard !text.isEmpty, !text.contains(where: \.isWhitespace) else { return nil }
        let rows = try await fetchPrepared(PreparedSQL.Resolve.self, [.text(text)]) { row in
            (
                try row.text(0), try row.text(1), try row.optionalText(2), try row.optionalText(3),
                try row.optionalText(4), try row.optionalText(5)
            )
        }
        guard let (kindName, user, order, job, print, intent) = rows.first,
            let kind = IdentifierKind(rawValue: kindName)
        else { return nil }
        var found = ResolvedIdentifier(kind: kind, userID: user, orderID: order, printJobID: job, printID: print)
        found.paymentIntent = intent
        return found
    }

    private func users(_ sql: String, _ arguments: [StoreValue]) async throws -> [User] {
        var bindings = PostgresBindings()
        for argument in arguments { bindings.append(argument) }
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var out: [User] = []
        for try await (id, email, name, country, locale, status, created) in rows.decode(
            (String, String, String, String, String, String, Int64).self)
        {
            guard let status = AccountStatus(rawValue: status) else {
                throw PostgresStoreError.badValue(table: "users", column: "status")
            }
            out.append(
                User(
                    id: id, email: email, name: name, country: country, locale: locale, status: status,
                    createdAt: Timestamp(seconds: created)))
        }
        return out
    }
}
