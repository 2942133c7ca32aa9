import Foundation
import OpsTestSupport
import Testing

/// What must hold before a support lead puts popsa-ops on a shared box: nothing from data reaches a terminal raw
/// on any channel, files with customer data are owner-only, and no import rewrites money history.
@Suite struct TrustTests {
    /// An OSC 52 sequence: written raw to a terminal, it sets the operator's clipboard.
    static let clipboardAttack = "\u{1B}]52;c;cHduZWQ=\u{07}"

    func write(_ text: String, name: String = "data.jsonl") throws -> String {
        let path = TestSupport.temporaryDirectory("trust") + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func jsonString(_ s: String) -> String {
        s.unicodeScalars.map { $0.value < 0x20 ? String(format: "\\u%04x", $0.value) : String($0) }.joined()
    }

    /// Every terminal channel is free of ESC, BEL and C1 controls.
    func expectClean(_ output: TestSupport.Output, sourceLocation: SourceLocation = #_sourceLocation) {
        for (name, text) in [("stdout", output.stdout), ("stderr", output.stderr)] {
            let raw = text.unicodeScalars.filter {
                $0.value == 0x1B || $0.value == 0x07 || (0x80...0x9F).contains($0.value)
            }
            #expect(
                raw.isEmpty, "\(name) carries raw control characters: \(text.debugDescription)",
                sourceLocation: sourceLocation)
        }
    }

    // MARK: - Standard error is a terminal channel

    @Test func importErrorsQuotingDataAreSanitised() throws {
        let file = try write(
            """
            {"type":"user","id":"usr_osc","email":"a@example.com","name":"A",\
            "country":"\(jsonString(Self.clipboardAttack))","created_at":"2026-01-01T00:00:00Z"}

            """)
        let result = try TestSupport.popsaOps(["import", "--db", TestSupport.temporaryDirectory() + "/x.sqlite", file])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("␛]52;c;cHduZWQ=␇"), "\(result.stderr)")
        expectClean(result)
    }

    @Test func headlessScriptAndArgumentErrorsAreSanitised() throws {
        let script = try TestSupport.popsaOps(
            ["headless", "--db", TestSupport.fixtureDatabase, "--script", "-"],
            stdin: "resize \(Self.clipboardAttack)\n")
        #expect(script.status == 2, "\(script.stderr)")
        #expect(script.stderr.contains("␛]52"), "\(script.stderr)")
        expectClean(script)
        let argument = try TestSupport.popsaOps([
            "refund", "ord_x", "--amount", "1", "--reason", Self.clipboardAttack, "--yes",
            "--db", TestSupport.fixtureDatabase,
        ])
        #expect(argument.status == 64, "\(argument.stderr)")
        #expect(argument.stderr.contains("␛]52"), "\(argument.stderr)")
        expectClean(argument)
    }

    @Test func aThemeErrorQuotingItsFileIsSanitised() throws {
        let theme = try write("name = \"x\"\n\(Self.clipboardAttack) = 1\n", name: "evil.toml")
        let result = try TestSupport.popsaOps(
            ["headless", "--db", TestSupport.fixtureDatabase, "--theme", theme, "--script", "-"],
            stdin: "snapshot\n")
        #expect(result.status == 78, "\(result.stderr)")
        expectClean(result)
    }

    // MARK: - Text from data

    @Test func nulAndBidiControlsAreShownNotObeyed() throws {
        let db = TestSupport.temporaryDirectory() + "/nul.sqlite"
        let file = try write(
            """
            {"type":"user","id":"usr_nul","email":"ann@example.com","name":"Ann\\u0000Smith\\u202E\\u200B",\
            "country":"GB","created_at":"2026-01-01T00:00:00Z"}

            """)
        #expect(try TestSupport.popsaOps(["import", "--db", db, file]).status == 0)
        let text = try TestSupport.popsaOps(["query", "customer", "usr_nul", "--db", db])
        #expect(text.stdout.contains("Ann␀Smith"), "\(text.stdout)")
        let json = try TestSupport.popsaOps(["query", "customer", "usr_nul", "--db", db, "--json"])
        #expect(json.stdout.contains(#""name": "Ann␀Smith\u202e\u200b""#), "\(json.stdout)")
        let screen = try TestSupport.popsaOps(
            ["headless", "--db", db, "--now", TestSupport.now, "--script", "-"],
            stdin: "key :\ntype customer usr_nul\nkey enter\nwait\nexpect Ann␀Smith\n")
        #expect(screen.status == 0, "\(screen.stdout)\(screen.stderr)")
    }

    // MARK: - Owner-only files

    @Test func newDatabasesAndTheirWALAreOwnerOnly() throws {
        let dir = TestSupport.temporaryDirectory("modes")
        let seeded = dir + "/seeded.sqlite"
        #expect(
            try TestSupport.popsaOps(["seed", "--db", seeded, "--users", "20", "--now", TestSupport.now]).status == 0)
        // A write opens the WAL files.
        let order = try TestSupport.sql(
            seeded, "SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id WHERE p.status = 'settled' LIMIT 1")
        _ = try TestSupport.popsaOps([
            "refund", order, "--amount", "0.01", "--reason", "damaged", "--yes", "--db", seeded,
        ])
        let imported = dir + "/imported.sqlite"
        let file = try write(
            """
            {"type":"user","id":"usr_m","email":"m@example.com","name":"M","country":"GB",\
            "created_at":"2026-01-01T00:00:00Z"}

            """)
        #expect(try TestSupport.popsaOps(["import", "--db", imported, file]).status == 0)
        for path in [seeded, seeded + "-wal", seeded + "-shm", seeded + "-audit-anchor", imported] {
            let mode = try #require(
                FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int, "\(path)")
            #expect(mode & 0o077 == 0, "\(path) has mode \(String(mode, radix: 8))")
        }
    }

    /// A database in a shared directory (setgid to a group, as the package's /var/lib/popsa-ops) is the group's:
    /// its files 0660, never world-readable; an account outside the group is refused with what to do.
    @Test(.enabled(if: TestSupport.canRunAsOtherAccount)) func aSharedDirectorysDatabaseIsTheGroupsOnly() throws {
        let parent = TestSupport.temporaryDirectory("shared")
        _ = TestSupport.sharedBinary  // makes the scratch root traversable by the other accounts
        chmod(parent, 0o755)
        let dir = parent + "/ops"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        let group = try #require(getgrnam("popsa-ops-test")).pointee.gr_gid
        #expect(chown(dir, 0, group) == 0 && chmod(dir, 0o2770) == 0)
        let db = dir + "/ops.sqlite"
        #expect(try TestSupport.popsaOps(["seed", "--db", db, "--users", "20", "--now", TestSupport.now]).status == 0)
        let order = try TestSupport.sql(
            db, "SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id WHERE p.status = 'settled' LIMIT 1")
        let refund = try TestSupport.popsaOps([
            "refund", order, "--amount", "0.01", "--reason", "damaged", "--yes", "--db", db,
        ])
        #expect(refund.status == 0, "\(refund.stderr)")
        for path in [db, db + "-wal", db + "-shm", db + "-audit-anchor"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let mode = try #require(attributes[.posixPermissions] as? Int, "\(path)")
            #expect(mode == 0o660, "\(path) has mode \(String(mode, radix: 8))")
            #expect((attributes[.groupOwnerAccountID] as? Int).map(UInt32.init) == group, "\(path)")
        }
        // A member of the group (popsa-ops-test is in its own group) reads it; an account outside is refused.
        let member = try TestSupport.popsaOpsAsOtherAccount(
            ["query", "order", order, "--db", db, "--json"], environment: ["HOME": "/tmp"])
        #expect(member.status == 0, "\(member.stderr)")
        let outside = try TestSupport.run(
            "/usr/bin/setpriv",
            [
                "--reuid=nobody", "--regid=nogroup", "--clear-groups", TestSupport.sharedBinary, "query", "order",
                order,
                "--db", db,
            ])
        #expect(outside.status == 77, "\(outside.stdout)\(outside.stderr)")
        #expect(outside.stderr.contains("popsa-ops-test group"), "\(outside.stderr)")
    }

    @Test func configCheckRefusesASecretFileOthersCanRead() throws {
        let dir = TestSupport.temporaryDirectory("secret")
        let key = dir + "/stripe.key"
        try "sk_test_123".write(toFile: key, atomically: true, encoding: .utf8)
        chmod(key, 0o644)
        let config = try write("[payments.stripe]\nsecret_key_file = \"\(key)\"\n", name: "config.toml")
        let loose = try TestSupport.popsaOps(["config", "check", "--config", config])
        #expect(loose.status == 78, "\(loose.stdout)\(loose.stderr)")
        #expect(loose.stderr.contains("chmod 600"), "\(loose.stderr)")
        chmod(key, 0o600)
        let tight = try TestSupport.popsaOps(["config", "check", "--config", config])
        #expect(tight.status == 0, "\(tight.stderr)")
    }

    // MARK: - Money history

    func refundedPayment(_ db: String) throws -> [String: String] {
        let row = try TestSupport.fields(
            db,
            """
            SELECT p.id || '|' || p.order_id || '|' || p.provider || '|' || p.provider_transaction_id || '|' || p.amount
              || '|' || p.currency || '|' || p.status || '|' || strftime('%Y-%m-%dT%H:%M:%SZ', p.created_at, \
            'unixepoch')
            FROM payments p JOIN refunds r ON r.payment_id = p.id AND r.status = 'succeeded'
            WHERE p.currency = 'GBP' AND p.provider = 'stripe' ORDER BY p.id LIMIT 1
            """
        )
        return [
            "id": row[0], "order": row[1], "provider": row[2], "txn": row[3], "amount": row[4], "currency": row[5],
            "status": row[6], "created": row[7],
        ]
    }

    func paymentLine(_ p: [String: String], amount: String? = nil, currency: String? = nil) -> String {
        """
        {"type":"payment","id":"\(p["id"]!)","order_id":"\(p["order"]!)","provider":"\(p["provider"]!)",\
        "provider_transaction_id":"\(p["txn"]!)","amount":\(amount ?? p["amount"]!),\
        "currency":"\(currency ?? p["currency"]!)","status":"\(p["status"]!)","created_at":"\(p["created"]!)"}
        """
    }

    @Test func importCannotRewriteAPaymentThatHasRefunds() throws {
        let db = TestSupport.fixtureCopy()
        let payment = try refundedPayment(db)
        let before = try TestSupport.sql(db, "SELECT amount || currency FROM payments WHERE id = '\(payment["id"]!)'")
        let harmless =
            "{\"type\":\"user\",\"id\":\"usr_new1\",\"email\":\"new1@example.com\",\"name\":\"N\",\"country\":\"GB\","
            + "\"created_at\":\"2026-01-01T00:00:00Z\"}"
        for (line, field) in [
            (paymentLine(payment, amount: "100"), "amount"), (paymentLine(payment, currency: "JPY"), "currency"),
        ] {
            let file = try write(harmless + "\n" + line + "\n")
            let result = try TestSupport.popsaOps(["import", "--db", db, file])
            #expect(result.status == 65, "\(result.stderr)")
            #expect(result.stderr.contains(":2: field \"\(field)\""), "\(result.stderr)")
        }
        #expect(
            try TestSupport.sql(db, "SELECT amount || currency FROM payments WHERE id = '\(payment["id"]!)'") == before)
        #expect(try TestSupport.sql(db, "SELECT count(*) FROM users WHERE id = 'usr_new1'") == "0")
        // The same payment re-imported unchanged is harmless.
        let same = try TestSupport.popsaOps(["import", "--db", db, try write(paymentLine(payment) + "\n")])
        #expect(same.status == 0, "\(same.stderr)")
    }

    @Test func paymentsCannotAddUpToMoreThanTheOrder() throws {
        let db = TestSupport.fixtureCopy()
        let order = try TestSupport.sql(
            db,
            "SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id WHERE p.status = 'settled' AND "
                + "o.currency = 'GBP' ORDER BY o.id LIMIT 1"
        )
        let line = """
            {"type":"payment","id":"pay_extra","order_id":"\(order)","provider":"braintree",\
            "provider_transaction_id":"btextra1","amount":100,"currency":"GBP","status":"settled",\
            "created_at":"2026-11-26T10:00:00Z"}

            """
        let result = try TestSupport.popsaOps(["import", "--db", db, try write(line)])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(
            result.stderr.contains(":1: field \"amount\": the order's payments would add up to more than its total"),
            "\(result.stderr)")
    }

    @Test func hugeAmountsAreRefusedNotACrash() throws {
        let db = TestSupport.fixtureCopy()
        let owner = try TestSupport.sql(db, "SELECT id || '|' || user_id FROM prints ORDER BY id LIMIT 1").split(
            separator: "|")
        let line = """
            {"type":"order","id":"ord_huge","user_id":"\(owner[1])","print_id":"\(owner[0])","currency":"GBP",\
            "status":"paid","line_items":[{"sku":"x","description":"x","quantity":1000000,\
            "unit_amount":999999999999999}],"subtotal_amount":1,"shipping_amount":0,"tax_amount":0,"total_amount":1,\
            "shipping_address":{"name":"A","line1":"1 St","city":"London","country":"GB"},\
            "created_at":"2026-11-26T10:00:00Z"}

            """
        let result = try TestSupport.popsaOps(["import", "--db", db, try write(line)])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.contains("quantity × unit_amount is too large"), "\(result.stderr)")
    }

    // MARK: - Seeding

    @Test func twoSeedsOnOnePathCannotClobberEachOther() throws {
        let path = TestSupport.temporaryDirectory("seed") + "/race.sqlite"
        let first = Process()
        first.executableURL = URL(fileURLWithPath: TestSupport.binary)
        first.arguments = ["seed", "--db", path, "--users", "20000", "--now", TestSupport.now]
        first.environment = ["HOME": TestSupport.isolatedHome, "LANG": "C.UTF-8"]
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try TestSupport.launch(first)
        // Wait until the first seed holds its lock.
        var waited = 0
        while !FileManager.default.fileExists(atPath: path + ".seeding") && waited < 500 {
            usleep(10_000)
            waited += 1
        }
        let second = try TestSupport.popsaOps([
            "seed", "--db", path, "--users", "10", "--replace", "--now", TestSupport.now,
        ])
        first.waitUntilExit()
        #expect(second.status == 75, "\(second.stderr)")
        #expect(second.stderr.contains("another seed is writing"), "\(second.stderr)")
        #expect(first.terminationStatus == 0)
        #expect(try TestSupport.sql(path, "SELECT count(*) FROM users") == "20000")
    }
}
