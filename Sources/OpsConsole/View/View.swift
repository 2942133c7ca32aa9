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
        current.render(into: &buffer, state: self)
        renderStatusBar(into: &buffer, busy: busy)
        switch overlay {
        case .help?: renderHelp(into: &buffer)
        case .refund(let dialog)?: dialog.render(into: &buffer, theme: theme, busy: busy)
        case .action(let dialog)?: dialog.render(into: &buffer, theme: theme)
        case .command(let line)?:
            let y = size.height - 2
            buffer.fill(Rect(x: 0, y: y, width: size.width, height: 1), style: theme[.input])
            buffer.put(":", x: 0, y: y, style: theme[.key].withBackground(of: theme[.input]))
            line.field.render(
                into: &buffer, rect: Rect(x: 1, y: y, width: size.width - 1, height: 1), style: theme[.input],
                cursorStyle: theme[.inputCursor], focused: true,
                placeholder:
                    "customer ID · order ID · job ID · jobs stuck · orders STATUS · search TEXT · help · quit (tab "
                    + "completes)",
                placeholderStyle: theme[.muted].withBackground(of: theme[.input]))
        case nil:
            break
        }
        // Messages get a line of their own above the status bar: on 80 columns they would not fit beside it.
        if let message, size.height > 3 {
            let y = size.height - (overlay.isCommandLine ? 3 : 2)
            let role: ThemeRole = message.tone == .neutral ? .text : message.tone.role
            buffer.fill(Rect(x: 0, y: y, width: size.width, height: 1), style: theme[.statusBar])
            buffer.put(
                " " + theme.status(message.text, message.tone), x: 0, y: y,
                style: theme[role].withBackground(of: theme[.statusBar]), maxWidth: size.width)
        }
        return buffer
    }

    private func renderTooSmall(into buffer: inout Buffer) {
        let lines = [
            "Terminal too small: \(size.width)x\(size.height)",
            "popsa-ops needs at least \(Self.minimumSize.width)x\(Self.minimumSize.height).",
            "Enlarge the window, or press q to quit.",
        ]
        let top = max(0, (size.height - lines.count) / 2)
        for (i, line) in lines.enumerated() where top + i < size.height {
            let fitted = TerminalText.truncate(line, to: size.width)
            buffer.put(
                fitted, x: max(0, (size.width - TerminalText.width(fitted)) / 2), y: top + i,
                style: i == 0 ? theme[.errorText] : theme[.text])
        }
    }

    private func renderBreadcrumb(into buffer: inout Buffer) {
        let separator = theme.asciiOnly ? " > " : " › "
        // On a shared screen a customer's crumb is their id, not their name.
        var parts =
            ["popsa-ops"]
            + stack.map { entry in
                if shareSafe, case .customer(let id, _)? = entry.destination { return id }
                return entry.screen.title
            }
        // Drop the oldest crumbs (keeping the first) until the trail fits.
        while parts.count > 3,
            TerminalText.width(TerminalText.sanitize(parts.joined(separator: separator))) > size.width
        {
            if parts[1] == "…" { parts.remove(at: 2) } else { parts[1] = "…" }
        }
        var x = 0
        for (i, part) in parts.enumerated() where x < size.width {
            if i > 0 { x += buffer.put(separator, x: x, y: 0, style: theme[.muted]) }
            x += buffer.put(
                part, x: x, y: 0, style: i == parts.count - 1 ? theme[.breadcrumb] : theme[.muted],
                maxWidth: size.width - x)
        }
        renderHints(into: &buffer, after: x)
    }

    /// The main keys of the screen at the right end of the top line, as many as fit after the breadcrumb; the
    /// help's key last, always (on the search screen `?` is text once something is typed: f1 then).
    private func renderHints(into buffer: inout Buffer, after used: Int) {
        var hints: [(key: String, label: String)] = current.hintCommands.compactMap { command in
            let keys = keymap.keys(for: command, on: current.kind).filter { key in
                guard current.typesPrintableKeys, case .character = key else { return true }
                return false
            }
            return keys.first.map { ($0.name, command.hint) }
        }
        let help = keymap.keys(for: .help, on: current.kind).first { key in
            guard current.typesPrintableKeys, case .character = key else { return true }
            return false
        }
        func width(_ list: [(key: String, label: String)]) -> Int {
            list.reduce(0) { $0 + TerminalText.width($1.key) + 1 + TerminalText.width($1.label) + 2 }
        }
        let room = size.width - used - 2
        let helpHint = help.map { [(key: $0.name, label: "help")] } ?? []
        while !hints.isEmpty, width(hints + helpHint) > room { hints.removeLast() }
        hints += helpHint
        guard !hints.isEmpty, width(hints) <= room else { return }
        var x = size.width - width(hints) + 2
        for hint in hints {
            x += buffer.put(hint.key, x: x, y: 0, style: theme[.key])
            x += buffer.put(" " + hint.label, x: x, y: 0, style: theme[.muted]) + 2
        }
    }

    private func renderStatusBar(into buffer: inout Buffer, busy: Bool) {
        var left: [StatusLine.Segment] = []
        let who = session.operatorName + (session.sshClient.map { "@\($0)" } ?? "")
        left.append(.init(" \(who) ", .statusBarKey))
        left.append(.init("\(session.role.rawValue) ", .statusBar))
        left.append(.init("· \(session.databaseName) ", .statusBar))
        if session.readOnly { left.append(.init(" READ-ONLY ", .badge)) }
        if shareSafe { left.append(.init(" SHARE-SAFE ", .badge)) }
        if let storeProblem { left.append(.init(" DATABASE UNREACHABLE: \(storeProblem) ", .badge)) }
        left += freshnessSegments
        var right: [StatusLine.Segment] = []
        if let position = positionText { right.append(.init(" \(position) ", .statusBar)) }
        if busy { right.append(.init(theme.asciiOnly ? " * " : " ⟳ ", .statusBarKey)) }
        right.append(.init(clockText + " ", .statusBar))
        StatusLine.render(
            left: left, right: right, into: &buffer,
            rect: Rect(x: 0, y: size.height - 1, width: size.width, height: 1), theme: theme)
    }

    /// How fresh the live data is, per source that has delivered: "feed 12s", a source silent past its threshold
    /// as a badge ("stripe 7h!").
    var freshnessSegments: [StatusLine.Segment] {
        freshness.map { f in
            let silent = f.isSilent(now: now, thresholds: silence)
            let text = "\(f.source.shortLabel) \(DurationText.format(f.age(now: now)))"
            return silent ? .init(" \(text)! ", .badge) : .init("· \(text) ", .statusBar)
        }
    }

    /// Where the selection is in the current list: "3/50", "3/500+" when more rows can load.
    public var positionText: String? { current.positionText(state: self) }

    var clockText: String {
        let local = zone.local(now).iso8601
        return "\(local.prefix(10)) \(local.dropFirst(11).prefix(8)) \(zone.period(at: now).abbreviation)"
    }

    private func renderHelp(into buffer: inout Buffer) {
        let kind = current.kind
        // Where printable keys are text (the search field), only the other keys do anything.
        let printableAreText = current.typesPrintableKeys
        func entries(_ commands: [UICommand]) -> [HelpOverlay.Entry] {
            commands.compactMap { command in
                let keys = keymap.keys(for: command, on: kind).filter { key in
                    guard printableAreText, case .character(let c) = key else { return true }
                    // With the field empty, `:` and `?` still open the command line and the help.
                    return c == ":" || c == "?"
                }
                guard !keys.isEmpty else { return nil }
                return HelpOverlay.Entry(keys: keys.map(\.name).joined(separator: " "), action: command.summary)
            }
        }
        var screenEntries = entries(current.helpCommands)
        if printableAreText {
            screenEntries =
                [
                    HelpOverlay.Entry(keys: "type, paste", action: "search (letters and digits are text here)"),
                    HelpOverlay.Entry(keys: "ctrl-u esc", action: "clear the field"),
                    HelpOverlay.Entry(keys: "down", action: "the results, or where to go (empty field)"),
                ] + screenEntries + [HelpOverlay.Entry(keys: ":q ctrl-c", action: "quit")]
        }
        let sections: [(String, [HelpOverlay.Entry])] = [
            (current.title, screenEntries),
            (
                "Everywhere",
                entries([
                    .up, .down, .pageUp, .pageDown, .top, .bottom, .back, .command, .help, .refresh, .copy,
                    .jumpBack, .jumpForward, .metrics, .home, .quit,
                ])
            ),
        ]
        HelpOverlay.render(title: "Keys", sections: sections.filter { !$0.1.isEmpty }, into: &buffer, theme: theme)
    }
}
