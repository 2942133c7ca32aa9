// MARK: - DisputeEvidence

/// The evidence Popsa already holds for a chargeback (who ordered what, where it was shipped, the carrier and
/// tracking number, the ship and delivery dates, the partner's timeline, the customer's upload history), under the
/// names the provider's evidence API uses: Stripe's `evidence[…]` fields, Braintree's text evidence categories.
public struct DisputeEvidence: Hashable, Sendable {
    public struct Field: Hashable, Sendable {
        /// The provider's name for it: `shipping_tracking_number`, `TRACKING_NUMBER`.
        public var name: String
        public var value: String
    }

    public var dispute: Dispute
    public var fields: [Field]
    /// What the provider's evidence asks for that Popsa does not hold for this order (for the agent to find).
    public var missing: [String]

    /// Builds the evidence from the order (with its print jobs' timelines, by job id).
    public init(dispute: Dispute, order detail: OrderDetail, timelines: [String: [PrintJobEvent]]) {
        self.dispute = dispute
        let order = detail.order
        let jobs = detail.printJobs.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        let shippedJob = jobs.last { $0.trackingNumber != nil } ?? jobs.last
        let events = jobs.flatMap { job in (timelines[job.id] ?? []).map { (job, $0) } }
            .sorted { ($0.1.at, $0.0.id, $0.1.sequence) < ($1.1.at, $1.0.id, $1.1.sequence) }
        let shipped = events.first { $0.1.status == .shipped }?.1.at
        let delivered = events.last { $0.1.status == .delivered }?.1.at
        let items = order.lineItems.map { "\($0.quantity) × \($0.description)" }.joined(separator: ", ")
        var product = "Popsa \(items) (order \(order.id), \(order.total.formatted))"
        if let print = detail.print {
            product +=
                "; designed by the customer in the Popsa app as \"\(print.print.title)\" "
                + "(\(print.print.product.label), \(print.photos.uploaded) photos uploaded)"
        }
        var timeline = ["\(order.createdAt.iso8601) order \(order.id) placed (\(order.status.label))"]
        if let print = detail.print {
            timeline.insert("\(print.print.createdAt.iso8601) print \(print.print.id) designed in the app", at: 0)
        }
        for (job, event) in events {
            let message = event.message.isEmpty ? "" : ": \(event.message)"
            timeline.append("\(event.at.iso8601) \(job.partner) job \(job.id) \(event.status.label)\(message)")
        }
        let carrier = shippedJob?.carrier, tracking = shippedJob?.trackingNumber
        var fields: [Field] = []
        var missing: [String] = []
        func add(_ name: String, _ value: String?, what: String) {
            if let value, !value.isEmpty {
                fields.append(Field(name: name, value: value))
            } else {
                missing.append(what)
            }
        }
        switch dispute.provider {
        case .stripe:
            add("customer_name", detail.user.name, what: "customer name")
            add("customer_email_address", detail.user.email, what: "customer email")
            add("product_description", product, what: "product description")
            add("shipping_address", order.shippingAddress.singleLine, what: "shipping address")
            add("shipping_carrier", carrier, what: "carrier")
            add("shipping_tracking_number", tracking, what: "tracking number")
            add("shipping_date", shipped?.dateOnly, what: "ship date")
            add("service_date", delivered?.dateOnly, what: "delivery date")
            add("access_activity_log", detail.print.map { Self.uploads($0) }, what: "upload history")
            add("uncategorized_text", timeline.joined(separator: "\n"), what: "timeline")
        case .braintree:
            add("PURCHASER_NAME", detail.user.name, what: "customer name")
            add("PURCHASER_EMAIL_ADDRESS", detail.user.email, what: "customer email")
            add("CARRIER_NAME", carrier, what: "carrier")
            add("TRACKING_NUMBER", tracking, what: "tracking number")
            add(
                "GENERAL",
                ([product, "Shipped to \(order.shippingAddress.singleLine)"]
                    + (shipped.map { ["Shipped \($0.dateOnly)"] } ?? [])
                    + (delivered.map { ["Delivered \($0.dateOnly)"] } ?? []) + timeline)
                    .joined(separator: "\n"),
                what: "timeline")
        }
        self.fields = fields
        self.missing = missing
    }

    static func uploads(_ print: PrintSummary) -> String {
        "\(print.photos.uploaded) of \(print.photos.uploaded + print.photos.missing) photos uploaded from the "
            + "customer's app for print \(print.print.id), last change \(print.print.updatedAt.iso8601)"
    }
}
