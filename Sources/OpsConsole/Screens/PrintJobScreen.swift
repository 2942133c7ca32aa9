import OpsCore
import OpsEngine
import OpsTUI

/// A print job: its status at the partner, stuck or not, and the partner's event timeline.
public struct PrintJobScreen: Sendable {
    public let jobID: String
    public var data: Loadable<PrintJobDetail> = .loading
    public var cursor = DocumentCursor()
    public var request = 0

    init(jobID: String) {
        self.jobID = jobID
    }

    public func document(width: Int, state: AppState) -> Document {
        let (theme, now, stuckThreshold, zone) = (state.theme, state.now, state.stuckThreshold, state.zone)
        var doc = Document()
        guard let d = data.value else { return doc }
        let j = d.job
        let status = ConsoleFormat.jobStatus(j, theme, now: now, stuckThreshold: stuckThreshold)
        doc.add(
            Document.Line([
                StatusLine.Segment("Print job \(j.id)  ", .title),
                StatusLine.Segment(status.text, status.role ?? .text),
                StatusLine.Segment("  at \(j.partner)", .text),
            ]))
        if j.isStuck(now: now, threshold: stuckThreshold) {
            doc.add(
                theme.status(
                    "STUCK: no event from \(j.partner) for \(DurationText.format(now.seconds - j.updatedAt.seconds)) "
                        + "(threshold \(DurationText.format(stuckThreshold)))",
                    .warning), .highlight)
        }
        if let hold = d.hold {
            doc.add(
                theme.status(
                    "ON HOLD since \(hold.since.display(in: zone)) by \(hold.by): not printed until released (a)",
                    .warning), .highlight)
        }
        doc.add(
            Document.Line(
                [
                    StatusLine.Segment("Order ", .muted), StatusLine.Segment(d.order.id, .text),
                    StatusLine.Segment("  \(d.order.total.formatted) · \(d.order.status.label)", .muted),
                ],
                target: .order(d.order.id)))
        doc.add(
            Document.Line(
                [
                    StatusLine.Segment("Customer ", .muted),
                    StatusLine.Segment(state.name(d.user.name, of: d.user.id), .text),
                    StatusLine.Segment(" <\(state.email(d.user))>", .muted),
                ], target: .customer(d.user.id)))
        if let tracking = j.trackingNumber {
            doc.add(
                Document.Line([
                    StatusLine.Segment("Tracking ", .text),
                    StatusLine.Segment(
                        TerminalText.sanitize(tracking), .text,
                        link: state.links.tracking(tracking, carrier: j.carrier)),
                    StatusLine.Segment(j.carrier.map { " with \($0)" } ?? "", .text),
                ]))
        }
        doc.add(
            "Created \(j.createdAt.display(in: zone)) · last event \(j.updatedAt.display(in: zone)) "
                + "(\(DurationText.format(now.seconds - j.updatedAt.seconds)) ago)",
            .muted)
        doc.actions(d.actions, zone: zone, width: width)
        doc.notes(d.notes, zone: zone, links: state.links, width: width, here: .printJob(j.id))
        doc.heading("PARTNER TIMELINE")
        doc.table(
            [
                TableColumn("#", .fixed(3), .right), TableColumn("AT", .fixed(zone.displayWidth)),
                TableColumn("STATUS", .fixed(10)),
                TableColumn("MESSAGE", .flex(min: 20, weight: 1)),
            ],
            d.events.map { e in
                (
                    [
                        TableCell("\(e.sequence)"), TableCell(e.at.display(in: zone)),
                        TableCell(
                            e.status.label,
                            e.status == .failed ? .statusError : (e.status == .delivered ? .statusOK : .text)),
                        TableCell(e.message),
                    ], nil
                )
            }, width: width)
        return doc
    }

}

extension PrintJobScreen: DetailScreen {
    public var kind: ScreenKind { .printJob }
    public var title: String { "Job \(jobID)" }
    public var noteSubject: String? { data.value?.job.id ?? jobID }
    /// A job's timeline is its order's.
    public var timelineSubject: String? { data.value?.order.id }
    public func actionTarget(ownActions: Bool) -> (subject: ActionSubject, chosen: ActionKind?)? {
        data.value.map { (.printJob($0.job.id), nil) }
    }
    public var helpCommands: [UICommand] { [.open, .openOrder, .openCustomer, .action, .reveal, .note] }
    public var hintCommands: [UICommand] { [.action, .openOrder, .openCustomer, .open] }
    public var loadingText: String { "Loading print job \(jobID)…" }
    public func personalDataOwner(state: AppState) -> (userID: String, name: String)? {
        data.value.map { ($0.user.id, $0.user.name) }
    }

    public var ownCopy: Copyable? {
        data.value.map { d in
            d.job.trackingNumber.map { Copyable("tracking number", $0) } ?? Copyable("print job id", d.job.id)
        }
    }

    public func loadEffect(request: Int) -> Effect { .loadPrintJob(jobID, request: request) }

    public static func value(in result: EffectResult) -> Result<PrintJobDetail, EffectError>? {
        if case .printJob(let answer) = result { return answer }
        return nil
    }

    public func destination(for command: UICommand) -> Destination? {
        switch command {
        case .openOrder: data.value.map { .order($0.order.id) }
        case .openCustomer: data.value.map { .customer($0.user.id) }
        default: nil
        }
    }
}
