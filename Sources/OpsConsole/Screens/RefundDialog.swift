import OpsCore
import OpsEngine
import OpsTUI

/// The refund dialog, opened with `r` on an order: the payment and what is left, an amount checked as it is
/// typed, a reason, a note; then a confirmation naming amount, currency, customer and provider (retyping the amount
/// above a threshold); then the outcome in plain words. Nothing typed is lost on an error.
public struct RefundDialog: Sendable {
    public typealias Step = DialogStep

    enum Field: Sendable, CaseIterable { case payment, amount, reason, note }

    public let orderID: String
    /// As the screen behind shows it (initials on a shared screen).
    var customerName: String
    /// Every payment of the order; the operator picks one when there are several.
    var balances: [PaymentBalance]
    var paymentIndex: Int
    let role: Role
    let policy: RefundPolicy
    /// The order's chargebacks: an open or lost one on the chosen payment refuses the refund (a supervisor may
    /// override it with a note).
    var disputes: [Dispute]
    let now: Timestamp
    var amount = TextField("", maxLength: 20)
    /// No reason until the agent picks one: a refund is never filed under a default by accident.
    var reasonIndex: Int?
    var note = TextField("", maxLength: 300)
    var retype = TextField("", maxLength: 20)
    var focus = Field.amount
    public var step = Step.form
    /// The problem with what is typed, shown under the field.
    var error: String?
    var request: Int?

    static let reasons = RefundReason.allCases

    init(view: OrderView, role: Role, policy: RefundPolicy, now: Timestamp) {
        disputes = view.detail.disputes
        self.now = now
        orderID = view.detail.order.id
        customerName = view.detail.user.name
        balances = view.balances
        paymentIndex = view.balances.firstIndex { $0.remaining > 0 } ?? 0
        self.role = role
        self.policy = policy
        fillVoidAmount(wasVoid: false)
    }

    /// A void takes the whole payment: its amount is filled in and cannot be typed over; leaving a void (another
    /// payment picked) empties the field again.
    mutating func fillVoidAmount(wasVoid: Bool) {
        if voidOnly {
            amount.set(payment.money.decimalString)
            if focus == .amount { focus = .reason }
        } else if wasVoid {
            amount.set("")
        }
    }

    /// The order as the store sees it now (another console, `serve` or the CLI may have refunded meanwhile): the
    /// balances shown are replaced and what is typed is checked again; a confirmation the new balances no longer
    /// allow goes back to the form with the reason.
    mutating func refresh(from view: OrderView) {
        guard view.detail.order.id == orderID, !view.balances.isEmpty else { return }
        let chosen = payment.id
        let wasVoid = voidOnly
        balances = view.balances
        disputes = view.detail.disputes
        paymentIndex = balances.firstIndex { $0.payment.id == chosen } ?? min(paymentIndex, balances.count - 1)
        if wasVoid != voidOnly { fillVoidAmount(wasVoid: wasVoid) }
        switch step {
        case .form:
            error = amountProblem
        case .confirm:
            if case .failure(let problem) = validate() {
                step = .form
                error = problem.message
            }
        case .working, .done:
            break
        }
    }
    var reason: RefundReason? { reasonIndex.map { Self.reasons[$0] } }
    var balance: PaymentBalance { balances[paymentIndex] }
    /// The fields in tab order: the payment picker only when there is a choice.
    var fields: [Field] {
        Field.allCases.filter { ($0 != .payment || balances.count > 1) && ($0 != .amount || !voidOnly) }
    }
    var currency: Currency { balance.currency }
    var payment: Payment { balance.payment }
    /// A payment not yet settled: only a full void.
    var voidOnly: Bool { RefundRules.isVoidOnly(payment) }
    /// The chargeback that refuses a refund on the chosen payment, if any.
    var dispute: Dispute? { Dispute.refundBlock(disputes, paymentID: payment.id) }
    /// A supervisor refunding despite that chargeback (shown on the confirmation, written to the audit).
    var overridesDispute: Bool { dispute != nil && role == .supervisor }

    /// The amount as typed, if every rule the console can check accepts it (the service checks them again, with
    /// the store's own view of what is left, before anything is sent).
    func validate(requireReason: Bool = true) -> Result<Money, EffectError> {
        do {
            let money = try RefundRules.check(
                amountText: amount.text, balance: balance, reason: reason, note: note.text,
                role: role, policy: policy
            ).amount
            _ = try RefundRules.checkDisputes(
                disputes, paymentID: payment.id, role: role, note: note.text, override: role == .supervisor,
                now: now)
            // Last: the agent chooses the reason; there is no default to file a refund under by accident.
            if requireReason && reason == nil {
                return .failure(EffectError("choose a reason: tab to Reason, then ←/→"))
            }
            return .success(money)
        } catch {
            return .failure(EffectError(error.description))
        }
    }

    /// What is wrong with the amount typed so far (nothing while it is empty), shown under the field as it changes.
    var amountProblem: String? {
        guard !amount.isEmpty, case .failure(let problem) = validate(requireReason: false) else { return nil }
        return problem.message
    }

    /// Handles a key. Returns the submission when the operator confirms, and whether the dialog should close.
    mutating func handle(_ key: Key) -> (submit: RefundSubmission?, close: Bool) {
        if let close = step.afterSubmit(key) { return (nil, close) }
        switch step {
        case .working, .done:
            return (nil, false)
        case .confirm:
            switch key {
            case .escape:
                step = .form
                retype = TextField("", maxLength: 20)
                error = nil
            case .enter:
                guard case .success(let money) = validate() else { step = .form; return (nil, false) }
                if policy.needsRetype(money) {
                    let again = try? Money.parse(retype.text, currency: currency)
                    guard again == money else {
                        error = "type \(money.decimalString) again to confirm"
                        return (nil, false)
                    }
                }
                guard let reason else { step = .form; return (nil, false) }
                step = .working
                error = nil
                return (
                    RefundSubmission(
                        orderID: orderID, paymentID: payment.id, amountText: amount.text, reason: reason,
                        note: note.text, overrideDispute: overridesDispute), false
                )
            default:
                retype.handle(key)
                error = nil
            }
            return (nil, false)
        case .form:
            switch key {
            case .escape:
                return (nil, true)
            case .tab:
                focus = next(+1)
            case .down where focus != .reason:
                focus = next(+1)
            case .backtab:
                focus = next(-1)
            case .up where focus != .reason:
                focus = next(-1)
            case .left where focus == .payment, .right where focus == .payment, .character(" ") where focus == .payment:
                let wasVoid = voidOnly
                paymentIndex = (paymentIndex + (key == .left ? balances.count - 1 : 1)) % balances.count
                fillVoidAmount(wasVoid: wasVoid)
                // The amount was checked against the other payment: check it again against this one.
                error = amountProblem
            case .enter:
                switch validate() {
                case .success: step = .confirm; error = nil
                case .failure(let problem): error = problem.message
                }
            default:
                switch focus {
                case .amount:
                    guard !voidOnly else { break }
                    amount.handle(key)
                    error = amountProblem
                case .note:
                    note.handle(key)
                case .payment:
                    break
                case .reason:
                    if key == .left || key == .up {
                        reasonIndex = ((reasonIndex ?? 0) + Self.reasons.count - 1) % Self.reasons.count
                    }
                    if key == .right || key == .down || key == .character(" ") {
                        reasonIndex = reasonIndex.map { ($0 + 1) % Self.reasons.count } ?? 0
                    }
                }
            }
            return (nil, false)
        }
    }

    /// Pasted text into the focused field of the form (the amount, the note, or the confirmation's retyped
    /// amount). Returns false where nothing takes text: a paste never confirms or picks anything.
    mutating func paste(_ text: String) -> Bool {
        switch (step, focus) {
        case (.form, .amount) where !voidOnly:
            amount.insert(text.trimmingWhitespace())
            error = amountProblem
        case (.form, .note): note.insert(text)
        case (.confirm, _):
            // Only where the confirmation asks for the amount again (the field is not shown otherwise).
            guard case .success(let money) = validate(), policy.needsRetype(money) else { return false }
            retype.insert(text.trimmingWhitespace())
        default: return false
        }
        return true
    }

    func next(_ step: Int) -> Field {
        let all = fields
        return all[((all.firstIndex(of: focus) ?? 0) + step + all.count) % all.count]
    }

    func render(into buffer: inout Buffer, theme: Theme, busy: Bool) {
        let width = min(buffer.size.width - 2, 76)
        let inner = Dialog.render(
            title: voidOnly ? "Void order \(orderID)" : "Refund order \(orderID)", width: width,
            height: min(buffer.size.height - 2, 16), into: &buffer, theme: theme)
        let base = theme[.dialog]
        var y = inner.y
        func line(_ label: String, _ value: String, _ role: ThemeRole = .dialog) {
            guard y < inner.maxY else { return }
            buffer.put(label, x: inner.x + 1, y: y, style: base.adding(.dim), maxWidth: 12)
            buffer.put(
                value, x: inner.x + 13, y: y, style: theme[role].withBackground(of: base), maxWidth: inner.width - 14)
            y += 1
        }
        let m = balance.money
        line("Customer", customerName)
        let paymentText = "\(payment.provider.label) \(payment.providerTransactionID) (\(payment.status.label))"
        if balances.count > 1, case .form = step {
            // A picker: which of the order's payments to refund.
            if y < inner.maxY {
                buffer.put(
                    "Payment", x: inner.x + 1, y: y, style: focus == .payment ? theme[.dialogTitle] : base.adding(.dim),
                    maxWidth: 12)
                let used = buffer.put(
                    "‹ \(paymentText) ›", x: inner.x + 13, y: y,
                    style: focus == .payment ? theme[.selection] : theme[.input], maxWidth: inner.width - 24)
                buffer.put(
                    " \(paymentIndex + 1) of \(balances.count)", x: inner.x + 13 + used, y: y, style: base.adding(.dim),
                    maxWidth: 10)
                y += 1
            }
        } else {
            line("Payment", paymentText)
        }
        line(
            "Captured",
            "\(m(balance.captured).formatted)   refunded \(m(balance.refunded).formatted)   in flight "
                + "\(m(balance.inFlight).formatted)"
        )
        line("Remaining", m(balance.remaining).formatted, .money)
        if let dispute, y < inner.maxY {
            // In the blank line under the balances: the reason this refund should not happen.
            buffer.put(
                theme.status(dispute.warning(now: now), .error), x: inner.x + 1, y: y,
                style: theme[.errorText].withBackground(of: base), maxWidth: inner.width - 2)
        }
        y += 1
        switch step {
        case .form:
            let fieldWidth = min(30, inner.width - 20)
            func field(_ label: String, _ f: Field, draw: (Rect) -> Void) {
                guard y < inner.maxY else { return }
                buffer.put(label, x: inner.x + 1, y: y, style: focus == f ? theme[.dialogTitle] : base, maxWidth: 12)
                draw(Rect(x: inner.x + 13, y: y, width: fieldWidth, height: 1))
                y += 1
            }
            field("Amount", .amount) { rect in
                amount.render(
                    into: &buffer, rect: rect, style: theme[.input], cursorStyle: theme[.inputCursor],
                    focused: focus == .amount,
                    placeholder: "e.g. \(m(balance.remaining).decimalString)",
                    placeholderStyle: theme[.muted].withBackground(of: theme[.input]))
                let used = buffer.put(" \(currency.code)", x: rect.maxX, y: rect.y, style: base)
                if voidOnly {
                    buffer.put(
                        " the whole payment (a void)", x: rect.maxX + used, y: rect.y, style: base.adding(.dim),
                        maxWidth: inner.maxX - rect.maxX - used)
                }
            }
            // The amount's problem, under it, wrapped onto a second line when it is long (a chargeback's refusal
            // names the dispute and what a supervisor may do): never cut off.
            var errorLines = 1
            if let error {
                let text = TerminalText.sanitize(theme.status(error, .error))
                let lines = TerminalText.wrap(text, width: inner.width - 14)
                errorLines = min(2, max(1, lines.count))
                for (i, line) in lines.prefix(errorLines).enumerated() where y + i < inner.maxY {
                    let cut = i == errorLines - 1 && lines.count > errorLines
                    buffer.put(
                        cut ? line + "…" : line, x: inner.x + 13, y: y + i,
                        style: theme[.errorText].withBackground(of: base), maxWidth: inner.width - 14)
                }
            }
            y += errorLines
            field("Reason", .reason) { rect in
                buffer.put(
                    "‹ \(reason?.label ?? "choose a reason") ›", x: rect.x, y: rect.y,
                    style: focus == .reason ? theme[.selection] : theme[.input])
            }
            field("Note", .note) { rect in
                note.render(
                    into: &buffer, rect: Rect(x: rect.x, y: rect.y, width: inner.width - 14, height: 1),
                    style: theme[.input],
                    cursorStyle: theme[.inputCursor], focused: focus == .note,
                    placeholder: reason == .other ? "required for Other" : "optional",
                    placeholderStyle: theme[.muted].withBackground(of: theme[.input]))
            }
            hint(
                balances.count > 1
                    ? "enter review · tab next field · ←/→ payment, reason · esc cancel"
                    : "enter review · tab next field · ←/→ reason · esc cancel", into: &buffer, inner: inner,
                theme: theme)
        case .confirm:
            let money = (try? Money.parse(amount.text, currency: currency)) ?? m(0)
            buffer.put(
                "\(voidOnly ? "Void" : "Refund") \(money.formatted) to \(customerName) via \(payment.provider.label)?",
                x: inner.x + 1, y: y, style: theme[.dialogTitle], maxWidth: inner.width - 2)
            y += 1
            buffer.put(
                "Reason: \(reason?.label ?? "")", x: inner.x + 1, y: y, style: base, maxWidth: inner.width - 2)
            y += 1
            // The whole note, wrapped (what is kept with the refund is what the agent confirms), in the lines the
            // confirmation can spare.
            if !note.isEmpty {
                let lines = TerminalText.wrap(TerminalText.sanitize("Note: " + note.text), width: inner.width - 2)
                let room = max(1, inner.maxY - y - 4)
                for (i, line) in lines.prefix(room).enumerated() {
                    let last = i == room - 1 && lines.count > room
                    buffer.put(
                        last ? line + "…" : line, x: inner.x + 1, y: y, style: base, maxWidth: inner.width - 2)
                    y += 1
                }
            }
            if let dispute, overridesDispute {
                buffer.put(
                    theme.status(
                        "Overrides chargeback \(dispute.id) (\(dispute.status.label)): recorded in the audit",
                        .warning),
                    x: inner.x + 1, y: y, style: theme[.statusWarning].withBackground(of: base),
                    maxWidth: inner.width - 2)
            }
            y += 1
            if policy.needsRetype(money) {
                buffer.put("Type the amount again to confirm:", x: inner.x + 1, y: y, style: base)
                retype.render(
                    into: &buffer, rect: Rect(x: inner.x + 35, y: y, width: 14, height: 1), style: theme[.input],
                    cursorStyle: theme[.inputCursor], focused: true)
                y += 1
            }
            if let error {
                buffer.put(
                    theme.status(error, .error), x: inner.x + 1, y: y,
                    style: theme[.errorText].withBackground(of: base),
                    maxWidth: inner.width - 2)
            }
            hint(
                "enter \(voidOnly ? "void" : "refund") now · esc back to the form", into: &buffer, inner: inner,
                theme: theme)
        case .working:
            buffer.put(
                "Asking \(payment.provider.label)…", x: inner.x + 1, y: y, style: theme[.dialogTitle]
            )
            buffer.put(
                "The refund is recorded first, so it happens once whatever happens next.", x: inner.x + 1, y: y + 1,
                style: base.adding(.dim), maxWidth: inner.width - 2)
        case .done(let outcome, let message):
            let tone = outcome.tone
            let lines = TerminalText.wrap(TerminalText.sanitize(message), width: inner.width - 4)
            for (i, text) in lines.prefix(5).enumerated() {
                buffer.put(
                    i == 0 ? theme.status(text, tone) : text, x: inner.x + 1, y: y + i,
                    style: theme[tone.role].withBackground(of: base), maxWidth: inner.width - 2)
            }
            if case .failed = outcome {
                hint(
                    "enter back to the form (what you typed is kept) · esc too", into: &buffer, inner: inner,
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
