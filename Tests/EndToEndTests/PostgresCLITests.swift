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
    }

    @Test func seedFillsAnEmptyDatabaseWithWhatItGivesSQLite() throws {
        let url = try TestSupport.postgresDatabase()
        let scratch = TestSupport.temporaryDirectory("seed-tmp")
        let sqlite = TestSupport.temporaryDirectory("seed-sqlite") + "/seeded.sqlite"
        let arguments = ["--users", "400", "--seed", "7", "--now", TestSupport.now]
        let onSQLite = try TestSupport.popsaOps(["seed", "--db", sqlite] + arguments)
        #expect(onSQLite.status == 0, "\(onSQLite.stderr)")
        let seeded = try TestSupport.popsaOps(["seed", "--db", url] + arguments, environment: ["TMPDIR": scratch])
        #expect(seeded.status == 0, "\(seeded.stderr)")
        // The same counts in the report, and the generated file is gone with its private folder.
        let counts = { (out: String) in out.split(separator: "\n").first?.split(separator: ":").last.map(String.init) }
        #expect(counts(seeded.stdout) != nil && counts(seeded.stdout) == counts(onSQLite.stdout), "\(seeded.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty)
        for query in [
            ["customers", "ma"], ["orders", "--json", "--limit", "9"], ["print-jobs", "--stuck-for", "2d"],
            ["orders", "--status", "refunded"],
        ] {
            let fromSQLite = try TestSupport.popsaOps(["query"] + query + ["--db", sqlite, "--now", TestSupport.now])
            let fromPostgres = try TestSupport.popsaOps(["query"] + query + ["--db", url, "--now", TestSupport.now])
            #expect(fromPostgres.status == 0 && fromPostgres.stdout == fromSQLite.stdout, "\(query)")
            #expect(!fromSQLite.stdout.isEmpty, "\(query)")
        }
        // The seeded refunds come with their audit entries, so the chain verifies there too.
        let chain = try TestSupport.popsaOps(["audit", "verify", "--db", url])
        let sqliteChain = try TestSupport.popsaOps(["audit", "verify", "--db", sqlite])
        #expect(chain.status == 0 && chain.stdout == sqliteChain.stdout, "\(chain.stdout) \(chain.stderr)")
        #expect(sqliteChain.stdout.contains("intact") && !sqliteChain.stdout.contains(": 0 entries"))
        // Into an empty database only, asked before generating anything; --replace is for files.
        let users = try TestSupport.psql(url, "SELECT count(*) FROM users")
        let again = try TestSupport.popsaOps(["seed", "--db", url] + arguments, environment: ["TMPDIR": scratch])
        #expect(again.status == 65 && again.stderr.contains("already holds data"), "\(again.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty)
        let replace = try TestSupport.popsaOps(["seed", "--db", url, "--replace"] + arguments)
        #expect(replace.status == 64 && replace.stderr.contains("SQLite files only"), "\(replace.stderr)")
        #expect(try TestSupport.psql(url, "SELECT count(*) FROM users") == users && users == "400")
    }

    @Test func metricsAndSimulateWorkOnPostgreSQL() throws {
        let url = try TestSupport.postgresDatabase()
        let copy = try TestSupport.popsaOps(["migrate", "--from", TestSupport.fixtureDatabase, "--to", url])
        #expect(copy.status == 0, "\(copy.stderr)")
        // The business gauges from PostgreSQL's running counts are SQLite's, sample for sample.
        let business = { (db: String) throws -> [Substring] in
            let out = try TestSupport.popsaOps(["metrics", "--db", db, "--now", TestSupport.now])
            #expect(out.status == 0, "\(out.stderr)")
            // The registry emits in no fixed order: compared as sets of samples.
            return out.stdout.split(separator: "\n").filter { $0.hasPrefix("popsa_ops_") }.sorted()
        }
        let fromSQLite = try business(TestSupport.fixtureDatabase)
        #expect(try business(url) == fromSQLite && fromSQLite.contains("popsa_ops_up 1.0"))
        // Live traffic into the shared database: new customers a query finds, job steps, and the gauges move.
        let before = try TestSupport.psql(url, "SELECT count(*) FROM users")
        let simulated = try TestSupport.popsaOps(["simulate", "--db", url, "--rate", "200/s", "--duration", "2s"])
        #expect(simulated.status == 0 && simulated.stdout.hasPrefix("Simulated "), "\(simulated.stderr)")
        let signups = Int(simulated.stdout.split(separator: " ")[1]) ?? 0
        let after = try TestSupport.psql(url, "SELECT count(*) FROM users")
        #expect(signups > 0 && Int(after) == Int(before)! + signups, "\(after) \(before) \(signups)")
        let newest = try TestSupport.psql(url, "SELECT id FROM users ORDER BY seq DESC LIMIT 1")
        let found = try TestSupport.popsaOps(["query", "customer", newest, "--db", url])
        #expect(found.status == 0 && found.stdout.contains(newest), "\(found.stderr)")
        let moved = try business(url)
        #expect(moved != fromSQLite)
    }

    /// Each box anchors the heads of the shared chain its own writes made: rewinding the database (deleting the
    /// newest entries and the head with them, as restoring an older backup would) is caught by any box that wrote
    /// past the rewind point, though the chain left behind is whole.
    @Test func aBoxsAnchorCatchesARewoundSharedChain() throws {
        let store = try StoreUnderTest.fixtureCopy(.postgres)
        let box = TestSupport.temporaryDirectory("box-a")
        let order = try store.sql(
            """
            SELECT o.id FROM orders o JOIN payments pay ON pay.order_id = o.id WHERE pay.provider = 'stripe'
              AND pay.status = 'settled' AND o.status = 'paid' AND o.currency = 'GBP' ORDER BY o.id LIMIT 1
            """)
        let refund = try TestSupport.popsaOps(
            ["refund", order, "--amount", "1.00", "--reason", "damaged", "--yes", "--db", store.database], home: box)
        #expect(refund.status == 0, "\(refund.stderr)")
        let anchors = box + "/state/popsa-ops/audit-anchors"
        let files = try FileManager.default.contentsOfDirectory(atPath: anchors)
        #expect(files.count == 1, "\(files)")
        let mode = (try FileManager.default.attributesOfItem(atPath: anchors)[.posixPermissions] as? Int) ?? 0
        #expect(mode & 0o077 == 0, "the anchors' folder is the account's only: \(String(mode, radix: 8))")
        #expect(try TestSupport.popsaOps(["audit", "verify", "--db", store.database], home: box).status == 0)
        // The refund's entries and the head rewound to before them, the refund itself gone too: the chain and the
        // ledger agree with each other, only the anchor knows.
        let head = try store.sql("SELECT seq FROM audit_head")
        let before = try store.sql("SELECT min(seq) - 1 FROM audit_log WHERE target = 'order \(order)'")
        _ = try store.sql(
            """
            DELETE FROM refunds WHERE order_id = '\(order)';
            DELETE FROM audit_log WHERE seq > \(before);
            UPDATE audit_head SET seq = \(before), hash = (SELECT hash FROM audit_log WHERE seq = \(before));
            """)
        let other = try TestSupport.popsaOps(["audit", "verify", "--db", store.database])
        #expect(other.status == 0, "a box that wrote nothing since knows nothing: \(other.stdout) \(other.stderr)")
        let caught = try TestSupport.popsaOps(["audit", "verify", "--db", store.database], home: box)
        #expect(caught.status != 0, "\(caught.stdout)")
        #expect(
            (caught.stdout + caught.stderr).contains("entry \(head) was anchored outside the database"),
            "\(caught.stdout) \(caught.stderr)")
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
