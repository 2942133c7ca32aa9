import Foundation
import OpsTestSupport
import Testing

/// `import` on both stores, from the same start (the fixture, and its copy on PostgreSQL): the same files give the
/// same report, the same refusal (FILE:LINE, field, words, exit code) and the same records afterwards. One list of
/// cases, run twice — the rules are OpsCore's, each store only fetches their facts.
@Suite struct ImportContractTests {
    static let good = TestSupport.importSample
    static let user = good[0]

    static func dispute(_ payment: [String: String], amount: String) -> String {
        #"{"type":"dispute","id":"dp_contract","payment_id":"\#(payment["id"]!)","created_at":"2026-11-20T00:00:00Z","#
            + #""amount":\#(amount),"currency":"\#(payment["currency"]!)","status":"under_review"}"#
    }

    /// The files, in order, each as lines (a case may depend on what the ones before it brought in).
    static func cases(refunded payment: [String: String]) -> [(name: String, lines: [String])] {
        let trust = TrustTests()
        let dupEmail = user.replacingOccurrences(of: #""id":"u1""#, with: #""id":"u2""#)
            .replacingOccurrences(of: "ana@example.com", with: "ANA@Example.com")
        let dupTransaction =
            #"{"type":"payment","id":"pay2","order_id":"o1","provider":"stripe","provider_transaction_id":"pi_test1","#
            + #""amount":10,"currency":"EUR","status":"failed","created_at":"2026-01-05T10:00:00Z"}"#
        let versioned = { (version: Int, name: String) in
            user.replacingOccurrences(of: "Ana Núñez", with: name).replacingOccurrences(
                of: #""type":"user","#, with: #""type":"user","version":\#(version),"#)
        }
        return [
            ("the good file", good),
            ("the same again", good),
            ("a newer version, then an older one", [versioned(5, "Ana Núñez García"), versioned(3, "Ana Old")]),
            ("malformed JSON", [good[0], "{not json"]),
            (
                "a missing reference",
                [good[1].replacingOccurrences(of: #""user_id":"u1""#, with: #""user_id":"nobody""#)]
            ),
            (
                "the order's currency",
                [good[5].replacingOccurrences(of: #""currency":"EUR""#, with: #""currency":"GBP""#)]
            ),
            ("an email taken, whatever its case", [dupEmail]),
            ("a transaction taken", [dupTransaction]),
            ("more than the order's total", [good[5].replacingOccurrences(of: #""id":"pay1""#, with: #""id":"pay3""#)]),
            ("a refunded payment's amount", [trust.paymentLine(payment, amount: "100")]),
            ("a refunded payment, unchanged", [trust.paymentLine(payment)]),
            ("a dispute on it", [dispute(payment, amount: "1")]),
            ("a dispute for more than was paid", [dispute(payment, amount: "\(Int(payment["amount"]!)! + 1)")]),
            ("an order deleted", [#"{"type":"order","id":"o1","deleted":true}"#]),
            ("a user others point at, deleted", [#"{"type":"user","id":"u1","deleted":true}"#]),
            (
                "a print deleted, then a photo of it",
                [
                    #"{"type":"print","id":"p9","user_id":"u1","product":"photobook","title":"T","page_count":20,"#
                        + #""photo_count":1,"created_at":"2026-01-03T10:00:00Z"}"#,
                    #"{"type":"print","id":"p9","deleted":true}"#,
                    #"{"type":"photo","print_id":"p9","position":1,"status":"missing"}"#,
                ]
            ),
            (
                "a photo deleted, twice",
                [
                    #"{"type":"photo","print_id":"p1","position":2,"deleted":true}"#,
                    #"{"type":"photo","print_id":"p1","position":2,"deleted":true}"#,
                ]
            ),
        ]
    }

    @Test func bothStoresImportAndRefuseAlike() throws {
        let sqlite = TestSupport.fixtureCopy()
        let url = try TestSupport.postgresDatabase()
        let copy = try TestSupport.popsaOps(["migrate", "--from", TestSupport.fixtureDatabase, "--to", url])
        #expect(copy.status == 0, "\(copy.stderr)")
        let folder = TestSupport.temporaryDirectory("import-contract")
        var refusals = 0
        for (index, (name, lines)) in Self.cases(refunded: try TrustTests().refundedPayment(sqlite)).enumerated() {
            let file = folder + "/\(index).jsonl"
            try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let a = try TestSupport.popsaOps(["import", "--db", sqlite, file])
            let b = try TestSupport.popsaOps(["import", "--db", url, file])
            #expect(a.status == b.status && a.stdout == b.stdout && a.stderr == b.stderr, "\(name): \(a) \(b)")
            #expect(a.status == 0 || a.status == 65, "\(name): \(a.stderr)")
            if a.status == 65 { refusals += 1 }
        }
        #expect(refusals == 11)
        // What came in reads back alike, whole.
        let refunded = try TrustTests().refundedPayment(sqlite)["order"]!
        for query in [
            ["customer", "u1", "--json"], ["order", "o1", "--json"], ["customers", "garcia"],
            ["order", refunded, "--json"],
        ] {
            let a = try TestSupport.popsaOps(["query"] + query + ["--db", sqlite, "--now", TestSupport.now])
            let b = try TestSupport.popsaOps(["query"] + query + ["--db", url, "--now", TestSupport.now])
            #expect(a.status == 0 && a.stdout == b.stdout, "\(query): \(b.stderr)")
        }
        #expect(try TestSupport.psql(url, "SELECT count(*) FROM photos WHERE print_id = 'p1'") == "1")
        #expect(try TestSupport.psql(url, "SELECT count(*) FROM prints WHERE id = 'p9'") == "0")
        #expect(try TestSupport.psql(url, "SELECT name FROM users WHERE id = 'u1'") == "Ana Núñez García")
    }

    /// Prints, photos and partner events go to PostgreSQL in multi-row batches; a batch the server refuses is
    /// written again row by row, so the refusal still names its line and nothing of the file stays.
    @Test func aBatchTheServerRefusesStillNamesItsLine() throws {
        let url = try TestSupport.postgresDatabase()
        let empty = try TestSupport.popsaOps(["import", "--db", url, "/dev/null"])
        #expect(empty.status == 0, "\(empty.stderr)")
        _ = try TestSupport.psql(url, "ALTER TABLE photos ADD CONSTRAINT not_x CHECK (filename <> 'x.jpg')")
        var lines = Array(Self.good[0...3])
        lines.insert(
            #"{"type":"photo","print_id":"p1","position":3,"status":"uploaded","filename":"x.jpg","#
                + #""uploaded_at":"2026-01-03T10:01:00Z"}"#, at: 3)
        let file = TestSupport.temporaryDirectory("batch") + "/batch.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try TestSupport.popsaOps(["import", "--db", url, file])
        #expect(refused.status == 65 && refused.stderr.contains("\(file):4: "), "\(refused.stderr)")
        #expect(refused.stderr.contains("not_x"), "\(refused.stderr)")
        #expect(try TestSupport.psql(url, "SELECT count(*) FROM users") == "0")
        // Without the bad line, the same batch goes in whole.
        lines.remove(at: 3)
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try TestSupport.popsaOps(["import", "--db", url, file]).status == 0)
        #expect(try TestSupport.psql(url, "SELECT count(*) FROM photos") == "2")
    }
}
