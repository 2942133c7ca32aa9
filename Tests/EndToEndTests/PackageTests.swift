import Foundation
import OpsTestSupport
import Testing

/// The package `scripts/test.sh` built, if it did.
private let builtPackage = ProcessInfo.processInfo.environment["POPSA_OPS_PACKAGE"]

/// The Debian package on this machine, as an ops box gets it: `dpkg -i`, two agents in the popsa-ops group sharing
/// one database and one ledger, an account outside the group refused, the binary running without the toolchain,
/// the man page and completions, `remove` keeping the data and `purge` removing it. `scripts/test.sh` builds the
/// package (`scripts/package.sh`) and names it in POPSA_OPS_PACKAGE; installing needs root, as CI has.
@Suite(.serialized, .enabled(if: builtPackage != nil && getuid() == 0, "needs scripts/package.sh's .deb and root"))
struct PackageTests {
    static let deb = builtPackage
    static let agents = ["popsa-ops-ana", "popsa-ops-ben"]
    static let outsider = TestSupport.otherAccount
    static let shared = "/var/lib/popsa-ops/ops.sqlite"

    @discardableResult
    func sh(_ command: String, _ arguments: [String], expect status: Int32? = 0) throws -> TestSupport.Output {
        let out = try TestSupport.run("/usr/bin/env", [command] + arguments)
        if let status { #expect(out.status == status, "\(command) \(arguments): \(out.stdout)\(out.stderr)") }
        return out
    }

    /// `popsa-ops` as `account`, with nothing of the build machine around it: no toolchain in PATH, no
    /// LD_LIBRARY_PATH, a home of its own.
    func asAgent(_ account: String, _ arguments: [String]) throws -> TestSupport.Output {
        let home = "/tmp/popsa-ops-package-home-\(account)"
        try sh("mkdir", ["-p", home])
        try sh("chown", [account, home])
        return try TestSupport.run(
            "/usr/sbin/runuser",
            ["-u", account, "--", "env", "-i", "PATH=/usr/bin:/bin", "HOME=\(home)", "/usr/bin/popsa-ops"]
                + arguments)
    }

    @Test func agentsInTheGroupShareOneLedgerAndOthersAreRefused() throws {
        let deb = try #require(Self.deb)
        try sh("dpkg", ["--purge", "popsa-ops"], expect: nil)
        defer { _ = try? sh("dpkg", ["--purge", "popsa-ops"], expect: nil) }
        try sh("dpkg", ["-i", deb])
        let mode = try sh("stat", ["-c", "%a %G", "/var/lib/popsa-ops"]).stdout
        #expect(mode == "2770 popsa-ops\n", "\(mode)")
        for agent in Self.agents {
            if try sh("id", [agent], expect: nil).status != 0 {
                try sh("useradd", ["--system", "-M", "-s", "/usr/sbin/nologin", "-G", "popsa-ops", agent])
            } else {
                try sh("usermod", ["-aG", "popsa-ops", agent])
            }
        }
        // The binary needs no Swift toolchain: no Swift library is linked dynamically.
        let ldd = try sh("ldd", ["/usr/bin/popsa-ops"]).stdout
        #expect(!ldd.contains("libswift") && !ldd.contains("libFoundation"), "\(ldd)")
        // libxml2 is opened at run time (Braintree's webhooks), so the package has to name it.
        let depends = try sh("dpkg-query", ["-W", "-f=${Depends}", "popsa-ops"]).stdout
        #expect(depends.contains("libxml2 (>= "), "\(depends)")

        // One agent creates the shared database (the configuration installed in /etc names it).
        let seeded = try asAgent(
            Self.agents[0], ["seed", "--db", Self.shared, "--users", "300", "--now", TestSupport.now])
        #expect(seeded.status == 0, "\(seeded.stderr)")
        #expect(try sh("stat", ["-c", "%a %G", Self.shared]).stdout == "660 popsa-ops\n")
        let orders = try TestSupport.sql(
            Self.shared,
            "SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.status = 'paid' "
                + "AND p.status = 'settled' AND p.provider = 'stripe' AND o.currency = 'GBP' ORDER BY o.id LIMIT 2"
        ).split(separator: "\n").map(String.init)
        try #require(orders.count == 2)
        // Each agent refunds one order; each sees the other's; the audit names each account.
        for (agent, order) in zip(Self.agents, orders) {
            let refund = try asAgent(agent, ["refund", order, "--amount", "1.00", "--reason", "damaged", "--yes"])
            #expect(refund.status == 0, "\(agent): \(refund.stdout)\(refund.stderr)")
        }
        let seen = try asAgent(Self.agents[1], ["query", "order", orders[0], "--json"])
        #expect(seen.stdout.contains(#""operator": "\#(Self.agents[0])""#), "\(seen.stdout)\(seen.stderr)")
        let audit = try asAgent(Self.agents[0], ["audit", "list", "--json"]).stdout
        #expect(Self.agents.allSatisfy { audit.contains(#""operator": "\#($0)""#) }, "\(audit)")
        #expect(try asAgent(Self.agents[1], ["audit", "verify"]).status == 0)
        let files = try sh(
            "stat", ["-c", "%a %G", Self.shared + "-wal", Self.shared + "-shm", Self.shared + "-audit-anchor"]
        ).stdout
        #expect(files == String(repeating: "660 popsa-ops\n", count: 3), "\(files)")

        // Outside the group: refused, saying how to get in.
        let outsider = try asAgent(Self.outsider, ["query", "customers", "martin"])
        #expect(outsider.status == 77, "\(outsider.stdout)\(outsider.stderr)")
        #expect(outsider.stderr.contains("popsa-ops group"), "\(outsider.stderr)")

        // The manual and the completions.
        let manual = try TestSupport.run("/usr/bin/env", ["MANPAGER=cat", "MANWIDTH=100", "man", "popsa-ops"])
        #expect(manual.stdout.contains("customer-support console"), "\(manual.stdout.prefix(400))\(manual.stderr)")
        let completion = try sh(
            "bash", ["-c", "source /usr/share/bash-completion/completions/popsa-ops && complete -p popsa-ops"])
        #expect(completion.stdout.contains("popsa-ops"))

        // Installing again (an upgrade's path) keeps the shared database and the configuration's edits.
        try sh("sed", ["-i", "s/^theme = .*/theme = \"mono\"/", "/etc/popsa-ops/config.toml"])
        try sh("dpkg", ["--force-confold", "-i", deb])
        #expect(
            try TestSupport.sql(Self.shared, "SELECT count(*) FROM refunds WHERE operator LIKE 'popsa-ops-%'") == "2")
        #expect(try String(contentsOfFile: "/etc/popsa-ops/config.toml", encoding: .utf8).contains("theme = \"mono\""))

        // remove keeps the data and the configuration; purge removes the state directory.
        try sh("dpkg", ["-r", "popsa-ops"])
        #expect(FileManager.default.fileExists(atPath: Self.shared))
        #expect(FileManager.default.fileExists(atPath: "/etc/popsa-ops/config.toml"))
        try sh("dpkg", ["--purge", "popsa-ops"])
        #expect(!FileManager.default.fileExists(atPath: "/var/lib/popsa-ops"))
    }
}
