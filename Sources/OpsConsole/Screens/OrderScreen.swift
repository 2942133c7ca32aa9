import OpsCore
import OpsEngine
import OpsTUI

// MARK: - The order screen

/// An order: why it has not arrived, items and totals, payments with what is left to refund, refunds, print jobs.
public struct OrderScreen: Sendable {
    public let orderID: String
    public var data: Loadable<OrderView> = .loading
    public var cursor = DocumentCursor()
    public var request = 0

    init(orderID: String) {
        self.orderID = orderID
    }

    public func document(width: Int, state: AppState) -> Document {
        let (theme, now, stuckThreshold, zone) = (state.theme, state.now, state.stuckThreshold, state.zone)
        var doc = Document()
        guard let view = data.value else { return doc }
        let d = view.detail
        let o = d.order
        let status = ConsoleFormat.orderStatus(o.status, theme)
        doc.add(
            Document.Line([
                StatusLine.Segment("Order \(o.id)  ", .title), StatusLine.Segment(status.text, status.role ?? .text),
                StatusLine.Segment("  placed \(o.createdAt.display(in: zone))", .muted),
            ]))
        // A chargeback is the first thing to see: a refund now would pay the customer twice.
        for dispute in d.disputes where dispute.status.blocksRefunds {
            doc.add(
                Document.Line([
                    StatusLine.Segment(theme.status("CHARGEBACK — " + dispute.warning(now: now), .error), .statusError)
                ]))
        }
        doc.add(
            Document.Line(
                [
                    StatusLine.Segment("Customer ", .muted),
                    StatusLine.Segment(state.name(d.user.name, of: d.user.id), .text),
                    StatusLine.Segment(" <\(state.email(d.user))>", .muted),
                ], target: .customer(d.user.id)))
        doc.add("Ship to \(state.address(o.shippingAddress, of: d.user.id))", .muted)
        if let p = d.print {
            doc.add(
                "Print \"\(p.print.title)\" · \(p.print.product.label) · photos \(p.photos.uploaded) uploaded, "
                    + "\(p.photos.missing) missing",
                p.photos.missing > 0 ? .statusWarning : .muted)
        }
        doc.heading("DIAGNOSIS: WHERE IS IT?")
        for finding in view.diagnosis.findings {
            let tone: StatusTone =
                switch finding.severity {
                case .ok: .ok
                case .info: .neutral
                case .warning: .warning
                case .problem: .error
                }
            doc.add(Document.Line([StatusLine.Segment(theme.status(finding.text, tone), tone.role)]))
            if let suggestion = finding.suggestion {
                // The suggested action is one key away: `a` takes it (the job's dialog, the action chosen).
                let key = finding.action != nil && view.diagnosis.nextAction?.finding == finding ? " (press a)" : ""
                doc.add("  → \(suggestion)\(key)", finding.action != nil ? .text : .muted)
            }
        }
        doc.heading("ITEMS")
        doc.table(
            [
                TableColumn("SKU", .flex(min: 10, weight: 1)), TableColumn("ITEM", .flex(min: 10, weight: 2)),
                TableColumn("QTY", .fixed(4), .right), TableColumn("UNIT", .fixed(14), .right),
                TableColumn("TOTAL", .fixed(14), .right),
            ],
            o.lineItems.map { item in
                (
                    [
                        TableCell(item.sku), TableCell(item.description), TableCell("\(item.quantity)"),
                        TableCell(Money(minorUnits: item.unitAmount, currency: o.currency).formatted, .money),
                        TableCell(Money(minorUnits: item.lineTotal, currency: o.currency).formatted, .money),
                    ], nil
                )
            }, width: width)
        func money(_ v: Int64) -> String { Money(minorUnits: v, currency: o.currency).formatted }
        doc.add(
            "Subtotal \(money(o.subtotalAmount)) · shipping \(money(o.shippingAmount)) · tax \(money(o.taxAmount)) · "
                + "total \(o.total.formatted)",
            .money)
        doc.heading("PAYMENTS")
        doc.table(
            [
                TableColumn("PROVIDER", .fixed(9)), TableColumn("TRANSACTION", .flex(min: 10, weight: 1)),
                TableColumn("STATUS", .fixed(15)), TableColumn("CAPTURED", .fixed(14), .right),
                TableColumn("REFUNDED", .fixed(14), .right), TableColumn("REMAINING", .fixed(14), .right),
            ],
            view.balances.map { b in
                (
                    [
                        // A Stripe payment shows its charge too, so a ch_ pasted from a ticket can be confirmed.
                        TableCell(b.payment.provider.label),
                        TableCell(
                            b.payment.providerTransactionID
                                + (b.payment.providerChargeID.map { " / \($0)" } ?? ""),
                            link: state.links.payment(b.payment.provider, id: b.payment.providerTransactionID)),
                        ConsoleFormat.paymentStatus(b.payment.status, theme),
                        TableCell(b.money(b.captured).formatted, .money),
                        TableCell(b.money(b.refunded + b.inFlight).formatted + (b.inFlight > 0 ? "*" : ""), .money),
                        TableCell(b.money(b.remaining).formatted, .money),
                    ], nil
                )
            }, width: width)
        if view.balances.contains(where: { $0.inFlight > 0 }) { doc.add("* includes refunds in flight", .muted) }
        if !d.refunds.isEmpty {
            doc.heading("REFUNDS")
            doc.table(
                [
                    TableColumn("AMOUNT", .fixed(14), .right), TableColumn("STATUS", .fixed(13)),
                    TableColumn("REASON", .flex(min: 10, weight: 1)), TableColumn("BY", .fixed(10)),
                    TableColumn("WHEN", .fixed(zone.displayWidth)),
                    TableColumn("PROVIDER ID", .flex(min: 10, weight: 1)),
                    TableColumn("NOTE", .flex(min: 8, weight: 2)),
                ],
                d.refunds.map { r in
                    (
                        [
                            TableCell(r.money.formatted, .money), ConsoleFormat.refundStatus(r.status, theme),
                            TableCell(r.reason.label + (r.isVoid ? " (void)" : "")), TableCell(r.operatorName),
                            TableCell(r.createdAt.display(in: zone)), TableCell(r.gatewayRefundID ?? "—", .muted),
                            TableCell(r.note, .muted),
                        ], nil
                    )
                }, width: width)
        }
        if !d.disputes.isEmpty {
            doc.heading("DISPUTES")
            doc.table(
                [
                    TableColumn("DISPUTE", .flex(min: 10, weight: 1)), TableColumn("STATUS", .fixed(15)),
                    TableColumn("AMOUNT", .fixed(14), .right), TableColumn("REASON", .flex(min: 10, weight: 1)),
                    TableColumn("EVIDENCE DUE", .fixed(zone.displayWidth)),
                ],
                d.disputes.map { dispute in
                    let tone: StatusTone = dispute.status.blocksRefunds ? .error : .ok
                    return (
                        [
                            TableCell(dispute.id), TableCell(theme.status(dispute.status.label, tone), tone.role),
                            TableCell(dispute.money.formatted, .money), TableCell(dispute.reasonText),
                            TableCell(dispute.evidenceDueBy?.display(in: zone) ?? "—"),
                        ], nil
                    )
                }, width: width)
        }
        doc.actions(d.actions, zone: zone, width: width)
        doc.notes(d.notes, zone: zone, links: state.links, width: width, here: .order(d.order.id))
        doc.heading("PRINT JOBS")
        if d.printJobs.isEmpty { doc.add("none", .muted) }
        doc.table(
            [
                TableColumn("JOB", .fixed(14)), TableColumn("STATUS", .fixed(18)),
                TableColumn("PARTNER", .flex(min: 10, weight: 1)), TableColumn("TRACKING", .flex(min: 8, weight: 1)),
                TableColumn("UPDATED", .fixed(zone.displayWidth)),
            ],
            d.printJobs.map { j in
                (
                    [
                        TableCell(j.id), ConsoleFormat.jobStatus(j, theme, now: now, stuckThreshold: stuckThreshold),
                        TableCell(j.partner),
                        TableCell(
                            j.trackingNumber ?? "—",
                            link: j.trackingNumber.flatMap { state.links.tracking($0, carrier: j.carrier) }),
                        TableCell(j.updatedAt.display(in: zone)),
                    ],
                    .printJob(j.id)
                )
            }, width: width)
        return doc
    }

}

// MARK: - OrderScreen: DetailScreen

extension OrderScreen: DetailScreen {
    public var kind: ScreenKind { .order }
    public var title: String { "Order \(orderID)" }
    public var noteSubject: String? { data.value?.detail.order.id ?? orderID }
    public var timelineSubject: String? { data.value?.detail.order.id ?? orderID }
    /// The job action the diagnosis names (cancel after a full refund, release a hold…), else the order's own.
    public func actionTarget(ownActions: Bool) -> (subject: ActionSubject, chosen: ActionKind?)? {
        guard let view = data.value else { return nil }
        if !ownActions, case .job(let job, let kind)? = view.diagnosis.nextAction?.action {
            return (.printJob(job), kind)
        }
        return (.order(view.detail.order.id), nil)
    }
    public var helpCommands: [UICommand] {
        [.open, .refund, .action, .orderActions, .timeline, .openCustomer, .reveal, .note]
    }
    public var hintCommands: [UICommand] { [.refund, .openCustomer, .open] }
    public var loadingText: String { "Loading order \(orderID)…" }
    public var ownCopy: Copyable? { data.value.map { Copyable("order id", $0.detail.order.id) } }

    public func personalDataOwner(state: AppState) -> (userID: String, name: String)? {
        data.value.map { ($0.detail.user.id, $0.detail.user.name) }
    }

    public func loadEffect(request: Int) -> Effect { .loadOrder(orderID, request: request) }

    public static func value(in result: EffectResult) -> Result<OrderView, EffectError>? {
        if case .order(let answer) = result { return answer }
        return nil
    }

    public func destination(for command: UICommand) -> Destination? {
        command == .openCustomer ? data.value.map { .customer($0.detail.user.id) } : nil
    }

    /// Starts on the first print job, what support opens next most often, if it shows without scrolling the
    /// diagnosis away; otherwise on nothing, and down selects.
    public mutating func place(cursorIn doc: Document, viewport: Int) {
        if cursor.selected == nil, cursor.offset == 0,
            let job = doc.selectable.first(where: { doc.lines[$0].target.map(Self.isJob) ?? false }), job < viewport
        {
            cursor.selected = job
        }
        cursor.keepValid(in: doc, viewport: viewport)
    }

    static func isJob(_ d: Destination) -> Bool {
        if case .printJob = d { return true }
        return false
    }
}
