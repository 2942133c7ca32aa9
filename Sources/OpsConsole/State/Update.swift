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
            ticksSinceChangeCheck += 1
            var effects: [Effect] = []
            if due || ticksSinceChangeCheck >= checkChangesEveryTicks {
                ticksSinceChangeCheck = 0
                effects.append(.checkChanges(known: changeToken))
            }
            return effects + withCurrent { screen, state in screen.tick(state: &state, due: due) }
        case .storeChanged:
            ticksSinceChangeCheck = 0
            return [.checkChanges(known: changeToken)]
        case .storeUnreachable(let problem):
            storeProblem = problem
            // Checked again at every tick until it answers.
            ticksSinceChangeCheck = checkChangesEveryTicks
            return []
        case .changeToken(let token, let freshness):
            if let freshness { self.freshness = freshness }
            defer { changeToken = token }
            if storeProblem != nil {
                // Back: whatever the screen shows may have changed meanwhile (and may have failed to load).
                storeProblem = nil
                message = StatusMessage("The database answers again", .ok)
                return current.reloadsOnChange ? reloadCurrent() : []
            }
            // Another process (or this one) committed: reload what is shown, keeping cursor and typing. The
            // dashboard keeps its own refresh interval.
            if let previous = changeToken, previous != token {
                if !current.reloadsOnChange { return [] }
                return reloadCurrent()
            }
            return []
        case .key(let key):
            return handleKey(key)
        case .paste(let text):
            return handlePaste(text)
        case .loaded(let request, let result):
            let effects = route(result, request: request)
            // The refund dialog shows the balances as the order screen behind it just loaded them.
            if case .refund(var dialog)? = overlay, let view = (current as? OrderScreen)?.data.value {
                dialog.refresh(from: view)
                overlay = .refund(dialog)
            }
            // The action dialog checks what is chosen against the record as the screen behind just loaded it.
            if case .action(var dialog)? = overlay {
                if let detail = (current as? PrintJobScreen)?.data.value {
                    dialog.refresh(from: detail.actionContext)
                } else if let view = (current as? OrderScreen)?.data.value {
                    dialog.refresh(from: view.detail.actionContext)
                }
                overlay = .action(dialog)
            }
            return effects
        case .actionContextLoaded(let subject, let chosen, let result):
            switch result {
            case .success(let context): openActionDialog(context, choosing: chosen)
            case .failure(let error):
                message = StatusMessage("Cannot act on \(subject.target): \(error.message)", .error)
            }
            return []
        case .actionFinished(let request, let result):
            guard case .action(var dialog)? = overlay, dialog.request == request else { return [] }
            dialog.step = .finished(result) { ($0.outcome, $0.summary) }
            overlay = .action(dialog)
            // Show the record as it is now, behind the dialog.
            return reloadCurrent()
        case .refundFinished(let request, let result):
            guard case .refund(var dialog)? = overlay, dialog.request == request else { return [] }
            dialog.step = .finished(result) { ($0.outcome, $0.summary) }
            overlay = .refund(dialog)
            // Show the money where it is now, behind the dialog.
            return reloadCurrent()
        case .reconciled(let refunds, let actions):
            func part(_ r: ReconcileReport, _ noun: String) -> String? {
                r.examined == 0
                    ? nil
                    : "\(r.examined) \(noun)\(r.examined == 1 ? "" : "s") left unfinished: \(r.succeeded) succeeded, "
                        + "\(r.failed) failed, \(r.stillUnknown) still unknown"
            }
            let parts = [part(refunds, "refund"), part(actions, "support action")].compactMap { $0 }
            message = StatusMessage(
                "Reconciled " + parts.joined(separator: "; "),
                refunds.stillUnknown + actions.stillUnknown > 0 ? .warning : .ok)
            return reloadCurrent()
        case .started:
            // The print partners' names, for the command line's completion and checks.
            let request = requestID()
            owners[request] = Self.consoleOwner
            return [.loadPartners(request: request)]
        case .warn(let text):
            message = StatusMessage(text, .warning)
            return []
        case .revealRecorded(let reveal, let result):
            switch result {
            case .success:
                reveals[reveal.userID] = reveal.until
                message = StatusMessage(
                    "Showing \(reveal.name)'s personal data until \(reveal.until.timeOfDay(in: zone)) "
                        + "(\(reveal.reason.label)): recorded in the audit log", .ok)
            case .failure(let error):
                message = StatusMessage("Not revealed: the audit log did not record it: \(error.message)", .error)
            }
            return []
        case .noteAdded(let result):
            switch result {
            case .success(let note):
                message = StatusMessage("Note added to \(note.subject.target)", .ok)
                return reloadCurrent()
            case .failure(let error):
                message = StatusMessage("Note not added: \(error.message)", .error)
                return []
            }
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
        }
    }

    private mutating func handleKey(_ key: Key) -> [Effect] {
        switch overlay {
        case .help?:
            if key == .escape || key == .character("?") || key == .character("q") || key == .function(1)
                || key == .enter
            {
                overlay = nil
            }
            return []
        case .command(var line)?:
            let effects = handleCommandLine(key, &line)
            if case .command? = overlay { overlay = .command(line) }
            return effects
        case .refund(var dialog)?:
            // Closed, the screen behind was already reloaded when the refund finished (`.refundFinished`).
            return dialogKey(
                &dialog, key, handle: { $0.handle($1) }, request: \.request, overlay: Overlay.refund,
                effect: Effect.refund)
        case .action(var dialog)?:
            return dialogKey(
                &dialog, key, handle: { $0.handle($1) }, request: \.request, overlay: Overlay.action,
                effect: Effect.act)
        case nil:
            break
        }
        // A focused text field takes the keys it understands.
        let typed = withCurrent(
            { screen, state in screen.handleTyping(key, state: &state) },
            effects: { $0?.effects ?? [] })
        if let typed { return apply(typed) }
        guard var command = keymap.command(for: key, on: current.kind) else { return [] }
        message = nil
        switch command {
        case .quit where stack.count > 1:
            // Quitting is for the home screen; anywhere else the same key goes back (`:quit` still quits).
            command = .back
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
            return open(.metrics())
        case .audit:
            return open(.audit)
        case .refund:
            return openRefundDialog()
        case .action:
            return requestActionDialog()
        case .orderActions:
            return requestActionDialog(ownActions: true)
        case .timeline:
            return openTimeline(nil)
        case .copy:
            copySelection()
            return []
        case .reveal:
            // The reason is chosen on the command line, with completion: `v` types the command.
            overlay = .command(CommandLineState("reveal "))
            return []
        case .note:
            overlay = .command(CommandLineState("note "))
            return []
        case .jumpBack:
            return jumpBack()
        case .jumpForward:
            return jumpForward()
        case .home:
            return home()
        case .refresh:
            return reloadCurrent()
        default:
            break
        }
        let reply = withCurrent({ screen, state in screen.handle(command, state: &state) }, effects: \.effects)
        return apply(reply)
    }

    /// A key in a dialog: it closes it, sends its submission (under a new request id the dialog keeps, to match the
    /// answer), or only changes it.
    private mutating func dialogKey<Dialog, Submission>(
        _ dialog: inout Dialog, _ key: Key, handle: (inout Dialog, Key) -> (submit: Submission?, close: Bool),
        request: WritableKeyPath<Dialog, Int?>, overlay wrap: (Dialog) -> Overlay, effect: (Submission, Int) -> Effect
    ) -> [Effect] {
        let (submission, close) = handle(&dialog, key)
        if close {
            overlay = nil
            return []
        }
        var effects: [Effect] = []
        if let submission {
            let id = requestID()
            dialog[keyPath: request] = id
            effects = [effect(submission, id)]
        }
        overlay = wrap(dialog)
        return effects
    }

    /// A paste goes to the focused text field (the command line, the refund dialog's amount or note, the search
    /// field, a list's filter) and nowhere else: pasted text never becomes keys.
    private mutating func handlePaste(_ text: String) -> [Effect] {
        switch overlay {
        case .help?:
            return []
        case .command(var line)?:
            line.field.insert(text.trimmingWhitespace())
            overlay = .command(line)
            return []
        case .refund(var dialog)?:
            if !dialog.paste(text) { message = StatusMessage("Paste into the amount or the note", .warning) }
            overlay = .refund(dialog)
            return []
        case .action(var dialog)?:
            if !dialog.paste(text) { message = StatusMessage("Paste into the note or the address", .warning) }
            overlay = .action(dialog)
            return []
        case nil:
            break
        }
        let reply = withCurrent(
            { screen, state in screen.handlePaste(text, state: &state) }, effects: { $0?.effects ?? [] })
        guard let reply else {
            message = StatusMessage("Nothing here takes text: H searches, / filters a list", .warning)
            return []
        }
        message = nil
        return apply(reply)
    }

    /// `y`: the selected row's id (or the record's) to the operator's own clipboard, through the terminal (OSC 52,
    /// which reaches the operator's machine over SSH). Only text the console chose is sent: an id, never a string
    /// a record could shape into a command.
    private mutating func copySelection() {
        guard let target = current.copyTarget(state: self) else {
            message = StatusMessage("Nothing to copy here: select a row", .warning)
            return
        }
        clipboard = target.text
        message = StatusMessage("Copied \(target.what) \(target.text)", .ok)
    }

    /// `:note TEXT` (and `n`, which types it): a note on the record shown, if this operator may add notes.
    private mutating func addNote(_ text: String, ticket: String?) -> [Effect] {
        guard let about = current.noteSubject else {
            message = StatusMessage("Open a customer, an order or a print job to add a note", .warning)
            return []
        }
        if session.role == .viewer {
            message = StatusMessage(session.readOnly ? "Read-only: notes are off" : "Viewers cannot add notes", .error)
            return []
        }
        do {
            let checked = try Note.checked(text: text, ticket: ticket)
            return [.addNote(about: about, text: checked.text, ticket: checked.ticket)]
        } catch {
            message = StatusMessage("Note not added: \(error.description)", .error)
            return []
        }
    }

    /// `r` on an order: the refund dialog, if this operator may refund and there is money left.
    private mutating func openRefundDialog() -> [Effect] {
        guard let screen = current as? OrderScreen, let view = screen.data.value else {
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
        var dialog = RefundDialog(view: view, role: session.role, policy: policy, now: now)
        dialog.customerName = listName(dialog.customerName)
        overlay = .refund(dialog)
        return []
    }

    /// `a`: the action dialog for the record shown — a print job, an order, a customer's account; on an order
    /// whose diagnosis names a job action, that action on that job. The record is read afresh first.
    private mutating func requestActionDialog(ownActions: Bool = false) -> [Effect] {
        guard let (subject, chosen) = current.actionTarget(ownActions: ownActions) else {
            message = StatusMessage("Open a print job, an order or a customer to act on it", .warning)
            return []
        }
        if session.role == .viewer {
            message = StatusMessage(
                session.readOnly ? "Read-only: actions are off" : "Viewers cannot take actions", .error)
            return []
        }
        guard ActionKind.on(subject.kind).contains(where: { permissions.allows($0, session.role) }) else {
            message = StatusMessage(
                "A \(session.role.rawValue) may not act on a \(subject.kind.label) (configuration [permissions])",
                .error)
            return []
        }
        return [.loadActionContext(subject, chosen: chosen)]
    }

    /// `t` (and `:timeline`): the timeline of what `id` names, else of the customer or order shown (a print job's
    /// order).
    private mutating func openTimeline(_ id: String?) -> [Effect] {
        guard let of = id ?? current.timelineSubject else {
            message = StatusMessage("Open a customer or an order for its timeline (or :timeline ID)", .warning)
            return []
        }
        return open(.timeline(of))
    }

    /// Opens the dialog on a record's context, if something is possible on it now; else says why not.
    private mutating func openActionDialog(_ context: ActionContext, choosing chosen: ActionKind?) {
        let allowed = ActionKind.on(context.subject.kind).filter { permissions.allows($0, session.role) }
        guard allowed.contains(where: { ActionRules.refusal($0, context) == nil }) else {
            // The reason the most telling action is not possible says why nothing is.
            let first =
                chosen.flatMap { allowed.contains($0) ? $0 : nil } ?? (allowed.contains(.cancel) ? .cancel : allowed[0])
            message = StatusMessage(
                "Nothing to do on \(context.subject.target): \(ActionRules.refusal(first, context) ?? "")", .warning)
            return
        }
        overlay = .action(
            ActionDialog(
                context: context, customerName: name(context.user.name, of: context.user.id),
                customerEmail: email(context.user), role: session.role, permissions: permissions,
                exposure: exposure(of: context.user.id), choosing: chosen))
    }

    private mutating func handleCommandLine(_ key: Key, _ line: inout CommandLineState) -> [Effect] {
        switch key {
        case .escape:
            overlay = nil
            return []
        case .tab:
            let (completed, candidates) = CommandMode.complete(line.field.text, partners: partners)
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
                switch try CommandMode.parse(text, stuckThreshold: stuckThreshold, partners: partners) {
                case .go(let destination): return openChecked(destination)
                case .home:
                    return home()
                case .refresh: return reloadCurrent()
                case .help:
                    overlay = .help
                    return []
                case .audit:
                    return open(.audit)
                case .metrics(let window):
                    return open(.metrics(window))
                case .theme(let name):
                    return [.loadTheme(name)]
                case .refund:
                    return openRefundDialog()
                case .reveal(let reason):
                    return reveal(reason)
                case .note(let text, let ticket):
                    return addNote(text, ticket: ticket)
                case .timeline(let id):
                    return openTimeline(id)
                case .share:
                    shareSafe.toggle()
                    message = StatusMessage(
                        shareSafe
                            ? "Screen-share-safe: names as initials, no emails or postcodes (:share again ends it)"
                            : "Screen-share-safe mode ended", .ok)
                    return []
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
