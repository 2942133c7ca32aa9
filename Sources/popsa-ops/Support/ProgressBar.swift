import Foundation
import OpsCore

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (never into logs or pipes).
final class ProgressBar {
    private let total: Int
    private let unit: String
    private let enabled: Bool
    private let started = ContinuousClock.now
    private var lastDraw = ContinuousClock.now - .seconds(1)

    init(total: Int, unit: String, enabled: Bool = Stderr.isTerminal) {
        self.total = max(1, total)
        self.unit = unit
        self.enabled = enabled
    }

    func update(_ done: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard now - lastDraw >= .milliseconds(100) || done >= total else { return }
        lastDraw = now
        let fraction = Double(min(done, total)) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let elapsed = (now - started).seconds
        let line = String(
            format: "\r%@ %3d%%  %@/%@ %@  %.1fs", bar, Int(fraction * 100), NumberText.grouped(done),
            NumberText.grouped(total),
            unit, elapsed)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
