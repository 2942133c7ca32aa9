import OpsCore
import OpsEngine
import OpsTUI

// MARK: - ActionDialog

/// The action dialog, opened with `a` on a print job, an order or a customer: which action (those the record
/// allows now, that the operator's role may take), a reason, a note, and for a change of address the new address;
/// then a confirmation that names what will happen; then the outcome in plain words. Nothing typed is lost on an
/// error.
public struct ActionDialog: Sendable {
    public typealias Step = DialogStep

    enum Field: Sendable, Hashable {
        case action, reason, note
        case address(AddressPart)
    }

    enum AddressPart: Int, Sendable, Hashable, CaseIterable {
        case name, line1, line2, city, postcode

        var label: String {
            switch self {
            case .name: "Name"
            case .line1: "Address"
            case .line2: "Line 2"
            case .city: "City"
            case .postcode: "Postcode"
            }
        }
    }

    var context: ActionContext
    /// As the screen behind shows them (initials on a shared screen, the email masked unless revealed).
    var customerName: String
    var customerEmail: String
    let role: Role
    let permissions: ActionPermissions
    var actionIndex = 0
    /// No reason until the agent picks one.
    var reasonIndex: Int?
    var note = TextField("", maxLength: 300)
    /// The new address, starting from the order's (only a change of address shows it): the street lines and the
    /// postcode only when the customer is revealed, as everywhere else; masked, the agent types them afresh.
    var address: [TextField]
    let addressHidden: Bool
    var focus = Field.action
    public var step = Step.form
    var error: String?
    var request: Int?

    init(
        context: ActionContext, customerName: String, customerEmail: String, role: Role,
        permissions: ActionPermissions, exposure: Exposure = .masked, choosing chosen: ActionKind? = nil
    ) {
        self.context = context
        self.customerName = customerName
        self.customerEmail = customerEmail
        self.role = role
        self.permissions = permissions
        let old = context.order?.shippingAddress
        addressHidden = exposure != .revealed
        address = AddressPart.allCases.map { [addressHidden] part in
            let value =
                switch part {
                case .name: exposure == .shareSafe ? nil : old?.name
                case .line1: addressHidden ? nil : old?.line1
                case .line2: addressHidden ? nil : old?.line2
                case .city: old?.city
                case .postcode: addressHidden ? nil : old?.postcode
                }
            return TextField(value ?? "", maxLength: 100)
        }
        if let chosen, let index = choices.firstIndex(of: chosen) {
            actionIndex = index
            error = problem(with: chosen)
        } else {
            actionIndex = max(0, choices.firstIndex { problem(with: $0) == nil } ?? 0)
        }
    }

    /// The actions on this kind of record that this role may take (what the record allows is checked per action).
    var choices: [ActionKind] { ActionKind.on(context.subject.kind).filter { permissions.allows($0, role) } }
    var kind: ActionKind { choices[min(actionIndex, choices.count - 1)] }
    var reasons: [ActionReason] { kind.reasons }
    var reason: ActionReason? { reasonIndex.map { reasons[min($0, reasons.count - 1)] } }

    /// The new address as typed (region and country kept from the order's).
    var newAddress: Address? {
        guard kind == .changeAddress, let old = context.order?.shippingAddress else { return nil }
        let v = address.map { $0.text.trimmingWhitespace() }
        return Address(
            name: v[0], line1: v[1], line2: v[2], city: v[3], region: old.region, postcode: v[4], country: old.country)
    }

    /// The fields in tab order.
    var fields: [Field] {
        [.action, .reason] + (kind == .changeAddress ? AddressPart.allCases.map { .address($0) } : []) + [.note]
    }

    /// Why `kind` cannot be done to the record as loaded, or nil (the address typed is checked on review).
    func problem(with kind: ActionKind) -> String? { ActionRules.refusal(kind, context) }

    /// What stops the chosen action, in the order an agent fixes it.
    func validate() -> String? {
        if let problem = ActionRules.refusal(kind, context, address: newAddress) { return problem }
        guard let reason else { return "choose a reason: tab to Reason, then ←/→" }
        if reason == .other && note.text.trimmingWhitespace().isEmpty { return "\"Other\" needs a note saying why" }
        return nil
    }

    /// The record as the store sees it now (a partner's update, another box's action): what is chosen is checked
    /// again; a confirmation the record no longer allows goes back to the form with the reason.
    mutating func refresh(from loaded: ActionContext) {
        guard loaded.subject == context.subject else { return }
        context = loaded
        switch step {
        case .form: if error != nil { error = problem(with: kind) }
        case .confirm:
            if let problem = validate() {
                step = .form
                error = problem
            }
        case .working, .done: break
        }
    }

    /// Handles a key. Returns the submission when the operator confirms, and whether the dialog should close.
    mutating func handle(_ key: Key) -> (submit: ActionSubmission?, close: Bool) {
        if let close = step.afterSubmit(key) { return (nil, close) }
        switch step {
        case .working, .done:
            return (nil, false)
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
                return (
                    ActionSubmission(
                        subject: context.subject, kind: kind, reason: reason, note: note.text, address: newAddress),
                    false
                )
            default:
                break
            }
            return (nil, false)
        case .form:
            if key == .escape { return (nil, true) }
            return (formKey(key), false)
        }
    }

    private mutating func formKey(_ key: Key) -> ActionSubmission? {
        let picker = focus == .action || focus == .reason
        switch key {
        case .tab:
            focus = next(+1)
        case .down where !picker:
            focus = next(+1)
        case .backtab:
            focus = next(-1)
        case .up where !picker:
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
            case .address(let part):
                address[part.rawValue].handle(key)
                error = nil
            case .action where back || forward:
                actionIndex = (actionIndex + (back ? choices.count - 1 : 1)) % choices.count
                reasonIndex = nil
                error = problem(with: kind)
            case .reason where back:
                reasonIndex = ((reasonIndex ?? 0) + reasons.count - 1) % reasons.count
            case .reason where forward:
                reasonIndex = reasonIndex.map { ($0 + 1) % reasons.count } ?? 0
            default:
                break
            }
        }
        return nil
    }

    /// Pasted text into the focused text field; nothing else takes text (a paste never picks or confirms).
    mutating func paste(_ text: String) -> Bool {
        guard case .form = step else { return false }
        switch focus {
        case .note: note.insert(text)
        case .address(let part): address[part.rawValue].insert(text.trimmingWhitespace())
        default: return false
        }
        return true
    }

    func next(_ step: Int) -> Field {
        let all = fields
        return all[((all.firstIndex(of: focus) ?? 0) + step + all.count) % all.count]
    }

    var title: String {
        switch context.subject {
        case .printJob(let id): "Print job \(id)"
        case .order(let id): "Order \(id)"
        case .customer: "Account of \(customerName)"
        }
    }
}

// MARK: - Drawing

extension ActionDialog {
    func render(into buffer: inout Buffer, theme: Theme) {
        let width = min(buffer.size.width - 2, 76)
        let tall = kind == .changeAddress && step == .form
        let inner = Dialog.render(
            title: title, width: width, height: min(buffer.size.height - 2, tall ? 20 : 15), into: &buffer,
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
        func wrapped(_ text: String, _ role: ThemeRole, x: Int, lines: Int) {
            Self.wrapped(text, role, x: x, lines: lines, into: &buffer, inner: inner, y: &y, theme: theme)
        }
        line("Customer", customerName + (context.user.status == .active ? "" : " (\(context.user.status.label))"))
        if let order = context.order { line("Order", "\(order.id) · \(order.status.label)") }
        if let job = context.job {
            line(
                "At partner",
                "\(job.partner) · \(job.status.label)" + (context.hold.map { " · ON HOLD by \($0.by)" } ?? ""),
                context.hold == nil ? .dialog : .statusWarning)
        }
        y += 1
        switch step {
        case .form:
            renderForm(into: &buffer, theme: theme, inner: inner, y: &y)
        case .confirm:
            buffer.put(
                TerminalText.sanitize("\(kind.label): \(context.subject.target) (\(customerName))?"),
                x: inner.x + 1, y: y, style: theme[.dialogTitle], maxWidth: inner.width - 2)
            y += 1
            let warning = kind == .cancel || kind == .lock
            wrapped(
                kind.consequence(context, address: newAddress, email: customerEmail) + ".",
                warning ? .statusWarning : .dialog,
                x: inner.x + 1, lines: 2)
            wrapped("Reason: \(reason?.label ?? "")", .dialog, x: inner.x + 1, lines: 1)
            if !note.isEmpty { wrapped("Note: " + note.text, .dialog, x: inner.x + 1, lines: 3) }
            if let error { wrapped(theme.status(error, .error), .errorText, x: inner.x + 1, lines: 2) }
            hint("y or enter: do it now · esc back to the form", into: &buffer, inner: inner, theme: theme)
        case .working:
            buffer.put("Asking the platform…", x: inner.x + 1, y: y, style: theme[.dialogTitle])
            buffer.put(
                "The action is recorded first, so it happens once whatever happens next.", x: inner.x + 1, y: y + 1,
                style: base.adding(.dim), maxWidth: inner.width - 2)
        case .done(let outcome, let message):
            wrapped(theme.status(message, outcome.tone), outcome.tone.role, x: inner.x + 1, lines: 5)
            if case .failed = outcome {
                hint(
                    "enter back to the form (what you chose is kept) · esc too", into: &buffer, inner: inner,
                    theme: theme)
            } else {
                hint("enter close", into: &buffer, inner: inner, theme: theme)
            }
        }
    }

    /// Text wrapped into the dialog from `x`, at most `lines` lines, the last cut with "…".
    static func wrapped(
        _ text: String, _ role: ThemeRole, x: Int, lines: Int, into buffer: inout Buffer, inner: Rect, y: inout Int,
        theme: Theme
    ) {
        let rows = TerminalText.wrap(TerminalText.sanitize(text), width: inner.maxX - x - 1)
        for (i, row) in rows.prefix(lines).enumerated() where y < inner.maxY {
            let cut = i == lines - 1 && rows.count > lines
            buffer.put(
                cut ? row + "…" : row, x: x, y: y, style: theme[role].withBackground(of: theme[.dialog]),
                maxWidth: inner.maxX - x - 1)
            y += 1
        }
    }

    private func renderForm(into buffer: inout Buffer, theme: Theme, inner: Rect, y: inout Int) {
        let base = theme[.dialog]
        func wrapped(_ text: String, _ role: ThemeRole, _ x: Int, _ lines: Int) {
            Self.wrapped(text, role, x: x, lines: lines, into: &buffer, inner: inner, y: &y, theme: theme)
        }
        func field(_ label: String, _ f: Field, draw: (inout Buffer, Rect) -> Void) {
            guard y < inner.maxY else { return }
            buffer.put(label, x: inner.x + 1, y: y, style: focus == f ? theme[.dialogTitle] : base, maxWidth: 12)
            draw(&buffer, Rect(x: inner.x + 13, y: y, width: inner.width - 14, height: 1))
            y += 1
        }
        field("Action", .action) { buffer, rect in
            let used = buffer.put(
                "‹ \(kind.label) ›", x: rect.x, y: rect.y,
                style: focus == .action ? theme[.selection] : theme[.input])
            let possible = choices.filter { ActionRules.refusal($0, context) == nil }.map(\.label)
            buffer.put(
                possible.isEmpty ? "  none possible now" : "  possible: " + possible.joined(separator: ", "),
                x: rect.x + used, y: rect.y, style: base.adding(.dim), maxWidth: rect.width - used)
        }
        if let error {
            wrapped(theme.status(error, .error), .errorText, inner.x + 13, 2)
        } else if ActionRules.refusal(kind, context) == nil, kind != .changeAddress {
            wrapped(kind.consequence(context, email: customerEmail), .muted, inner.x + 13, 2)
        }
        field("Reason", .reason) { buffer, rect in
            buffer.put(
                "‹ \(reason?.label ?? "choose a reason") ›", x: rect.x, y: rect.y,
                style: focus == .reason ? theme[.selection] : theme[.input])
        }
        if kind == .changeAddress {
            for part in AddressPart.allCases {
                field(part.label, .address(part)) { buffer, rect in
                    address[part.rawValue].render(
                        into: &buffer, rect: rect, style: theme[.input], cursorStyle: theme[.inputCursor],
                        focused: focus == .address(part),
                        placeholder: part == .line2
                            ? "optional" : addressHidden ? "required (hidden: type it, or reveal with v)" : "required",
                        placeholderStyle: theme[.muted].withBackground(of: theme[.input]))
                }
            }
        }
        field("Note", .note) { buffer, rect in
            note.render(
                into: &buffer, rect: rect, style: theme[.input], cursorStyle: theme[.inputCursor],
                focused: focus == .note, placeholder: reason == .other ? "required for Other" : "optional",
                placeholderStyle: theme[.muted].withBackground(of: theme[.input]))
        }
        hint(
            "enter review · tab next field · ←/→ action, reason · esc cancel", into: &buffer, inner: inner,
            theme: theme
        )
    }

    private func hint(_ text: String, into buffer: inout Buffer, inner: Rect, theme: Theme) {
        buffer.put(
            text, x: inner.x + 1, y: inner.maxY - 1, style: theme[.dialog].adding(.dim), maxWidth: inner.width - 2)
    }
}

// MARK: - ActionSubmission

/// What the action dialog sends when the operator confirms.
public struct ActionSubmission: Sendable, Hashable {
    public var subject: ActionSubject
    public var kind: ActionKind
    public var reason: ActionReason
    public var note: String
    public var address: Address?

    public init(subject: ActionSubject, kind: ActionKind, reason: ActionReason, note: String, address: Address?) {
        self.subject = subject
        self.kind = kind
        self.reason = reason
        self.note = note
        self.address = address
    }
}
