/// The JSON form of the domain: the field names the `--json` output and the JSON Lines import share.
/// Money is always an integer number of minor units plus a `currency` code; times are ISO 8601 UTC.
public protocol JSONRepresentable {
    var json: JSONValue { get }
}

extension JSONValue {
    static func time(_ t: Timestamp?) -> JSONValue { t.map { .string($0.iso8601) } ?? .null }
    static func text(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
}

// MARK: - Entities

extension User: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("email", .string(email)), ("name", .string(name)), ("country", .string(country)),
            ("locale", .string(locale)), ("status", .string(status.rawValue)), ("created_at", .time(createdAt)),
        ])
    }
}

extension Print: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("user_id", .string(userID)), ("product", .string(product.rawValue)),
            ("title", .string(title)), ("page_count", .integer(Int64(pageCount))),
            ("photo_count", .integer(Int64(photoCount))), ("created_at", .time(createdAt)),
            ("updated_at", .time(updatedAt)),
        ])
    }
}

extension PrintSummary: JSONRepresentable {
    public var json: JSONValue {
        guard case .object(var fields) = print.json else { return print.json }
        fields.append(("photos_uploaded", .integer(Int64(photos.uploaded))))
        fields.append(("photos_missing", .integer(Int64(photos.missing))))
        return .object(fields)
    }
}

extension Photo: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("print_id", .string(printID)), ("position", .integer(Int64(position))),
            ("status", .string(status.rawValue)), ("filename", .string(filename)),
            ("uploaded_at", .time(uploadedAt)),
        ])
    }
}

extension Address: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("name", .string(name)), ("line1", .string(line1)), ("line2", .string(line2)), ("city", .string(city)),
            ("region", .string(region)), ("postcode", .string(postcode)), ("country", .string(country)),
        ])
    }
}

extension Order: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("user_id", .string(userID)), ("print_id", .string(printID)),
            ("currency", .string(currency.code)), ("status", .string(status.rawValue)),
            (
                "line_items",
                .array(
                    lineItems.map { item in
                        .object([
                            ("sku", .string(item.sku)), ("description", .string(item.description)),
                            ("quantity", .integer(Int64(item.quantity))), ("unit_amount", .integer(item.unitAmount)),
                        ])
                    })
            ),
            ("subtotal_amount", .integer(subtotalAmount)), ("shipping_amount", .integer(shippingAmount)),
            ("tax_amount", .integer(taxAmount)), ("total_amount", .integer(totalAmount)),
            ("shipping_address", shippingAddress.json), ("created_at", .time(createdAt)),
        ])
    }
}

extension Payment: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("order_id", .string(orderID)), ("provider", .string(provider.rawValue)),
            ("provider_transaction_id", .string(providerTransactionID)),
            ("provider_charge_id", .text(providerChargeID)), ("amount", .integer(amount)),
            ("currency", .string(currency.code)), ("status", .string(status.rawValue)),
            ("created_at", .time(createdAt)), ("settled_at", .time(settledAt)),
        ])
    }
}

extension PrintJob: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("order_id", .string(orderID)), ("partner", .string(partner)),
            ("status", .string(status.rawValue)), ("tracking_number", .text(trackingNumber)),
            ("carrier", .text(carrier)), ("created_at", .time(createdAt)), ("updated_at", .time(updatedAt)),
        ])
    }
}

extension PrintJobEvent: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("job_id", .string(jobID)), ("sequence", .integer(Int64(sequence))), ("at", .time(at)),
            ("status", .string(status.rawValue)), ("message", .string(message)),
        ])
    }
}

extension Refund: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("order_id", .string(orderID)), ("payment_id", .string(paymentID)),
            ("provider", .string(provider.rawValue)), ("amount", .integer(amount)),
            ("currency", .string(currency.code)), ("status", .string(status.rawValue)),
            ("reason", .string(reason.rawValue)), ("note", .string(note)),
            ("gateway_refund_id", .text(gatewayRefundID)), ("is_void", .bool(isVoid)),
            ("operator", .string(operatorName)), ("failure_message", .text(failureMessage)),
            ("created_at", .time(createdAt)), ("updated_at", .time(updatedAt)),
        ])
    }
}

extension Dispute: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("payment_id", .string(paymentID)), ("order_id", .string(orderID)),
            ("provider", .string(provider.rawValue)), ("amount", .integer(amount)),
            ("currency", .string(currency.code)), ("reason", .string(reason)), ("status", .string(status.rawValue)),
            ("provider_status", .string(providerStatus)), ("blocks_refunds", .bool(status.blocksRefunds)),
            ("evidence_due_by", .time(evidenceDueBy)), ("created_at", .time(createdAt)),
            ("updated_at", .time(updatedAt)),
        ])
    }
}

// MARK: - Read models

extension PaymentBalance: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("payment_id", .string(payment.id)), ("currency", .string(currency.code)),
            ("captured_amount", .integer(captured)), ("refunded_amount", .integer(refunded)),
            ("in_flight_amount", .integer(inFlight)), ("remaining_amount", .integer(remaining)),
        ])
    }
}

extension OrderDiagnosis: JSONRepresentable {
    public var json: JSONValue {
        .array(
            findings.map { f in
                .object([
                    ("severity", .string(f.severity.rawValue)), ("text", .string(f.text)),
                    ("suggestion", .text(f.suggestion)),
                ])
            })
    }
}

extension ResolvedIdentifier: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("kind", .string(kind.rawValue)), ("user_id", .string(userID)), ("order_id", .text(orderID)),
            ("print_job_id", .text(printJobID)), ("print_id", .text(printID)),
        ])
    }
}

extension Customer360: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("user", user.json), ("prints", .array(prints.map(\.json))), ("orders", .array(orders.map(\.json))),
            ("payments", .array(payments.map(\.json))), ("refunds", .array(refunds.map(\.json))),
            ("print_jobs", .array(printJobs.map(\.json))), ("disputes", .array(disputes.map(\.json))),
            ("notes", .array(notes.map(\.json))),
        ])
    }
}

extension PrintJobDetail: JSONRepresentable {
    public var json: JSONValue {
        guard case .object(var fields) = job.json else { return job.json }
        fields.append(("user_id", .string(user.id)))
        fields.append(("customer_name", .string(user.name)))
        fields.append(("events", .array(events.map(\.json))))
        fields.append(
            (
                "hold",
                hold.map {
                    .object([("action_id", .string($0.actionID)), ("since", .time($0.since)), ("by", .string($0.by))])
                }
                    ?? .null
            ))
        fields.append(("actions", .array(actions.map(\.json))))
        return .object(fields)
    }
}

extension SupportAction: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("subject_kind", .string(subject.kind.rawValue)), ("subject_id", .string(subject.id)),
            ("user_id", .string(userID)), ("order_id", .text(orderID)), ("kind", .string(kind.rawValue)),
            ("reason", .string(reason.rawValue)), ("note", .string(note)), ("address", address?.json ?? .null),
            ("status", .string(status.rawValue)), ("idempotency_key", .string(idempotencyKey)),
            ("operator", .string(operatorName)), ("message", .text(message)), ("reference", .text(reference)),
            ("created_at", .time(createdAt)), ("updated_at", .time(updatedAt)),
        ])
    }
}

extension OrderRow: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("user_id", .string(userID)), ("customer_name", .string(customerName)),
            ("status", .string(status.rawValue)), ("total_amount", .integer(total.minorUnits)),
            ("currency", .string(total.currency.code)), ("created_at", .time(createdAt)),
        ])
    }
}

extension PrintJobRow: JSONRepresentable {
    public var json: JSONValue {
        guard case .object(var fields) = job.json else { return job.json }
        fields.append(("user_id", .string(userID)))
        fields.append(("customer_name", .string(customerName)))
        return .object(fields)
    }
}

extension Note: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("subject_kind", .string(subject.kind)), ("subject_id", .string(subject.id)),
            ("user_id", .string(userID)), ("order_id", .text(orderID)), ("author", .string(author)),
            ("at", .time(at)), ("text", .string(text)), ("ticket", .text(ticket)),
        ])
    }
}

extension AuditEntry: JSONRepresentable {
    public var json: JSONValue {
        .object([
            ("seq", .integer(sequence)), ("at", .string(record.at.iso8601)), ("operator", .string(record.operatorName)),
            ("ssh_client", .string(record.sshClient)), ("action", .string(record.action)),
            ("target", .string(record.target)), ("amount", record.amount.map { .integer($0.minorUnits) } ?? .null),
            ("currency", record.amount.map { .string($0.currency.code) } ?? .null), ("reason", .string(record.reason)),
            ("idempotency_key", .string(record.idempotencyKey)), ("gateway_ids", .string(record.gatewayIDs)),
            ("result", .string(record.result)), ("detail", .string(record.detail)), ("hash", .string(hash)),
        ])
    }
}
