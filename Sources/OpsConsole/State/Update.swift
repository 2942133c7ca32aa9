import OpsCore
import OpsEngine
import OpsTUI

extension AppState {
    /// The one place the state changes: an action in, the effects it asks for out.
    public mutating func update(_ action: Action) -> [Effect] {
        switch action {
        case .none:
            return []
        case .resize(let size):
            self.size = size
            return []
        case .tick(let time, let monotonic, let due):
            if !clockFrozen { now = time }
            if monotonic > 0 { monotonicMilliseconds = monotonic }
            var effects: [Effect] = [.checkChanges]
            let index = stack.count - 1
            if case .metrics(var screen) = stack[index] {
                effects += screen.tick(state: &self, due: due)
                stack[index] = .metrics(screen)
            }
            return effects
        case .changeToken(let token):
            defer { changeToken = token }
            // Another process (or this one) committed: reload what is shown, keeping cursor and typing. The
            // dashboard keeps its own refresh interval.
            if let previous = changeToken, previous != token {
                if case .metrics = current { return [] }
                return reloadCurrent()
            }
            return []
        case .key(let key):
            return handleKey(key)
        case .partnersLoaded(let partners):
            for i in stack.indices {
                if case .printJobs(var s) = stack[i] {
                    s.partners = partners
                    stack[i] = .printJobs(s)
                }
            }
            return []
        case .searched(let request, let result):
            for i in stack.indices {
                if case .search(var s) = stack[i], s.receive(result, request: request) { stack[i] = .search(s) }
            }
            return []
        case .customerLoaded(let request, let result):
            for i in stack.indices {
                if case .customer(var s) = stack[i], s.request == request {
                    s.data.receive(result, keepShown: true)
                    stack[i] = .customer(s)
                }
            }
            return []
        case .orderLoaded(let request, let result):
            let snapshot = self
            for i in stack.indices {
                if case .order(var s) = stack[i], s.request == request {
                    s.receive(result, state: snapshot)
                    stack[i] = .order(s)
                }
            }
            return []
        case .printJobLoaded(let request, let result):
            for i in stack.indices {
                if case .printJob(var s) = stack[i], s.request == request {
                    s.receive(result)
                    stack[i] = .printJob(s)
                }
            }
            return []
        case .ordersLoaded(let request, let result):
            let viewport = ListLayout.viewport(self)
            for i in stack.indices {
                if case .orders(var s) = stack[i], s.list.receive(result, request: request, viewport: viewport) {
                    stack[i] = .orders(s)
                }
            }
            return []
        case .refundFinished(let request, let result):
            guard case .refund(var dialog)? = overlay, dialog.request == request else { return [] }
            switch result {
            case .success(let r): dialog.step = .done(r.outcome, r.summary)
            case .failure(let e): dialog.step = .done(.failed(e.message), e.message)
            }
            overlay = .refund(dialog)
            // Show the money where it is now, behind the dialog.
            return reloadCurrent()
        case .reconciled(let report):
            message = StatusMessage("Reconciled \(report.examined) refund\(report.examined == 1 ? "" : "s") left unfinished: \(report.succeeded) succeeded, \(report.failed) failed, \(report.stillUnknown) still unknown",
                                    report.stillUnknown > 0 ? .warning : .ok)
            return reloadCurrent()
        case .themeLoaded(let name, let result):
            switch result {
            case .success(var theme):
                // A terminal without UTF-8 keeps its ASCII charts and borders whatever the theme.
                theme.asciiOnly = self.theme.asciiOnly
                self.theme = theme
                message = StatusMessage("Theme \(name)", .ok)
            case .failure(let error):
                message = StatusMessage("Theme not changed: \(error.message)", .error)
            }
            return []
        case .dashboardLoaded(let request, let result):
            for i in stack.indices {
                if case .metrics(var s) = stack[i], s.request == request {
                    s.refreshing = false
                    s.data.receive(result, keepShown: true)
                    stack[i] = .metrics(s)
                }
            }
            return []
        case .auditLoaded(let request, let result):
            for i in stack.indices {
                if case .audit(var s) = stack[i], s.request == request {
                    s.data.receive(result)
                    stack[i] = .audit(s)
                }
            }
            return []
        case .printJobsLoaded(let request, let result):
            let viewport = ListLayout.viewport(self)
            for i in stack.indices {
                if case .printJobs(var s) = stack[i], s.list.receive(result, request: request, viewport: viewport) {
                    stack[i] = .printJobs(s)
                }
            }
            return []
        }
    }

    private mutating func handleKey(_ key: Key) -> [Effect] {
        switch overlay {
        case .help?:
            if key == .escape || key == .character("?") || key == .character("q") || key == .function(1) || key == .enter {
                overlay = nil
            }
            return []
        case .command(var line)?:
            let effects = handleCommandLine(key, &line)
            if case .command? = overlay { overlay = .command(line) }
            return effects
        case .refund(var dialog)?:
            let (submission, close) = dialog.handle(key)
            if close {
                // The screen behind was reloaded when the refund finished (`.refundFinished`).
                overlay = nil
                return []
            }
            if let submission {
                let request = requestID()
                dialog.request = request
                overlay = .refund(dialog)
                return [.refund(submission, request: request)]
            }
            overlay = .refund(dialog)
            return []
        case nil:
            break
        }
        // A focused text field takes the keys it understands.
        if let effects = typingHandled(key) { return effects }
        guard let command = keymap.command(for: key, on: current.kind) else { return [] }
        message = nil
        switch command {
        case .quit:
            quitting = true
            return []
        case .help:
            overlay = .help
            return []
        case .command:
            overlay = .command(CommandLineState())
            return []
        case .metrics:
            return open(.metrics)
        case .audit:
            return open(.audit)
        case .refund:
            return openRefundDialog()
        case .home:
            stack = [stack[0]]
            return reloadCurrent()
        case .refresh:
            return reloadCurrent()
        default:
            break
        }
        let effects = updateCurrent { screen, state in
            switch screen {
            case .search(var s):
                defer { screen = .search(s) }
                return s.handle(command, state: &state)
            case .customer(var s):
                if command == .back && !s.filter.isActive { return state.popLater() }
                defer { screen = .customer(s) }
                return s.handle(command, state: &state)
            case .order(var s):
                if command == .back { return state.popLater() }
                defer { screen = .order(s) }
                return s.handle(command, state: &state)
            case .printJob(var s):
                if command == .back { return state.popLater() }
                defer { screen = .printJob(s) }
                return s.handle(command, state: &state)
            case .orders(var s):
                if command == .back && !s.filter.isActive { return state.popLater() }
                defer { screen = .orders(s) }
                return s.handle(command, state: &state)
            case .printJobs(var s):
                if command == .back && !s.filter.isActive { return state.popLater() }
                defer { screen = .printJobs(s) }
                return s.handle(command, state: &state)
            case .audit(var s):
                if command == .back { return state.popLater() }
                defer { screen = .audit(s) }
                return s.handle(command, state: &state)
            case .metrics(var s):
                if command == .back { return state.popLater() }
                defer { screen = .metrics(s) }
                return s.handle(command, state: &state)
            }
        }
        if popRequested {
            popRequested = false
            return effects + back()
        }
        return effects
    }

    /// `r` on an order: the refund dialog, if this operator may refund and there is money left.
    private mutating func openRefundDialog() -> [Effect] {
        guard case .order(let screen) = current, let view = screen.data.value else {
            message = StatusMessage("Open an order to refund it", .warning)
            return []
        }
        if session.role == .viewer {
            message = StatusMessage(session.readOnly ? "Read-only: refunds are off" : "Viewers cannot refund", .error)
            return []
        }
        guard !view.balances.isEmpty else {
            message = StatusMessage("This order has no payment to refund", .warning)
            return []
        }
        guard view.balances.contains(where: { $0.remaining > 0 }) else {
            message = StatusMessage("Nothing is left to refund on this order", .warning)
            return []
        }
        overlay = .refund(RefundDialog(view: view, role: session.role, policy: policy))
        return []
    }

    /// Screens ask to be left from inside `updateCurrent`, where the stack cannot change under them.
    private mutating func popLater() -> [Effect] {
        popRequested = true
        return []
    }

    /// Keys for a focused text field (search box, list filter). Nil when no field takes the key.
    private mutating func typingHandled(_ key: Key) -> [Effect]? {
        var result: [Effect]?
        _ = updateCurrent { screen, state in
            switch screen {
            case .search(var s):
                result = s.handleTyping(key, state: &state)
                screen = .search(s)
            case .customer(var s):
                if s.filter.handleTyping(key) != nil {
                    s.tables[s.tab] = TableState()
                    result = []
                }
                screen = .customer(s)
            case .orders(var s):
                if s.filter.handleTyping(key) != nil { s.list.table = TableState(); result = [] }
                screen = .orders(s)
            case .printJobs(var s):
                if s.filter.handleTyping(key) != nil { s.list.table = TableState(); result = [] }
                screen = .printJobs(s)
            default:
                break
            }
            return []
        }
        return result
    }

    private mutating func handleCommandLine(_ key: Key, _ line: inout CommandLineState) -> [Effect] {
        switch key {
        case .escape:
            overlay = nil
            return []
        case .tab:
            let (completed, candidates) = CommandMode.complete(line.field.text)
            line.field.set(completed)
            message = candidates.isEmpty ? nil : StatusMessage(candidates.joined(separator: "  "))
            return []
        case .up, .down:
            guard !commandHistory.isEmpty else { return [] }
            var index = line.historyIndex ?? commandHistory.count
            index += key == .up ? -1 : 1
            index = max(0, min(commandHistory.count, index))
            line.historyIndex = index
            line.field.set(index < commandHistory.count ? commandHistory[index] : "")
            return []
        case .enter:
            let text = line.field.text.trimmingWhitespace()
            overlay = nil
            guard !text.isEmpty else { return [] }
            if commandHistory.last != text { commandHistory.append(text) }
            if commandHistory.count > 100 { commandHistory.removeFirst() }
            do {
                switch try CommandMode.parse(text, stuckThreshold: stuckThreshold) {
                case .go(let destination): return open(destination)
                case .home:
                    stack = [stack[0]]
                    return reloadCurrent()
                case .refresh: return reloadCurrent()
                case .help:
                    overlay = .help
                    return []
                case .audit:
                    return open(.audit)
                case .metrics:
                    return open(.metrics)
                case .theme(let name):
                    return [.loadTheme(name)]
                case .refund:
                    return openRefundDialog()
                case .quit:
                    quitting = true
                    return []
                }
            } catch {
                if case .message(let text) = error { message = StatusMessage(text, .error) }
                return []
            }
        default:
            line.field.handle(key)
            return []
        }
    }
}
