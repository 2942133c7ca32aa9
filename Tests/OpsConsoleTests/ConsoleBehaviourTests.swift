import OpsConsole
import OpsCore
import OpsTestSupport
import OpsTUI
import Testing

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

    @Test func badCommandsSayWhatIsWrong() throws {
        let pilot = try Pilot()
        for (line, message) in [("jobs lost", "unknown print job filter \"lost\""), ("order", "usage: :order ORDER_ID"),
                                ("orders shipped", "unknown order status \"shipped\""), ("teleport", "unknown command \"teleport\"")] {
            pilot.press(":")
            pilot.type(line)
            pilot.press("enter")
            #expect(pilot.screen.contains(message), "\(line)")
        }
    }

    @Test func anUnknownIdShowsAClearMessage() throws {
        let pilot = try Pilot()
        pilot.press(":")
        pilot.type("order ord_missing")
        pilot.press("enter")
        pilot.wait()
        #expect(pilot.screen.contains("no order with id ord_missing"))
        pilot.press("esc")
        #expect(pilot.state.current.kind == .search)
    }

    @Test func helpListsTheEffectiveKeysOfTheScreen() throws {
        let pilot = try Pilot()
        pilot.press(":")
        pilot.type("jobs stuck")
        pilot.press("enter")
        pilot.wait()
        pilot.press("?")
        let screen = pilot.screen
        #expect(screen.contains("next print partner"))
        #expect(screen.contains("tab"))
        #expect(screen.contains("q                  quit"))
        pilot.press("esc")
        #expect(pilot.state.overlay == nil)
    }

    @Test func longListsPageWithinABoundedWindow() throws {
        let pilot = try Pilot()
        pilot.press("esc", "1")
        pilot.wait()
        for _ in 0..<40 {
            pilot.press("pgdn")
            pilot.wait()
        }
        guard case .orders(let screen) = pilot.state.current else { Issue.record("not on orders"); return }
        _ = screen
        let position = pilot.screen.split(separator: "\n").last.map(String.init) ?? ""
        #expect(position.contains("+"), "more rows beyond the window: \(position)")
        pilot.press("end")
        pilot.wait()
        let last = pilot.screen
        pilot.press("home")
        pilot.wait()
        #expect(pilot.screen != last)
        #expect(pilot.screen.contains(" 1/"))
    }

    @Test func filterNarrowsTheCustomersRowsAndEscClearsIt() throws {
        let pilot = try Pilot()
        let user = ConsoleScripts.placeholders["refunded_user"]!
        pilot.press(":")
        pilot.type("customer \(user)")
        pilot.press("enter")
        pilot.wait()
        pilot.press("tab", "tab")   // payments and refunds
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

    @Test func onlyTheLatestSearchIsShown() throws {
        let pilot = try Pilot()
        pilot.type("zo")
        pilot.press("backspace", "backspace")
        pilot.type("mar")
        pilot.wait()
        guard case .search(let s) = pilot.state.current, let result = s.result?.value else {
            Issue.record("no search result"); return
        }
        #expect(result.query == "mar")
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
