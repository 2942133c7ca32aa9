import Foundation
import OpsTestSupport
import Testing

/// The whole refund dialog driven headless, every bad amount included.
@Suite struct RefundDialogTests {
    static func config() throws -> String {
        let path = TestSupport.temporaryDirectory() + "/limits.toml"
        try """
            [refunds.agent_limits]
            GBP = "10.00"
            [refunds.retype_above]
            GBP = "5.00"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: ["refund-dialog", "refund-jpy"])
    func theDialogChecksEveryAmountAndRefunds(script: String) throws {
        let db = TestSupport.fixtureCopy()
        let result = try ConsoleScripts.run(script, size: "100x30", extra: ["--config", try Self.config()], database: db)
        #expect(result.status == 0, "\(result.stderr)")
        // Gateway refund ids are random, as the real gateways' are: scrub them before comparing.
        let scrubbed = result.stdout.replacingOccurrences(of: #"re_[a-z0-9]{24}"#, with: "re_<id>", options: .regularExpression)
        TestSupport.assertGolden(scrubbed, "console/\(script)-100x30.txt")
        if script == "refund-dialog" {
            let audit = try TestSupport.popsaOps(["audit", "--db", db])
            #expect(audit.stdout.contains("refund.succeeded"))
            #expect(audit.stdout.contains("GBP 7.50"))
        }
    }

    @Test func viewersCannotOpenTheDialog() throws {
        let result = try TestSupport.popsaOps(["headless", "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now, "--read-only",
                                               "--size", "100x30", "--script", "-"],
                                              stdin: ConsoleScripts.text("refund-jpy", size: "100x30").replacingOccurrences(of: "expect JPY has no minor unit, enter a whole amount", with: "expect Read-only: refunds are off"))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("READ-ONLY"))
    }
}
