import Foundation
import GRDB
import OpsCore
import OpsStorePostgres
import OpsTestSupport
import Testing

@testable import OpsStore

/// An empty store of either kind, fed batches of JSON Lines as the ingest service feeds it.
struct FeedUnderTest {
    let apply: ([String]) async throws -> ImportReport
    let database: StoreUnderTest
    let close: () async -> Void

    static func make(_ kind: StoreUnderTest.Kind) async throws -> FeedUnderTest {
        func batch(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\n").utf8) }
        switch kind {
        case .sqlite:
            let path = TestSupport.temporaryDirectory("feed") + "/f.sqlite"
            let store = try SQLiteStore.open(path: path)
            return FeedUnderTest(
                apply: { try store.importJSONLines(bytes: batch($0), name: "feed") },
                database: StoreUnderTest(sqlite: path), close: {})
        case .postgres:
            let url = try TestSupport.postgresDatabase()
            let store = try await PostgresStore.open(
                try PostgresLocation(url: url, defaultUser: "ops"), password: nil, deadline: .seconds(120))
            return FeedUnderTest(
                apply: { try await store.importJSONLines(bytes: batch($0), name: "feed") },
                database: StoreUnderTest(postgres: url), close: { await store.close() })
        }
    }

    /// Every customer and print as `id=name`, in id order.
    func names() throws -> [String] {
        let lines = { (sql: String) throws -> [String] in
            let text = try database.sql(sql)
            return text.isEmpty ? [] : text.split(separator: "\n").map(String.init)
        }
        return try lines("SELECT id || '=' || name FROM users ORDER BY id")
            + lines("SELECT id || '=' || title FROM prints ORDER BY id")
    }
}

/// A change feed's entries: last writer wins by version, tombstones delete and stay deleted, and any order of
/// arrival converges to the same state — on both stores.
@Suite struct ChangeFeedTests {
    func user(_ id: String, _ name: String, version: Int? = nil) -> String {
        #"{"type":"user","id":"\#(id)","email":"\#(id)@example.com","name":"\#(name)","country":"GB","#
            + #""created_at":"2026-01-01T00:00:00Z""# + (version.map { #","version":\#($0)}"# } ?? "}")
    }

    func print(_ id: String, user: String, title: String, version: Int) -> String {
        #"{"type":"print","id":"\#(id)","user_id":"\#(user)","product":"photobook","title":"\#(title)","#
            + #""page_count":20,"photo_count":1,"created_at":"2026-01-02T00:00:00Z","version":\#(version)}"#
    }

    func tombstone(_ type: String, _ id: String, version: Int) -> String {
        #"{"type":"\#(type)","id":"\#(id)","deleted":true,"version":\#(version)}"#
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func anOlderVersionArrivingLateChangesNothing(kind: StoreUnderTest.Kind) async throws {
        let store = try await FeedUnderTest.make(kind)
        #expect(try await store.apply([user("u1", "Bea", version: 2)]).records == 1)
        let late = try await store.apply([user("u1", "Ann", version: 1)])
        #expect(late.stale == 1 && late.records == 0)
        #expect(try store.names() == ["u1=Bea"])
        #expect(try await store.apply([user("u1", "Cat", version: 3)]).records == 1)
        #expect(try store.names() == ["u1=Cat"])
        // The same version again is a retry: nothing changes.
        #expect(try await store.apply([user("u1", "Dot", version: 3)]).stale == 1)
        #expect(try store.names() == ["u1=Cat"])
        // An entry without a version (a one-off export) is applied as it comes.
        _ = try await store.apply([user("u1", "Eve")])
        #expect(try store.names() == ["u1=Eve"])
        await store.close()
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func aTombstoneDeletesAndAnOlderChangeDoesNotBringTheRecordBack(kind: StoreUnderTest.Kind) async throws {
        let store = try await FeedUnderTest.make(kind)
        _ = try await store.apply([user("u1", "Ann", version: 1), user("u2", "Bob", version: 1)])
        let deleted = try await store.apply([tombstone("user", "u1", version: 5)])
        #expect(deleted.deleted == 1)
        #expect(try store.names() == ["u2=Bob"])
        #expect(try await store.apply([user("u1", "Ann", version: 4)]).stale == 1)
        #expect(try store.names() == ["u2=Bob"])
        _ = try await store.apply([user("u1", "Ann again", version: 6)])
        #expect(try store.names() == ["u1=Ann again", "u2=Bob"])
        await store.close()
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func whatOthersStillPointAtAndHistoryCannotBeDeleted(kind: StoreUnderTest.Kind) async throws {
        let store = try await FeedUnderTest.make(kind)
        _ = try await store.apply([user("u1", "Ann", version: 1), print("p1", user: "u1", title: "T", version: 1)])
        await #expect {
            try await store.apply([user("u9", "Nine", version: 1), tombstone("user", "u1", version: 2)])
        } throws: { error in
            guard let error = error as? ImportError else { return false }
            return error.line == 2 && error.field == "deleted" && error.message.contains("still referred to")
        }
        // Nothing of the rejected batch was kept.
        #expect(try store.names() == ["u1=Ann", "p1=T"])
        await #expect {
            try await store.apply([tombstone("order", "o1", version: 1)])
        } throws: { error in
            (error as? ImportError)?.message.contains("never deleted") == true
        }
        await store.close()
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func anyOrderOfArrivalConvergesToTheSameState(kind: StoreUnderTest.Kind) async throws {
        var entries: [String] = []
        for n in 1...6 {
            for v in 1...3 { entries.append(user("u\(n)", "name \(n).\(v)", version: v)) }
            entries.append(print("p\(n)", user: "u\(n)", title: "title \(n)", version: 1))
            entries.append(print("p\(n)", user: "u\(n)", title: "retitled \(n)", version: 2))
        }
        entries.append(tombstone("print", "p3", version: 3))
        entries.append(tombstone("print", "p5", version: 3))
        // Parents must exist before children within a batch: each shuffle keeps users ahead of prints, which is
        // how the platform's stream delivers a new customer and their first print.
        let ordered = try await FeedUnderTest.make(kind)
        _ = try await ordered.apply(entries)
        let expected = try ordered.names()
        #expect(
            expected.contains("u2=name 2.3") && expected.contains("p2=retitled 2")
                && !expected.contains("p3=retitled 3"))
        var generator = SplitMix(seed: 7)
        for round in 0..<5 {
            let store = try await FeedUnderTest.make(kind)
            let users = entries.filter { $0.contains(#""type":"user""#) }.shuffled(using: &generator)
            let prints = entries.filter { !$0.contains(#""type":"user""#) }.shuffled(using: &generator)
            // Delivered in three batches, as a stream would be.
            let all = users + prints
            for chunk in stride(from: 0, to: all.count, by: 7) {
                _ = try await store.apply(Array(all[chunk..<min(chunk + 7, all.count)]))
            }
            #expect(try store.names() == expected, "round \(round)")
            await store.close()
        }
        await ordered.close()
    }
}

/// A seeded random number generator, so the shuffles are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
