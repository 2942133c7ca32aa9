import Foundation
import OpsTestSupport
import Testing

/// Refunds through the real binary: crashes at every step, restarts, two processes at once, a live Braintree
/// facade against the simulator.
@Suite struct RefundCLITests {
    static let now = TestSupport.now
    static let later = "2026-11-27T09:10:00Z"  // past the creator's lease, when a reconciler may take over

    func sql(_ db: String, _ query: String) throws -> String {
        try TestSupport.sql(db, query)
    }

    func order(_ db: String, _ condition: String) throws -> (id: String, amount: String, transaction: String) {
        try order(StoreUnderTest(sqlite: db), condition)
    }

    /// The first paid GBP order matching `condition`, its total as typed (pounds and pence), its transaction.
    func order(
        _ store: StoreUnderTest, _ condition: String
    ) throws -> (id: String, amount: String, transaction: String) {
        let row = try store.sql(
            """
            SELECT o.id, o.total_amount, pay.provider_transaction_id
            FROM orders o JOIN payments pay ON pay.order_id = o.id
            WHERE o.currency = 'GBP' AND o.status = 'paid' AND \(condition) ORDER BY o.id LIMIT 1
            """
        ).split(separator: "|").map(String.init)
        let pence = Int(row[1])!
        return (row[0], "\(pence / 100)." + (pence % 100 < 10 ? "0" : "") + "\(pence % 100)", row[2])
    }

    /// On both stores: the PostgreSQL ledger is crash-safe the same way.
    @Test(arguments: ["after-reserve", "after-gateway", "after-record"], StoreUnderTest.Kind.allCases)
    func killedAtAnyStepAndRestartedThereIsExactlyOneRefund(point: String, kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let (db, sql) = (store.database, { (_: String, query: String) in try store.sql(query) })
        let target = try order(store, "pay.provider = 'stripe' AND pay.status = 'settled'")
        let killed = try TestSupport.popsaOps(
            [
                "refund", target.id, "--amount", "1.50", "--reason", "damaged", "--yes", "--db", db,
                "--now", Self.now,
            ], environment: ["POPSA_OPS_TEST_FAULT": point])
        #expect(killed.status == 86, "\(killed.stderr)")
        let reconciled = try TestSupport.popsaOps(["reconcile", "--db", db, "--now", Self.later])
        #expect(reconciled.status == 0, "\(reconciled.stdout)\(reconciled.stderr)")
        #expect(
            try sql(db, "SELECT count(*) FROM refunds WHERE order_id = '\(target.id)' AND status = 'succeeded'") == "1")
        #expect(
            try sql(db, "SELECT count(*) FROM refunds WHERE order_id = '\(target.id)' AND status != 'succeeded'") == "0"
        )
        #expect(
            try sql(db, "SELECT count(*) FROM sandbox_refunds WHERE transaction_id = '\(target.transaction)'") == "1")
        #expect(try sql(db, "SELECT status FROM orders WHERE id = '\(target.id)'") == "partially_refunded")
        let verify = try TestSupport.popsaOps(["audit", "verify", "--db", db])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    @Test func aRefundWhoseOutcomeCannotBeRecordedSaysUnknownNeverRefused() throws {
        let db = TestSupport.fixtureCopy()
        let target = try order(db, "pay.provider = 'stripe' AND pay.status = 'settled'")
        let result = try TestSupport.popsaOps(
            [
                "refund", target.id, "--amount", "1.25", "--reason", "damaged", "--yes", "--db", db,
                "--now", Self.now,
            ], environment: ["POPSA_OPS_TEST_FAULT": "fail-recording"])
        #expect(result.status == 75, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("recorded as unknown; run popsa-ops reconcile"), "\(result.stdout)")
        #expect(!result.stdout.contains("SQLite") && !result.stderr.contains("SQLite"))
        // The gateway did refund; the reconciler finds it and records it, once.
        let reconciled = try TestSupport.popsaOps(["reconcile", "--db", db, "--now", Self.later])
        #expect(reconciled.status == 0, "\(reconciled.stdout)\(reconciled.stderr)")
        #expect(
            try sql(db, "SELECT count(*) FROM sandbox_refunds WHERE transaction_id = '\(target.transaction)'") == "1")
        #expect(try sql(db, "SELECT status FROM refunds WHERE order_id = '\(target.id)'") == "succeeded")
    }

    @Test func reconcileExitsTempFailWhileAnotherProcessHoldsAnIntent() throws {
        let db = TestSupport.fixtureCopy()
        let target = try order(db, "pay.provider = 'stripe' AND pay.status = 'settled'")
        let killed = try TestSupport.popsaOps(
            [
                "refund", target.id, "--amount", "1.50", "--reason", "damaged", "--yes", "--db", db,
                "--now", Self.now,
            ], environment: ["POPSA_OPS_TEST_FAULT": "after-reserve"])
        #expect(killed.status == 86)
        // Still inside the creator's lease: reconcile must not touch it, and must not claim all is well.
        let early = try TestSupport.popsaOps(["reconcile", "--db", db, "--now", Self.now])
        #expect(early.status == 75, "\(early.stdout)\(early.stderr)")
        #expect(early.stdout.contains("leased"), "\(early.stdout)")
        let late = try TestSupport.popsaOps(["reconcile", "--db", db, "--now", Self.later])
        #expect(late.status == 0, "\(late.stdout)\(late.stderr)")
    }

    @Test func readOnlyMakesEvenASupervisorAViewer() throws {
        let db = TestSupport.fixtureCopy()
        let config = TestSupport.temporaryDirectory() + "/config.toml"
        try "[operators]\ndefault_role = \"supervisor\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let target = try order(db, "pay.provider = 'stripe' AND pay.status = 'settled'")
        let result = try TestSupport.popsaOps([
            "refund", target.id, "--amount", "1.00", "--reason", "damaged", "--yes", "--read-only",
            "--db", db, "--config", config, "--now", Self.now,
        ])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("viewer"), "\(result.stderr)")
        #expect(try sql(db, "SELECT count(*) FROM refunds WHERE order_id = '\(target.id)'") == "0")
    }

    @Test func liveModeAsksOnlyForTheProviderItUses() throws {
        let db = TestSupport.fixtureCopy()
        let config = TestSupport.temporaryDirectory() + "/config.toml"
        try """
        [payments]
        mode = "live"
        [payments.stripe]
        api_base = "http://127.0.0.1:9"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        // A Braintree payment without Braintree credentials: refused before anything is reserved, naming the secret.
        let braintree = try order(db, "pay.provider = 'braintree' AND pay.status = 'settled'")
        let refused = try TestSupport.popsaOps(
            [
                "refund", braintree.id, "--amount", "1.00", "--reason", "damaged", "--yes",
                "--db", db, "--config", config, "--now", Self.now,
            ],
            environment: ["STRIPE_SECRET_KEY": "sk_test_only_stripe"])
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(
            refused.stderr.contains("Braintree") && refused.stderr.contains("BRAINTREE_PUBLIC_KEY"), "\(refused.stderr)"
        )
        #expect(try sql(db, "SELECT count(*) FROM refunds WHERE order_id = '\(braintree.id)'") == "0")
        // A Stripe payment needs only Stripe's key: the refund goes to the (here unreachable) Stripe API.
        let stripe = try order(db, "pay.provider = 'stripe' AND pay.status = 'settled'")
        let attempted = try TestSupport.popsaOps(
            [
                "refund", stripe.id, "--amount", "1.00", "--reason", "damaged", "--yes",
                "--db", db, "--config", config, "--now", Self.now,
            ],
            environment: ["STRIPE_SECRET_KEY": "sk_test_only_stripe"])
        #expect(!attempted.stderr.contains("BRAINTREE"), "\(attempted.stderr)")
        #expect(try sql(db, "SELECT count(*) FROM refunds WHERE order_id = '\(stripe.id)'") == "1")
    }

    /// On both stores: on PostgreSQL the processes hold separate connections and meet on the payment's row lock.
    @Test(arguments: StoreUnderTest.Kind.allCases)
    func twoProcessesRefundingTheRemainderAtOnceSucceedExactlyOnce(kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let (db, sql) = (store.database, { (_: String, query: String) in try store.sql(query) })
        let target = try order(store, "pay.provider = 'braintree' AND pay.status = 'settled'")
        let config = TestSupport.temporaryDirectory() + "/config.toml"
        try """
        [operators]
        default_role = "supervisor"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        // Two batches of processes, started together, each refunding the whole remainder.
        let processes = (0..<8).map { _ -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: TestSupport.binary)
            p.arguments = [
                "refund", target.id, "--amount", target.amount, "--reason", "duplicate", "--yes", "--db", db,
                "--config", config, "--now", Self.now,
            ]
            p.environment = ["HOME": TestSupport.isolatedHome, "USER": "tester", "LANG": "C.UTF-8"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            return p
        }
        for p in processes { try TestSupport.launch(p) }
        for p in processes { p.waitUntilExit() }
        let statuses = processes.map(\.terminationStatus)
        #expect(statuses.filter { $0 == 0 }.count == 1, "\(statuses)")
        #expect(statuses.allSatisfy { $0 == 0 || $0 == 1 }, "\(statuses)")
        #expect(
            try sql(db, "SELECT count(*) FROM refunds WHERE order_id = '\(target.id)' AND status = 'succeeded'") == "1")
        #expect(
            try sql(db, "SELECT count(*) FROM sandbox_refunds WHERE transaction_id = '\(target.transaction)'") == "1")
        #expect(try sql(db, "SELECT status FROM orders WHERE id = '\(target.id)'") == "refunded")
    }

    /// localstripe ignores idempotency keys: re-sending an intent's key after a crash would refund twice. The
    /// reconciler must find the refund by the intent id in its metadata first.
    @Test(arguments: ["after-gateway", "after-reserve"])
    func liveStripeAgainstLocalstripeKilledMidRefundIsReconciledOnce(point: String) throws {
        let server = try TestSupport.localstripe.get()
        let base = "http://127.0.0.1:\(server.port)"
        let db = TestSupport.fixtureCopy()
        let target = try order(db, "pay.provider = 'stripe' AND pay.status = 'settled'")
        let minor = try sql(db, "SELECT amount FROM payments WHERE provider_transaction_id = '\(target.transaction)'")
        // The payment becomes a real payment intent at localstripe.
        let intent = try TestSupport.localstripePaymentIntent(amount: Int64(minor)!, base: base)
        _ = try sql(
            db,
            "UPDATE payments SET provider_transaction_id = '\(intent)', provider_charge_id = NULL "
                + "WHERE provider_transaction_id = '\(target.transaction)'")
        let config = try TestSupport.liveStripeConfig(stripeBase: base)
        let key = ["STRIPE_SECRET_KEY": "sk_test_popsa"]
        let killed = try TestSupport.popsaOps(
            [
                "refund", target.id, "--amount", "2.00", "--reason", "damaged", "--yes", "--db", db,
                "--config", config, "--now", Self.now,
            ],
            environment: key.merging(["POPSA_OPS_TEST_FAULT": point]) { $1 })
        #expect(killed.status == 86, "\(killed.stderr)")
        let reconciled = try TestSupport.popsaOps(
            ["reconcile", "--db", db, "--config", config, "--now", Self.later],
            environment: key)
        #expect(reconciled.status == 0, "\(reconciled.stdout)\(reconciled.stderr)")
        let listed = try TestSupport.run(
            "/usr/bin/env",
            [
                "curl", "-s", "-u", "sk_test_popsa:",
                base + "/v1/refunds?payment_intent=\(intent)",
            ])
        let refundsAtStripe = listed.stdout.components(separatedBy: "\"re_").count - 1
        #expect(refundsAtStripe == 1, "\(listed.stdout)")
        #expect(try sql(db, "SELECT group_concat(status) FROM refunds WHERE order_id = '\(target.id)'") == "succeeded")
        #expect(try TestSupport.popsaOps(["audit", "verify", "--db", db]).status == 0)
    }

    @Test func liveBraintreeThroughTheSimulatorKilledAfterTheGatewayCommitted() throws {
        let simulator = try TestSupport.braintreeSimulator()
        let base = "http://127.0.0.1:\(simulator.port)"
        let db = TestSupport.fixtureCopy()
        let target = try order(db, "pay.provider = 'braintree' AND pay.status = 'settled'")
        try TestSupport.postJSON(
            base + "/_control/transactions",
            #"{"id":"\#(target.transaction)","amount":"\#(target.amount)","currency":"GBP","status":"SETTLED"}"#)
        // Stripe points nowhere: only Braintree is reached.
        let config = try TestSupport.liveStripeConfig(
            stripeBase: "http://127.0.0.1:1",
            extra: "[payments.braintree]\nendpoint = \"\(base)/graphql\"\nmerchant_id = \"popsa_gbp\"")
        let secrets = [
            "STRIPE_SECRET_KEY": "sk_test_x", "BRAINTREE_PUBLIC_KEY": "public_key",
            "BRAINTREE_PRIVATE_KEY": "private_key",
        ]
        var environment = secrets
        environment["POPSA_OPS_TEST_FAULT"] = "after-gateway"
        let home = TestSupport.temporaryDirectory("home")
        let killed = try TestSupport.popsaOps(
            [
                "refund", target.id, "--amount", "2.00", "--reason", "damaged", "--yes", "--db", db,
                "--config", config, "--now", Self.now,
            ], environment: environment, home: home)
        #expect(killed.status == 86, "\(killed.stderr)")
        // A 5xx after committing on the next attempt too: the outcome is unknown, exit 75.
        try TestSupport.postJSON(
            base + "/_control/faults", #"{"faults":[{"kind":"status","code":500,"after_commit":true}]}"#)
        let unknown = try TestSupport.popsaOps(
            [
                "refund", target.id, "--amount", "3.00", "--reason", "damaged", "--yes", "--db", db,
                "--config", config, "--now", Self.now,
            ], environment: secrets, home: home)
        #expect(unknown.status == 75, "\(unknown.stdout)\(unknown.stderr)")
        #expect(unknown.stdout.contains("Outcome not known yet"))
        let reconciled = try TestSupport.popsaOps(
            ["reconcile", "--db", db, "--config", config, "--now", Self.later], environment: secrets, home: home)
        #expect(reconciled.status == 0, "\(reconciled.stdout)\(reconciled.stderr)")
        let state = try TestSupport.getText(base + "/_control/state")
        let refunds = state.components(separatedBy: "\"legacyId\": \"rf").count - 1
        #expect(refunds == 2, "\(state)")
        #expect(
            try sql(
                db,
                "SELECT group_concat(amount || ':' || status, ',') FROM (SELECT amount, status FROM refunds WHERE "
                    + "order_id = '\(target.id)' ORDER BY amount)"
            ) == "200:succeeded,300:succeeded")
        // Secrets never reach the output.
        #expect(
            !(killed.stdout + killed.stderr + unknown.stdout + unknown.stderr + reconciled.stdout).contains(
                "private_key"))
        // The story is in the log file, without the secrets; none of it on the terminal.
        let log = try String(contentsOfFile: home + "/state/popsa-ops/popsa-ops.log", encoding: .utf8)
        #expect(log.contains("error popsa-ops.gateway"), "\(log)")
        #expect(log.contains("warning popsa-ops.refunds") && log.contains("refund outcome unknown"), "\(log)")
        #expect(log.contains("info popsa-ops.refunds") && log.contains("reconciled"), "\(log)")
        #expect(!log.contains("private_key") && !log.contains("public_key") && !log.contains("sk_test_x"))
        #expect(!(unknown.stdout + unknown.stderr).contains("popsa-ops.gateway"))
    }

    @Test func logsGoToTheFileNamedByTheEnvironmentOrNowhere() throws {
        let db = TestSupport.fixtureCopy()
        let target = try order(db, "pay.provider = 'stripe' AND pay.status = 'settled'")
        let path = TestSupport.temporaryDirectory() + "/logs/ops.log"
        let done = try TestSupport.popsaOps(
            [
                "refund", target.id, "--amount", "1.00", "--reason", "damaged", "--yes", "--db", db,
                "--now", Self.now,
            ], environment: ["POPSA_OPS_LOG": path])
        #expect(done.status == 0, "\(done.stderr)")
        let log = try String(contentsOfFile: path, encoding: .utf8)
        let lines = log.split(separator: "\n")
        #expect(
            lines.contains {
                $0.contains("info popsa-ops.refunds[") && $0.contains("refund reserved")
                    && $0.contains("order=\(target.id)")
            },
            "\(log)")
        #expect(lines.contains { $0.contains("refund resolved") && $0.contains("outcome=succeeded") }, "\(log)")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the log names customers: owner only")
        #expect(!done.stderr.contains("refund reserved"))

        let home = TestSupport.temporaryDirectory("home")
        let quiet = try TestSupport.popsaOps(
            [
                "refund", target.id, "--amount", "1.00", "--reason", "damaged", "--yes", "--db", db,
                "--now", Self.now,
            ], environment: ["POPSA_OPS_LOG": "off"], home: home)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home + "/state/popsa-ops/popsa-ops.log"))
    }
}
