import OpsCore
import PostgresNIO

// MARK: - Prepared statements

/// The text of a statement the server plans once per connection and keeps: the hot reads whose planning costs more
/// than running them (identifier resolution plans eleven branches in about 1.5 ms and runs them in 0.2; customer
/// 360's seven sections likewise). postgres-nio names a prepared statement by its type, so each text is a type.
protocol PreparedText: Sendable {
    static var sql: String { get }
}

/// One execution of a prepared text: its values, rows handed back undecoded.
struct Prepared<Text: PreparedText>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static var sql: String { Text.sql }
    /// A short name: the server cuts names at 63 bytes, and postgres-nio's default (the type's full name) would
    /// make `…PreparedSQL.CustomerPrints` and `…PreparedSQL.CustomerOrders` one statement.
    static var name: String { "popsa." + String(describing: Text.self) }
    let bindings: PostgresBindings

    init(_ arguments: [StoreValue]) {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments { bindings.append(argument) }
        self.bindings = bindings
    }

    init(bindings: PostgresBindings) { self.bindings = bindings }

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// The prepared texts.
enum PreparedSQL {
    enum Resolve: PreparedText { static var sql: String { PostgresStore.resolveSQL } }
    enum Summaries: PreparedText { static var sql: String { PostgresStore.summariesSQL } }
    enum Customer: PreparedText { static var sql: String { PostgresStore.customer360SQL[0] } }
    enum CustomerPrints: PreparedText { static var sql: String { PostgresStore.customer360SQL[1] } }
    enum CustomerOrders: PreparedText { static var sql: String { PostgresStore.customer360SQL[2] } }
    enum CustomerPayments: PreparedText { static var sql: String { PostgresStore.customer360SQL[3] } }
    enum CustomerRefunds: PreparedText { static var sql: String { PostgresStore.customer360SQL[4] } }
    enum CustomerJobs: PreparedText { static var sql: String { PostgresStore.customer360SQL[5] } }
    enum CustomerDisputes: PreparedText { static var sql: String { PostgresStore.customer360SQL[6] } }
    enum CustomerNotes: PreparedText { static var sql: String { PostgresStore.customer360SQL[7] } }
}

extension PostgresStore {
    /// Runs a prepared text on the pool (prepared on each connection the first time it runs there), with the
    /// store's deadline and its errors in words, as `fetch` does.
    func fetchPrepared<Text: PreparedText, T>(
        _ text: Text.Type, _ statement: Prepared<Text>, _ decode: (PostgresRecordRow) throws -> T
    ) async throws -> [T] {
        let (client, logger) = (self.client, self.logger)
        return try await Self.inWords {
            let rows = try await withDeadline {
                var rows: [PostgresRow] = []
                for try await row in try await client.execute(statement, logger: logger) { rows.append(row) }
                return rows
            }
            return try rows.map { try decode(PostgresRecordRow($0)) }
        }
    }

    func fetchPrepared<Text: PreparedText, T>(
        _ text: Text.Type, _ arguments: [StoreValue], _ decode: (PostgresRecordRow) throws -> T
    ) async throws -> [T] {
        try await fetchPrepared(text, Prepared<Text>(arguments), decode)
    }
}
