import OpsCore
import OpsTUI

extension AppState {
    /// Draws the whole console for this state. Pure: the same state gives the same buffer.
    /// - Parameter busy: engine work is in flight (a spinner shows in the status bar).
    public func render(busy: Bool = false) -> Buffer {
        // The theme's text style everywhere first: themes with their own background colour it all.
        var buffer = Buffer(size: size, fill: Cell(" ", width: 1, style: theme[.text]))
        if isTooSmall {
            renderTooSmall(into: &buffer)
            return buffer
        }
        renderBreadcrumb(into: &buffer)
        switch current {
        case .search(let s): s.render(into: &buffer, state: self)
        case .customer(let s): s.render(into: &buffer, state: self)
        case .order(let s): s.render(into: &buffer, state: self)
        case .printJob(let s): s.render(into: &buffer, state: self)
        case .orders(let s): s.render(into: &buffer, state: self)
        case .printJobs(let s): s.render(into: &buffer, state: self)
        case .audit(let s): s.render(into: &buffer, state: self)
        case .metrics(let s): s.render(into: &buffer, state: self)
        }
        renderStatusBar(into: &buffer, busy: busy)
        switch overlay {
        case .help?: renderHelp(into: &buffer)
        case .refund(let dialog)?: dialog.render(into: &buffer, theme: theme, busy: busy)
        case .command(let line)?:
            let y = size.height - 2
            buffer.fill(Rect(x: 0, y: y, width: size.width, height: 1), style: theme[.input])
            buffer.put(":", x: 0, y: y, style: theme[.key].withBackground(of: theme[.input]))
            line.field.render(into: &buffer, rect: Rect(x: 1, y: y, width: size.width - 1, height: 1), style: theme[.input],
                              cursorStyle: theme[.inputCursor], focused: true,
                              placeholder: "customer ID · order ID · job ID · jobs stuck · orders STATUS · search TEXT · help · quit (tab completes)",
                              placeholderStyle: theme[.muted].withBackground(of: theme[.input]))
        case nil:
            break
        }
        // Messages get a line of their own above the status bar: on 80 columns they would not fit beside it.
        if let message, size.height > 3 {
            let y = size.height - (overlay.isCommandLine ? 3 : 2)
            let role: ThemeRole = message.tone == .neutral ? .text : message.tone.role
            buffer.fill(Rect(x: 0, y: y, width: size.width, height: 1), style: theme[.statusBar])
            buffer.put(" " + theme.status(message.text, message.tone), x: 0, y: y,
                       style: theme[role].withBackground(of: theme[.statusBar]), maxWidth: size.width)
        }
        return buffer
    }

    private func renderTooSmall(into buffer: inout Buffer) {
        let lines = ["Terminal too small: \(size.width)x\(size.height)",
                     "popsa-ops needs at least \(Self.minimumSize.width)x\(Self.minimumSize.height).",
                     "Enlarge the window, or press q to quit."]
        let top = max(0, (size.height - lines.count) / 2)
        for (i, line) in lines.enumerated() where top + i < size.height {
            let fitted = TerminalText.truncate(line, to: size.width)
            buffer.put(fitted, x: max(0, (size.width - TerminalText.width(fitted)) / 2), y: top + i,
                       style: i == 0 ? theme[.errorText] : theme[.text])
        }
    }

    private func renderBreadcrumb(into buffer: inout Buffer) {
        let separator = theme.asciiOnly ? " > " : " › "
        var parts = ["popsa-ops"] + stack.map(\.title)
        // Drop the oldest crumbs (keeping the first) until the trail fits.
        while parts.count > 3, TerminalText.width(TerminalText.sanitize(parts.joined(separator: separator))) > size.width {
            if parts[1] == "…" { parts.remove(at: 2) } else { parts[1] = "…" }
        }
        var x = 0
        for (i, part) in parts.enumerated() where x < size.width {
            if i > 0 { x += buffer.put(separator, x: x, y: 0, style: theme[.muted]) }
            x += buffer.put(part, x: x, y: 0, style: i == parts.count - 1 ? theme[.breadcrumb] : theme[.muted],
                            maxWidth: size.width - x)
        }
    }

    private func renderStatusBar(into buffer: inout Buffer, busy: Bool) {
        var left: [StatusLine.Segment] = []
        let who = session.operatorName + (session.sshClient.map { "@\($0)" } ?? "")
        left.append(.init(" \(who) ", .statusBarKey))
        left.append(.init("\(session.role.rawValue) ", .statusBar))
        left.append(.init("· \(session.databaseName) ", .statusBar))
        if session.readOnly { left.append(.init(" READ-ONLY ", .badge)) }
        var right: [StatusLine.Segment] = []
        if let position = positionText { right.append(.init(" \(position) ", .statusBar)) }
        if busy { right.append(.init(theme.asciiOnly ? " * " : " ⟳ ", .statusBarKey)) }
        right.append(.init(" ? help ", .statusBar))
        right.append(.init(clockText + " ", .statusBar))
        StatusLine.render(left: left, right: right, into: &buffer,
                          rect: Rect(x: 0, y: size.height - 1, width: size.width, height: 1), theme: theme)
    }

    /// Where the selection is in the current list: "3/50", "3/500+" when more rows can load.
    public var positionText: String? {
        switch current {
        case .search(let s):
            return s.rowCount > 0 ? "\(s.table.selected + 1)/\(s.rowCount)" : nil
        case .customer(let s):
            let count = s.rows(theme: theme, now: now, stuckThreshold: stuckThreshold).cells.count
            return count > 0 ? "\((s.tables[s.tab] ?? TableState()).selected + 1)/\(count)" : nil
        case .orders(let s):
            return Self.listPosition(s.list, filtered: s.filter.isActive ? s.rows(theme).cells.count : nil)
        case .printJobs(let s):
            return Self.listPosition(s.list, filtered: s.filter.isActive ? s.rows(self).cells.count : nil)
        case .audit(let s):
            let count = s.data.value?.0.count ?? 0
            return count > 0 ? "\(s.table.selected + 1)/\(count)" : nil
        case .order, .printJob, .metrics:
            return nil
        }
    }

    static func listPosition<Row>(_ list: PagedList<Row>, filtered: Int?) -> String? {
        if let filtered { return filtered > 0 ? "\(list.table.selected + 1)/\(filtered) filtered" : nil }
        return list.positionText
    }

    var clockText: String {
        let iso = now.iso8601
        return "\(iso.prefix(10)) \(iso.dropFirst(11).prefix(8)) UTC"
    }

    private func renderHelp(into buffer: inout Buffer) {
        let kind = current.kind
        func entries(_ commands: [UICommand]) -> [HelpOverlay.Entry] {
            commands.compactMap { command in
                let keys = keymap.keys(for: command, on: kind)
                guard !keys.isEmpty else { return nil }
                return HelpOverlay.Entry(keys: keys.map(\.name).joined(separator: " "), action: command.summary)
            }
        }
        let screenCommands: [UICommand] = switch kind {
        case .search: [.filter, .open, .orders, .jobs, .stuckJobs, .audit]
        case .customer: [.nextTab, .prevTab, .open, .filter]
        case .order: [.open, .refund, .openCustomer]
        case .printJob: [.open, .openOrder, .openCustomer]
        case .orders: [.nextTab, .prevTab, .open, .filter]
        case .printJobs: [.nextTab, .prevTab, .partner, .open, .filter]
        case .audit: [.open]
        case .metrics: [.pause, .window, .refresh]
        default: []
        }
        let sections: [(String, [HelpOverlay.Entry])] = [
            (current.title, entries(screenCommands)),
            ("Everywhere", entries([.up, .down, .pageUp, .pageDown, .top, .bottom, .back, .command, .help, .refresh,
                                    .metrics, .home, .quit])),
        ]
        HelpOverlay.render(title: "Keys", sections: sections.filter { !$0.1.isEmpty }, into: &buffer, theme: theme)
    }
}
