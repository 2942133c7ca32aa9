import Foundation
import OpsTestSupport
import Testing

/// `privacy export`: everything held about a customer, unmasked, for roles allowed to export; audited first; a file
/// made owner-only and never overwritten; on both stores.
@Suite(.serialized) struct PrivacyExportTests {
    @Test(arguments: StoreUnderTest.Kind.allCases)
    func aSupervisorExportsEverythingHeldAboutACustomerAndTheAuditSaysSoFirst(_ kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let user = try #require(ConsoleScripts.placeholders["refunded_user"])
        let db = ["--db", store.database, "--now", TestSupport.now]
        let order = try store.sql("SELECT id FROM orders WHERE user_id = '\(user)' ORDER BY created_at DESC LIMIT 1")
        #expect(
            try TestSupport.popsaOps(["note", "add", order, "--text", "Called: happy with the reprint"] + db)
                .status == 0)
        let supervisor = TestSupport.temporaryDirectory("privacy") + "/config.toml"
        try "[operators]\ndefault_role = \"supervisor\"\n".write(toFile: supervisor, atomically: true, encoding: .utf8)

        // An agent may not (the default export_roles), and nothing is recorded.
        let before = try store.sql("SELECT count(*) FROM audit_log")
        let agent = try TestSupport.popsaOps(["privacy", "export", user] + db)
        #expect(agent.status == 1 && agent.stderr.contains("may not export personal data"), "\(agent.stderr)")
        let after = try store.sql("SELECT count(*) FROM audit_log")
        #expect(agent.stdout.isEmpty && after == before)

        // A supervisor gets it all, unmasked, with the audit entries about the customer's records.
        let email = try store.sql("SELECT email FROM users WHERE id = '\(user)'")
        let exported = try TestSupport.popsaOps(["privacy", "export", email, "--config", supervisor] + db)
        #expect(exported.status == 0, "\(exported.stderr)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: Any])
        let customer = try #require(json["customer"] as? [String: Any])
        #expect((customer["user"] as? [String: Any])?["email"] as? String == email, "in full, not masked")
        let orders = try #require(customer["orders"] as? [[String: Any]])
        #expect(orders.count == Int(try store.sql("SELECT count(*) FROM orders WHERE user_id = '\(user)'")))
        #expect((customer["notes"] as? [[String: Any]])?.first?["text"] as? String == "Called: happy with the reprint")
        let events = try #require(json["print_job_events"] as? [String: [[String: Any]]])
        #expect(!events.isEmpty && events.values.contains { !$0.isEmpty })
        let audit = try #require(json["audit"] as? [[String: Any]])
        let actions = Set(audit.compactMap { $0["action"] as? String })
        #expect(actions.contains("note.added") && actions.contains("privacy.exported"), "\(actions)")
        #expect(actions.contains { $0.hasPrefix("refund.") }, "the customer's refunds' entries: \(actions)")
        let targets = try store.sql("SELECT DISTINCT target FROM audit_log ORDER BY 1").split(separator: "\n")
        let theirs = Set(audit.compactMap { $0["target"] as? String })
        #expect(theirs.allSatisfy { $0 == "customer \(user)" || $0.hasPrefix("order ") || $0.hasPrefix("print job ") })
        #expect(targets.count > theirs.count, "other customers' entries are left out")
        #expect(
            try store.sql(
                "SELECT count(*) FROM audit_log WHERE action = 'privacy.exported' AND target = 'customer \(user)'"
            ) == "1")
        #expect(try TestSupport.popsaOps(["audit", "verify", "--db", store.database]).status == 0)

        // To a file: owner-only, and never over an existing one.
        let file = TestSupport.temporaryDirectory("privacy-out") + "/export.json"
        let written = try TestSupport.popsaOps(["privacy", "export", user, "--out", file, "--config", supervisor] + db)
        #expect(written.status == 0 && written.stdout.contains("Exported \(user)"), "\(written.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try String(contentsOfFile: file, encoding: .utf8).contains(#""format": "popsa-ops privacy export 1""#))
        let again = try TestSupport.popsaOps(["privacy", "export", user, "--out", file, "--config", supervisor] + db)
        #expect(again.status == 73 && again.stderr.contains("File exists"), "\(again.stderr)")
    }
}
