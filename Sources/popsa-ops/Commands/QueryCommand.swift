import ArgumentParser
import Foundation
import OpsConsole
import OpsCore
import OpsEngine
import OpsStore
import OpsStorePostgres

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Look customers, orders and print jobs up from the command line (a table, or --json).",
        subcommands: [
            Customers.self, Customer.self, Order.self, PrintJob.self, PrintJobs.self, Orders.self, Timeline.self,
        ])

    /// What every query takes: the database, the time, and the output form.
    struct Common: ParsableArguments {
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var time: TimeOptions
        @Flag(help: "Print JSON (stable field names; money as integer minor units plus currency).")
        var json = false

        /// The zone text shows times in: the configuration's `timezone` (UTC when no configuration is found).
        /// JSON keeps UTC, as the records do.
        static func displayZone() throws -> DisplayZone {
            try configuration()?.zone ?? .utc
        }

        /// The configuration found the usual way; nil when there is none (then the defaults apply).
        static func configuration() throws -> ConsoleConfig? {
            let environment = Environment.values(of: ConsoleConfig.locateVariables)
            do {
                guard let path = ConsoleConfig.locate(explicit: nil, environment: environment) else { return nil }
                return try ConsoleConfig.load(path: path)
            } catch {
                throw CommandFailure(message: error.description, code: .config)
            }
        }

        /// How personal data is printed: masked in text; in JSON in full only for a role the configuration lets
        /// export (`[privacy] export_roles`, supervisors by default).
        func exposure() throws -> Exposure {
            guard json else { return .masked }
            let config: ConsoleConfig
            do { config = try Self.configuration() ?? ConsoleConfig.load(path: nil) } catch let error as ConfigError {
                throw CommandFailure(message: error.description, code: .config)
            }
            let role = config.policy.role(of: Operator.current().name)
            return config.privacy.exportRoles.contains(role) ? .revealed : .masked
        }

        /// Runs a query, printing JSON or text, personal data masked as `exposure()` says; a missing record is
        /// exit 1 with a one-line message.
        func run<T: Sendable>(
            _ body: (Engine) async throws -> T, mask: (T, Exposure) -> T = { result, _ in result },
            json toJSON: (T) -> JSONValue,
            text toText: (T, DisplayZone) -> String
        ) async throws {
            // Either store: the SQLite file or the shared PostgreSQL database.
            let store = try await database.openStore(now: time.timestamp, readOnly: true)
            try await run(
                fetch: {
                    try await store.using { try await body(Engine(store: $0.reads, clock: .frozen(time.timestamp))) }
                }, mask: mask, json: toJSON, text: toText)
        }

        /// The same, for a result fetched some other way.
        func run<T: Sendable>(
            fetch: () async throws -> T, mask: (T, Exposure) -> T, json toJSON: (T) -> JSONValue,
            text toText: (T, DisplayZone) -> String
        ) async throws {
            do {
                let result = mask(try await fetch(), try exposure())
                Stdout.line(json ? toJSON(result).serialized(pretty: true) : toText(result, try Self.displayZone()))
                // Done: exit without tearing the read-only connection down (nothing to checkpoint or flush; the
                // system releases the file and its locks), which is a measurable share of a query's wall time.
                Foundation.exit(0)
            } catch let error as EngineError {
                let failure = CommandFailure(message: error.description, code: .failure)
                if json { throw JSONFailure(failure, kind: "not_found") }
                throw failure
            } catch let failure as CommandFailure where json {
                throw JSONFailure(failure, kind: failure.code == .dataError ? "bad_database" : "failed")
            }
        }
    }

    struct Customers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "customers",
            abstract:
                "Find customers by name or email words, or by any identifier (order, print job, transaction, "
                + "tracking number…)."
        )
        @OptionGroup var common: Common
        @Argument(help: "Words or an identifier.") var text: String
        @Option(help: "Most customers to list.") var limit = 50

        func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        }

        func run() async throws {
            let mask = { (result: SearchResult, exposure: Exposure) -> SearchResult in
                var masked = result
                masked.customers = result.customers.map { $0.masked(exposure) }
                return masked
            }
            let json = { (result: SearchResult) -> JSONValue in
                .object([
                    ("query", .string(result.query)), ("exact", result.exact?.json ?? .null),
                    ("customers", .array(result.customers.map(\.json))),
                ])
            }
            try await common.run(
                { try await $0.search(text, limit: limit) }, mask: mask, json: json, text: TextReports.search)
        }
    }

    struct Customer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "customer", abstract: "A customer with prints, orders, payments, refunds and print jobs.")
        @OptionGroup var common: Common
        @Argument(help: "User id, or any identifier the search accepts (email, order, pi_/ch_, tracking number…).")
        var id: String

        func run() async throws {
            try await common.run(
                { try await $0.customer(identifiedBy: id) }, mask: { $0.masked($1) }, json: \.json,
                text: TextReports.customer)
        }
    }

    struct Order: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "order",
            abstract:
                "An order: items, totals, payments and what is left to refund, print jobs, and why it has not arrived.")
        @OptionGroup var common: Common
        @Argument(help: "Order id, or a payment, pi_/ch_, print job, tracking number or dispute id.") var id: String

        func run() async throws {
            try await common.run(
                { try await $0.order(identifiedBy: id) },
                mask: { view, exposure in
                    var masked = view
                    masked.detail = view.detail.masked(exposure)
                    return masked
                },
                json: { view in
                    guard case .object(var fields) = view.detail.order.json else { return .null }
                    fields.append(("customer", view.detail.user.json))
                    fields.append(("print", view.detail.print?.json ?? .null))
                    fields.append(("payments", .array(view.detail.payments.map(\.json))))
                    fields.append(("balances", .array(view.balances.map(\.json))))
                    fields.append(("refunds", .array(view.detail.refunds.map(\.json))))
                    fields.append(("print_jobs", .array(view.detail.printJobs.map(\.json))))
                    fields.append(("disputes", .array(view.detail.disputes.map(\.json))))
                    fields.append(("diagnosis", view.diagnosis.json))
                    return .object(fields)
                }, text: TextReports.order)
        }
    }

    struct PrintJob: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "print-job", abstract: "A print job with its partner timeline.")
        @OptionGroup var common: Common
        @Argument(help: "Print job id, or its tracking number.") var id: String

        func run() async throws {
            let now = common.time.timestamp
            try await common.run(
                { try await $0.printJob(identifiedBy: id) }, mask: { $0.masked($1) }, json: \.json,
                text: {
                    TextReports.printJob($0, now: now, stuckThreshold: OrderDiagnosis.defaultStuckThreshold, zone: $1)
                })
        }
    }

    struct Timeline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "timeline",
            abstract: "What happened to an order or a customer, newest first.",
            discussion: """
                An order's timeline when ID names an order (its id, a payment, pi_/ch_, a print job, a tracking \
                number, a dispute), else the customer's: orders, payments and settlements, refunds with their \
                provider ids and notes, chargebacks, print jobs and their partners' updates, notes. --kind keeps \
                some: \(TimelineEntry.Kind.allCases.map(\.rawValue).joined(separator: ", ")).
                """)
        @OptionGroup var common: Common
        @Argument(help: "An order, a customer, or anything the search resolves to one.") var id: String
        @Option(help: ArgumentHelp("Only these kinds, comma-separated (e.g. refund,note).", valueName: "kinds"))
        var kind: String?

        func validate() throws {
            if let kind {
                do { _ = try TimelineEntry.kinds(kind) } catch { throw ValidationError("--kind: \(error.message)") }
            }
        }

        func run() async throws {
            let kinds = try kind.map { try TimelineEntry.kinds($0) }
            try await common.run(
                { engine in
                    var found = try await engine.timeline(identifiedBy: id)
                    if let kinds { found.entries = found.entries.filter { kinds.contains($0.kind) } }
                    return found
                }, json: \.json,
                text: { (found: TimelineView, zone: DisplayZone) -> String in
                    var table = TextTable([
                        .init(title: "WHEN"), .init(title: "WHAT"), .init(title: "ON"),
                        .init(title: "WHAT HAPPENED", maxWidth: 100),
                    ])
                    for e in found.entries {
                        table.add([
                            e.at.display(in: zone), e.kind.rawValue.replacingOccurrences(of: "_", with: " "),
                            e.subject, e.text.replacingOccurrences(of: "\n", with: " ⏎ "),
                        ])
                    }
                    return "Timeline of \(found.of)\n" + (found.entries.isEmpty ? "Nothing" : table.render())
                })
        }
    }

    struct PrintJobs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "print-jobs",
            abstract:
                "Print jobs, most recently updated first; with --stuck-for, jobs in progress with no partner event "
                + "for that long, longest first."
        )
        @OptionGroup var common: Common
        @Option(help: ArgumentHelp("Only this status (\(PrintJobStatus.choices)).", valueName: "status")) var status:
            String?
        @Option(help: "Only this print partner.") var partner: String?
        @Option(
            name: .customLong("stuck-for"),
            help: ArgumentHelp("Only jobs with no progress for this long (e.g. 72h, 3d).", valueName: "duration"))
        var stuckFor: String?
        @OptionGroup var paging: Paging

        func validate() throws {
            if let status, PrintJobStatus(rawValue: status) == nil {
                throw ValidationError(
                    "--status: unknown print job status \"\(status)\" (expected one of \(PrintJobStatus.choices))")
            }
            if let stuckFor {
                do { _ = try DurationText.parse(stuckFor) } catch { throw ValidationError("--stuck-for: \(error)") }
            }
        }

        func run() async throws {
            let stuck = try stuckFor.map { try DurationText.parse($0) }
            let now = common.time.timestamp
            try await common.run(
                {
                    try await $0.printJobs(
                        status: status.flatMap(PrintJobStatus.init(rawValue:)), partner: partner,
                        stuckFor: stuck, page: paging.request, limit: paging.limit)
                }, json: { Paging.json($0, key: "print_jobs") }, text: { TextReports.jobList($0, now: now, zone: $1) })
        }
    }

    struct Orders: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "orders", abstract: "Orders, newest first.")
        @OptionGroup var common: Common
        @Option(help: ArgumentHelp("Only this status (\(OrderStatus.choices)).", valueName: "status")) var status:
            String?
        @OptionGroup var paging: Paging

        func validate() throws {
            if let status, OrderStatus(rawValue: status) == nil {
                throw ValidationError(
                    "--status: unknown order status \"\(status)\" (expected one of \(OrderStatus.choices))")
            }
        }

        func run() async throws {
            try await common.run(
                {
                    try await $0.orders(
                        status: status.flatMap(OrderStatus.init(rawValue:)), page: paging.request,
                        limit: paging.limit)
                }, json: { Paging.json($0, key: "orders") }, text: TextReports.orderList)
        }
    }

    /// `--limit` and `--after`: lists page by key; the output names the cursor of the next page.
    struct Paging: ParsableArguments {
        @Option(help: "Rows per page.") var limit = 50
        @Option(help: ArgumentHelp("Continue after this cursor (printed with the previous page).", valueName: "cursor"))
        var after: String?

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
            if let after, PageCursor(token: after) == nil {
                throw ValidationError(
                    "--after: \"\(after)\" is not a cursor (expected SECONDS:ID as printed by the previous page)")
            }
        }

        var request: PageRequest { after.flatMap(PageCursor.init(token:)).map(PageRequest.after) ?? .first }

        static func json<Row: KeysetRow & JSONRepresentable>(_ page: Page<Row>, key: String) -> JSONValue {
            .object([
                (key, .array(page.rows.map(\.json))),
                ("next_cursor", page.hasMoreAfter ? .string(page.rows.last!.pageCursor.token) : .null),
            ])
        }
    }
}
