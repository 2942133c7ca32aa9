import Foundation
import OpsCore
import OpsEngine
import OpsStore
import OpsStorePostgres
import OpsTestSupport
import Testing

/// The customer search, stated once and run against both stores on the same data (the fixture, and its copy on
/// PostgreSQL): what a ticket carries finds the same customers, in the same order, with the same summaries.
@Suite struct CustomerSearchContractTests {
    enum StoreKind: String, CaseIterable, CustomStringConvertible {
        case sqlite, postgres
        var description: String { rawValue }
    }

    /// Runs `body` with the store of `kind` over the fixture, then lets the store go.
    static func with<T>(_ kind: StoreKind, _ body: (any CustomerSearchStore) async throws -> T) async throws -> T {
        switch kind {
        case .sqlite:
            return try await body(try SQLiteStore.open(path: TestSupport.fixtureDatabase, readOnly: true))
        case .postgres:
            let store = try await PostgresFixture.open()
            do {
                let result = try await body(store)
                await store.close()
                return result
            } catch {
                await store.close()
                throw error
            }
        }
    }

    static func fixture(_ sql: String) throws -> [String] { try TestSupport.fields(TestSupport.fixtureDatabase, sql) }

    @Test(arguments: StoreKind.allCases)
    func namesAndEmailWordsByPrefixWithoutAccents(kind: StoreKind) async throws {
        try await Self.with(kind) { store in try await checkWords(store, kind) }
    }

    func checkWords(_ store: any CustomerSearchStore, _ kind: StoreKind) async throws {
        // Accents typed or not: "kathe kohl" finds Käthe Köhler, "jerome" Jérôme.
        for (typed, name) in [
            ("kathe kohl", "Käthe Köhler"), ("jerome", "Jérôme Fontaine"), ("ÍÑIGO", "Íñigo Fernández"),
        ] {
            let found = try await store.searchCustomers(typed, limit: 50)
            #expect(found.contains { $0.name == name }, "\(kind) \(typed)")
            #expect(
                found.allSatisfy {
                    $0.name.folding(options: .diacriticInsensitive, locale: nil).lowercased()
                        .contains(
                            typed.split(separator: " ")[0].folding(options: .diacriticInsensitive, locale: nil)
                                .lowercased()) || !$0.email.isEmpty
                }, "\(kind) \(typed)")
        }
        // An email's words: the local part's letters, without the digits the address carries.
        let row = try Self.fixture("SELECT id || '|' || email FROM users ORDER BY id LIMIT 1 OFFSET 17")
        let local = row[1].prefix { $0 != "@" }.split(separator: ".").map { String($0.prefix { !$0.isNumber }) }
        let byEmail = try await store.searchCustomers(String(local.last!.prefix(4)), limit: 1000)
        #expect(byEmail.contains { $0.id == row[0] }, "\(kind) \(local)")
        // Newest first, as many as asked.
        let page = try await store.searchCustomers("ma", limit: 20)
        #expect(page.count == 20)
        let order = try Self.fixture(
            "SELECT group_concat(id, '|') FROM (SELECT id FROM users WHERE id IN ("
                + page.map { "'\($0.id)'" }.joined(separator: ",") + ") ORDER BY rowid DESC)")
        #expect(page.map(\.id).joined(separator: "|") == order.joined(separator: "|"), "\(kind)")
        #expect(try await store.searchCustomers("  ·· ", limit: 50).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func everyIdentifierIsResolvedExactly(kind: StoreKind) async throws {
        try await Self.with(kind) { store in try await checkIdentifiers(store, kind) }
    }

    func checkIdentifiers(_ store: any CustomerSearchStore, _ kind: StoreKind) async throws {
        let r = try Self.fixture(
            """
            SELECT u.id || '|' || u.email || '|' || o.id || '|' || o.print_id || '|' || j.id || '|' \
            || j.tracking_number || '|' || pay.id FROM orders o JOIN users u ON u.id = o.user_id \
            JOIN print_jobs j ON j.order_id = o.id JOIN payments pay ON pay.order_id = o.id \
            WHERE j.tracking_number IS NOT NULL ORDER BY o.id LIMIT 1
            """)
        let (user, email, order, print, job, tracking, payment) = (r[0], r[1], r[2], r[3], r[4], r[5], r[6])
        let stripe = try Self.fixture(
            "SELECT provider_transaction_id || '|' || provider_charge_id || '|' || order_id FROM payments "
                + "WHERE provider = 'stripe' AND provider_charge_id IS NOT NULL ORDER BY id LIMIT 1")
        let braintree = try Self.fixture(
            "SELECT provider_transaction_id || '|' || order_id FROM payments WHERE provider = 'braintree' "
                + "ORDER BY id LIMIT 1")
        let cases: [(String, IdentifierKind, String?)] = [
            (user, .user, nil), (email.uppercased(), .email, nil), (order, .order, order), (print, .print, nil),
            (job, .printJob, order), (tracking.lowercased(), .trackingNumber, order), (payment, .payment, order),
            (stripe[0], .providerTransaction, stripe[2]), (stripe[1], .providerCharge, stripe[2]),
            (braintree[0].uppercased(), .providerTransaction, braintree[1]),
        ]
        for (typed, kindFound, orderID) in cases {
            let found = try await store.resolve(identifier: typed)
            #expect(found?.kind == kindFound, "\(kind) \(typed)")
            if let orderID { #expect(found?.orderID == orderID, "\(kind) \(typed)") }
        }
        #expect(try await store.resolve(identifier: stripe[1])?.paymentIntent == stripe[0], "a ch_ names its pi_")
        #expect(try await store.resolve(identifier: "ord_nope") == nil)
        #expect(try await store.resolve(identifier: "two words") == nil)
    }

    /// Whatever the ticket carries, the search box's answer is the same on both stores: the exact record, the
    /// customers in order, and what tells them apart.
    @Test func bothStoresAnswerTheSameSearches() async throws {
        let sqlite = try SQLiteStore.open(path: TestSupport.fixtureDatabase, readOnly: true)
        try await Self.with(.postgres) { postgres in try await compare(sqlite, postgres) }
        // With a window smaller than the fixture, the older customers come from the search's second stage: the
        // answers stay the same, newest first.
        for window: Int64 in [1, 40, 400] {
            let small = try await PostgresStore.open(
                try PostgresLocation(url: try await PostgresFixture.shared.url(), defaultUser: "ops"), password: nil,
                deadline: .seconds(120), searchWindow: window)
            do {
                try await compare(sqlite, small)
                await small.close()
            } catch {
                await small.close()
                throw error
            }
        }
    }

    func compare(_ sqlite: any CustomerSearchStore, _ postgres: any CustomerSearchStore) async throws {
        let tracking = try Self.fixture(
            "SELECT tracking_number FROM print_jobs WHERE tracking_number IS NOT NULL LIMIT 1")
        let postcode = try Self.fixture(
            "SELECT json_extract(shipping_address, '$.postcode') FROM orders ORDER BY id LIMIT 1")
        let spaced = tracking[0].enumerated().map {
            $0.offset > 0 && $0.offset % 4 == 0 ? " \($0.element)" : "\($0.element)"
        }
        .joined()
        for typed in ["m", "ma", "mar", "mari", "ann", "kö", "jer fo", spaced, postcode[0].lowercased(), "zz9zz"] {
            let a = try await CustomerSearch.search(typed, in: sqlite)
            let b = try await CustomerSearch.search(typed, in: postgres)
            #expect(a.exact == b.exact, "\(typed)")
            #expect(a.customers.map(\.id) == b.customers.map(\.id), "\(typed)")
            #expect(a.summaries == b.summaries, "\(typed)")
        }
    }
}
