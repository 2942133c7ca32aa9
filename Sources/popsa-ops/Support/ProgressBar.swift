import Foundation
import OpsCore

/// A one-line progress bar on stderr, drawn only when stderr is a terminal (never into logs or pipes).
///
/// After the counted part, `phase` names what runs next ("secondary indexes…"), so a bar at 100% during the minute
/// of index building at a million customers does not look hung.
final class ProgressBar {
    private let total: Int
    private let unit: String
    private let enabled: Bool
    private let write: (String) -> Void
    private let clock: () -> ContinuousClock.Instant
    private let started: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant
    private var done = 0

    init(
        total: Int, unit: String, enabled: Bool = Stderr.isTerminal,
        write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
        clock: @escaping () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.total = max(1, total)
        self.unit = unit
        self.enabled = enabled
        self.write = write
        self.clock = clock
        started = clock()
        lastDraw = started - .seconds(1)
    }

    /// `done` of `total` counted; `detail` follows the count (what a simulation has written so far).
    func update(_ done: Int, detail: String = "") {
        guard enabled else { return }
        self.done = done
        let now = clock()
        guard now - lastDraw >= .milliseconds(100) || done >= total else { return }
        lastDraw = now
        draw(now, after: "  " + NumberText.grouped(done) + "/" + NumberText.grouped(total) + " " + unit + detail)
    }

    /// The next phase after the counted part, shown beside the full bar until the next one or `finish`.
    func phase(_ name: String) {
        guard enabled else { return }
        draw(clock(), after: "  " + NumberText.grouped(done) + " " + unit + " · " + name + "…")
    }

    func finish() {
        guard enabled else { return }
        write("\r\u{1B}[K")
    }

    private func draw(_ now: ContinuousClock.Instant, after text: String) {
        let fraction = Double(min(done, total)) / Double(total)
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let elapsed = (now - started).seconds
        // \e[K: a shorter line than the last one leaves nothing of it behind.
        write(
            String(format: "\r\u{1B}[K%@ %3d%%", bar, Int(fraction * 100)) + text + String(format: "  %.1fs", elapsed))
    }
}
