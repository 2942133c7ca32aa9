import Foundation
import GRDB
import OpsCore
import OpsTestSupport
import Testing

@testable import OpsStore

@Suite struct ImportTests {
    static let good = TestSupport.importSample

    func write(_ lines: [String]) -> String {
        let path = TestSupport.temporaryDirectory() + "/import.jsonl"
        try! (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func counts(_ store: SQLiteStore) throws -> [Int] {
        try store.pool.read { db in
            try ["users", "prints", "photos", "orders", "payments", "print_jobs", "print_job_events"].map {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)")!
            }
        }
    }

    @Test func importsEveryTypeAndReimportsIdempotently() async throws {
        let store = try SQLiteStore.open(path: TestSupport.temporaryDirectory() + "/i.sqlite")
        let file = write(Self.good)
        let report = try store.importJSONLines(path: file)
        #expect(report.records == 8)
        #expect(
            report.byType == [
                "user": 1, "print": 1, "photo": 2, "order": 1, "payment": 1, "print_job": 1, "print_job_event": 1,
            ])
        #expect(try counts(store) == [1, 1, 2, 1, 1, 1, 1])
        _ = try store.importJSONLines(path: file)
        #expect(try counts(store) == [1, 1, 2, 1, 1, 1, 1])
        let view = try #require(try await store.orderDetail(orderID: "o1"))
        #expect(view.print?.photos == PhotoProgress(uploaded: 1, missing: 1))
        #expect(view.order.total == Money(minorUnits: 3398, currency: .eur))
        // An updated line updates the record.
        let renamed = Self.good[0].replacingOccurrences(of: "Ana Núñez", with: "Ana Núñez García")
        _ = try store.importJSONLines(path: write([renamed]))
        #expect(try await store.customer360(userID: "u1")?.user.name == "Ana Núñez García")
        #expect(try await store.searchCustomers("garcia", limit: 5).map(\.id) == ["u1"])
    }

    @Test(arguments: [0, 4, 8])
    func aBadLineAnywhereImportsNothingOfTheFile(position: Int) throws {
        let store = try SQLiteStore.open(path: TestSupport.temporaryDirectory() + "/b.sqlite")
        var lines = Self.good
        lines.insert(
            #"{"type":"user","id":"u9","email":"x@example.com","name":"X","country":"GB","#
                + #""created_at":"2026-01-01T00:00:00Z","currency":"GBP"}"#,
            at: position)
        let file = write(lines)
        #expect(throws: ImportError(file: file, line: position + 1, field: "currency", message: "unknown field")) {
            try store.importJSONLines(path: file)
        }
        #expect(try counts(store) == [0, 0, 0, 0, 0, 0, 0])
    }

    @Test func errorsNameFileLineAndField() throws {
        let store = try SQLiteStore.open(path: TestSupport.temporaryDirectory() + "/c.sqlite")
        func failure(_ lines: [String]) -> ImportError? {
            let file = write(lines)
            do { _ = try store.importJSONLines(path: file); return nil } catch let e as ImportError {
                return ImportError(file: "F", line: e.line, field: e.field, message: e.message)
            } catch { return nil }
        }
        #expect(
            failure([Self.good[0], "{not json"])
                == ImportError(
                    file: "F", line: 2, field: "", message: "malformed JSON at column 2: expected a field name"))
        #expect(
            failure([Self.good[1]])
                == ImportError(
                    file: "F", line: 1, field: "user_id",
                    message: "refers to user \"u1\", which is neither in the store nor earlier in the file"))
        var wrongCurrency = Array(Self.good[0...4])
        wrongCurrency.append(
            Self.good[5].replacingOccurrences(of: "\"currency\":\"EUR\"", with: "\"currency\":\"GBP\""))
        #expect(
            failure(wrongCurrency)
                == ImportError(
                    file: "F", line: 6, field: "currency", message: "GBP differs from the order's currency EUR"))
        var badTotal = Array(Self.good[0...3])
        badTotal.append(Self.good[4].replacingOccurrences(of: "\"total_amount\":3398", with: "\"total_amount\":3399"))
        #expect(
            failure(badTotal)
                == ImportError(
                    file: "F", line: 5, field: "total_amount",
                    message: "total_amount 3399 is not subtotal + shipping + tax (3398)"))
        let dupEmail = Self.good[0].replacingOccurrences(of: "\"id\":\"u1\"", with: "\"id\":\"u2\"")
        #expect(
            failure([Self.good[0], dupEmail])
                == ImportError(
                    file: "F", line: 2, field: "email", message: "\"ana@example.com\" already belongs to user \"u1\""))
        #expect(try counts(store) == [0, 0, 0, 0, 0, 0, 0])
    }

    @Test func invalidUTF8IsKeptAsReplacementCharacters() throws {
        let store = try SQLiteStore.open(path: TestSupport.temporaryDirectory() + "/u.sqlite")
        let path = TestSupport.temporaryDirectory() + "/bad-utf8.jsonl"
        var bytes = Array(#"{"type":"user","id":"u1","email":"a@b.c","name":"Bad "#.utf8)
        bytes += [0xFF, 0xC3, 0x28]
        bytes += Array(#" name","country":"GB","created_at":"2026-01-01T00:00:00Z"}"#.utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        _ = try store.importJSONLines(path: path)
        let name = try store.pool.read { db in try String.fetchOne(db, sql: "SELECT name FROM users WHERE id = 'u1'") }
        #expect(name == "Bad \u{FFFD}\u{FFFD}( name")
    }
}
