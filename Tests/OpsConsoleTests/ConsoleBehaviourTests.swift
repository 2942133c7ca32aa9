import Foundation
import OpsCore
import OpsEngine
import OpsStore
import OpsTUI
import OpsTestSupport
import Testing

@testable import OpsConsole

@Suite struct ConsoleBehaviourTests {
    @Test func commandModeCompletesAndRemembersHistory() throws {
        let pilot = try Pilot()
        pilot.press(":")
        pilot.type("or")
        pilot.press("tab")
        #expect(pilot.screen.contains(":order"))
        #expect(pilot.screen.contains("order  orders"), "both candidates are listed")
        pilot.type("s pai")
        pilot.press("tab")
        #expect(pilot.screen.contains(":orders paid"))
        pilot.press("enter")
        pilot.wait()
        #expect(pilot.state.current.kind == .orders)
        #expect(pilot.screen.contains("popsa-ops › Search › Orders: paid"))
        pilot.press(":", "up")
        #expect(pilot.screen.contains(":orders paid"))
        pilot.press("esc")
        #expect(pilot.state.overlay == nil)
    }

    /// `q` goes back a screen at a time; on the home screen it is text like every printable key (a customer called
    /// Quentin must not close the console); `:quit` quits anywhere.
    @Test func qGoesBackUntilHomeWhereItIsText() throws {
        let pilot = try Pilot()
        pilot.command("orders")
        pilot.press("enter")
        pilot.wait()
        #expect(pilot.state.current.kind == .order)
        pilot.press("q")
        #expect(pilot.state.current.kind == .orders && !pilot.state.quitting)
        pilot.press("q")
        #expect(pilot.state.current.kind == .search && !pilot.state.quitting)
        pilot.press("q")
        #expect(!pilot.state.quitting)
        #expect((pilot.state.current as? SearchScreen)?.field.text == "q")
        let other = try Pilot()
        other.command("orders")
        other.press(":")
        other.type("quit")
        other.press("enter")
        #expect(other.state.quitting)
    }

    /// `:order`, `:customer` and `:job` take any identifier a ticket carries, as the search does.
    @Test func recordCommandsAcceptAnyIdentifier() throws {
        let row = try TestSupport.fields(
            TestSupport.fixtureDatabase,
            "SELECT p.order_id || '|' || p.provider_transaction_id || '|' || u.email || '|' || u.name "
                + "FROM payments p JOIN orders o ON o.id = p.order_id JOIN users u ON u.id = o.user_id "
                + "WHERE p.provider = 'stripe' ORDER BY p.id LIMIT 1"
        )
        try #require(row.count == 4)
        let pilot = try Pilot()
        pilot.command("order \(row[1])")
        #expect(pilot.screen.contains("Order \(row[0])  "), "\(pilot.screen)")
        pilot.command("customer \(row[2])")
        #expect(pilot.state.current.kind == .customer && pilot.screen.contains(row[3]))
    }

    @Test func badCommandsSayWhatIsWrong() throws {
        let pilot = try Pilot()
        for (line, message) in [
            ("jobs lost", "unknown print job filter \"lost\""), ("order", "usage: :order ORDER_ID"),
            ("orders shipped", "unknown order status \"shipped\""), ("teleport", "unknown command \"teleport\""),
        ] {
            pilot.press(":")
            pilot.type(line)
            pilot.press("enter")
            #expect(pilot.screen.contains(message), "\(line)")
        }
    }

    /// `:order`, `:customer` and `:job` with an id nobody knows say so in the status line and stay where they are.
    @Test func anUnknownIdIsReportedWhereTheOperatorIs() throws {
        let pilot = try Pilot()
        pilot.command("orders")
        for (command, message) in [
            ("order ord_missing", "no order with id ord_missing"),
            ("customer nobody@example.org", "nobody@example.org"),
            ("job RM000000000GB", "RM000000000GB"),
        ] {
            pilot.command(command)
            #expect(pilot.state.current.kind == .orders && pilot.state.stack.count == 2, "\(command)")
            #expect(pilot.state.message?.tone == .error && pilot.screen.contains(message), "\(pilot.screen)")
        }
        // A known one opens, as before.
        let order = try TestSupport.sql(TestSupport.fixtureDatabase, "SELECT id FROM orders ORDER BY id LIMIT 1")
        pilot.command("order \(order)")
        #expect(pilot.state.current.kind == .order && pilot.state.message == nil)
    }

    /// Every printable key on the home screen is text, wherever the focus was: the old trap (esc, 3, H, then a
    /// name) opened the audit log at `a` and quit at `q`; `H` now comes home with the text selected, so the next
    /// ticket's id replaces it.
    @Test func onTheHomeScreenEveryPrintableKeyIsText() throws {
        let pilot = try Pilot()
        pilot.press("esc", "3")
        #expect(pilot.state.current.kind == .search)
        pilot.press("ctrl-u", "down", "down", "down", "enter")
        pilot.wait()
        #expect(pilot.state.current.kind == .printJobs, "the destinations under the empty field: stuck jobs")
        pilot.press("H")
        pilot.type("quentin zoe")
        #expect(pilot.state.current.kind == .search && !pilot.state.quitting && pilot.state.overlay == nil)
        #expect((pilot.state.current as? SearchScreen)?.field.text == "quentin zoe")
        pilot.press("ctrl-w", "ctrl-w")
        pilot.type("zoe")
        pilot.wait()
        pilot.press("enter")
        pilot.wait()
        #expect(pilot.state.current.kind == .customer)
        pilot.press("H")
        #expect((pilot.state.current as? SearchScreen)?.field.allSelected == true)
        pilot.type("zo")
        #expect((pilot.state.current as? SearchScreen)?.field.text == "zo", "typing replaced the selected text")
        pilot.press("ctrl-u")
        #expect((pilot.state.current as? SearchScreen)?.field.text == "")
        // With the field empty, `:` and `?` are the command line and the help, as everywhere.
        pilot.press("?")
        #expect(pilot.screen.contains("ctrl-u") && pilot.screen.contains("clear the field"))
        #expect(!pilot.screen.contains("m                  metrics"), "m is text here, so the help does not offer it")
    }

    /// Each destination under the empty search field opens the screen its command opens.
    @Test func everyDestinationUnderTheEmptyFieldOpensItsScreen() throws {
        let kinds: [ScreenKind] = [.orders, .printJobs, .printJobs, .disputes, .metrics, .audit, .recent]
        #expect(SearchScreen.menu.count == kinds.count)
        for (index, kind) in kinds.enumerated() {
            let pilot = try Pilot()
            pilot.press("down")
            for _ in 0..<index { pilot.press("down") }
            pilot.press("enter")
            pilot.wait()
            #expect(pilot.state.current.kind == kind, "\(SearchScreen.menu[index].command)")
        }
    }

    /// A paste is text for the focused field, never keys: an order id starting with a digit does not open the
    /// orders list, a line break does not press enter, and where no field takes text nothing happens.
    @Test func aPasteIsTextNeverKeys() throws {
        let pilot = try Pilot()
        pilot.paste("1q \u{1b}]52;c;aGk=\u{7}ord_x\n")
        #expect(pilot.state.current.kind == .search && !pilot.state.quitting)
        #expect((pilot.state.current as? SearchScreen)?.field.text == "1q ]52;c;aGk=ord_x")
        pilot.press("ctrl-u")
        pilot.command("orders")
        pilot.paste("refund")
        #expect(pilot.state.current.kind == .orders && pilot.state.overlay == nil)
        #expect(pilot.screen.contains("Nothing here takes text"))
        pilot.press("/")
        pilot.paste("paid")
        #expect((pilot.state.current as? OrdersListScreen)?.filter.field.text == "paid")
        pilot.press("enter", ":")
        pilot.paste("metrics\n")
        guard case .command(let line)? = pilot.state.overlay else {
            Issue.record("the command line closed on a pasted line break")
            return
        }
        #expect(line.field.text == "metrics")
    }

    /// `y` copies the selected row's id, else the record's own: a print job's tracking number, a customer's email.
    @Test func yCopiesWhatTheOperatorIsLookingAt() throws {
        let pilot = try Pilot()
        let job = try #require(ConsoleScripts.placeholders["tracking_job"])
        let tracking = try #require(ConsoleScripts.placeholders["tracking"])
        pilot.command("job \(job)")
        pilot.press("y")
        #expect(pilot.console.takeClipboard() == tracking && pilot.console.takeClipboard() == nil)
        #expect(pilot.screen.contains("Copied tracking number \(tracking)"))
        pilot.press("c")
        pilot.wait()
        let email = try #require((pilot.state.current as? CustomerScreen)?.data.value?.user.email)
        pilot.press("y")
        let copied = pilot.console.takeClipboard()
        #expect(copied?.hasPrefix("ord_") == true || copied == email, "a row's id, or the email with no row")
        pilot.command("metrics")
        pilot.press("y")
        #expect(pilot.console.takeClipboard() == nil && pilot.screen.contains("Nothing to copy here"))
    }

    /// `partner=` completes the partners' names and refuses one that does not exist; `p` and `P` walk the partners
    /// both ways, skipping those with nothing to show on this tab.
    @Test func partnersCompleteAndCycleBothWaysSkippingEmptyOnes() throws {
        let pilot = try Pilot()
        let db = TestSupport.fixtureDatabase
        let cutoff = Int(TestSupport.nowTimestamp.seconds) - 72 * 3600
        let all = try TestSupport.sql(db, "SELECT DISTINCT partner FROM print_jobs ORDER BY 1")
            .split(separator: "\n").map(String.init)
        let stuck = try TestSupport.sql(
            db,
            "SELECT DISTINCT partner FROM print_jobs WHERE status IN ('queued','sent','accepted','printing','shipped') "
                + "AND updated_at < \(cutoff) ORDER BY 1"
        ).split(separator: "\n").map(String.init)
        try #require(stuck.count < all.count, "the fixture has partners without stuck jobs")
        #expect(pilot.state.partners == all)
        pilot.press(":")
        pilot.type("jobs stuck partner=\(all[0].prefix(2))")
        pilot.press("tab")
        guard case .command(let line)? = pilot.state.overlay else { return }
        // Completed to the name, or to the common part with the names listed.
        #expect(
            line.field.text == "jobs stuck partner=\(all[0]) "
                || pilot.screen.contains("partner=\(all[0])"), "\(line.field.text)")
        pilot.press("ctrl-u")
        pilot.type("jobs stuck partner=nobody")
        pilot.press("enter")
        #expect(pilot.screen.contains("unknown partner \"nobody\"") && pilot.state.current.kind == .search)
        pilot.command("jobs stuck")
        var seen: [String?] = []
        for _ in 0...stuck.count {
            pilot.press("p")
            pilot.wait()
            seen.append((pilot.state.current as? PrintJobsListScreen)?.query.partner)
        }
        #expect(seen == stuck.map { $0 } + [nil], "only partners with stuck jobs, then all again")
        pilot.press("P")
        pilot.wait()
        #expect((pilot.state.current as? PrintJobsListScreen)?.query.partner == stuck.last)
    }

    /// The records opened are remembered: ctrl-o returns to the one before in one key (and back again), `:recent`
    /// lists them by name, newest first.
    @Test func recentRecordsAreOneKeyAway() throws {
        let pilot = try Pilot()
        let row = try TestSupport.fields(
            TestSupport.fixtureDatabase,
            "SELECT o.id || '|' || u.id || '|' || u.name || '|' || j.id FROM orders o JOIN users u ON u.id = o.user_id "
                + "JOIN print_jobs j ON j.order_id = o.id ORDER BY o.id LIMIT 1 OFFSET 3"
        )
        let (order, user, name, job) = (row[0], row[1], row[2], row[3])
        pilot.press("ctrl-o")
        #expect(pilot.screen.contains("No other record opened yet"))
        for command in ["customer \(user)", "metrics", "order \(order)"] {
            pilot.command(command)
        }
        pilot.press("ctrl-o")
        pilot.wait()
        #expect((pilot.state.current as? CustomerScreen)?.userID == user, "back to the customer, past the dashboard")
        pilot.press("ctrl-o")
        #expect(pilot.screen.contains("The first record opened"))
        #expect((pilot.state.current as? CustomerScreen)?.userID == user)
        // Forward again (ctrl-i is tab in a terminal: forward is ctrl-n).
        pilot.press("ctrl-n")
        pilot.wait()
        #expect((pilot.state.current as? OrderScreen)?.orderID == order, "forward to the order again")
        pilot.press("ctrl-n")
        #expect(pilot.screen.contains("Nothing to go forward to"))
        // Back, then a record opened anew: the forward part of the list is gone, as in a browser.
        pilot.press("ctrl-o")
        pilot.wait()
        pilot.command("job \(job)")
        pilot.press("ctrl-n")
        #expect(pilot.screen.contains("Nothing to go forward to"))
        pilot.press("ctrl-o")
        pilot.wait()
        #expect((pilot.state.current as? CustomerScreen)?.userID == user, "back from the job to the customer")
        pilot.press("ctrl-n")
        pilot.wait()
        #expect((pilot.state.current as? PrintJobScreen)?.jobID == job)
        pilot.command("order \(order)")
        pilot.command("recent")
        let lines = pilot.screen.split(separator: "\n").map(String.init)
        let orderLine = lines.firstIndex { $0.contains(order) && $0.contains("order id") }
        let customerLine = lines.firstIndex { $0.contains(name) && $0.contains("customer id") }
        #expect(orderLine != nil && customerLine != nil && orderLine! < customerLine!, "\(pilot.screen)")
        // Newest first: the order, the job, the customer.
        pilot.press("down", "down", "enter")
        pilot.wait()
        #expect((pilot.state.current as? CustomerScreen)?.userID == user)
    }

    /// What a ticket carries, as it carries it: a charge id says which payment intent it is behind, a tracking
    /// number read out with spaces and a Braintree id in capitals are found, and customers of the same name are
    /// told apart by their orders, the last one's date and city.
    @Test func theSearchFindsIdsAsTicketsCarryThem() throws {
        let db = TestSupport.fixtureDatabase
        let stripe = try TestSupport.fields(
            db,
            "SELECT provider_charge_id || '|' || provider_transaction_id FROM payments "
                + "WHERE provider_charge_id IS NOT NULL ORDER BY id LIMIT 1"
        )
        let braintree = try TestSupport.sql(
            db, "SELECT provider_transaction_id FROM payments WHERE provider = 'braintree' ORDER BY id LIMIT 1")
        let tracking = try #require(ConsoleScripts.placeholders["tracking"])
        let spaced = stride(from: 0, to: tracking.count, by: 4).map { i -> String in
            let start = tracking.index(tracking.startIndex, offsetBy: i)
            return String(
                tracking[
                    start..<(tracking.index(start, offsetBy: 4, limitedBy: tracking.endIndex) ?? tracking.endIndex)])
        }.joined(separator: " ")
        let pilot = try Pilot(size: Size(width: 160, height: 30))
        for (typed, expected) in [
            (stripe[0], "(this charge is behind \(stripe[1]))"), (spaced, "→ tracking number"),
            (braintree.uppercased(), "→ provider transaction"),
        ] {
            pilot.press("ctrl-u")
            pilot.type(typed)
            pilot.wait()
            #expect(pilot.screen.contains(expected), "\(typed): \(pilot.screen)")
        }
        // A postcode as the ticket wrote it (a space in it): the customers who had orders shipped there, first.
        let shipped = try TestSupport.fields(
            db,
            "SELECT json_extract(o.shipping_address, '$.postcode') || '|' || u.id FROM orders o "
                + "JOIN users u ON u.id = o.user_id ORDER BY o.id LIMIT 1 OFFSET 7"
        )
        let postcode = shipped[0]
        pilot.press("ctrl-u")
        pilot.type(String(postcode.prefix(3)) + " " + postcode.dropFirst(3).lowercased())
        pilot.wait()
        let byPostcode = (pilot.state.current as? SearchScreen)?.result?.value?.customers.map(\.id) ?? []
        let expected = try TestSupport.sql(
            db,
            "SELECT count(DISTINCT user_id) FROM orders WHERE json_extract(shipping_address, '$.postcode') = "
                + "'\(postcode)'")
        #expect(byPostcode.contains(shipped[1]) && byPostcode.count >= Int(expected)!, "\(byPostcode)")
        pilot.press("ctrl-u")
        pilot.type("zo")
        pilot.wait()
        let first = try #require((pilot.state.current as? SearchScreen)?.result?.value?.customers.first)
        let summary = try TestSupport.sql(
            db,
            "SELECT count(*) || ' ' || coalesce(date(max(created_at), 'unixepoch'), '—') FROM orders "
                + "WHERE user_id = '\(first.id)'"
        )
        let words = summary.split(separator: " ").map(String.init)
        // The email is masked on screen (is***@yahoo.com): the row is found by its masked form.
        let masked = PersonalData.email(first.email, .masked)
        let line = pilot.screen.split(separator: "\n").first { $0.contains(masked) } ?? ""
        #expect(line.contains(" \(words[0])  ") && line.contains(words[1]), "\(line) vs \(summary)")
    }

    @Test func helpListsTheEffectiveKeysOfTheScreen() throws {
        let pilot = try Pilot()
        pilot.command("jobs stuck")
        pilot.press("?")
        let screen = pilot.screen
        #expect(screen.contains("next print partner"))
        #expect(screen.contains("tab"))
        #expect(screen.contains("q                  back (quit: :q)"))
        pilot.press("esc")
        #expect(pilot.state.overlay == nil)
    }

    @Test func longListsPageWithinABoundedWindowAndCountFromTheTop() async throws {
        // Every order, in the list's order, through the store's own paging.
        let store = try SQLiteStore.open(path: TestSupport.fixtureDatabase)
        var ids: [String] = []
        var page = try await store.orders(status: nil, page: .first, limit: 100)
        while true {
            ids += page.rows.map(\.id)
            guard page.hasMoreAfter, let last = page.rows.last else { break }
            page = try await store.orders(status: nil, page: .after(last.pageCursor), limit: 100)
        }
        #expect(ids.count > 600, "the fixture has more orders than the window holds")

        let pilot = try Pilot()
        pilot.command("orders")
        func position() -> (row: Int, loaded: Int, more: Bool)? {
            let bar = pilot.screen.split(separator: "\n").last.map(String.init) ?? ""
            guard let token = bar.split(separator: " ").first(where: { $0.contains("/") && $0.first?.isNumber == true })
            else { return nil }
            let parts = token.replacingOccurrences(of: ",", with: "").split(separator: "/")
            guard parts.count == 2, let row = Int(parts[0]), let loaded = Int(parts[1].trimmingCharacters(in: ["+"]))
            else { return nil }
            return (row, loaded, parts[1].hasSuffix("+"))
        }
        /// The text of the selected row (the line drawn in the selection style).
        func selectedLine() -> String {
            let frame = pilot.console.render()
            let selection = pilot.state.theme[.selection]
            for y in 0..<frame.size.height where frame[2, y].style == selection { return frame.lines[y] }
            return ""
        }
        var presses = 0
        while let p = position(), p.row <= 560, presses < 80 {
            pilot.press("pgdn")
            pilot.wait()
            presses += 1
        }
        guard let deep = position() else { Issue.record("no position in the status bar"); return }
        // Beyond the 500 rows the window keeps, the position still counts from the top of the whole list …
        #expect(deep.row > 500, "\(deep)")
        // … and it is the right row.
        #expect(
            selectedLine().contains(ids[deep.row - 1]),
            "row \(deep.row) should be \(ids[deep.row - 1]): \(selectedLine())")
        pilot.press("up")
        pilot.wait()
        #expect(position()?.row == deep.row - 1)
        #expect(selectedLine().contains(ids[deep.row - 2]))

        pilot.press("end")
        pilot.wait()
        #expect(selectedLine().contains(ids[ids.count - 1]))
        pilot.press("home")
        pilot.wait()
        #expect(position()?.row == 1)
        #expect(selectedLine().contains(ids[0]))
    }

    @Test func filterNarrowsTheCustomersRowsAndEscClearsIt() throws {
        let pilot = try Pilot()
        let user = ConsoleScripts.placeholders["refunded_user"]!
        pilot.command("customer \(user)")
        pilot.press("tab", "tab")  // payments and refunds
        pilot.press("/")
        pilot.type("refund")
        #expect(pilot.screen.contains("Filter: refund"))
        #expect(!pilot.screen.contains("payment  "))
        pilot.press("enter", "esc")
        #expect(!pilot.screen.contains("Filter:"))
        #expect(pilot.state.current.kind == .customer)
        pilot.press("esc")
        #expect(pilot.state.current.kind == .search)
    }

    @Test func tooSmallThenBackKeepsEverything() throws {
        let pilot = try Pilot()
        pilot.type("zoe")
        pilot.wait()
        pilot.console.dispatch(.resize(Size(width: 40, height: 10)))
        #expect(pilot.screen.contains("Terminal too small: 40x10"))
        pilot.type("y")
        pilot.console.dispatch(.resize(Size(width: 100, height: 30)))
        pilot.wait()
        #expect(pilot.screen.contains("│zoey"))
    }

    /// The engine answers in the order the test chooses: the latest search first, the superseded ones after it.
    @Test func onlyTheLatestSearchIsShownWhateverOrderTheAnswersComeIn() throws {
        let gate = AnswerGate()
        let pilot = try Pilot(role: .supervisor) { live in
            var client = live
            client.search = { text in
                await gate.wait(for: text)
                return try await live.search(text)
            }
            return client
        }
        pilot.type("zo")
        pilot.press("backspace", "backspace")  // "z" again, then an empty field (no search)
        pilot.type("mar")
        // Six searches in flight (they reach the engine in any order), none answered yet.
        #expect(pilot.apply(until: { gate.asked.count == 6 }), "asked: \(gate.asked)")
        #expect(gate.asked.sorted() == ["m", "ma", "mar", "z", "z", "zo"])
        gate.release("mar")
        func shown() -> String? { (pilot.state.current as? SearchScreen)?.result?.value?.query }
        #expect(pilot.apply(until: { shown() == "mar" }))
        gate.release("zo", "ma", "z", "m")
        #expect(pilot.apply(until: { !pilot.console.isBusy }))
        #expect(shown() == "mar")
        #expect(pilot.screen.contains("│mar"))
    }

    /// An answer the console no longer waits for (already answered, or for a request it never made) reaches no
    /// screen.
    @Test func aSupersededSearchResultIsDroppedWhateverTheOrderResultsArrive() throws {
        let pilot = try Pilot()
        pilot.type("zo")
        pilot.wait()
        guard let first = pilot.state.current as? SearchScreen, let older = first.request else {
            Issue.record("no search request"); return
        }
        pilot.type("e")  // a newer search is in flight; the older one's answer arrives late
        pilot.console.dispatch(
            .loaded(request: older, .search(.success(SearchResult(query: "stale", exact: nil, customers: [])))))
        guard let late = pilot.state.current as? SearchScreen else { Issue.record("left the search"); return }
        #expect(late.result?.value?.query != "stale")
        pilot.wait()
        guard let latest = pilot.state.current as? SearchScreen else { Issue.record("left the search"); return }
        #expect(latest.result?.value?.query == "zoe")
    }

    @Test func statusBarNamesOperatorSshClientRoleAndDatabase() throws {
        let pilot = try Pilot()
        let bar = pilot.screen.split(separator: "\n").last.map(String.init) ?? ""
        #expect(bar.contains("tester@10.0.0.7"))
        #expect(bar.contains("agent"))
        #expect(bar.contains("fixture.sqlite"))
        #expect(bar.contains("2026-11-27 09:00:00 UTC"))
    }
}

// MARK: - Quitting with a refund in flight

/// A terminal that has nothing to say: no keys, a fixed size.
private final class QuietBackend: TerminalBackend {
    let size = Size(width: 100, height: 30)
    let colorMode = ColorMode.none
    let supportsUnicode = true
    let hungUp = false
    func present(_ buffer: Buffer) {}
    func waitForInput(timeoutMilliseconds: Int) -> [InputEvent] {
        usleep(2_000)
        return []
    }
    func shutdown() {}
}

@Suite struct QuitWhileRefundingTests {
    /// ctrl-c while a refund is on its way to the gateway asks first; a second ctrl-c quits anyway.
    @Test func anInterruptDuringARefundAsksFirst() throws {
        let gate = AnswerGate()
        defer { gate.release("refund") }
        let pilot = try Pilot(role: .supervisor) { live in
            var client = live
            client.refund = { _ in
                await gate.wait(for: "refund")
                throw EffectError("released at the end of the test")
            }
            return client
        }
        let order = try #require(ConsoleScripts.placeholders["refundable_order"])
        pilot.command("order \(order)")
        pilot.press("r")
        pilot.type("5")
        pilot.press("tab", "right", "enter", "enter")
        #expect(pilot.state.workInFlight == "A refund of \(order)", "\(pilot.screen)")
        let waker = Waker()
        var interrupts = [SIGINT, 0, 0, SIGINT]
        var forgotten = 0
        var warned = ""
        let signal = InteractiveLoop().run(
            console: pilot.console, backend: QuietBackend(), waker: waker, clock: { TestSupport.nowTimestamp },
            stopRequested: {
                if interrupts.count == 2 { warned = pilot.screen }
                guard !interrupts.isEmpty else { return SIGINT }
                let next = interrupts.removeFirst()
                return next == 0 ? nil : next
            },
            forgetInterrupt: { forgotten += 1 })
        #expect(signal == SIGINT && interrupts.isEmpty, "the second ctrl-c quits")
        #expect(forgotten == 1)
        #expect(warned.contains("A refund of \(order) is in flight: ctrl-c again quits anyway"), "\(warned)")
        // Without a refund in flight the first ctrl-c quits.
        let idle = try Pilot()
        var calls = 0
        let stopped = InteractiveLoop().run(
            console: idle.console, backend: QuietBackend(), waker: Waker(), clock: { TestSupport.nowTimestamp },
            stopRequested: {
                calls += 1
                return SIGINT
            })
        #expect(stopped == SIGINT && calls == 1)
    }
}

// MARK: - The refund dialog follows the store

@Suite struct RefundDialogLiveTests {
    /// Another process refunds while the dialog is open: the balances change in place, the amount typed is checked
    /// again, and a confirmation the new balances no longer allow goes back to the form saying why.
    @Test func balancesFollowARefundMadeElsewhere() throws {
        let db = TestSupport.fixtureCopy()
        let row = try TestSupport.fields(
            db,
            """
            SELECT o.id || '|' || pay.amount FROM orders o JOIN payments pay ON pay.order_id = o.id
            WHERE o.currency = 'GBP' AND o.status = 'paid' AND pay.provider = 'stripe' AND pay.status = 'settled'
              AND pay.amount > 2000 AND (SELECT count(*) FROM payments WHERE order_id = o.id) = 1
            ORDER BY o.id LIMIT 1
            """
        )
        let (order, captured) = (row[0], Int64(row[1])!)
        let pilot = try Pilot(database: db, role: .supervisor)
        pilot.command("order \(order)")
        pilot.press("r")
        let typed = Money(minorUnits: captured - 100, currency: .gbp)
        pilot.type(typed.decimalString)
        pilot.press("tab", "right", "enter")
        guard case .refund(let before)? = pilot.state.overlay, before.step == .confirm else {
            Issue.record("no confirmation: \(pilot.screen)")
            return
        }
        let elsewhere = try TestSupport.popsaOps([
            "refund", order, "--amount", "2.00", "--reason", "damaged", "--yes", "--db", db, "--now", TestSupport.now,
        ])
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
        pilot.console.dispatch(.tick(TestSupport.nowTimestamp, due: true))
        pilot.apply {
            guard case .refund(let d)? = pilot.state.overlay else { return false }
            return d.balance.refunded == 200
        }
        guard case .refund(let after)? = pilot.state.overlay else {
            Issue.record("the dialog closed")
            return
        }
        #expect(after.balance.refunded == 200 && after.balance.remaining == captured - 200)
        #expect(pilot.screen.contains("refunded GBP 2.00"), "\(pilot.screen)")
        #expect(after.step == .form, "the confirmation of more than is left went back to the form")
        #expect(after.error?.contains("left to refund") == true, "\(String(describing: after.error))")
    }

    /// A payment not yet settled can only be voided whole: the amount is filled in and typing does not change it.
    @Test func aVoidShowsItsAmountReadOnly() throws {
        let row = try TestSupport.fields(
            TestSupport.fixtureDatabase,
            """
            SELECT o.id || '|' || pay.amount || '|' || pay.currency FROM orders o
            JOIN payments pay ON pay.order_id = o.id
            WHERE pay.provider = 'braintree' AND pay.status = 'submitted_for_settlement'
              AND (SELECT count(*) FROM payments WHERE order_id = o.id) = 1
            ORDER BY o.id LIMIT 1
            """
        )
        let currency = try Currency(code: row[2])
        let whole = Money(minorUnits: Int64(row[1])!, currency: currency).decimalString
        let pilot = try Pilot(role: .supervisor)
        pilot.command("order \(row[0])")
        pilot.press("r")
        guard case .refund(let dialog)? = pilot.state.overlay else {
            Issue.record("no dialog: \(pilot.screen)")
            return
        }
        #expect(dialog.voidOnly && dialog.amount.text == whole)
        #expect(pilot.screen.contains("Void order") && pilot.screen.contains("the whole payment (a void)"))
        // Whichever field tab lands on, the amount is not one of them.
        for _ in 0..<4 {
            pilot.press("tab", "backspace")
            pilot.type("1")
            pilot.paste("2")
        }
        guard case .refund(let typedOver)? = pilot.state.overlay else { return }
        #expect(typedOver.amount.text == whole, "typing and pasting leave a void's amount alone")
    }
}

// MARK: - Lists follow the store

@Suite struct ListsFollowTheStoreTests {
    /// A reload brings one page: far down the loaded window, the selected row must still be in it and stay selected,
    /// at the same position.
    @Test func aReloadKeepsARowFarDownTheWindowSelected() throws {
        let pilot = try Pilot()
        pilot.command("orders")
        for _ in 0..<12 {
            pilot.press("pgdn")
            pilot.wait()
        }
        func selected() -> String? {
            guard let list = (pilot.state.current as? OrdersListScreen)?.list,
                list.rows.indices.contains(list.table.selected)
            else { return nil }
            return list.rows[list.table.selected].id
        }
        let (id, position) = (selected(), pilot.state.positionText)
        let row = Int(position?.split(separator: "/").first.map(String.init) ?? "") ?? 0
        try #require(row > 150, "far below the first page: \(String(describing: position))")
        pilot.console.dispatch(.tick(TestSupport.nowTimestamp, due: true))
        pilot.press("ctrl-r")
        pilot.wait()
        #expect(selected() == id && pilot.state.positionText == position)
    }

    /// `/` filters the whole list in the database, not the rows loaded: the oldest order's customer, far below the
    /// first page, is found by name (accents and case aside), with an exact count; an id keeps just its record;
    /// esc brings the whole list back.
    @Test func theFilterSearchesTheWholeListInTheDatabase() throws {
        let db = TestSupport.fixtureDatabase
        let row = try TestSupport.fields(
            db,
            """
            SELECT o.id || '|' || u.id || '|' || u.name FROM orders o JOIN users u ON u.id = o.user_id
            WHERE u.name GLOB '[A-Za-z]* [A-Za-z]*' ORDER BY o.created_at, o.id LIMIT 1
            """
        )
        let (oldest, user, name) = (row[0], row[1], row[2])
        let words = name.split(separator: " ").map { String($0) }
        let sameName = Int(
            try TestSupport.sql(
                db,
                "SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE u.name LIKE '\(words[0])%' "
                    + "AND (' ' || u.name) LIKE '% \(words[1])%'"))!
        let pilot = try Pilot()
        pilot.command("orders")
        #expect(!pilot.screen.contains(oldest), "the oldest order is far below the first page")
        pilot.press("/")
        pilot.type(words[0].uppercased() + " " + words[1].lowercased())
        pilot.wait()
        #expect(pilot.screen.contains(oldest), "\(pilot.screen)")
        #expect(pilot.state.positionText == "1/\(sameName)", "counted in the whole list")
        pilot.press("ctrl-u")
        pilot.type(oldest)
        pilot.wait()
        #expect(pilot.state.positionText == "1/1" && pilot.screen.contains(oldest))
        pilot.press("ctrl-u")
        pilot.type(user)
        pilot.wait()
        let theirs = try TestSupport.sql(db, "SELECT count(*) FROM orders WHERE user_id = '\(user)'")
        #expect(pilot.state.positionText == "1/\(theirs)")
        pilot.press("ctrl-u")
        pilot.type("qqqzzznobody")
        pilot.wait()
        #expect(pilot.screen.contains("Nothing in the whole list matches \"qqqzzznobody\""))
        pilot.press("esc")
        pilot.wait()
        let all = try TestSupport.sql(db, "SELECT count(*) FROM orders")
        #expect(pilot.state.positionText == "1/\(NumberText.grouped(Int(all)!))")
        // The print jobs list too: a tracking number keeps its job, on every tab it belongs to.
        let tracking = try #require(ConsoleScripts.placeholders["tracking"])
        let job = try #require(ConsoleScripts.placeholders["tracking_job"])
        pilot.command("jobs")
        pilot.press("/")
        pilot.paste(tracking.lowercased())
        pilot.wait()
        #expect(pilot.state.positionText == "1/1" && pilot.screen.contains(job), "\(pilot.screen)")
    }

    /// Another process writes while a list is open: at the top new rows appear; scrolled down, a marker counts
    /// them until `g`; a row that no longer matches leaves; the position counts the whole list exactly.
    @Test func newChangedAndLeavingRows() throws {
        let db = TestSupport.fixtureCopy()
        func sql(_ text: String) throws -> String { try TestSupport.sql(db, text) }
        func newOrder(_ id: String) throws {
            _ = try sql(
                """
                CREATE TEMP TABLE t AS SELECT * FROM orders WHERE status = 'paid' ORDER BY id LIMIT 1;
                UPDATE t SET id = '\(id)', created_at = (SELECT max(created_at) FROM orders) + 60;
                INSERT INTO orders SELECT * FROM t;
                """)
        }
        let paid = Int(try sql("SELECT count(*) FROM orders WHERE status = 'paid'"))!
        let pilot = try Pilot(database: db)
        func refresh() {
            pilot.console.dispatch(.tick(TestSupport.nowTimestamp, due: true))
            pilot.wait()
        }
        pilot.command("orders paid")
        #expect(pilot.state.positionText == "1/\(NumberText.grouped(paid))")
        try newOrder("ord_zznew1")
        refresh()
        #expect(pilot.screen.contains("ord_zznew1"), "at the top, a new row appears: \(pilot.screen)")
        #expect(pilot.state.positionText == "2/\(NumberText.grouped(paid + 1))", "the selection stays on its row")
        // Scrolled to the end, a new row is counted above instead of moving the rows under the cursor.
        pilot.press("G")
        pilot.wait()
        #expect(pilot.state.positionText == "\(NumberText.grouped(paid + 1))/\(NumberText.grouped(paid + 1))")
        try newOrder("ord_zznew2")
        refresh()
        #expect(pilot.screen.contains("1 new above — press g to see them"), "\(pilot.screen)")
        #expect(pilot.state.positionText == "\(NumberText.grouped(paid + 2))/\(NumberText.grouped(paid + 2))")
        pilot.press("g")
        pilot.wait()
        #expect(pilot.screen.contains("ord_zznew2") && !pilot.screen.contains("new above"))
        // A row whose status changes leaves the list, and the count follows.
        _ = try sql("UPDATE orders SET status = 'refunded' WHERE id = 'ord_zznew2'")
        refresh()
        #expect(!pilot.screen.contains("ord_zznew2"))
        #expect(pilot.state.positionText?.hasSuffix("/\(NumberText.grouped(paid + 1))") == true)
    }
}

// MARK: - Personal data

@Suite struct PersonalDataTests {
    /// Masked by default; `v` types `:reveal `, a reason reveals the customer in full for the configured time once
    /// the audit log has recorded it; then masked again. A viewer never; a shared screen never.
    @Test func personalDataIsShownOnlyWhenRevealedForAReason() throws {
        let db = TestSupport.fixtureCopy()
        let row = try TestSupport.fields(
            db,
            "SELECT o.id || '|' || u.id || '|' || u.email || '|' || u.name FROM orders o "
                + "JOIN users u ON u.id = o.user_id ORDER BY o.id LIMIT 1 OFFSET 5")
        let (order, user, email, name) = (row[0], row[1], row[2], row[3])
        var privacy = PrivacyPolicy()
        privacy.revealSeconds = 120
        // The console's clock moves with ticks here, so that the reveal can run out.
        let pilot = try Pilot(
            size: Size(width: 140, height: 30), database: db, withAuditLog: true, privacy: privacy,
            clockFrozen: false)
        pilot.command("order \(order)")
        pilot.wait()
        #expect(!pilot.screen.contains(email), "\(pilot.screen)")
        #expect(pilot.screen.contains(PersonalData.email(email, .masked)))
        #expect(pilot.screen.contains("•••"), "the street line is hidden")
        pilot.press("v")
        #expect(pilot.screen.contains("\n:reveal"), "v types the command; the reason is chosen with tab")
        pilot.press("esc")
        pilot.command("reveal")
        #expect(pilot.screen.contains("say why: :reveal ticket|delivery|payment|fraud|request"))
        pilot.command("reveal delivery")
        pilot.wait()
        #expect(pilot.screen.contains(email), "\(pilot.screen)")
        #expect(pilot.screen.contains("recorded in the audit log"))
        let audit = try TestSupport.fields(
            db,
            "SELECT operator || '|' || action || '|' || target || '|' || reason FROM audit_log "
                + "ORDER BY seq DESC LIMIT 1")
        #expect(audit == ["tester", "personal_data.revealed", "customer \(user)", "delivery"])
        // Another customer stays masked; this one is masked again once the time is up.
        pilot.console.dispatch(.tick(TestSupport.nowTimestamp.adding(seconds: 121)))
        pilot.wait()
        #expect(!pilot.screen.contains(email) && pilot.screen.contains(PersonalData.email(email, .masked)))
        // A shared screen: initials, no email at all, and no reveal.
        pilot.command("share")
        #expect(pilot.screen.contains("SHARE-SAFE") && !pilot.screen.contains(name), "\(pilot.screen)")
        pilot.press("r")
        #expect(pilot.screen.contains("Refund") && !pilot.screen.contains(name), "the dialog too: \(pilot.screen)")
        pilot.press("esc")
        pilot.command("recent")
        #expect(pilot.screen.contains(order) && !pilot.screen.contains(name), "and the recent records")
        pilot.press("esc")
        pilot.command("reveal ticket")
        #expect(pilot.screen.contains("end screen-share-safe mode first"))
        pilot.command("share")
        #expect(pilot.screen.contains(name))
    }

    @Test func aViewerCannotRevealAndWithoutAnAuditLogNothingIsRevealed() throws {
        let order = try TestSupport.sql(TestSupport.fixtureDatabase, "SELECT id FROM orders ORDER BY id LIMIT 1")
        let email = try TestSupport.sql(
            TestSupport.fixtureDatabase,
            "SELECT u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = '\(order)'")
        let viewer = try Pilot(size: Size(width: 140, height: 30), role: .viewer)
        viewer.command("order \(order)")
        viewer.wait()
        viewer.command("reveal ticket")
        viewer.wait()
        #expect(viewer.screen.contains("A viewer may not reveal personal data"))
        #expect(!viewer.screen.contains(email))
        let agent = try Pilot(size: Size(width: 140, height: 30))
        agent.command("order \(order)")
        agent.wait()
        agent.command("reveal ticket")
        agent.wait()
        #expect(agent.screen.contains("Not revealed: the audit log did not record it"), "\(agent.screen)")
        #expect(!agent.screen.contains(email))
    }
}

// MARK: - Change checks

extension ConsoleBehaviourTests {
    /// Without announcements the console asks for the change token every tick; with a store that announces
    /// commits it asks every `checkChangesEveryTicks` ticks, and at once when one is announced.
    @Test func theChangeCheckRunsEveryTickOrOnAnnouncement() throws {
        func checks(_ effects: [Effect]) -> Int {
            effects.filter { if case .checkChanges = $0 { true } else { false } }.count
        }
        var state = AppState(
            size: Size(width: 80, height: 24), theme: .builtIn,
            session: Session(operatorName: "t", sshClient: nil, role: .agent, databaseName: "x", readOnly: false),
            now: TestSupport.nowTimestamp, clockFrozen: true)
        let polled = (0..<3).map { _ in checks(state.update(.tick(TestSupport.nowTimestamp))) }
        #expect(polled == [1, 1, 1])
        state.checkChangesEveryTicks = 10
        let announced = (0..<20).map { _ in checks(state.update(.tick(TestSupport.nowTimestamp))) }
        #expect(announced.reduce(0, +) == 2 && announced[9] == 1 && announced[19] == 1, "\(announced)")
        #expect(checks(state.update(.storeChanged)) == 1)
        // The announcement restarts the count: the next safety check is ten ticks later.
        let after = (0..<10).map { _ in checks(state.update(.tick(TestSupport.nowTimestamp))) }
        #expect(after.firstIndex(of: 1) == 9)
        #expect(checks(state.update(.tick(TestSupport.nowTimestamp, due: true))) == 1, "a headless wait always checks")
    }
}
