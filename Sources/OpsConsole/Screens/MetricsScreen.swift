import OpsCore
import OpsEngine
import OpsMetrics
import OpsTUI

/// The live metrics dashboard: business panels from the store's rollups, gateway and console health from the
/// in-process registry. Refreshes every few seconds off the UI path; `p` pauses, `w` changes the window.
public struct MetricsScreen: Sendable {
    public var window: MetricsWindow = .hour
    public var paused = false
    var data: Loadable<DashboardData> = .loading
    var request = 0
    /// Monotonic milliseconds of the last refresh request.
    var lastRefresh: Int64 = 0
    var scroll = 0
    /// A refresh is on its way: timed ticks do not pile more on a slow database.
    var refreshing = false

    init(monotonic: Int64, window: MetricsWindow = .hour) {
        lastRefresh = monotonic
        self.window = window
    }

    mutating func refresh(state: inout AppState) -> [Effect] {
        request = state.requestID()
        refreshing = true
        lastRefresh = state.monotonicMilliseconds
        return [.loadDashboard(window, zone: state.zone, request: request)]
    }

}

extension MetricsScreen: ConsoleScreen {
    public var kind: ScreenKind { .metrics }
    public var title: String { "Metrics" }
    public var helpCommands: [UICommand] { [.pause, .window, .refresh] }
    public var reloadsOnChange: Bool { false }

    public mutating func load(state: inout AppState) -> [Effect] {
        refresh(state: &state)
    }

    public mutating func handle(_ command: UICommand, state: inout AppState) -> Reply {
        switch command {
        case .back:
            return .back
        case .pause:
            paused.toggle()
            state.message = StatusMessage(paused ? "Refresh paused (p resumes)" : "Refresh resumed")
            return Reply(paused ? [] : refresh(state: &state))
        case .window:
            window = window.next
            data = .loading
            return Reply(refresh(state: &state))
        case .refresh:
            return Reply(refresh(state: &state))
        case .up: scroll = max(0, scroll - 1)
        case .down: scroll += 1
        case .pageUp: scroll = max(0, scroll - state.bodyRect.height)
        case .pageDown: scroll += state.bodyRect.height
        case .top: scroll = 0
        default: break
        }
        return .none
    }

    public mutating func receive(_ result: EffectResult, request: Int, state: AppState) {
        guard request == self.request, case .dashboard(let answer) = result else { return }
        refreshing = false
        data.receive(answer, keepShown: true)
    }

    /// A refresh when the interval has passed (`due` forces one: headless `wait`).
    public mutating func tick(state: inout AppState, due: Bool) -> [Effect] {
        guard !paused, !refreshing else { return [] }
        guard due || state.monotonicMilliseconds - lastRefresh >= state.refreshMilliseconds else { return [] }
        return refresh(state: &state)
    }

    // MARK: - Drawing

    struct Panel {
        var title: String
        var lines: [[StatusLine.Segment]]
        var height: Int { lines.count + 2 }
    }

    func panels(_ d: DashboardData, width: Int, state: AppState) -> [Panel] {
        let theme = state.theme
        let b = d.business
        let inner = max(10, width - 4)
        let age =
            "as of \(b.at.timeOfDay(in: state.zone)) (\(DurationText.format(state.now.seconds - b.at.seconds)) "
            + "ago)"
        let unit = b.window.bucketSeconds == 60 ? "min" : "hour"
        func spark(_ label: String, _ values: [Int64], _ role: ThemeRole, total: String) -> [StatusLine.Segment] {
            let labelWidth = 14, totalWidth = max(10, TerminalText.width(total) + 1)
            let sparkWidth = max(4, inner - labelWidth - totalWidth)
            return [
                .init(TerminalText.fit(label, to: labelWidth), .text),
                .init(Sparkline.line(values, width: sparkWidth, asciiOnly: theme.asciiOnly), role),
                .init(TerminalText.fit(total, to: totalWidth, alignment: .right), .text),
            ]
        }
        func row(_ label: String, _ value: String, _ role: ThemeRole = .text) -> [StatusLine.Segment] {
            [
                .init(TerminalText.fit(label, to: max(4, inner - 16)), .text),
                .init(TerminalText.fit(value, to: 16, alignment: .right), role),
            ]
        }
        var out: [Panel] = []
        let zeros = Array(repeating: Int64(0), count: b.orders.count)
        var orders = [spark("orders/\(unit)", b.orders, .chart1, total: NumberText.grouped(b.orders.reduce(0, +)))]
        for (currency, series) in Self.mainFirst(b.revenue, main: state.mainCurrencies, empty: zeros).prefix(5) {
            orders.append(
                spark(
                    "  \(currency.code)", series, .chart2,
                    total: Money(minorUnits: series.reduce(0, +), currency: currency).formatted))
        }
        if b.revenue.isEmpty { orders.append([.init("  no revenue in this window", .muted)]) }
        out.append(Panel(title: "Orders and revenue · \(b.window.rawValue) · \(age)", lines: orders))
        out.append(
            Panel(
                title: "Signups · \(age)",
                lines: [spark("signups/\(unit)", b.signups, .chart3, total: NumberText.grouped(b.signups.reduce(0, +)))]
            ))
        out.append(
            Panel(
                title: "Photo uploads · \(age)",
                lines: [
                    spark("uploads/\(unit)", b.uploads, .chart4, total: NumberText.grouped(b.uploads.reduce(0, +))),
                    row(
                        "missing-photo backlog", NumberText.grouped(b.missingPhotos),
                        b.missingPhotos > 0 ? .statusWarning : .statusOK),
                ]))
        var jobs: [[StatusLine.Segment]] = []
        let maxCount = max(1, b.jobsByStatus.map(\.1).max() ?? 1)
        for (status, count) in b.jobsByStatus where count > 0 {
            let barWidth = max(1, inner - 28)
            let length = Int(Double(count) / Double(maxCount) * Double(barWidth))
            let role: ThemeRole = status == .failed ? .statusError : (status.isTerminal ? .chart2 : .chart1)
            jobs.append([
                .init(TerminalText.fit(status.label, to: 12), .text),
                .init(
                    TerminalText.fit(
                        String(repeating: theme.asciiOnly ? "#" : "█", count: max(count > 0 ? 1 : 0, length)),
                        to: barWidth), role),
                .init(TerminalText.fit(NumberText.grouped(count), to: 14, alignment: .right), .text),
            ])
        }
        jobs.append(
            row(
                theme.status("stuck > \(DurationText.format(b.stuckThreshold))", b.stuckJobs > 0 ? .warning : .ok),
                NumberText.grouped(b.stuckJobs),
                b.stuckJobs > 0 ? .statusWarning : .statusOK))
        for (partner, count) in b.jobsInProgressByPartner.prefix(3) {
            jobs.append(row("  in progress at \(partner)", NumberText.grouped(count)))
        }
        out.append(Panel(title: "Print jobs (now)", lines: jobs))
        var refunds = [row("refunds in window", NumberText.grouped(b.refundCount))]
        for (currency, amount) in Self.mainFirst(b.refundedByCurrency, main: state.mainCurrencies, empty: 0).prefix(4) {
            refunds.append(
                row("  refunded \(currency.code)", Money(minorUnits: amount, currency: currency).formatted, .money))
        }
        // Every reason, the most used first, those not used in the window at zero.
        let used = Dictionary(b.refundsByReason, uniquingKeysWith: +)
        let reasons = RefundReason.allCases.map { ($0, used[$0] ?? 0) }.sorted { $0.1 > $1.1 }
        for (reason, count) in reasons {
            refunds.append(row("  \(reason.label)", NumberText.grouped(count), count > 0 ? .text : .muted))
        }
        out.append(Panel(title: "Refunds · \(b.window.rawValue)", lines: refunds))
        if !b.feeds.isEmpty {
            out.append(Panel(title: "Live sources · \(b.window.rawValue)", lines: feedLines(b, state, inner: inner)))
        }
        let e = d.engine
        let span =
            e.sinceStart || e.coveredSeconds < b.coveredSeconds
            ? "since start, \(DurationText.format(e.coveredSeconds)) ago"
            : "last \(DurationText.format(e.coveredSeconds))"
        var gateways: [[StatusLine.Segment]] = []
        for g in e.gateways {
            let circuit = g.circuitOpen ? theme.status("circuit OPEN", .error) : theme.status("circuit closed", .ok)
            gateways.append([
                .init(TerminalText.fit(g.provider.label, to: 10), .title),
                .init(
                    String(format: "%6.1f/min  %5.1f%% errors  ", g.perMinute, g.errorRate * 100),
                    g.errors > 0 ? .statusWarning : .text),
                .init(circuit, g.circuitOpen ? .statusError : .statusOK),
            ])
            gateways.append([.init("  latency " + Self.percentiles(g.latency), .muted)])
        }
        out.append(Panel(title: "Payment gateways · \(span)", lines: gateways))
        out.append(
            Panel(
                title: "This console · \(span)",
                lines: [
                    [.init("queries  " + Self.percentiles(e.queries), .text)],
                    [.init("frames   " + Self.percentiles(e.frames), .text)],
                ]))
        return out
    }

    /// The ingest panel: deliveries per bucket and per second by source, how long since the last one (the lag a
    /// console sees), refused requests and the last refusal's reason.
    func feedLines(_ b: BusinessSnapshot, _ state: AppState, inner: Int) -> [[StatusLine.Segment]] {
        let theme = state.theme
        var lines: [[StatusLine.Segment]] = []
        for feed in b.feeds {
            let total = feed.deliveries.reduce(0, +)
            let perSecond = Double(total) / Double(b.coveredSeconds)
            let totalText = NumberText.grouped(total) + String(format: " (%.2f/s)", perSecond)
            lines.append([
                .init(TerminalText.fit(feed.source.shortLabel, to: 10), .text),
                .init(
                    Sparkline.line(feed.deliveries, width: max(4, inner - 30), asciiOnly: theme.asciiOnly), .chart1),
                .init(" " + totalText, .text),
            ])
            var detail: [StatusLine.Segment] = []
            if let last = feed.lastAt {
                let seconds = max(0, state.now.seconds - last.seconds)
                let silent = feed.source.isSilent(age: seconds, thresholds: state.silence)
                let age = DurationText.format(seconds)
                detail.append(
                    .init(
                        "  last " + theme.status("\(age) ago", silent ? .warning : .ok),
                        silent ? .statusWarning : .muted))
            } else {
                detail.append(.init("  nothing delivered yet", .statusWarning))
            }
            if feed.rejected > 0 {
                detail.append(.init(" · \(NumberText.grouped(feed.rejected)) refused", .statusError))
            }
            lines.append(detail)
            if let error = feed.lastError, let at = feed.lastErrorAt {
                let age = DurationText.format(max(0, state.now.seconds - at.seconds))
                lines.append([.init("  refused \(age) ago: \(error)", .muted)])
            }
        }
        return lines
    }

    /// The configured main currencies first, in their order (shown at zero when they had nothing in the window),
    /// then the others in the order given (the store's: most orders first).
    static func mainFirst<Value>(_ list: [(Currency, Value)], main: [Currency], empty: Value) -> [(Currency, Value)] {
        let found = Dictionary(list, uniquingKeysWith: { first, _ in first })
        return main.map { ($0, found[$0] ?? empty) } + list.filter { !main.contains($0.0) }
    }

    static func percentiles(_ s: LatencySummary) -> String {
        guard s.count > 0 else { return "no samples" }
        return "p50 \(format(s.p50)) p95 \(format(s.p95)) p99 \(format(s.p99)) (\(s.count))"
    }

    static func format(_ d: Duration?) -> String {
        guard let d else { return "-" }
        let ns = d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
        if ns < 1_000_000 { return String(format: "%.0fµs", Double(ns) / 1000) }
        if ns < 1_000_000_000 { return String(format: "%.1fms", Double(ns) / 1_000_000) }
        return String(format: "%.2fs", Double(ns) / 1_000_000_000)
    }

    public func render(into buffer: inout Buffer, state: AppState) {
        let theme = state.theme
        let body = state.bodyRect
        let (header, rest) = body.takeTop(1)
        let refresh =
            paused ? "PAUSED (p resumes)" : "refresh every \(DurationText.format(state.refreshMilliseconds / 1000))"
        buffer.put(
            " Window \(window.rawValue) (w: next) · \(refresh)", x: header.x, y: header.y,
            style: paused ? theme[.statusWarning] : theme[.muted],
            maxWidth: header.width)
        switch data {
        case .loading:
            buffer.put("Loading metrics…", x: rest.x + 1, y: rest.y, style: theme[.muted])
        case .failed(let message):
            buffer.put(
                "Could not load metrics: \(message)", x: rest.x + 1, y: rest.y, style: theme[.errorText],
                maxWidth: rest.width - 2)
        case .loaded(let d):
            // Columns as the width allows; each column stacks its panels; a page taller than the screen scrolls.
            let columns = rest.width >= 150 ? 3 : rest.width >= 100 ? 2 : 1
            let columnRects = Rect(x: rest.x, y: 0, width: rest.width, height: 1).columns(columns, gap: 1)
            let all = panels(d, width: columnRects[0].width, state: state)
            var stacks = Array(repeating: [Panel](), count: columns)
            var heights = Array(repeating: 0, count: columns)
            for panel in all {
                let shortest = heights.indices.min { heights[$0] < heights[$1] }!
                stacks[shortest].append(panel)
                heights[shortest] += panel.height
            }
            let pageHeight = max(rest.height, heights.max() ?? 0)
            var page = Buffer(size: Size(width: rest.width, height: pageHeight))
            for (c, stack) in stacks.enumerated() {
                var y = 0
                let x = columnRects[c].x - rest.x
                for panel in stack {
                    let inner = Box.render(
                        Rect(x: x, y: y, width: columnRects[c].width, height: panel.height), title: panel.title,
                        into: &page, theme: theme)
                    for (i, line) in panel.lines.enumerated() {
                        var lx = inner.x + 1
                        for segment in line where lx < inner.maxX {
                            lx += page.put(
                                segment.text, x: lx, y: inner.y + i, style: theme[segment.role],
                                maxWidth: inner.maxX - lx)
                        }
                    }
                    y += panel.height
                }
            }
            let offset = min(scroll, max(0, pageHeight - rest.height))
            buffer.blit(page, sourceY: offset, to: rest)
            if pageHeight > rest.height {
                let hint = " ↓ \(offset + rest.height)/\(pageHeight) "
                buffer.put(
                    theme.asciiOnly ? hint.replacingOccurrences(of: "↓", with: "v") : hint,
                    x: rest.maxX - TerminalText.width(hint), y: header.y, style: theme[.muted])
            }
        }
    }
}
