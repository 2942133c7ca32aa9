import Foundation
import OpsTestSupport
import Testing

/// `query timeline`: what happened to an order or a customer, newest first, from every record, on both stores.
@Suite(.serialized) struct TimelineTests {
    @Test(arguments: StoreUnderTest.Kind.allCases)
    func anOrdersAndACustomersTimelineTellTheStoryNewestFirst(_ kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let user = try #require(ConsoleScripts.placeholders["refunded_user"])
        let db = ["--db", store.database, "--now", TestSupport.now]
        let order = try store.sql(
            "SELECT o.id FROM orders o JOIN refunds r ON r.order_id = o.id WHERE o.user_id = '\(user)' LIMIT 1")
        try #require(!order.isEmpty)
        #expect(
            try TestSupport.popsaOps(["note", "add", order, "--text", "Refund explained by phone"] + db).status == 0)

        let shown = try TestSupport.popsaOps(["query", "timeline", order, "--json"] + db)
        #expect(shown.status == 0, "\(shown.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(json["of"] as? String == "order \(order)")
        let entries = try #require(json["entries"] as? [[String: Any]])
        let kinds = entries.compactMap { $0["kind"] as? String }
        #expect(kinds.first == "note" && kinds.last == "order", "the note is newest, the order the oldest: \(kinds)")
        #expect(Set(kinds).isSuperset(of: ["order", "payment", "refund", "print_job", "note"]), "\(kinds)")
        let times = entries.compactMap { $0["at"] as? String }
        #expect(times == times.sorted(by: >), "newest first")
        let refundCount = Int(try store.sql("SELECT count(*) FROM refunds WHERE order_id = '\(order)'"))
        #expect(kinds.filter { $0 == "refund" }.count == refundCount)
        let events = Int(
            try store.sql(
                "SELECT count(*) FROM print_job_events e JOIN print_jobs j ON j.id = e.job_id "
                    + "WHERE j.order_id = '\(order)'"))
        #expect(kinds.filter { $0 == "partner" }.count == events)

        // --kind keeps some; a kind that is not one is refused by name.
        let notes = try TestSupport.popsaOps(["query", "timeline", order, "--kind", "note,refund"] + db)
        #expect(notes.stdout.contains("Refund explained by phone") && !notes.stdout.contains("Order placed"))
        let bad = try TestSupport.popsaOps(["query", "timeline", order, "--kind", "gossip"] + db)
        #expect(bad.status == 64 && bad.stderr.contains("\"gossip\" is not one of"), "\(bad.stderr)")

        // The customer's: every order of theirs, their signup last.
        let customer = try TestSupport.popsaOps(["query", "timeline", user, "--json"] + db)
        let all = try #require(
            try JSONSerialization.jsonObject(with: Data(customer.stdout.utf8)) as? [String: Any])
        let theirs = try #require(all["entries"] as? [[String: Any]])
        #expect(all["of"] as? String == "customer \(user)" && theirs.last?["kind"] as? String == "signup")
        let orders = Int(try store.sql("SELECT count(*) FROM orders WHERE user_id = '\(user)'"))
        #expect(theirs.filter { $0["kind"] as? String == "order" }.count == orders)
    }
}

/// The timeline in the console: `t` on a customer or an order, strands as tabs, enter on a line opening its
/// record; the same entries as `query timeline`.
@Suite struct ConsoleTimelineTests {
    @Test func theTimelineOpensFromARecordKeepsAStrandAndLeadsToTheJob() throws {
        let console = try ConsoleScripts.run("timeline", size: "100x30")
        #expect(console.status == 0, "\(console.stdout)\(console.stderr)")
        TestSupport.assertGolden(console.stdout, "console/timeline-100x30.txt")
        // The console shows what `query timeline` says, line for line (first lines, newest first).
        let user = ConsoleScripts.placeholders["refunded_user"]!
        let query = try TestSupport.popsaOps(
            ["query", "timeline", user, "--json", "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now])
        let newest = try #require(
            query.stdout.split(separator: "\n").first { $0.contains(#""text""#) }.map {
                $0.split(separator: "\"", omittingEmptySubsequences: false)[3]
            })
        #expect(console.stdout.contains(String(newest.prefix(40))), "\(newest)")
    }
}
