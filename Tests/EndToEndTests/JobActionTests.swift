import Foundation
import OpsTestSupport
import Testing

/// Holding, releasing and cancelling print jobs from the command line and the console, on both stores: the rules
/// (before printing only; one open action at a time), roles from `[permissions]`, the audit (reason codes, never
/// the note), exactly once across a crash.
@Suite(.serialized) struct JobActionTests {
    static let later = "2026-11-27T09:10:00Z"  // past the creator's lease

    func job(_ store: StoreUnderTest, _ status: String) throws -> String {
        let id = try store.sql("SELECT id FROM print_jobs WHERE status = '\(status)' ORDER BY id LIMIT 1")
        try #require(!id.isEmpty, "no \(status) job in the fixture")
        return id
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func actionsFollowTheRulesAndTheAuditKeepsReasonsNotNotes(_ kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let db = ["--db", store.database, "--now", TestSupport.now]
        let queued = try job(store, "queued")
        func act(_ arguments: [String], config: String? = nil) throws -> TestSupport.Output {
            try TestSupport.popsaOps(["job"] + arguments + db + (config.map { ["--config", $0] } ?? []))
        }
        let held = try act(["hold", queued, "--reason", "wrong_design", "--note", "wants photo 3 swapped", "--yes"])
        #expect(held.status == 0 && held.stdout.contains("Hold done: print job \(queued) is on hold"), "\(held.stderr)")
        let again = try act(["hold", queued, "--reason", "wrong_design", "--yes"])
        #expect(again.status == 1 && again.stderr.contains("is already on hold (by"), "\(again.stderr)")
        let shown = try TestSupport.popsaOps(["query", "print-job", queued] + db)
        #expect(shown.stdout.contains("ON HOLD since") && shown.stdout.contains("wants photo 3 swapped"))
        let json = try TestSupport.popsaOps(["query", "print-job", queued, "--json"] + db)
        #expect(json.stdout.contains(#""kind": "hold""#) && json.stdout.contains(#""action_id": "act_"#))
        // The order's diagnosis says who holds it, and that release is what follows.
        let order = try store.sql("SELECT order_id FROM print_jobs WHERE id = '\(queued)'")
        let diagnosis = try TestSupport.popsaOps(["query", "order", order] + db)
        #expect(
            diagnosis.stdout.contains("On hold since") && diagnosis.stdout.contains("popsa-ops job release \(queued)"))
        #expect(try act(["release", queued, "--reason", "customer_request", "--yes"]).status == 0)
        #expect(try store.sql("SELECT count(*) FROM job_holds") == "0")

        // Refused, each in words: no --yes, a reason not on the list, "other" without a note, a viewer, a role the
        // configuration leaves out, a job already printing, an id that is nothing.
        let unconfirmed = try act(["cancel", queued, "--reason", "duplicate"])
        #expect(unconfirmed.status == 64 && unconfirmed.stderr.contains("add --yes"), "\(unconfirmed.stderr)")
        let badReason = try act(["cancel", queued, "--reason", "bored", "--yes"])
        #expect(badReason.status == 64 && badReason.stderr.contains("customer_request, wrong_design"))
        let noNote = try act(["cancel", queued, "--reason", "other", "--yes"])
        #expect(noNote.status == 64 && noNote.stderr.contains("\"Other\" needs a note"), "\(noNote.stderr)")
        let viewer = try act(["cancel", queued, "--reason", "duplicate", "--yes", "--read-only"])
        #expect(viewer.status == 1 && viewer.stderr.contains("viewers cannot take actions"), "\(viewer.stderr)")
        let config = TestSupport.temporaryDirectory("permissions") + "/config.toml"
        try "[permissions]\ncancel = [\"supervisor\"]\n".write(toFile: config, atomically: true, encoding: .utf8)
        let agent = try act(["cancel", queued, "--reason", "duplicate", "--yes"], config: config)
        #expect(agent.status == 1 && agent.stderr.contains("may not cancel (configuration"), "\(agent.stderr)")
        let printing = try job(store, "printing")
        let late = try act(["cancel", printing, "--reason", "duplicate", "--yes", "--json"])
        #expect(late.status == 1 && late.stderr.contains(#""code":"refused""#), "\(late.stderr)")
        #expect(late.stderr.contains("can only be cancelled before printing"), "\(late.stderr)")
        let nothing = try act(["cancel", "job_nope", "--reason", "duplicate", "--yes"])
        #expect(nothing.status == 1 && nothing.stderr.contains("no print job with id job_nope"), "\(nothing.stderr)")
        #expect(try store.sql("SELECT count(*) FROM support_actions") == "2")

        let cancelled = try act(["cancel", queued, "--reason", "duplicate", "--yes"])
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(try store.sql("SELECT status FROM print_jobs WHERE id = '\(queued)'") == "cancelled")
        #expect(
            try store.sql("SELECT message FROM print_job_events WHERE job_id = '\(queued)' AND status = 'cancelled'")
                == "cancelled by Popsa support (duplicate, by \(TestSupport.accountName))")
        let after = try act(["hold", queued, "--reason", "duplicate", "--yes"])
        #expect(after.status == 1 && after.stderr.contains("is already cancelled"), "\(after.stderr)")

        // The chain: requested and succeeded per action, by reason code; the note is not in it, and it verifies.
        let actions = try store.sql(
            "SELECT action || ' ' || reason FROM audit_log WHERE target = 'print job \(queued)' ORDER BY seq")
        #expect(
            actions.split(separator: "\n") == [
                "job.hold.requested wrong_design", "job.hold.succeeded wrong_design",
                "job.release.requested customer_request", "job.release.succeeded customer_request",
                "job.cancel.requested duplicate", "job.cancel.succeeded duplicate",
            ], "\(actions)")
        #expect(try store.sql("SELECT count(*) FROM audit_log WHERE detail LIKE '%photo 3%'") == "0")
        let verify = try TestSupport.popsaOps(["audit", "verify", "--db", store.database])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // The order's timeline tells it, newest first.
        let timeline = try TestSupport.popsaOps(["query", "timeline", order, "--kind", "action"] + db)
        let told = timeline.stdout.components(separatedBy: "\n").filter { $0.contains("(print job \(queued))") }
        #expect(told.count == 3, "\(timeline.stdout)")
        #expect(
            told.last?.contains(
                "Hold (print job \(queued)) by \(TestSupport.accountName), wrong design: succeeded · note: wants "
                    + "photo 3 swapped") == true, "\(told)")
    }

    /// `audit verify` matches support actions against their entries, as it does refunds: an action deleted from
    /// the database, or one whose outcome is rewritten, is found even though the hash chain itself is whole.
    @Test(arguments: StoreUnderTest.Kind.allCases)
    func auditVerifyCrossChecksSupportActions(_ kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let db = ["--db", store.database, "--now", TestSupport.now]
        let queued = try job(store, "queued")
        #expect(try TestSupport.popsaOps(["job", "hold", queued, "--reason", "duplicate", "--yes"] + db).status == 0)
        let printing = try job(store, "printing")
        let refused = try TestSupport.popsaOps(["job", "cancel", printing, "--reason", "duplicate", "--yes"] + db)
        #expect(refused.status == 1, "\(refused.stderr)")
        let whole = try TestSupport.popsaOps(["audit", "verify"] + db)
        #expect(whole.status == 0, "\(whole.stdout)\(whole.stderr)")

        let held = try store.sql("SELECT id FROM support_actions WHERE kind = 'hold'")
        _ = try store.sql("UPDATE support_actions SET status = 'failed' WHERE id = '\(held)'")
        let rewritten = try TestSupport.popsaOps(["audit", "verify"] + db)
        #expect(rewritten.status != 0, "\(rewritten.stdout)")
        #expect(
            (rewritten.stdout + rewritten.stderr).contains("support action \(held) (not succeeded) does not match"),
            "\(rewritten.stdout)\(rewritten.stderr)")
        _ = try store.sql("DELETE FROM support_actions WHERE id = '\(held)'")
        let deleted = try TestSupport.popsaOps(["audit", "verify"] + db)
        #expect(
            deleted.status != 0
                && (deleted.stdout + deleted.stderr).contains("names support action \(held), which is not in the"),
            "\(deleted.stdout)\(deleted.stderr)")
    }

    /// A job support holds waits for the customer, not the partner: it leaves the stuck list, the stuck counts
    /// (the list's total, the per-partner gauge the dashboard and `/metrics` read) and comes back on release.
    @Test(arguments: StoreUnderTest.Kind.allCases)
    func aHeldJobIsNotStuck(_ kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let db = ["--db", store.database, "--now", TestSupport.now]
        func stuck() throws -> (ids: [String], partnerGauges: [String: String]) {
            let list = try TestSupport.popsaOps(["query", "print-jobs", "--stuck-for", "72h", "--limit", "500"] + db)
            let metrics = try TestSupport.popsaOps(["metrics"] + db)
            var gauges: [String: String] = [:]
            for line in metrics.stdout.split(separator: "\n") where line.hasPrefix("popsa_ops_print_jobs_stuck{") {
                let parts = line.split(separator: " ")
                gauges[String(parts[0])] = String(parts[1])
            }
            let rows = list.stdout.split(separator: "\n").dropFirst().map { String($0.prefix(while: { $0 != " " })) }
            return (rows, gauges)
        }
        let before = try stuck()
        let listed = try TestSupport.popsaOps(["query", "print-jobs", "--stuck-for", "72h", "--limit", "500"] + db)
        let line = try #require(
            listed.stdout.split(separator: "\n").first { $0.contains(" accepted ") || $0.contains(" sent ") },
            "no stuck job before printing in the fixture: \(listed.stdout)")
        let job = String(line.prefix(while: { $0 != " " }))
        let partner = try store.sql("SELECT partner FROM print_jobs WHERE id = '\(job)'")
        let gauge = "popsa_ops_print_jobs_stuck{partner=\"\(partner)\"}"
        #expect(before.ids.contains(job))
        let held = try TestSupport.popsaOps(["job", "hold", job, "--reason", "customer_request", "--yes"] + db)
        #expect(held.status == 0, "\(held.stderr)")
        let during = try stuck()
        #expect(!during.ids.contains(job) && during.ids.count == before.ids.count - 1, "\(during.ids)")
        #expect(
            Double(during.partnerGauges[gauge] ?? "") == Double(before.partnerGauges[gauge] ?? "").map { $0 - 1 },
            "\(before.partnerGauges[gauge] ?? "none") → \(during.partnerGauges[gauge] ?? "none")")
        let diagnosis = try TestSupport.popsaOps(
            ["query", "order", try store.sql("SELECT order_id FROM print_jobs WHERE id = '\(job)'")] + db)
        #expect(
            diagnosis.stdout.contains("On hold since") && !diagnosis.stdout.contains("Stuck:"), "\(diagnosis.stdout)")
        #expect(
            try TestSupport.popsaOps(["job", "release", job, "--reason", "customer_request", "--yes"] + db).status == 0)
        let after = try stuck()
        #expect(after.ids == before.ids && after.partnerGauges == before.partnerGauges)
    }

    @Test(arguments: ["after-reserve", "after-gateway"], StoreUnderTest.Kind.allCases)
    func killedAtAnyStepTheJobIsCancelledExactlyOnce(point: String, kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let queued = try job(store, "queued")
        let killed = try TestSupport.popsaOps(
            [
                "job", "cancel", queued, "--reason", "duplicate", "--yes", "--db", store.database, "--now",
                TestSupport.now,
            ],
            environment: ["POPSA_OPS_TEST_FAULT": point])
        #expect(killed.status == 86, "\(killed.stderr)")
        #expect(try store.sql("SELECT status FROM print_jobs WHERE id = '\(queued)'") == "queued")
        // Inside the creator's lease: left alone, and said so (exit 75: not all is settled).
        let early = try TestSupport.popsaOps(["reconcile", "--db", store.database, "--now", TestSupport.now])
        #expect(early.status == 75 && early.stdout.contains("(leased)"), "\(early.stdout)\(early.stderr)")
        #expect(try store.sql("SELECT count(*) FROM sandbox_platform_calls") == (point == "after-reserve" ? "0" : "1"))
        if point == "after-gateway" {
            // An agent opening the console after the lease has run out finishes it, as for refunds.
            let console = try TestSupport.popsaOps(
                ["headless", "--size", "120x30", "--script", "-", "--db", store.database, "--now", Self.later],
                stdin: "wait\nexpect Reconciled 1 support action left unfinished: 1 succeeded\n")
            #expect(console.status == 0, "\(console.stdout)\(console.stderr)")
            #expect(try store.sql("SELECT count(*) FROM sandbox_platform_calls") == "1")
            #expect(try store.sql("SELECT status FROM print_jobs WHERE id = '\(queued)'") == "cancelled")
            return
        }
        let reconciled = try TestSupport.popsaOps(["reconcile", "--db", store.database, "--now", Self.later])
        #expect(reconciled.status == 0, "\(reconciled.stdout)\(reconciled.stderr)")
        let how = point == "after-reserve" ? "sent again with its key" : "found at the platform by its key"
        #expect(reconciled.stdout.contains("Reconciled 1 support action(s): 1 succeeded"), "\(reconciled.stdout)")
        #expect(reconciled.stdout.contains(how), "\(reconciled.stdout)")
        #expect(try store.sql("SELECT count(*) FROM sandbox_platform_calls") == "1")
        #expect(try store.sql("SELECT status FROM print_jobs WHERE id = '\(queued)'") == "cancelled")
        #expect(try store.sql("SELECT status FROM support_actions") == "succeeded")
    }

    @Test func anOutcomeThatCannotBeRecordedSaysUnknownNeverRefused() throws {
        let store = try StoreUnderTest.fixtureCopy(.sqlite)
        let queued = try job(store, "queued")
        let result = try TestSupport.popsaOps(
            [
                "job", "hold", queued, "--reason", "duplicate", "--yes", "--db", store.database, "--now",
                TestSupport.now,
            ],
            environment: ["POPSA_OPS_TEST_FAULT": "fail-recording"])
        #expect(result.status == 75, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("recorded as unknown; run popsa-ops reconcile"), "\(result.stdout)")
        let reconciled = try TestSupport.popsaOps(["reconcile", "--db", store.database, "--now", Self.later])
        #expect(reconciled.status == 0 && reconciled.stdout.contains("found at the platform by its key"))
        #expect(try store.sql("SELECT count(*) FROM job_holds WHERE job_id = '\(queued)'") == "1")
    }

    @Test func theConsoleHoldsAndCancelsThroughTheDialog() throws {
        let store = try StoreUnderTest.fixtureCopy(.sqlite)
        let console = try ConsoleScripts.run("job-action", size: "100x30", database: store.database)
        #expect(console.status == 0, "\(console.stdout)\(console.stderr)")
        // Action ids and the platform's references are random: the golden keeps their shape.
        let screens = console.stdout.replacing(/act_[0-9a-f]{20}/, with: "act_" + String(repeating: "x", count: 20))
        TestSupport.assertGolden(screens, "console/job-action-100x30.txt")
        let queued = ConsoleScripts.placeholders["queued_job"]!
        #expect(try store.sql("SELECT status FROM print_jobs WHERE id = '\(queued)'") == "cancelled")
        #expect(try store.sql("SELECT note FROM support_actions WHERE kind = 'hold'") == "wants to swap photo 3")

        // A viewer is told, and a job past printing has nothing to offer.
        let db = ["--db", store.database, "--now", TestSupport.now]
        let open = "key :\ntype job \(queued)\nkey enter\nwait\nkey a\nwait\n"
        let viewer = try TestSupport.popsaOps(
            ["headless", "--read-only", "--size", "100x30", "--script", "-"] + db,
            stdin: open + "expect Read-only: actions are off\n")
        #expect(viewer.status == 0, "\(viewer.stdout)\(viewer.stderr)")
        let done = try TestSupport.popsaOps(
            ["headless", "--size", "100x30", "--script", "-"] + db,
            stdin: open + "expect Nothing to do on print job \(queued): print job \(queued) is already cancelled\n")
        #expect(done.status == 0, "\(done.stdout)\(done.stderr)")
    }

    /// The order's diagnosis names the action that follows (a full refund with the book still at the partner:
    /// cancel it) and `a` on the order takes it: the job's dialog opens with that action chosen.
    @Test func theDiagnosisOffersTheNextActionOneKeyAway() throws {
        let store = try StoreUnderTest.fixtureCopy(.sqlite)
        let row = try store.fields(
            """
            SELECT o.id, o.total_amount, j.id FROM orders o JOIN print_jobs j ON j.order_id = o.id
            JOIN payments pay ON pay.order_id = o.id
            WHERE j.status = 'queued' AND o.status = 'paid' AND pay.status = 'settled' AND pay.provider = 'stripe'
              AND o.currency = 'GBP' AND (SELECT count(*) FROM print_jobs x WHERE x.order_id = o.id) = 1
            ORDER BY o.id LIMIT 1
            """)
        try #require(row.count == 3)
        let (order, pence, job) = (row[0], Int(row[1])!, row[2])
        let db = ["--db", store.database, "--now", TestSupport.now]
        let amount = "\(pence / 100)." + (pence % 100 < 10 ? "0" : "") + "\(pence % 100)"
        let refunded = try TestSupport.popsaOps(
            ["refund", order, "--amount", amount, "--reason", "customer_request", "--yes"] + db)
        try #require(refunded.status == 0, "\(refunded.stdout)\(refunded.stderr)")
        let query = try TestSupport.popsaOps(["query", "order", order] + db)
        #expect(query.stdout.contains("Cancel print job \(job) before it prints (popsa-ops job cancel \(job)"))
        let script = """
            key :
            type order \(order)
            key enter
            wait
            expect Cancel print job \(job) before it prints (press a)
            key A
            wait
            expect ‹ Resend confirmation ›
            key esc
            key a
            wait
            expect ‹ Cancel ›
            key tab
            key right
            key enter
            key y
            wait
            expect Cancel done
            """
        let console = try TestSupport.popsaOps(
            ["headless", "--size", "110x40", "--script", "-"] + db, stdin: script + "\n")
        #expect(console.status == 0, "\(console.stdout)\(console.stderr)")
        #expect(try store.sql("SELECT status FROM print_jobs WHERE id = '\(job)'") == "cancelled")
        let after = try TestSupport.popsaOps(["query", "order", order] + db)
        #expect(!after.stdout.contains("will still be printed"), "\(after.stdout)")
    }

    @Test func aConfigurationCannotLetViewersAct() throws {
        let config = TestSupport.temporaryDirectory("viewer-permissions") + "/config.toml"
        try "[permissions]\nhold = [\"agent\", \"viewer\"]\n".write(toFile: config, atomically: true, encoding: .utf8)
        let check = try TestSupport.popsaOps(["config", "check", "--config", config])
        #expect(check.status == 78, "\(check.stdout)\(check.stderr)")
        #expect(check.stderr.contains("permissions.hold") && check.stderr.contains("viewers cannot take actions"))
    }
}

/// Reprints, changes of address, confirmations sent again, and account locks and resets: the same machinery,
/// their own rules, on both stores.
@Suite(.serialized) struct OrderAndAccountActionTests {
    func act(_ store: StoreUnderTest, _ arguments: [String], config: String? = nil) throws -> TestSupport.Output {
        try TestSupport.popsaOps(
            arguments + ["--db", store.database, "--now", TestSupport.now] + (config.map { ["--config", $0] } ?? []))
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func aDamagedBookIsReprintedOnceAsANewJob(_ kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let delivered = try store.sql("SELECT id FROM print_jobs WHERE status = 'delivered' ORDER BY id LIMIT 1")
        let wrongReason = try act(store, ["job", "reprint", delivered, "--reason", "duplicate", "--yes"])
        #expect(wrongReason.status == 64 && wrongReason.stderr.contains("damaged, lost_in_delivery, print_quality"))
        let done = try act(store, ["job", "reprint", delivered, "--reason", "damaged", "--yes", "--json"])
        #expect(done.status == 0, "\(done.stdout)\(done.stderr)")
        let newJob = try store.sql(
            "SELECT reference FROM support_actions WHERE kind = 'reprint' AND subject_id = '\(delivered)'")
        #expect(newJob.hasPrefix("job_r") && done.stdout.contains("is being reprinted as print job \(newJob)"))
        let row = try store.fields("SELECT order_id, partner, status FROM print_jobs WHERE id = '\(newJob)'")
        let original = try store.fields("SELECT order_id, partner FROM print_jobs WHERE id = '\(delivered)'")
        #expect(row == original + ["queued"], "\(row)")
        #expect(
            try store.sql("SELECT message FROM print_job_events WHERE job_id = '\(newJob)'")
                == "reprint of \(delivered) ordered by Popsa support (damaged, by \(TestSupport.accountName))")
        let again = try act(store, ["job", "reprint", delivered, "--reason", "damaged", "--yes"])
        #expect(again.status == 1 && again.stderr.contains("was already reprinted as \(newJob)"), "\(again.stderr)")
        let notYet = try act(store, ["job", "reprint", newJob, "--reason", "damaged", "--yes"])
        #expect(notYet.status == 1 && notYet.stderr.contains("a reprint is for a book that was shipped"))
        // The order shows both jobs; its counts follow.
        let order = try TestSupport.popsaOps(["query", "order", original[0], "--db", store.database])
        #expect(order.stdout.contains(newJob), "\(order.stdout)")
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func anAddressChangesBeforeTheJobIsSentWithinItsCountryAndStaysOutOfTheChain(_ kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let order = try store.paidOrder(allJobs: "queued")
        try #require(!order.isEmpty)
        let change = ["order", "change-address", order, "--reason", "address_problem", "--yes"]
        let abroad = try act(store, change + ["--country", "ZZ"])
        #expect(abroad.status == 1 && abroad.stderr.contains("the country cannot change"), "\(abroad.stderr)")
        let moved = try act(store, change + ["--line1", "2 Park Row", "--postcode", "LS1 5AB"])
        #expect(moved.status == 0 && moved.stdout.contains("ships to the new address"), "\(moved.stderr)")
        // (Screens and --json mask the street line: the database has it.)
        #expect(
            try store.sql(
                "SELECT count(*) FROM orders WHERE id = '\(order)' AND shipping_address LIKE '%2 Park Row%LS1 5AB%'")
                == "1")
        // The new address is personal data: in the action's row, never in the hash chain.
        #expect(try store.sql("SELECT count(*) FROM audit_log WHERE detail LIKE '%Park Row%'") == "0")
        #expect(try store.sql("SELECT count(*) FROM audit_log WHERE action = 'order.change_address.succeeded'") == "1")
        let same = try act(store, change + ["--line1", "2 Park Row"])
        #expect(same.status == 1 && same.stderr.contains("the same as the old one"), "\(same.stderr)")
        // Once a job is with the partner, the address is what the partner ships to.
        let shipped = try store.sql("SELECT order_id FROM print_jobs WHERE status = 'shipped' ORDER BY id LIMIT 1")
        let late = try act(
            store, ["order", "change-address", shipped, "--line1", "x", "--reason", "other", "--note", "n", "--yes"])
        #expect(late.status == 1 && late.stderr.contains("the address can only change before the job is sent"))
        let resent = try act(store, ["order", "resend-confirmation", order, "--reason", "customer_request", "--yes"])
        #expect(resent.status == 0 && resent.stdout.contains("confirmation of order \(order) was sent again"))
    }

    @Test(arguments: StoreUnderTest.Kind.allCases)
    func anAccountIsLockedResetOnlyOnceUnlockedAndUnlockedBySupervisors(_ kind: StoreUnderTest.Kind) throws {
        let store = try StoreUnderTest.fixtureCopy(kind)
        let user = try store.sql("SELECT id FROM users WHERE status = 'active' ORDER BY id LIMIT 1")
        let email = try store.sql("SELECT email FROM users WHERE id = '\(user)'")
        // Anything the search resolves names the customer: here their email.
        let locked = try act(store, ["account", "lock", email, "--reason", "security_concern", "--yes"])
        #expect(locked.status == 0 && locked.stdout.contains("the account of \(user) is locked"), "\(locked.stderr)")
        #expect(try store.sql("SELECT status FROM users WHERE id = '\(user)'") == "locked")
        let reset = try act(store, ["account", "password-reset", user, "--reason", "customer_request", "--yes"])
        #expect(reset.status == 1 && reset.stderr.contains("unlock it first"), "\(reset.stderr)")
        let agent = try act(store, ["account", "unlock", user, "--reason", "customer_request", "--yes"])
        #expect(agent.status == 1 && agent.stderr.contains("may not unlock account"), "\(agent.stderr)")
        let config = TestSupport.temporaryDirectory("supervisor") + "/config.toml"
        try "[operators]\ndefault_role = \"supervisor\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let unlocked = try act(
            store, ["account", "unlock", user, "--reason", "customer_request", "--yes"], config: config)
        #expect(unlocked.status == 0, "\(unlocked.stderr)")
        #expect(
            try act(store, ["account", "password-reset", user, "--reason", "customer_request", "--yes"]).status == 0)
        // What a data-subject access request returns holds them too.
        let export = try act(store, ["privacy", "export", user], config: config)
        #expect(export.status == 0 && export.stdout.contains(#""kind": "password_reset""#), "\(export.stderr)")
        let actions = try store.sql(
            "SELECT action FROM audit_log WHERE target = 'customer \(user)' AND action LIKE '%succeeded' ORDER BY seq")
        #expect(
            actions.split(separator: "\n") == [
                "account.lock.succeeded", "account.unlock.succeeded", "account.password_reset.succeeded",
            ], "\(actions)")
        let nothing = try act(store, ["account", "lock", "nobody@example.invalid", "--reason", "other", "--yes"])
        #expect(nothing.status == 1 && nothing.stderr.contains("no customer with id nobody@example.invalid"))
    }

    /// The console: `a` on a customer locks the account, `a` on an order changes its address, through the dialog.
    @Test func theConsoleActsOnAccountsAndOrders() throws {
        let store = try StoreUnderTest.fixtureCopy(.sqlite)
        let user = try store.sql("SELECT id FROM users WHERE status = 'active' ORDER BY id LIMIT 1")
        // The dialog shows the email as the screen does: masked until revealed.
        let email = try store.sql("SELECT email FROM users WHERE id = '\(user)'")
        let order = try store.paidOrder(allJobs: "queued")
        let script = """
            key :
            type customer \(user)
            key enter
            wait
            key a
            wait
            key right
            expect a password-reset link is emailed to
            expect-not \(email)
            key left
            expect ‹ Lock account ›
            key tab
            key right
            snapshot
            key enter
            expect can no longer sign in
            snapshot
            key y
            wait
            expect Lock account done
            key enter
            key :
            type order \(order)
            key enter
            wait
            key a
            wait
            expect ‹ Change address ›
            key tab
            key right
            key right
            key right
            key tab
            key tab
            type 9 Canal Wharf
            key tab
            key tab
            key tab
            type 10115
            snapshot
            key enter
            expect 9 Canal Wharf
            snapshot
            key y
            wait
            expect Change address done
            snapshot
            """
        let console = try TestSupport.popsaOps(
            ["headless", "--size", "100x30", "--script", "-", "--db", store.database, "--now", TestSupport.now],
            stdin: script + "\n")
        #expect(console.status == 0, "\(console.stdout)\(console.stderr)")
        // Every dialog of theirs as the agent sees it: the form, the confirmation, the outcome.
        TestSupport.assertGolden(console.stdout, "console/actions-account-order-100x30.txt")
        #expect(try store.sql("SELECT status FROM users WHERE id = '\(user)'") == "locked")
        #expect(
            try store.sql("SELECT json_extract(shipping_address, '$.line1') FROM orders WHERE id = '\(order)'")
                == "9 Canal Wharf")
    }
}

/// The confirmation of every other action, as a supervisor sees it: what will happen, in words, before `y`.
@Suite struct ActionDialogGoldenTests {
    @Test func everyActionsConfirmationSaysWhatWillHappen() throws {
        let store = try StoreUnderTest.fixtureCopy(.sqlite)
        let db = ["--db", store.database, "--now", TestSupport.now]
        let delivered = try store.sql("SELECT id FROM print_jobs WHERE status = 'delivered' ORDER BY id LIMIT 1")
        let printing = try store.sql("SELECT id FROM print_jobs WHERE status = 'printing' ORDER BY id LIMIT 1")
        let queued = try store.sql("SELECT id FROM print_jobs WHERE status = 'queued' ORDER BY id LIMIT 1")
        // An order with nothing to suggest (its books delivered): `a` opens its own actions.
        let paid = try store.paidOrder(allJobs: "delivered")
        let locked = try store.sql("SELECT id FROM users WHERE status = 'locked' ORDER BY id LIMIT 1")
        let active = try store.sql("SELECT id FROM users WHERE status = 'active' ORDER BY id LIMIT 1")
        try #require(![delivered, printing, queued, paid, locked, active].contains(""))
        #expect(
            try TestSupport.popsaOps(["job", "hold", queued, "--reason", "wrong_design", "--yes"] + db).status == 0)
        let config = TestSupport.temporaryDirectory("dialogs") + "/config.toml"
        try "[operators]\ndefault_role = \"supervisor\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        // Each: open the record, a, the action (its position among those offered), the first reason, review.
        func confirm(_ open: String, _ id: String, rights: Int, expect: String) -> String {
            "key :\ntype \(open) \(id)\nkey enter\nwait\nkey a\nwait\n"
                + String(repeating: "key right\n", count: rights)
                + "key tab\nkey right\nkey enter\nexpect \(expect)\nsnapshot\nkey esc\nkey esc\n"
        }
        let script = [
            confirm("job", delivered, rights: 0, expect: "prints and ships"),
            confirm("job", printing, rights: 0, expect: "is asked for news"),
            confirm("job", queued, rights: 0, expect: "may print print job"),
            confirm("order", paid, rights: 0, expect: "emailed again"),
            confirm("customer", locked, rights: 0, expect: "can sign in again"),
            confirm("customer", active, rights: 2, expect: "password-reset link"),
        ].joined()
        let console = try TestSupport.popsaOps(
            ["headless", "--size", "100x30", "--script", "-", "--config", config] + db, stdin: script)
        #expect(console.status == 0, "\(console.stdout)\(console.stderr)")
        TestSupport.assertGolden(console.stdout, "console/action-confirmations-100x30.txt")
    }
}

extension StoreUnderTest {
    /// The first paid order whose print jobs (one at least) are all in `status`.
    func paidOrder(allJobs status: String) throws -> String {
        try sql(
            """
            SELECT o.id FROM orders o WHERE o.status = 'paid'
              AND EXISTS (SELECT 1 FROM print_jobs j WHERE j.order_id = o.id)
              AND NOT EXISTS (SELECT 1 FROM print_jobs j WHERE j.order_id = o.id AND j.status != '\(status)')
            ORDER BY o.id LIMIT 1
            """)
    }
}
