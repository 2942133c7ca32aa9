import OpsCore
import OpsEngine
import OpsTUI

/// The readable (non-JSON) output of `query`. Every string from data goes through `TerminalText.sanitize`.
enum TextReports {
    static func safe(_ s: String) -> String { TerminalText.sanitize(s) }

    static func money(_ amount: Int64, _ currency: Currency) -> String {
        Money(minorUnits: amount, currency: currency).formatted
    }

    static func search(_ result: SearchResult, zone: DisplayZone) -> String {
        var out: [String] = []
        if let exact = result.exact {
            var line = "Exact match: \(exact.kind.label) → customer \(safe(exact.userID))"
            if let order = exact.orderID { line += ", order \(safe(order))" }
            if let job = exact.printJobID { line += ", print job \(safe(job))" }
            out.append(line)
        }
        if !result.customers.isEmpty {
            var table = TextTable("ID", "NAME", "EMAIL", "COUNTRY", "STATUS", "SINCE")
            for u in result.customers {
                table.add([u.id, u.name, u.email, u.country, u.status.label, u.createdAt.date(in: zone)])
            }
            out.append(table.render())
        }
        if out.isEmpty { out.append("No customers match \"\(safe(result.query))\"") }
        return out.joined(separator: "\n\n")
    }

    static func customer(_ c: Customer360, zone: DisplayZone) -> String {
        let u = c.user
        var out = [
            "\(safe(u.name)) <\(safe(u.email))>  \(safe(u.id))",
            "Country \(safe(u.country)) · locale \(safe(u.locale)) · \(u.status.label) · customer since "
                + "\(u.createdAt.date(in: zone))",
        ]
        var prints = TextTable([
            .init(title: "PRINT"), .init(title: "PRODUCT"), .init(title: "TITLE"),
            .init(title: "PAGES", alignment: .right), .init(title: "PHOTOS", alignment: .right),
            .init(title: "MISSING", alignment: .right), .init(title: "CREATED"),
        ])
        for p in c.prints {
            prints.add([
                p.print.id, p.print.product.label, p.print.title, "\(p.print.pageCount)",
                "\(p.photos.uploaded + p.photos.missing)", "\(p.photos.missing)", p.print.createdAt.date(in: zone),
            ])
        }
        out.append(section("Prints", c.prints.count, prints))
        var orders = TextTable([
            .init(title: "ORDER"), .init(title: "STATUS"), .init(title: "TOTAL", alignment: .right),
            .init(title: "PRINT"), .init(title: "CREATED"),
        ])
        for o in c.orders {
            orders.add([o.id, o.status.label, o.total.formatted, o.printID, o.createdAt.display(in: zone)])
        }
        out.append(section("Orders", c.orders.count, orders))
        out.append(section("Payments", c.payments.count, payments(c.payments, zone: zone)))
        out.append(section("Refunds", c.refunds.count, refunds(c.refunds, zone: zone)))
        out.append(section("Print jobs", c.printJobs.count, jobs(c.printJobs, zone: zone)))
        if !c.notes.isEmpty { out.append(section("Notes", c.notes.count, notes(c.notes, zone: zone))) }
        return out.joined(separator: "\n")
    }

    /// Notes, newest first: when, who, on what, the ticket, the text (line breaks shown as ⏎).
    static func notes(_ notes: [Note], zone: DisplayZone) -> TextTable {
        var table = TextTable([
            .init(title: "AT"), .init(title: "BY"), .init(title: "ON"), .init(title: "TICKET"),
            .init(title: "NOTE", maxWidth: 80),
        ])
        for n in notes {
            table.add([
                n.at.display(in: zone), n.author, n.subject.target, n.ticket ?? "-",
                n.text.replacingOccurrences(of: "\n", with: " ⏎ "),
            ])
        }
        return table
    }

    static func order(_ view: OrderView, zone: DisplayZone) -> String {
        let d = view.detail
        let o = d.order
        var out = [
            "Order \(safe(o.id)) · \(o.status.label) · \(o.createdAt.display(in: zone))",
            "Customer \(safe(d.user.name)) <\(safe(d.user.email))> \(safe(d.user.id))",
            "Ship to \(safe(o.shippingAddress.singleLine))",
        ]
        if let p = d.print {
            out.append(
                "Print \(safe(p.print.id)) · \(p.print.product.label) · \"\(safe(p.print.title))\" · photos "
                    + "\(p.photos.uploaded) uploaded, \(p.photos.missing) missing"
            )
        }
        out.append("")
        out.append("Why not arrived? \(safe(view.diagnosis.headline.text))")
        for f in view.diagnosis.findings {
            var line = "  [\(f.severity.rawValue)] \(safe(f.text))" + (f.suggestion.map { " → \(safe($0))" } ?? "")
            if case .job(let job, let kind)? = f.action {
                line += " (popsa-ops job \(kind.rawValue) \(safe(job)) --reason … --yes)"
            }
            out.append(line)
        }
        var items = TextTable([
            .init(title: "SKU"), .init(title: "ITEM"), .init(title: "QTY", alignment: .right),
            .init(title: "UNIT", alignment: .right), .init(title: "TOTAL", alignment: .right),
        ])
        for item in o.lineItems {
            items.add([
                item.sku, item.description, "\(item.quantity)", money(item.unitAmount, o.currency),
                money(item.lineTotal, o.currency),
            ])
        }
        out.append(section("Line items", o.lineItems.count, items))
        out.append(
            "Subtotal \(money(o.subtotalAmount, o.currency)) · shipping \(money(o.shippingAmount, o.currency)) · tax "
                + "\(money(o.taxAmount, o.currency)) · total \(o.total.formatted)"
        )
        var balances = TextTable([
            .init(title: "PAYMENT"), .init(title: "PROVIDER"), .init(title: "TRANSACTION"),
            .init(title: "STATUS"), .init(title: "CAPTURED", alignment: .right),
            .init(title: "REFUNDED", alignment: .right), .init(title: "IN FLIGHT", alignment: .right),
            .init(title: "REMAINING", alignment: .right),
        ])
        for b in view.balances {
            balances.add([
                b.payment.id, b.payment.provider.label, b.payment.providerTransactionID, b.payment.status.label,
                b.money(b.captured).formatted, b.money(b.refunded).formatted, b.money(b.inFlight).formatted,
                b.money(b.remaining).formatted,
            ])
        }
        out.append(section("Payments", view.balances.count, balances))
        out.append(section("Refunds", d.refunds.count, refunds(d.refunds, zone: zone)))
        out.append(section("Print jobs", d.printJobs.count, jobs(d.printJobs, zone: zone)))
        if !d.disputes.isEmpty {
            var disputes = TextTable([
                .init(title: "DISPUTE"), .init(title: "PROVIDER"), .init(title: "STATUS"),
                .init(title: "AMOUNT", alignment: .right), .init(title: "REASON"), .init(title: "EVIDENCE DUE"),
            ])
            for x in d.disputes {
                disputes.add([
                    x.id, x.provider.label, x.status.label, x.money.formatted, x.reasonText,
                    x.evidenceDueBy?.display(in: zone) ?? "-",
                ])
            }
            out.append(section("Disputes", d.disputes.count, disputes))
        }
        if !d.actions.isEmpty { out.append(section("Actions", d.actions.count, actions(d.actions, zone: zone))) }
        if !d.notes.isEmpty { out.append(section("Notes", d.notes.count, notes(d.notes, zone: zone))) }
        return out.joined(separator: "\n")
    }

    static func printJob(_ d: PrintJobDetail, now: Timestamp, stuckThreshold: Int64, zone: DisplayZone) -> String {
        let j = d.job
        var header =
            "Print job \(safe(j.id)) · \(j.status.label) at \(safe(j.partner)) · order \(safe(j.orderID)) · customer "
            + "\(safe(d.user.name)) (\(safe(d.user.id)))"
        if j.isStuck(now: now, threshold: stuckThreshold) {
            header += "\nSTUCK: no partner event for \(DurationText.format(now.seconds - j.updatedAt.seconds))"
        }
        if let tracking = j.trackingNumber {
            header += "\nTracking \(safe(tracking))" + (j.carrier.map { " with \(safe($0))" } ?? "")
        }
        var events = TextTable([
            .init(title: "#", alignment: .right), .init(title: "AT"), .init(title: "STATUS"),
            .init(title: "MESSAGE", maxWidth: 80),
        ])
        for e in d.events { events.add(["\(e.sequence)", e.at.display(in: zone), e.status.label, e.message]) }
        if let hold = d.hold {
            header +=
                "\nON HOLD since \(hold.since.display(in: zone)) (by \(safe(hold.by)), action \(safe(hold.actionID)))"
        }
        let notes = d.notes.isEmpty ? "" : "\n" + section("Notes", d.notes.count, notes(d.notes, zone: zone))
        let actions =
            d.actions.isEmpty ? "" : "\n" + section("Actions", d.actions.count, actions(d.actions, zone: zone))
        return header + "\n" + section("Timeline", d.events.count, events) + actions + notes
    }

    /// Support's actions on a record, newest first.
    static func actions(_ actions: [SupportAction], zone: DisplayZone) -> TextTable {
        var table = TextTable([
            .init(title: "AT"), .init(title: "ACTION"), .init(title: "STATUS"), .init(title: "BY"),
            .init(title: "REASON"), .init(title: "NOTE", maxWidth: 60),
        ])
        for a in actions {
            table.add([
                a.createdAt.display(in: zone),
                "\(a.kind.rawValue) \(a.id)"
                    + (a.kind == .reprint && a.status == .succeeded ? " → \(a.reference ?? "")" : ""),
                a.status.label + (a.message.map { ": \($0)" } ?? ""), a.operatorName, a.reason.label, a.note,
            ])
        }
        return table
    }

    static func orderList(_ page: Page<OrderRow>, zone: DisplayZone) -> String {
        var table = TextTable([
            .init(title: "ORDER"), .init(title: "STATUS"), .init(title: "TOTAL", alignment: .right),
            .init(title: "CUSTOMER"), .init(title: "CREATED"),
        ])
        for r in page.rows {
            table.add([r.id, r.status.label, r.total.formatted, r.customerName, r.createdAt.display(in: zone)])
        }
        return list(table, count: page.rows.count, next: page.hasMoreAfter ? page.rows.last?.pageCursor : nil)
    }

    static func jobList(_ page: Page<PrintJobRow>, now: Timestamp, zone: DisplayZone) -> String {
        var table = TextTable([
            .init(title: "JOB"), .init(title: "STATUS"), .init(title: "PARTNER"),
            .init(title: "NO UPDATE FOR", alignment: .right), .init(title: "ORDER"),
            .init(title: "CUSTOMER"),
        ])
        for r in page.rows {
            table.add([
                r.job.id, r.job.status.label, r.job.partner, DurationText.format(now.seconds - r.job.updatedAt.seconds),
                r.job.orderID, r.customerName,
            ])
        }
        return list(table, count: page.rows.count, next: page.hasMoreAfter ? page.rows.last?.pageCursor : nil)
    }

    private static func list(_ table: TextTable, count: Int, next: PageCursor?) -> String {
        if count == 0 { return "No matching rows" }
        var out = table.render()
        if let next { out += "\n\nMore rows: add --after \(next.token)" }
        return out
    }

    private static func payments(_ payments: [Payment], zone: DisplayZone) -> TextTable {
        var table = TextTable([
            .init(title: "PAYMENT"), .init(title: "ORDER"), .init(title: "PROVIDER"),
            .init(title: "TRANSACTION"), .init(title: "AMOUNT", alignment: .right),
            .init(title: "STATUS"), .init(title: "CREATED"),
        ])
        for p in payments {
            table.add([
                p.id, p.orderID, p.provider.label, p.providerTransactionID, p.money.formatted, p.status.label,
                p.createdAt.display(in: zone),
            ])
        }
        return table
    }

    private static func refunds(_ refunds: [Refund], zone: DisplayZone) -> TextTable {
        var table = TextTable([
            .init(title: "REFUND"), .init(title: "ORDER"), .init(title: "AMOUNT", alignment: .right),
            .init(title: "STATUS"), .init(title: "REASON"), .init(title: "BY"), .init(title: "CREATED"),
        ])
        for r in refunds {
            table.add([
                r.id, r.orderID, r.money.formatted, r.isVoid ? "\(r.status.label) (void)" : r.status.label,
                r.reason.label, r.operatorName, r.createdAt.display(in: zone),
            ])
        }
        return table
    }

    private static func jobs(_ jobs: [PrintJob], zone: DisplayZone) -> TextTable {
        var table = TextTable("JOB", "ORDER", "PARTNER", "STATUS", "TRACKING", "UPDATED")
        for j in jobs {
            table.add([
                j.id, j.orderID, j.partner, j.status.label, j.trackingNumber ?? "—", j.updatedAt.display(in: zone),
            ])
        }
        return table
    }

    private static func section(_ title: String, _ count: Int, _ table: TextTable) -> String {
        "\n\(title.uppercased()) (\(count))\n" + (count == 0 ? "none" : table.render())
    }
}
