import Foundation
import OpsTestSupport
import Testing

/// Whole-program tests of `popsa-ops query`: run the binary, compare its output with golden files.
@Suite struct QueryCLITests {
    let db = TestSupport.fixtureDatabase
    let now = TestSupport.now

    func sql(_ query: String) throws -> String {
        try TestSupport.sql(db, query)
    }

    func query(_ args: [String]) throws -> TestSupport.Output {
        try TestSupport.popsaOps(["query"] + args + ["--db", db, "--now", now])
    }

    @Test func customerOrderAndJobGoldens() throws {
        let user = try sql("SELECT o.user_id FROM orders o JOIN refunds r ON r.order_id = o.id ORDER BY o.id LIMIT 1")
        let order = try sql(
            "SELECT o.id FROM orders o JOIN print_jobs j ON j.order_id = o.id WHERE j.status = 'shipped' ORDER BY "
                + "o.id LIMIT 1"
        )
        let job = try sql("SELECT id FROM print_jobs WHERE status = 'delivered' ORDER BY id LIMIT 1")
        for (args, golden) in [
            (["customer", user], "cli/customer.txt"), (["customer", user, "--json"], "cli/customer.json"),
            (["order", order], "cli/order.txt"), (["order", order, "--json"], "cli/order.json"),
            (["print-job", job], "cli/print-job.txt"),
            (["print-jobs", "--stuck-for", "72h", "--limit", "5"], "cli/stuck-jobs.txt"),
            (["print-jobs", "--status", "failed", "--limit", "3", "--json"], "cli/failed-jobs.json"),
            (["orders", "--status", "refunded", "--limit", "4"], "cli/refunded-orders.txt"),
        ] {
            let result = try query(args)
            #expect(result.status == 0, "\(args): \(result.stderr)")
            #expect(result.stderr == "")
            TestSupport.assertGolden(result.stdout, golden)
        }
    }

    @Test func anIdentifierFromATicketFindsItsCustomer() throws {
        let tracking = try sql(
            "SELECT tracking_number FROM print_jobs WHERE tracking_number IS NOT NULL ORDER BY id LIMIT 1")
        let user = try sql(
            "SELECT o.user_id FROM print_jobs j JOIN orders o ON o.id = j.order_id WHERE j.tracking_number = "
                + "'\(tracking)'"
        )
        let result = try query(["customers", tracking.lowercased()])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("Exact match: tracking number → customer \(user)"))
        let json = try query(["customers", tracking, "--json"])
        #expect(json.stdout.contains("\"kind\": \"tracking_number\""))
    }

    /// `query customer`, `order` and `print-job` take whatever a ticket carries, not only their own ids.
    @Test func recordQueriesAcceptAnyIdentifierTheSearchAccepts() throws {
        let row = try sql(
            "SELECT o.user_id || '|' || o.id || '|' || p.provider_transaction_id || '|' || j.id || '|' "
                + "|| j.tracking_number || '|' || u.email FROM orders o JOIN payments p ON p.order_id = o.id "
                + "JOIN print_jobs j ON j.order_id = o.id JOIN users u ON u.id = o.user_id "
                + "WHERE j.tracking_number IS NOT NULL AND p.provider = 'stripe' ORDER BY o.id LIMIT 1"
        ).split(separator: "|").map(String.init)
        try #require(row.count == 6)
        let (user, order, intent, job, tracking, email) = (row[0], row[1], row[2], row[3], row[4], row[5])
        #expect(try query(["customer", email, "--json"]).stdout.contains(#""id": "\#(user)""#))
        for identifier in [intent, tracking, job] {
            let found = try query(["order", identifier, "--json"])
            #expect(found.status == 0 && found.stdout.contains(#""id": "\#(order)""#), "\(identifier): \(found.stderr)")
        }
        #expect(try query(["print-job", tracking, "--json"]).stdout.contains(#""id": "\#(job)""#))
        #expect(try query(["order", email]).stderr == "popsa-ops: no order with id \(email)\n")
    }

    @Test func unknownIdsExitOneWithOneLine() throws {
        let text = try query(["order", "ord_nope"])
        #expect(text.status == 1)
        #expect(text.stdout == "")
        #expect(text.stderr == "popsa-ops: no order with id ord_nope\n")
        let json = try query(["print-job", "job_nope", "--json"])
        #expect(json.status == 1)
        #expect(json.stderr == #"{"error":{"code":"not_found","message":"no print job with id job_nope"}}"# + "\n")
    }

    @Test(arguments: [
        (["print-jobs", "--status", "lost"], "--status: unknown print job status \"lost\""),
        (["print-jobs", "--stuck-for", "3 days"], "--stuck-for: \"3 days\" is not a duration"),
        (["orders", "--limit", "0"], "--limit must be between 1 and 10000"),
        (["orders", "--after", "yesterday"], "--after: \"yesterday\" is not a cursor"),
        (["order"], "Missing expected argument '<id>'"),
        (["orders", "--now", "tomorrow"], "--now: \"tomorrow\" is not an ISO 8601 time"),
    ])
    func badArgumentsAreUsageErrors(args: [String], message: String) throws {
        let result = try TestSupport.popsaOps(["query"] + args + ["--db", db])
        #expect(result.status == 64, "\(args): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func aMissingDatabaseFileIsNotCreatedByAQuery() throws {
        let path = TestSupport.temporaryDirectory() + "/absent.sqlite"
        let result = try TestSupport.popsaOps(["query", "orders", "--db", path])
        #expect(result.status == 66)
        #expect(result.stderr.contains("no database at \(path)"))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func withoutDbTheDemoDatabaseIsCreatedOnFirstUse() throws {
        let home = TestSupport.temporaryDirectory("fresh-home")
        let first = try TestSupport.popsaOps(["query", "customers", "zoe", "--now", now], home: home)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(
            first.stderr.hasPrefix(
                "popsa-ops: created a demo database at \(home)/data/popsa-ops/demo.sqlite (2000 customers"))
        #expect(first.stdout.contains("Zo"))
        let second = try TestSupport.popsaOps(["query", "customers", "zoe", "--now", now], home: home)
        #expect(second.stderr == "")
        #expect(second.stdout == first.stdout)
    }
}

@Suite struct ImportCLITests {
    @Test func aBadLineIsReportedWithFileLineAndFieldAndExit65() throws {
        let dir = TestSupport.temporaryDirectory()
        let file = dir + "/export.jsonl"
        try """
        {"type":"user","id":"u1","email":"a@example.com","name":"A","country":"GB","created_at":"2026-01-01T00:00:00Z"}
        {"type":"payment","id":"p1","order_id":"o1","provider":"stripe","provider_transaction_id":"ch_1","amount":100,\
        "currency":"GBP","status":"settled","created_at":"2026-01-01T00:00:00Z"}

        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try TestSupport.popsaOps(["import", "--db", dir + "/db.sqlite", file])
        #expect(result.status == 65)
        #expect(
            result.stderr
                == "popsa-ops: \(file):2: field \"order_id\": refers to order \"o1\", which is neither in the store "
                + "nor earlier in the file — nothing of \(file) was imported\n"
        )
        let fixed = dir + "/fixed.jsonl"
        try String(try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")[0]).write(
            toFile: fixed, atomically: true, encoding: .utf8)
        let ok = try TestSupport.popsaOps(["import", "--db", dir + "/db.sqlite", fixed])
        #expect(ok.status == 0)
        #expect(ok.stdout == "\(fixed): imported 1 records (1 user)\n")
    }
}
