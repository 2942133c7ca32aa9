import Foundation

/// The headless scripts under Tests/Scripts, with their `{{placeholders}}` filled from the fixture database.
public enum ConsoleScripts {
    public static let names = ["search", "customer", "order", "stuck-job", "lists", "chrome"]
    public static let sizes = ["80x24", "200x60"]

    /// Ids picked from the fixture by SQL, the same every run (the fixture is seeded deterministically).
    public static let placeholders: [String: String] = {
        let db = TestSupport.fixtureDatabase
        func sql(_ query: String) -> String {
            try! TestSupport.sql(db, query)
        }
        let cutoff = Int(TestSupport.nowTimestamp.seconds) - 72 * 3600
        return [
            "tracking": sql(
                "SELECT tracking_number FROM print_jobs WHERE tracking_number IS NOT NULL ORDER BY id LIMIT 1"),
            "tracking_job": sql("SELECT id FROM print_jobs WHERE tracking_number IS NOT NULL ORDER BY id LIMIT 1"),
            "refunded_user": sql(
                "SELECT o.user_id FROM orders o JOIN refunds r ON r.order_id = o.id ORDER BY o.id LIMIT 1"),
            "shipped_order": sql("SELECT order_id FROM print_jobs WHERE status = 'shipped' ORDER BY id LIMIT 1"),
            "refundable_order": sql(
                "SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.currency = 'GBP' AND "
                    + "o.status = 'paid' AND p.status = 'settled' AND p.provider = 'stripe' AND o.total_amount > 2000 "
                    + "ORDER BY o.id LIMIT 1"
            ),
            "jpy_order": sql(
                "SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.currency = 'JPY' AND "
                    + "o.status = 'paid' AND p.status = 'settled' ORDER BY o.id LIMIT 1"
            ),
            "queued_job": sql("SELECT id FROM print_jobs WHERE status = 'queued' ORDER BY id LIMIT 1"),
            "stuck_job": sql(
                "SELECT id FROM print_jobs WHERE status IN ('queued','sent','accepted','printing') AND updated_at < "
                    + "\(cutoff) ORDER BY id LIMIT 1"
            ),
        ]
    }()

    public static func text(_ name: String, size: String) -> String {
        var text = try! String(
            contentsOfFile: TestSupport.packageRoot + "/Tests/Scripts/\(name).script", encoding: .utf8)
        for (key, value) in placeholders.merging(["size": size], uniquingKeysWith: { $1 }) {
            text = text.replacingOccurrences(of: "{{\(key)}}", with: value)
        }
        return text
    }

    /// Runs a script through `popsa-ops headless` on the fixture.
    public static func run(
        _ name: String, size: String, extra: [String] = [], database: String? = nil
    ) throws -> TestSupport.Output {
        try TestSupport.popsaOps(
            [
                "headless", "--db", database ?? TestSupport.fixtureDatabase, "--now", TestSupport.now,
                "--size", size, "--script", "-",
            ] + extra, stdin: text(name, size: size))
    }
}
