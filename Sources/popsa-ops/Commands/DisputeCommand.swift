import ArgumentParser
import Foundation
import OpsCore
import OpsEngine
import OpsTUI

/// Chargebacks from the command line: the list support answers first, and the evidence to answer with.
struct DisputeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispute",
        abstract: "Chargebacks: the open ones by evidence due date, and the evidence Popsa holds for one.",
        subcommands: [List.self, Evidence.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "Open chargebacks, the one whose evidence is due soonest first.")
        @OptionGroup var common: QueryCommand.Common
        @Flag(help: "Decided ones too (won, lost), newest first after the open ones.") var all = false

        func run() async throws {
            let now = common.time.timestamp
            try await common.run(
                { try await $0.disputes(openOnly: !all) },
                json: { rows in
                    .array(
                        rows.map { row in
                            guard case .object(var fields) = row.dispute.json else { return .null }
                            fields.append(("user_id", .string(row.userID)))
                            fields.append(("customer_name", .string(row.customerName)))
                            return .object(fields)
                        })
                },
                text: { rows, _ in
                    var table = TextTable("DUE", "STATUS", "AMOUNT", "REASON", "CUSTOMER", "ORDER", "DISPUTE")
                    for row in rows {
                        let d = row.dispute
                        table.add([
                            d.dueText(now: now) ?? "-", d.status.label, d.money.formatted, d.reasonText,
                            row.customerName, d.orderID, d.id,
                        ])
                    }
                    return rows.isEmpty ? (all ? "No disputes" : "No open disputes") : table.render()
                })
        }
    }

    struct Evidence: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "evidence",
            abstract: "The evidence Popsa holds for a chargeback, under the provider's evidence field names.",
            discussion: """
                Stripe: the fields of a dispute's `evidence` (shipping_carrier, shipping_tracking_number, \
                shipping_date, …). Braintree: text evidence categories (CARRIER_NAME, TRACKING_NUMBER, …). What \
                the provider asks for that this order lacks is listed as missing. Nothing is submitted.
                """)
        @OptionGroup var common: QueryCommand.Common
        @Argument(help: "The dispute's provider id (dp_… at Stripe).") var id: String

        func run() async throws {
            let now = common.time.timestamp
            try await common.run(
                { try await $0.disputeEvidence(id) },
                json: { evidence in
                    .object([
                        ("dispute", evidence.dispute.json),
                        ("evidence", .object(evidence.fields.map { ($0.name, .string($0.value)) })),
                        ("missing", .array(evidence.missing.map(JSONValue.string))),
                    ])
                },
                text: { evidence, _ in
                    let d = evidence.dispute
                    var out = [
                        TerminalText.sanitize(
                            "\(d.provider.label) dispute \(d.id) on order \(d.orderID): \(d.headline(now: now))"),
                        "",
                    ]
                    for field in evidence.fields {
                        let lines = field.value.split(separator: "\n", omittingEmptySubsequences: false)
                        out.append(TerminalText.sanitize("\(field.name): \(lines.first ?? "")"))
                        for line in lines.dropFirst() { out.append("  " + TerminalText.sanitize(String(line))) }
                    }
                    if !evidence.missing.isEmpty {
                        out.append("")
                        out.append("Missing: " + evidence.missing.joined(separator: ", "))
                    }
                    return out.joined(separator: "\n")
                })
        }
    }
}
