import Foundation
import OpsTestSupport
import Testing

/// Who the operator is comes from the OS (the real uid's account), never from `USER` or `LOGNAME`; the SSH client
/// address is validated before it reaches the audit. The binary runs as a second, unprivileged account.
@Suite struct OperatorIdentityTests {
    /// A writable copy of the fixture, a home and a configuration, all owned by the other account.
    func prepare(roles: String) throws -> (db: String, config: String, env: [String: String]) {
        let dir = TestSupport.temporaryDirectory("identity")
        let db = dir + "/ops.sqlite"
        try FileManager.default.copyItem(atPath: TestSupport.fixtureDatabase, toPath: db)
        let config = dir + "/config.toml"
        try """
        [operators]
        default_role = "viewer"
        [operators.roles]
        \(roles)
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let home = dir + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        let owned = try FileManager.default.contentsOfDirectory(atPath: dir).map { dir + "/" + $0 } + [dir]
        try TestSupport.handOver(owned)
        // What an attacker controls: every variable that names a user or a client.
        let env = [
            "HOME": home, "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin", "USER": "ana", "LOGNAME": "ana",
            "SSH_CLIENT": "\u{1B}]52;c;cHduZWQ=\u{07} 51000 22",
        ]
        return (db, config, env)
    }

    func paidOrder(_ db: String) throws -> String {
        try TestSupport.sql(
            db,
            """
            SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id
            WHERE o.currency = 'GBP' AND o.status = 'paid' AND p.status = 'settled' ORDER BY o.id LIMIT 1
            """)
    }

    /// `refund ORDER --amount 1.00` as the other account.
    func refundAsOtherAccount(
        _ order: String, db: String, config: String, env: [String: String]
    ) throws -> TestSupport.Output {
        try TestSupport.popsaOpsAsOtherAccount(
            [
                "refund", order, "--amount", "1.00", "--reason", "damaged", "--yes", "--db", db, "--config", config,
                "--now", TestSupport.now,
            ], environment: env)
    }

    @Test func userFromTheEnvironmentCannotBorrowASupervisorsRole() throws {
        guard TestSupport.canRunAsOtherAccount else {
            Issue.record("run as root with the \(TestSupport.otherAccount) account (scripts/test.sh creates it)")
            return
        }
        let (db, config, env) = try prepare(roles: "ana = \"supervisor\"")
        let order = try paidOrder(db)
        let refused = try refundAsOtherAccount(order, db: db, config: config, env: env)
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(refused.stderr.contains("viewer"), "\(refused.stderr)")
        #expect(try TestSupport.sql(db, "SELECT count(*) FROM refunds WHERE order_id = '\(order)'") == "0")
    }

    @Test func theAuditNamesTheRealAccountAndAValidatedAddress() throws {
        guard TestSupport.canRunAsOtherAccount else {
            Issue.record("run as root with the \(TestSupport.otherAccount) account (scripts/test.sh creates it)")
            return
        }
        let (db, config, env) = try prepare(roles: "\"\(TestSupport.otherAccount)\" = \"supervisor\"")
        let order = try paidOrder(db)
        let refunded = try refundAsOtherAccount(order, db: db, config: config, env: env)
        #expect(refunded.status == 0, "\(refunded.stdout)\(refunded.stderr)")
        let operators = try TestSupport.sql(
            db,
            """
            SELECT DISTINCT operator || '|' || ssh_client FROM audit_log WHERE action != 'refund.imported'
            """)
        #expect(operators == "\(TestSupport.otherAccount)|invalid")
        // A well-formed address is kept as it is.
        var withAddress = env
        withAddress["SSH_CLIENT"] = "2001:db8::7 51000 22"
        let second = try refundAsOtherAccount(order, db: db, config: config, env: withAddress)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(try TestSupport.sql(db, "SELECT count(*) FROM audit_log WHERE ssh_client = '2001:db8::7'") != "0")
    }
}
