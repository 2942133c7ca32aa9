import OpsCore
import PostgresNIO

// MARK: - The benchmark's inputs and floors

/// Inputs for the query benchmark drawn from the database itself, and the floors: the same SQL the store runs,
/// sent raw on the same pool, every row read and nothing decoded.
extension PostgresStore {
    /// Draws `count` samples of each kind, deterministically for `seed` (customers by their insertion number).
    public func benchSamples(count: Int, seed: UInt64) async throws -> BenchSamples {
        let maxSeq = try await fetchFirst("SELECT coalesce(max(seq), 0) FROM users") { try $0.integer(0) } ?? 0
        var random = DemoRandom(seed: seed)
        var samples = BenchSamples()
        let identifierQueries = [
            "SELECT id FROM orders WHERE user_id = $1 LIMIT 1",
            "SELECT email FROM users WHERE id = $1",
            "SELECT j.tracking_number FROM orders o JOIN print_jobs j ON j.order_id = o.id WHERE o.user_id = $1 "
                + "AND j.tracking_number IS NOT NULL LIMIT 1",
            "SELECT pay.provider_transaction_id FROM orders o JOIN payments pay ON pay.order_id = o.id WHERE "
                + "o.user_id = $1 LIMIT 1",
        ]
        var attempts = 0
        while (samples.userIDs.count < count || samples.identifiers.count < count) && attempts < count * 50 {
            attempts += 1
            guard maxSeq > 0,
                let (id, email) = try await fetchFirst(
                    "SELECT id, email FROM users WHERE seq >= $1 ORDER BY seq LIMIT 1",
                    [.integer(random.within64(1...maxSeq))], { (try $0.text(0), try $0.text(1)) })
            else { break }
            if let kind = samples.addCustomer(userID: id, email: email, count: count, random: &random) {
                samples.addIdentifier(
                    try await fetchFirst(identifierQueries[kind], [.text(id)]) { try $0.optionalText(0) } ?? nil)
            }
        }
        return samples
    }

    /// Customers in the database.
    public func customerCount() async throws -> Int {
        Int(try await fetchFirst("SELECT count(*) FROM users") { try $0.integer(0) } ?? 0)
    }

    /// The floor of the search: the matching customers, then their orders' summary, raw.
    public func floorSearch(_ term: String, limit: Int) async throws -> Int {
        let words = SearchWords.split(term)
        guard !words.isEmpty else { return 0 }
        // The same statements as the engine's, rows read but not decoded into customers.
        let ids = try await searchStaged(words.joined(separator: " "), limit: limit, columns: Self.userColumns) {
            try $0.text(0)
        }
        guard !ids.isEmpty else { return 0 }
        return ids.count + (try await rawCount(Self.summaries(ids)))
    }

    /// The floor of identifier resolution: the same one prepared statement, raw.
    public func floorResolve(_ identifier: String) async throws -> Int {
        try await rawCount(Prepared<PreparedSQL.Resolve>([.text(identifier)]))
    }

    /// The floor of customer 360: the same eight prepared statements, raw, sent as the store sends them (the seven
    /// sections at once, beside the customer's row).
    public func floorCustomer360(_ userID: String) async throws -> Int {
        typealias S = PreparedSQL
        let id: [StoreValue] = [.text(userID)]
        async let prints = rawCount(Prepared<S.CustomerPrints>(id))
        async let orders = rawCount(Prepared<S.CustomerOrders>(id))
        async let payments = rawCount(Prepared<S.CustomerPayments>(id))
        async let refunds = rawCount(Prepared<S.CustomerRefunds>(id))
        async let jobs = rawCount(Prepared<S.CustomerJobs>(id))
        async let disputes = rawCount(Prepared<S.CustomerDisputes>(id))
        async let notes = rawCount(Prepared<S.CustomerNotes>(id))
        let user = try await rawCount(Prepared<S.Customer>(id))
        let sections = try await [prints, orders, payments, refunds, jobs, disputes, notes]
        return user + sections.reduce(0, +)
    }

    /// Rows of a statement, each read and none decoded.
    func rawCount(_ query: PostgresQuery) async throws -> Int {
        var count = 0
        for try await _ in try await client.query(query, logger: logger) {
            count += 1
        }
        return count
    }

    /// Rows of a prepared statement, each read and none decoded.
    func rawCount<Text: PreparedText>(_ statement: Prepared<Text>) async throws -> Int {
        var count = 0
        for try await _ in try await client.execute(statement, logger: logger) {
            count += 1
        }
        return count
    }
}

// MARK: - Scratch databases

extension PostgresStore {
    /// Creates an empty database next to this one (on the same server) for a benchmark that loads data, and
    /// returns where it is. `name` must be a plain identifier (letters, digits, underscores).
    public func createScratchDatabase(_ name: String) async throws -> PostgresLocation {
        precondition(name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        try await execute("CREATE DATABASE \(name)")
        var scratch = location
        scratch.database = name
        return scratch
    }

    /// Drops a database `createScratchDatabase` made.
    public func dropScratchDatabase(_ name: String) async throws {
        precondition(name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        try await execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}
