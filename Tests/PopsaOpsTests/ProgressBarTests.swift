import Foundation
import Testing

@testable import popsa_ops

/// The seed's and the simulation's progress line: what it draws, and that it draws nothing off a terminal.
@Suite struct ProgressBarTests {
    final class Screen {
        var written: [String] = []
        var now = ContinuousClock.now
    }

    @Test func theBarCountsThenNamesEachPhase() {
        let screen = Screen()
        let bar = ProgressBar(
            total: 1_000, unit: "customers", enabled: true, write: { screen.written.append($0) },
            clock: { screen.now })
        bar.update(500)
        #expect(screen.written.last?.contains("███████████████░░░░░░░░░░░░░░░  50%  500/1,000 customers") == true)
        screen.now += .milliseconds(20)
        bar.update(600)
        #expect(screen.written.count == 1, "drawn at most ten times a second")
        screen.now += .seconds(2)
        bar.update(1_000)
        bar.phase("secondary indexes")
        let last = screen.written.last ?? ""
        #expect(last.hasPrefix("\r\u{1B}[K") && last.contains("100%  1,000 customers · secondary indexes…"), "\(last)")
        #expect(last.hasSuffix("2.0s"))
        bar.finish()
        #expect(screen.written.last == "\r\u{1B}[K")
    }

    @Test func offATerminalNothingIsDrawn() {
        var written: [String] = []
        let bar = ProgressBar(total: 10, unit: "s", enabled: false, write: { written.append($0) })
        bar.update(5, detail: " · 3 orders")
        bar.phase("indexes")
        bar.finish()
        #expect(written.isEmpty)
    }
}
