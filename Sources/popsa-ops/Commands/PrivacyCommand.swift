import ArgumentParser
import Foundation
import OpsConsole
import OpsCore
import OpsEngine

/// A customer's personal data on request (GDPR article 15): everything held about them, as JSON.
struct PrivacyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy",
        abstract: "Customers' personal data on request.",
        subcommands: [Export.self, Erase.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Everything held about a customer, in full, as JSON.",
            discussion: """
                ID is anything the search resolves to a customer (user id, email, order id, pi_…). Only a role in \
                [privacy] export_roles may export (supervisors by default); the export is recorded in the audit \
                log (privacy.exported) before anything is written. With --out the file is created owner-only and \
                never overwritten. Exit codes: 0 exported; 1 not allowed, or no such customer; 64 bad arguments; \
                73 the output file exists or cannot be created.
                """)
        @Argument(help: "The customer.") var id: String
        @Option(
            help: ArgumentHelp("Write the JSON to this new file (owner-only) instead of stdout.", valueName: "file"))
        var out: String?
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var configuration: ConfigOptions
        @OptionGroup var time: TimeOptions

        func run() async throws {
            let setup = try await ServiceSetup.open(
                database: database, configuration: configuration, time: time, readOnly: false)
            let identity = setup.identity
            guard setup.config.privacy.exportRoles.contains(identity.role) else {
                await setup.store.close()
                throw CommandFailure(
                    message: "\(identity.name) (\(identity.role.rawValue)) may not export personal data: only "
                        + "[privacy] export_roles may", code: .failure)
            }
            let output: FileHandle?
            if let out {
                // Created here, owner-only, before anything is read: an existing file is never overwritten.
                let fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard fd >= 0 else {
                    // Read before anything else can change errno (closing a PostgreSQL pool does).
                    let reason = String(cString: strerror(errno))
                    await setup.store.close()
                    throw CommandFailure(message: "--out \(out): \(reason)", code: .cantCreate)
                }
                output = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
            } else {
                output = nil
            }
            try await setup.store.using { store in
                let engine = Engine(store: store.reads, clock: setup.clock)
                let customer = try await engine.customer(identifiedBy: id)
                let now = setup.clock.now()
                // Recorded before anything leaves the database.
                try await store.ledger.appendAudit(
                    AuditRecord(
                        at: now, operatorName: identity.name, sshClient: identity.sshClient ?? "",
                        action: "privacy.exported", target: "customer \(customer.user.id)", result: "ok",
                        detail: out == nil ? "to standard output" : "to a file"))
                let export = try await engine.privacyExport(of: customer) {
                    try await store.ledger.auditEntries(limit: Int.max)
                }
                let text = export.json(exportedAt: now, by: identity.name).serialized(pretty: true) + "\n"
                if let output {
                    try output.write(contentsOf: Data(text.utf8))
                    try output.synchronize()
                    Stdout.line("Exported \(customer.user.id) to \(out ?? "")")
                } else {
                    Stdout.line(text.trimmingSuffixNewline())
                }
            }
        }
    }
}

extension String {
    fileprivate func trimmingSuffixNewline() -> String { hasSuffix("\n") ? String(dropLast()) : self }
}

// MARK: - Erase

extension PrivacyCommand {
    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "erase",
            abstract: "Erase a customer's personal data; money records are kept.",
            discussion: """
                ID is anything the search resolves to a customer. Redacts the name and email (the account becomes \
                deleted), the shipping addresses (the country is kept), print titles and photo file names, and the \
                free text of notes, refund notes and actions; keeps orders, payments, refunds and chargebacks with \
                their amounts, as accounting law requires, and the audit log, which never held personal data, so \
                `audit verify` still passes. Only [privacy] erase_roles (supervisors by default); recorded as \
                privacy.erased in the same transaction. It cannot be undone: --confirm must repeat the user id. The \
                platform keeps its own copy: erase it there too. Exit codes: 0 erased; 1 not allowed, or no such \
                customer; 64 bad arguments.
                """)
        @Argument(help: "The customer.") var id: String
        @Option(help: ArgumentHelp("Why: \(ErasureReason.choices).", valueName: "reason")) var reason: String
        @Option(help: ArgumentHelp("The customer's user id again: erasing cannot be undone.", valueName: "usr_…"))
        var confirm: String
        @Flag(help: "Print the report as JSON.") var json = false
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var configuration: ConfigOptions
        @OptionGroup var time: TimeOptions

        func validate() throws {
            guard ErasureReason(rawValue: reason) != nil else {
                throw ValidationError(
                    "--reason: \"\(reason)\" is not a reason (expected one of \(ErasureReason.choices))")
            }
        }

        func run() async throws {
            let setup = try await ServiceSetup.open(
                database: database, configuration: configuration, time: time, readOnly: false)
            let identity = setup.identity
            try await setup.store.using { store in
                guard setup.config.privacy.eraseRoles.contains(identity.role) else {
                    throw CommandFailure(
                        message: "\(identity.name) (\(identity.role.rawValue)) may not erase personal data: only "
                            + "[privacy] erase_roles may", code: .failure)
                }
                let engine = Engine(store: store.reads, clock: setup.clock)
                let user: String
                do { user = try await engine.customer(identifiedBy: id).user.id } catch EngineError.notFound {
                    throw CommandFailure(message: "no customer with id \(id)", code: .failure)
                }
                guard confirm == user else {
                    throw CommandFailure(
                        message: "--confirm: \(id) is customer \(user); repeat that id to erase them", code: .usage)
                }
                let report = try await engine.erase(
                    user, reason: ErasureReason(rawValue: reason)!, by: identity)
                Stdout.line(
                    json
                        ? report.json.serialized(pretty: true)
                        : "Erased customer \(user): \(report.summary)")
            }
        }
    }
}
