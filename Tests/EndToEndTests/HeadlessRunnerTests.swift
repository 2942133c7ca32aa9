import Foundation
import OpsTestSupport
import Testing

/// The headless runner judges a script as strictly as a terminal would run it.
@Suite struct HeadlessRunnerTests {
    func headless(_ script: String, db: String = TestSupport.fixtureDatabase) throws -> TestSupport.Output {
        try TestSupport.popsaOps(
            ["headless", "--db", db, "--now", TestSupport.now, "--size", "100x30", "--script", "-"],
            stdin: script)
    }

    @Test func aScriptCannotPassByQuitting() throws {
        let result = try headless("key :\ntype q\nkey enter\nexpect this text is on no screen\nsnapshot\n")
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stderr.contains("<stdin>:3: the console quit here; 2 later script lines (from line 4) did not run"),
            "\(result.stderr)")
        // Quitting on the last line is how a script ends.
        #expect(try headless("key esc\nexpect Find a customer\nkey :\ntype quit\nkey enter\n").status == 0)
    }

    @Test func jumpingToTheEndOfAListLandsOnItsLastRowWithAnExactCount() throws {
        let count = try TestSupport.sql(TestSupport.fixtureDatabase, "SELECT count(*) FROM orders")
        let grouped = Int(count)!.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_GB")))
        // Rendered after every key: the frame between G and its page arriving is drawn too.
        let result = try headless(
            "key :\ntype orders\nkey enter\nwait\nkey G\nwait\nexpect \(grouped)/\(grouped)\nkey g\nwait\nexpect 1/\n")
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}
