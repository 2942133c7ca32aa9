import Foundation
import OpsTestSupport
import Testing

/// The first commands on the PostgreSQL store, end to end: `migrate` copies an ops database in, and
/// `query customers` answers from it exactly as from SQLite.
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
        // What PostgreSQL does not do yet says so, instead of looking for a file named like the URL.
        let order = try TestSupport.popsaOps(["query", "order", "ord_x", "--db", url])
        #expect(order.status == 69 && order.stderr.contains("does not work on PostgreSQL yet"), "\(order.stderr)")
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
