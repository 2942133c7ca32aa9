import Foundation
import OpsTestSupport
import Testing

/// The commands on the PostgreSQL store, end to end: `migrate` copies an ops database in (with its money
/// history), and the searches, the record lookups and the audit commands answer from it exactly as from SQLite.
@Suite struct PostgresCLITests {
    @Test func migrateCopiesInAndTheSearchAnswersAsOnSQLite() throws {
        let url = try TestSupport.postgresDatabase()
        let copy = try TestSupport.popsaOps(["migrate", "--from", TestSupport.fixtureDatabase, "--to", url])
        #expect(copy.status == 0, "\(copy.stderr)")
        let users = try TestSupport.sql(TestSupport.fixtureDatabase, "SELECT count(*) FROM users")
        #expect(copy.stdout.contains("Copied ") && copy.stdout.contains(" users, "), "\(copy.stdout)")
        // Into an empty database only: a second copy changes nothing.
        let again = try TestSupport.popsaOps(["migrate", "--from", TestSupport.fixtureDatabase, "--to", url])
        #expect(again.status == 65 && again.stderr.contains("already holds data"), "\(again.stderr)")
        #expect(try TestSupport.psql(url, "SELECT count(*) FROM users") == users)
        for arguments in [["kathe kohl"], ["ma"], ["kathe kohl", "--json"]] {
            let onSQLite = try TestSupport.popsaOps(
                ["query", "customers"] + arguments + ["--db", TestSupport.fixtureDatabase, "--now", TestSupport.now])
            let onPostgres = try TestSupport.popsaOps(
                ["query", "customers"] + arguments + ["--db", url, "--now", TestSupport.now])
            #expect(onPostgres.status == 0, "\(onPostgres.stderr)")
            #expect(onPostgres.stdout == onSQLite.stdout && !onSQLite.stdout.isEmpty, "\(arguments)")
        }
        // One record by whatever a ticket carries, as text and JSON: the same answer from both stores.
        let ids = try TestSupport.fields(
            TestSupport.fixtureDatabase,
            """
            SELECT o.user_id, o.id, j.id, j.tracking_number, pay.provider_transaction_id FROM orders o
            JOIN print_jobs j ON j.order_id = o.id JOIN payments pay ON pay.order_id = o.id
            WHERE EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id) AND j.tracking_number IS NOT NULL
            ORDER BY o.id LIMIT 1
            """)
        for arguments in [
            ["customer", ids[0]], ["customer", ids[4]], ["order", ids[1]], ["order", ids[3], "--json"],
            ["print-job", ids[2]], ["print-job", ids[3], "--json"], ["order", "ord_nope"],
            ["orders", "--status", "refunded"], ["orders", "--json", "--limit", "7"],
            ["print-jobs", "--stuck-for", "2d"], ["print-jobs", "--partner", "leeds-photolab", "--json"],
        ] {
            let onSQLite = try TestSupport.popsaOps(
                ["query"] + arguments + ["--db", TestSupport.fixtureDatabase, "--now", TestSupport.now])
            let onPostgres = try TestSupport.popsaOps(["query"] + arguments + ["--db", url, "--now", TestSupport.now])
            #expect(onPostgres.status == onSQLite.status, "\(arguments): \(onPostgres.stderr)")
            #expect(onPostgres.stdout == onSQLite.stdout, "\(arguments)")
            #expect(onPostgres.stderr == onSQLite.stderr, "\(arguments)")
        }
        // The money history came across whole: the same chain, verified there.
        let chain = try TestSupport.popsaOps(["audit", "verify", "--db", url])
        #expect(chain.status == 0, "\(chain.stderr)")
        #expect(
            chain.stdout == (try TestSupport.popsaOps(["audit", "verify", "--db", TestSupport.fixtureDatabase])).stdout)
        let log = try TestSupport.popsaOps(["audit", "list", "--json", "--limit", "5", "--db", url])
        #expect(
            log.stdout
                == (try TestSupport.popsaOps([
                    "audit", "list", "--json", "--limit", "5",
                    "--db", TestSupport.fixtureDatabase,
                ])).stdout && log.stdout.contains("refund.imported"))
        // What PostgreSQL does not do yet says so, instead of looking for a file named like the URL.
        let feed = TestSupport.temporaryDirectory("feed") + "/feed.jsonl"
        try "".write(toFile: feed, atomically: true, encoding: .utf8)
        let load = try TestSupport.popsaOps(["import", feed, "--db", url])
        #expect(load.status == 69 && load.stderr.contains("does not work on PostgreSQL yet"), "\(load.stderr)")
    }

    @Test func badURLsAndUnreachableServersSaySo() throws {
        let password = try TestSupport.popsaOps(["query", "customers", "x", "--db", "postgres://ops:hunter2@db/popsa"])
        #expect(password.status == 64 && password.stderr.contains("does not belong in the URL"))
        #expect(!password.stderr.contains("hunter2"))
        let missing = TestSupport.temporaryDirectory("no-server")
        let unreachable = try TestSupport.popsaOps([
            "query", "customers", "x", "--db", "postgresql:///popsa?host=\(missing)",
        ])
        #expect(unreachable.status == 69 && unreachable.stderr.contains("cannot reach"), "\(unreachable.stderr)")
        let file = try TestSupport.popsaOps([
            "migrate", "--from", missing + "/nope.sqlite", "--to", "postgresql:///popsa?host=\(missing)",
        ])
        #expect(file.status == 66 && file.stderr.contains("no database at"), "\(file.stderr)")
    }
}
