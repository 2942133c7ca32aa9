// MARK: - One timeline of a customer or an order

/// What happened to a customer or an order, newest first, from every record the store holds: orders, payments
/// (and their settlement), refunds with their provider ids and notes, chargebacks, print jobs and their partners'
/// updates, and operators' notes.
public struct TimelineEntry: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case signup, order, payment, refund, dispute, printJob = "print_job", partner, action, note
    }

    public var at: Timestamp
    public var kind: Kind
    /// The record it is about (an order, payment, refund, dispute, job or note id).
    public var subject: String
    public var text: String

    public init(at: Timestamp, kind: Kind, subject: String, text: String) {
        self.at = at
        self.kind = kind
        self.subject = subject
        self.text = text
    }

    /// The kinds a filter names (`refund,note`), or why not.
    public static func kinds(_ text: String) throws(RecordFieldError) -> Set<Kind> {
        var kinds: Set<Kind> = []
        for word in text.split(separator: ",") {
            guard let kind = Kind(rawValue: String(String(word).trimmingWhitespace().map { $0 == "-" ? "_" : $0 }))
            else {
                throw RecordFieldError(
                    field: "kind",
                    message: "\"\(word)\" is not one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kinds.insert(kind)
        }
        return kinds
    }
}

/// A timeline and whose it is (`order ord_…`, `customer usr_…`).
public struct TimelineView: Hashable, Sendable {
    public var of: String
    public var entries: [TimelineEntry]

    public init(of: String, entries: [TimelineEntry]) {
        self.of = of
        self.entries = entries
    }

    public var json: JSONValue {
        .object([
            ("of", .string(of)),
            (
                "entries",
                .array(
                    entries.map { e in
                        .object([
                            ("at", .string(e.at.iso8601)), ("kind", .string(e.kind.rawValue)),
                            ("subject", .string(e.subject)), ("text", .string(e.text)),
                        ])
                    })
            ),
        ])
    }
}

public enum Timeline {
    /// A customer's: their signup and everything of theirs; `events` are their print jobs' partner timelines.
    public static func customer(
        _ c: Customer360, events: [String: [PrintJobEvent]], actions: [SupportAction] = []
    ) -> [TimelineEntry] {
        var entries = [
            TimelineEntry(
                at: c.user.createdAt, kind: .signup, subject: c.user.id, text: "Signed up (\(c.user.country))")
        ]
        entries += c.orders.map(order)
        entries += records(
            payments: c.payments, refunds: c.refunds, disputes: c.disputes, jobs: c.printJobs, events: events,
            notes: c.notes, actions: actions)
        return sorted(entries)
    }

    /// An order's: the order, its payments, refunds, chargebacks, print jobs with their partners' updates, notes.
    /// `actions`: the customer's; those on this order and its jobs are kept.
    public static func order(
        _ d: OrderDetail, events: [String: [PrintJobEvent]], actions: [SupportAction] = []
    ) -> [TimelineEntry] {
        sorted(
            [order(d.order)]
                + records(
                    payments: d.payments, refunds: d.refunds, disputes: d.disputes, jobs: d.printJobs, events: events,
                    notes: d.notes, actions: actions.filter { $0.orderID == d.order.id }))
    }

    static func order(_ o: Order) -> TimelineEntry {
        TimelineEntry(
            at: o.createdAt, kind: .order, subject: o.id,
            text: "Order placed: \(o.total.formatted)"
                + (o.lineItems.first.map { " (\($0.description)" + (o.lineItems.count > 1 ? " and more)" : ")") } ?? "")
        )
    }

    static func records(
        payments: [Payment], refunds: [Refund], disputes: [Dispute], jobs: [PrintJob],
        events: [String: [PrintJobEvent]], notes: [Note], actions: [SupportAction]
    ) -> [TimelineEntry] {
        var entries: [TimelineEntry] = []
        for p in payments {
            entries.append(
                TimelineEntry(
                    at: p.createdAt, kind: .payment, subject: p.id,
                    text: "Paid \(p.money.formatted) via \(p.provider.label) \(p.providerTransactionID) "
                        + "(\(p.status.label))"))
            if let settled = p.settledAt {
                entries.append(
                    TimelineEntry(
                        at: settled, kind: .payment, subject: p.id,
                        text: "Settled \(p.money.formatted) at \(p.provider.label)"))
            }
        }
        for r in refunds {
            var text =
                "\(r.isVoid ? "Void" : "Refund") \(r.money.formatted) (\(r.reason.label)) by \(r.operatorName): "
                + r.status.label
            if let id = r.gatewayRefundID { text += " · \(id)" }
            if !r.note.isEmpty { text += " · note: \(r.note)" }
            entries.append(TimelineEntry(at: r.createdAt, kind: .refund, subject: r.id, text: text))
        }
        for d in disputes {
            entries.append(
                TimelineEntry(
                    at: d.createdAt, kind: .dispute, subject: d.id,
                    text:
                        "Chargeback \(d.money.formatted) (\(d.reasonText)) at \(d.provider.label): "
                        + d.status.label))
        }
        for j in jobs {
            entries.append(
                TimelineEntry(
                    at: j.createdAt, kind: .printJob, subject: j.id, text: "Print job sent to \(j.partner)"))
            for e in events[j.id] ?? [] {
                entries.append(
                    TimelineEntry(
                        at: e.at, kind: .partner, subject: j.id,
                        text: "\(j.partner): \(e.status.label)" + (e.message.isEmpty ? "" : " — \(e.message)")))
            }
        }
        for a in actions {
            var text = "\(a.kind.label) (\(a.subject.target)) by \(a.operatorName), \(a.reason.label.lowercased()): "
            text += a.status.label
            if a.kind == .reprint, a.status == .succeeded, let job = a.reference { text += " · new job \(job)" }
            if let message = a.message { text += " · \(message)" }
            if !a.note.isEmpty { text += " · note: \(a.note)" }
            entries.append(TimelineEntry(at: a.createdAt, kind: .action, subject: a.id, text: text))
        }
        for n in notes {
            entries.append(
                TimelineEntry(
                    at: n.at, kind: .note, subject: n.id,
                    text: "Note by \(n.author)" + (n.ticket.map { " [\($0)]" } ?? "") + " on \(n.subject.target): "
                        + n.text))
        }
        return entries
    }

    /// Newest first; at one time the later step of a story first (a refund after its payment), then by subject and
    /// text, so the order never depends on how the records were read.
    static func sorted(_ entries: [TimelineEntry]) -> [TimelineEntry] {
        let rank = Dictionary(uniqueKeysWithValues: TimelineEntry.Kind.allCases.enumerated().map { ($1, $0) })
        return entries.sorted {
            ($0.at.seconds, rank[$0.kind]!, $0.subject, $0.text) > ($1.at.seconds, rank[$1.kind]!, $1.subject, $1.text)
        }
    }
}
