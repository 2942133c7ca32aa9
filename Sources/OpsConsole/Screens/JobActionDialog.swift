import OpsCore
import OpsEngine
import OpsTUI

// MARK: - JobActionDialog

/// The print job's action dialog, opened with `a` on a job: which action (only those the job allows now and the
/// operator's role may take), a reason, a note; then a confirmation that names what will happen; then the outcome
/// in plain words. Nothing chosen is lost on an error.
public struct JobActionDialog: Sendable {
    public enum Step: Sendable, Equatable {
        case form, confirm, working
        case done(JobActionResult.Outcome, String)
    }

    enum Field: Sendable, CaseIterable { case action, reason, note }

    var detail: PrintJobDetail
    /// As the screen behind shows it (initials on a shared screen).
    var customerName: String
    let role: Role
    let permissions: ActionPermissions
    var actionIndex = 0
    /// No reason until the agent picks one.
    var reasonIndex: Int?
    var note = TextField("", maxLength: 300)
    var focus = Field.action
    public var step = Step.form
    var error: String?
    var request: Int?

    static let reasons = ActionReason.allCases

    init(detail: PrintJobDetail, customerName: String, role: Role, permissions: ActionPermissions) {
        self.detail = detail
        self.customerName = customerName
        self.role = role
        self.permissions = permissions
        actionIndex = max(0, choices.firstIndex { problem(with: $0) == nil } ?? 0)
    }

    /// The actions this role may take, in a fixed order (what the job allows is checked per action).
    var choices: [JobActionKind] { JobActionKind.allCases.filter { permissions.allows($0, role) } }
    var kind: JobActionKind { choices[min(actionIndex, choices.count - 1)] }
    var reason: ActionReason? { reasonIndex.map { Self.reasons[$0] } }
    var job: PrintJob { detail.job }

    /// Why `kind` cannot be done to the job as loaded, or nil.
    func problem(with kind: JobActionKind) -> String? { JobActionRules.refusal(kind, detail.actionContext) }

    /// What stops the chosen action, in the order an agent fixes it.
    func validate() -> String? {
        if let problem = problem(with: kind) { return problem }
        guard let reason else { return "choose a reason: tab to Reason, then ←/→" }
        if reason == .other && note.text.trimmingWhitespace().isEmpty { return "\"Other\" needs a note saying why" }
        return nil
    }

    /// The job as the store sees it now (a partner's update, another box's action): what is chosen is checked
    /// again; a confirmation the job no longer allows goes back to the form with the reason.
    mutating func refresh(from loaded: PrintJobDetail) {
        guard loaded.job.id == detail.job.id else { return }
        detail = loaded
        switch step {
        case .form: error = problem(with: kind)
        case .confirm:
            if let problem = validate() {
                step = .form
                error = problem
            }
        case .working, .done: break
        }
    }

    /// Handles a key. Returns the submission when the operator confirms, and whether the dialog should close.
    mutating func handle(_ key: Key) -> (submit: JobActionSubmission?, close: Bool) {
        switch step {
        case .working:
            return (nil, false)
        case .done(let outcome, _):
            guard key == .enter || key == .escape else { return (nil, false) }
            if case .failed = outcome {
                step = .form
                return (nil, false)
            }
            return (nil, true)
        case .confirm:
            switch key {
            case .escape:
                step = .form
                error = nil
            case .enter, .character("y"):
                if let problem = validate() {
                    step = .form
                    error = problem
                    return (nil, false)
                }
                guard let reason else { return (nil, false) }
                step = .working
                error = nil
                return (JobActionSubmission(jobID: job.id, kind: kind, reason: reason, note: note.text), false)
            default:
                break
            }
            return (nil, false)
        case .form:
            switch key {
            case .escape:
                return (nil, true)
            case .tab,
                .down where focus != .reason && focus != .action:
                focus = next(+1)
            case .backtab,
                .up where focus != .reason && focus != .action:
                focus = next(-1)
            case .enter:
                error = validate()
                if error == nil { step = .confirm }
            default:
                let back = key == .left || key == .up
                let forward = key == .right || key == .down || key == .character(" ")
                switch focus {
                case .note:
                    note.handle(key)
                    if error == "\"Other\" needs a note saying why" { error = nil }
                case .action where back || forward:
                    actionIndex = (actionIndex + (back ? choices.count - 1 : 1)) % choices.count
                    error = problem(with: kind)
                case .reason where back:
                    reasonIndex = ((reasonIndex ?? 0) + Self.reasons.count - 1) % Self.reasons.count
                case .reason where forward:
                    reasonIndex = reasonIndex.map { ($0 + 1) % Self.reasons.count } ?? 0
                default:
                    break
                }
            }
            return (nil, false)
        }
    }

    /// Pasted text into the note; nothing else takes text (a paste never picks or confirms anything).
    mutating func paste(_ text: String) -> Bool {
        guard case .form = step, focus == .note else { return false }
        note.insert(text)
        return true
    }

    func next(_ step: Int) -> Field {
        let all = Field.allCases
        return all[((all.firstIndex(of: focus) ?? 0) + step + all.count) % all.count]
    }

    func render(into buffer: inout Buffer, theme: Theme) {
        let width = min(buffer.size.width - 2, 76)
        let inner = Dialog.render(
            title: "Print job \(job.id)", width: width, height: min(buffer.size.height - 2, 15), into: &buffer,
            theme: theme)
        let base = theme[.dialog]
        var y = inner.y
        func line(_ label: String, _ value: String, _ role: ThemeRole = .dialog) {
            guard y < inner.maxY else { return }
            buffer.put(label, x: inner.x + 1, y: y, style: base.adding(.dim), maxWidth: 12)
            buffer.put(
                TerminalText.sanitize(value), x: inner.x + 13, y: y, style: theme[role].withBackground(of: base),
                maxWidth: inner.width - 14)
            y += 1
        }
        line("Customer", customerName)
        line("Order", detail.order.id)
        line(
            "At partner",
            "\(job.partner) · \(job.status.label)" + (detail.hold.map { " · ON HOLD by \($0.by)" } ?? ""),
            detail.hold == nil ? .dialog : .statusWarning)
        y += 1
        func wrapped(_ text: String, _ role: ThemeRole, x: Int, lines: Int) {
            let rows = TerminalText.wrap(TerminalText.sanitize(text), width: inner.maxX - x - 1)
            for (i, row) in rows.prefix(lines).enumerated() where y < inner.maxY {
                let cut = i == lines - 1 && rows.count > lines
                buffer.put(
                    cut ? row + "…" : row, x: x, y: y, style: theme[role].withBackground(of: base),
                    maxWidth: inner.maxX - x - 1)
                y += 1
            }
        }
        switch step {
        case .form:
            func field(_ label: String, _ f: Field, draw: (Rect) -> Void) {
                guard y < inner.maxY else { return }
                buffer.put(label, x: inner.x + 1, y: y, style: focus == f ? theme[.dialogTitle] : base, maxWidth: 12)
                draw(Rect(x: inner.x + 13, y: y, width: inner.width - 14, height: 1))
                y += 1
            }
            field("Action", .action) { rect in
                let used = buffer.put(
                    "‹ \(kind.label) ›", x: rect.x, y: rect.y,
                    style: focus == .action ? theme[.selection] : theme[.input])
                let possible = choices.filter { problem(with: $0) == nil }.map(\.label)
                buffer.put(
                    possible.isEmpty ? "  none possible now" : "  possible: " + possible.joined(separator: ", "),
                    x: rect.x + used, y: rect.y, style: base.adding(.dim), maxWidth: rect.width - used)
            }
            if let error {
                wrapped(theme.status(error, .error), .errorText, x: inner.x + 13, lines: 2)
            } else if problem(with: kind) == nil {
                wrapped(kind.consequence(job), .muted, x: inner.x + 13, lines: 2)
            }
            field("Reason", .reason) { rect in
                buffer.put(
                    "‹ \(reason?.label ?? "choose a reason") ›", x: rect.x, y: rect.y,
                    style: focus == .reason ? theme[.selection] : theme[.input])
            }
            field("Note", .note) { rect in
                note.render(
                    into: &buffer, rect: rect, style: theme[.input], cursorStyle: theme[.inputCursor],
                    focused: focus == .note, placeholder: reason == .other ? "required for Other" : "optional",
                    placeholderStyle: theme[.muted].withBackground(of: theme[.input]))
            }
            hint(
                "enter review · tab next field · ←/→ action, reason · esc cancel", into: &buffer, inner: inner,
                theme: theme)
        case .confirm:
            buffer.put(
                TerminalText.sanitize("\(kind.label) print job \(job.id) for \(customerName)?"), x: inner.x + 1, y: y,
                style: theme[.dialogTitle], maxWidth: inner.width - 2)
            y += 1
            wrapped(kind.consequence(job) + ".", kind == .cancel ? .statusWarning : .dialog, x: inner.x + 1, lines: 2)
            wrapped("Reason: \(reason?.label ?? "")", .dialog, x: inner.x + 1, lines: 1)
            if !note.isEmpty { wrapped("Note: " + note.text, .dialog, x: inner.x + 1, lines: 3) }
            if let error { wrapped(theme.status(error, .error), .errorText, x: inner.x + 1, lines: 2) }
            hint(
                "y or enter: \(kind.rawValue) it now · esc back to the form", into: &buffer, inner: inner, theme: theme)
        case .working:
            buffer.put("Asking the platform…", x: inner.x + 1, y: y, style: theme[.dialogTitle])
            buffer.put(
                "The action is recorded first, so it happens once whatever happens next.", x: inner.x + 1, y: y + 1,
                style: base.adding(.dim), maxWidth: inner.width - 2)
        case .done(let outcome, let message):
            let tone: StatusTone =
                switch outcome {
                case .succeeded: .ok
                case .failed: .error
                case .unknown: .warning
                }
            wrapped(theme.status(message, tone), tone.role, x: inner.x + 1, lines: 5)
            if case .failed = outcome {
                hint(
                    "enter back to the form (what you chose is kept) · esc too", into: &buffer, inner: inner,
                    theme: theme)
            } else {
                hint("enter close", into: &buffer, inner: inner, theme: theme)
            }
        }
    }

    private func hint(_ text: String, into buffer: inout Buffer, inner: Rect, theme: Theme) {
        buffer.put(
            text, x: inner.x + 1, y: inner.maxY - 1, style: theme[.dialog].adding(.dim), maxWidth: inner.width - 2)
    }
}

// MARK: - JobActionSubmission

/// What the job action dialog sends when the operator confirms.
public struct JobActionSubmission: Sendable, Hashable {
    public var jobID: String
    public var kind: JobActionKind
    public var reason: ActionReason
    public var note: String

    public init(jobID: String, kind: JobActionKind, reason: ActionReason, note: String) {
        self.jobID = jobID
        self.kind = kind
        self.reason = reason
        self.note = note
    }
}
