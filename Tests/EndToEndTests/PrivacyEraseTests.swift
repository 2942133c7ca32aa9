import Foundation
import OpsTestSupport
import Testing

/// A privacy erasure: the customer's personal data redacted on both stores, the money records kept, the audit
/// chain untouched (it never held free text or personal data) and still verifying.
@Suite(.serialized) struct PrivacyEraseTests {
    @Test(arguments: StoreUnderTest.Kind.allCases)
    func anErasureRedactsPersonalDataKeepsTheMoneyAndTheChainStillVerifies(_ kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let order = ConsoleScripts.placeholders["refundable_order"]!
        let user = try store.sql("SELECT user_id FROM orders WHERE id = '\(order)'")
        let (name, email) = try { () throws -> (String, String) in
            let row = try store.fields("SELECT name, email FROM users WHERE id = '\(user)'")
            return (row[0], row[1])
        }()
        let line1 = try store.sql("SELECT shipping_address FROM orders WHERE id = '\(order)'")
        let db = ["--db", store.database, "--now", TestSupport.now]
        // Free text about them in three places: a refund's note, a note, an action's note.
        let refund = try TestSupport.popsaOps(
            [
                "refund", order, "--amount", "1.00", "--reason", "other", "--note", "asked from jane.doe@example.com",
                "--yes",
            ] + db)
        #expect(refund.status == 0, "\(refund.stderr)")
        #expect(
            try TestSupport.popsaOps(["note", "add", user, "--text", "lives with her sister in Leeds"] + db).status == 0
        )
        let config = TestSupport.temporaryDirectory("eraser") + "/config.toml"
        try "[operators]\ndefault_role = \"supervisor\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let money = "SELECT count(*) || ' ' || coalesce(sum(amount), 0) FROM "
        let before = try [
            store.sql(money + "payments WHERE order_id IN (SELECT id FROM orders WHERE user_id = '\(user)')"),
            store.sql(money + "refunds WHERE order_id IN (SELECT id FROM orders WHERE user_id = '\(user)')"),
            store.sql("SELECT count(*) || ' ' || sum(total_amount) FROM orders WHERE user_id = '\(user)'"),
        ]
        // The refund's note never entered the chain.
        #expect(try store.sql("SELECT count(*) FROM audit_log WHERE detail LIKE '%jane.doe%'") == "0")

        let erase = ["privacy", "erase", email, "--reason", "data_subject_request"]
        let agent = try TestSupport.popsaOps(erase + ["--confirm", user] + db)
        #expect(agent.status == 1 && agent.stderr.contains("may not erase personal data"), "\(agent.stderr)")
        let wrong = try TestSupport.popsaOps(erase + ["--confirm", email, "--config", config] + db)
        #expect(wrong.status == 64 && wrong.stderr.contains("repeat that id"), "\(wrong.stderr)")
        let erased = try TestSupport.popsaOps(erase + ["--confirm", user, "--config", config] + db)
        #expect(erased.status == 0 && erased.stdout.contains("Erased customer \(user): redacted"), "\(erased.stderr)")

        let account = try store.fields("SELECT name, email, status FROM users WHERE id = '\(user)'")
        #expect(account == ["Erased customer", "erased+\(user)@erased.invalid", "deleted"], "\(account)")
        #expect(try store.sql("SELECT shipping_address FROM orders WHERE id = '\(order)'") != line1)
        #expect(try store.sql("SELECT note FROM refunds WHERE order_id = '\(order)' AND reason = 'other'") == "")
        #expect(try store.sql("SELECT DISTINCT text FROM notes WHERE user_id = '\(user)'") == "[erased]")
        let after = try [
            store.sql(money + "payments WHERE order_id IN (SELECT id FROM orders WHERE user_id = '\(user)')"),
            store.sql(money + "refunds WHERE order_id IN (SELECT id FROM orders WHERE user_id = '\(user)')"),
            store.sql("SELECT count(*) || ' ' || sum(total_amount) FROM orders WHERE user_id = '\(user)'"),
        ]
        #expect(after == before, "money records changed: \(before) → \(after)")
        // Nothing of theirs anywhere in the database's text, the chain included; and the chain verifies.
        // (Other customers may share the name: each table is searched for this customer's rows; the whole chain.)
        let theirs = [
            "users": "id = '\(user)'", "notes": "user_id = '\(user)'",
            "refunds": "order_id IN (SELECT id FROM orders WHERE user_id = '\(user)')",
            "orders": "user_id = '\(user)'", "audit_log": "1 = 1",
        ]
        for text in [name, email, "jane.doe@example.com", "her sister"] {
            for (table, rows) in theirs {
                let columns = try store.sql(
                    kind == .sqlite
                        ? "SELECT group_concat(name, ' || '' '' || ') FROM pragma_table_info('\(table)')"
                        : "SELECT string_agg(column_name || '::text', ' || '' '' || ') FROM information_schema.columns "
                            + "WHERE table_name = '\(table)'")
                let quoted = text.replacingOccurrences(of: "'", with: "''")
                let found = try store.sql(
                    "SELECT count(*) FROM \(table) WHERE \(rows) AND (\(columns)) LIKE '%\(quoted)%'")
                #expect(found == "0", "\"\(text)\" is still in \(table)")
            }
        }
        let verify = try TestSupport.popsaOps(["audit", "verify", "--db", store.database])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(try store.sql("SELECT count(*) FROM audit_log WHERE action = 'privacy.erased'") == "1")
        // The old email finds no one.
        let search = try TestSupport.popsaOps(["query", "customers", email] + db)
        #expect(!search.stdout.contains(user), "\(search.stdout)")
    }
}

/// The same order masked, revealed for a reason and on a shared screen, as goldens.
@Suite struct PrivacyScreensTests {
    @Test func anOrderMaskedRevealedAndShareSafe() throws {
        let store = try StoreUnderTest.fixtureCopy(.sqlite)
        let console = try ConsoleScripts.run("privacy", size: "100x30", database: store.database)
        #expect(console.status == 0, "\(console.stdout)\(console.stderr)")
        TestSupport.assertGolden(console.stdout, "console/privacy-100x30.txt")
        let order = ConsoleScripts.placeholders["refundable_order"]!
        let user = try store.sql("SELECT user_id FROM orders WHERE id = '\(order)'")
        #expect(
            try store.sql("SELECT action || ' ' || reason FROM audit_log WHERE target = 'customer \(user)'")
                == "personal_data.revealed delivery")
    }
}
