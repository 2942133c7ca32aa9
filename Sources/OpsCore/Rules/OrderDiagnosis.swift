/// Why an order has not arrived (or that it has): the findings support reads first on an order.
public struct OrderDiagnosis: Hashable, Sendable {
    public enum Severity: String, Sendable, Hashable, Comparable {
        case ok, info, warning, problem

        public static func < (a: Severity, b: Severity) -> Bool {
            [Severity.ok, .info, .warning, .problem].firstIndex(of: a)! < [Severity.ok, .info, .warning, .problem]
                .firstIndex(of: b)!
        }
    }

    public struct Finding: Hashable, Sendable {
        public var severity: Severity
        public var text: String
        /// What support can do about it, per Popsa's refund and reprint policy.
        public var suggestion: String?
        /// The action the suggestion names, when the console can take it (one key on the order: `a`).
        public var action: SuggestedAction?

        public init(_ severity: Severity, _ text: String, suggestion: String? = nil, action: SuggestedAction? = nil) {
            self.severity = severity
            self.text = text
            self.suggestion = suggestion
            self.action = action
        }
    }

    /// An action a finding suggests, which the console offers on the order.
    public enum SuggestedAction: Hashable, Sendable {
        case job(String, ActionKind)
    }

    /// The first action the findings suggest, most serious finding first.
    public var nextAction: (finding: Finding, action: SuggestedAction)? {
        for finding in findings.sorted(by: { $0.severity > $1.severity }) {
            if let action = finding.action { return (finding, action) }
        }
        return nil
    }

    public var findings: [Finding]

    /// The most serious finding: the one-line answer.
    public var headline: Finding {
        findings.max { $0.severity < $1.severity } ?? Finding(.info, "Nothing to report")
    }

    /// A job with no partner event for this long is stuck.
    public static let defaultStuckThreshold: Int64 = 72 * 3600
    /// Popsa's policy: a partial refund is possible for delays over 14 days after dispatch.
    public static let lateDeliveryThreshold: Int64 = 14 * 86_400

    public init(findings: [Finding]) { self.findings = findings }

    public init(detail: OrderDetail, now: Timestamp, stuckThreshold: Int64 = defaultStuckThreshold) {
        var findings: [Finding] = []
        let order = detail.order
        switch order.status {
        case .cancelled:
            findings.append(Finding(.info, "Order was cancelled"))
        case .pending:
            findings.append(Finding(.warning, "Payment is authorised but not captured: nothing is printed until it is"))
        case .refunded:
            findings.append(Finding(.info, "Order was refunded in full"))
        case .partiallyRefunded, .paid:
            break
        }
        for dispute in detail.disputes {
            switch dispute.status {
            case .needsResponse:
                findings.append(
                    Finding(
                        .problem, dispute.headline(now: now),
                        suggestion: "Send the evidence before it is due: popsa-ops dispute evidence \(dispute.id)"))
            case .underReview, .lost:
                findings.append(Finding(.problem, dispute.headline(now: now)))
            case .won:
                findings.append(Finding(.info, dispute.headline(now: now)))
            }
        }
        if let print = detail.print, print.photos.missing > 0, order.status != .cancelled {
            let total = print.photos.missing + print.photos.uploaded
            findings.append(
                Finding(
                    .problem,
                    "\(print.photos.missing) of \(total) photos never finished uploading: printing is blocked",
                    suggestion:
                        "Ask the customer to open the app on Wi-Fi to finish the upload; if the photos are lost, "
                        + "refund (missing photos)"
                ))
        }
        for payment in detail.payments where payment.provider == .braintree && payment.status.isVoidable {
            findings.append(
                Finding(
                    .info,
                    "Braintree payment \(payment.providerTransactionID) is not settled yet: only a full void is "
                        + "possible"
                ))
        }
        if detail.printJobs.isEmpty, order.status == .paid || order.status == .partiallyRefunded {
            findings.append(
                Finding(
                    .problem, "No print job was created for this paid order",
                    suggestion: "Escalate to the fulfilment team"))
        }
        for job in detail.printJobs {
            if let hold = detail.holds[job.id], !job.status.isTerminal {
                findings.append(
                    Finding(
                        .warning,
                        "On hold since \(hold.since.dateOnly) (by \(hold.by)): \(job.partner) will not print it",
                        suggestion: "Release print job \(job.id) when the customer is ready",
                        action: .job(job.id, .release)))
                continue
            }
            // Money back in full while the partner still has the job: it would be printed and shipped for free.
            if order.status == .refunded || detail.payments.contains(where: { $0.status == .voided }),
                ActionRules.beforePrinting.contains(job.status)
            {
                findings.append(
                    Finding(
                        .problem,
                        (order.status == .refunded ? "Refunded in full" : "Voided")
                            + ", but print job \(job.id) (\(job.status.label) at \(job.partner), not printed yet) "
                            + "will still be printed and shipped",
                        suggestion: "Cancel print job \(job.id) before it prints", action: .job(job.id, .cancel)))
                continue
            }
            var finding = Self.finding(for: job, now: now, stuckThreshold: stuckThreshold)
            // A book that failed or went missing is reprinted, unless a later job of the order already is its
            // reprint.
            let followedUp = detail.printJobs.contains {
                ($0.createdAt.seconds, $0.id) > (job.createdAt.seconds, job.id)
            }
            if !followedUp, job.status == .failed || (finding.severity == .warning && job.status == .shipped) {
                finding.action = .job(job.id, .reprint)
            }
            findings.append(finding)
        }
        self.findings = findings.isEmpty ? [Finding(.info, "Nothing to report")] : findings
    }

    static func finding(for job: PrintJob, now: Timestamp, stuckThreshold: Int64) -> Finding {
        let since = DurationText.format(now.seconds - job.updatedAt.seconds)
        switch job.status {
        case .delivered:
            return Finding(.ok, "Delivered \(job.updatedAt.dateOnly) (\(job.partner))")
        case .failed:
            return Finding(
                .problem, "\(job.partner) failed the job on \(job.updatedAt.dateOnly)",
                suggestion: "Reprint print job \(job.id), or refund if the customer does not want one (manufacturing "
                    + "fault)")
        case .cancelled:
            return Finding(.info, "Print job was cancelled")
        case .shipped:
            let carrier = job.carrier ?? "the carrier"
            let tracking = job.trackingNumber.map { ", tracking \($0)" } ?? ""
            if now.seconds - job.updatedAt.seconds > lateDeliveryThreshold {
                return Finding(
                    .warning, "Shipped \(since) ago with \(carrier)\(tracking) and not delivered",
                    suggestion:
                        "Late delivery: reprint print job \(job.id) if it is lost; a partial refund is possible after "
                        + "14 days; after three failed deliveries, a full refund"
                )
            }
            return Finding(.info, "In transit with \(carrier)\(tracking), shipped \(since) ago")
        case .queued, .sent, .accepted, .printing:
            if job.isStuck(now: now, threshold: stuckThreshold) {
                return Finding(
                    .warning, "Stuck: no update from \(job.partner) for \(since) (\(job.status.label))",
                    suggestion: "Chase \(job.partner) for news of print job \(job.id)", action: .job(job.id, .chase))
            }
            return Finding(.info, "\(job.status.label.capitalizedFirst) at \(job.partner), last update \(since) ago")
        }
    }
}

extension String {
    /// "printing" → "Printing".
    public var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
