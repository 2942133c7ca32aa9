import ArgumentParser
import Foundation
import OpsCore
import OpsEngine
import OpsTUI

/// Internal notes from the command line: add one to a customer, an order or a print job; list a customer's.
struct NoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note",
        abstract: "Internal notes on customers, orders and print jobs, for the next agent.",
        subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a note to a customer, an order or a print job.",
            discussion: """
                ID is anything the search resolves exactly: a user id or email (the note is on the customer), an \
                order id, payment id, pi_/ch_ or Braintree transaction (on the order), a print job id or tracking \
                number (on the job). The note is written with your OS account as its author and an audit entry \
                that names it by id (the text stays out of the hash chain). Viewers cannot add notes. Exit codes: \
                0 added; 1 nothing with that id, or refused; 64 empty or over-long text, or a malformed ticket.
                """)
        @Argument(help: "What the note is about.") var id: String
        @Option(help: ArgumentHelp("The note (up to \(Note.maxLength) characters).", valueName: "text"))
        var text: String
        @Option(help: ArgumentHelp("The helpdesk ticket it belongs to, e.g. ZD-48213.", valueName: "ticket"))
        var ticket: String?
        @Flag(help: "Print the note as JSON.") var json = false
        @Flag(name: .customLong("read-only"), help: "Act as a viewer (notes are then refused).") var readOnly = false
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var configuration: ConfigOptions
        @OptionGroup var time: TimeOptions

        func validate() throws {
            do { _ = try Note.checked(text: text, ticket: ticket) } catch {
                throw ValidationError(error.description)
            }
        }

        func run() async throws {
            let setup = try await ServiceSetup.open(
                database: database, configuration: configuration, time: time, readOnly: readOnly)
            try await setup.store.using { store in
                let engine = Engine(store: store.reads, clock: setup.clock)
                let note: Note
                do {
                    note = try await engine.addNote(about: id, text: text, ticket: ticket, by: setup.identity)
                } catch let refusal as NoteRefusal {
                    throw CommandFailure(message: refusal.description, code: .failure)
                }
                Stdout.line(
                    json
                        ? note.json.serialized(pretty: true)
                        : "Added note \(note.id) to \(note.subject.target) (by \(note.author))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "A customer's notes (on them, their orders and print jobs), newest first.")
        @OptionGroup var common: QueryCommand.Common
        @Argument(help: "The customer: any identifier the search resolves (user id, email, order id…).")
        var id: String

        func run() async throws {
            try await common.run(
                { try await $0.notes(identifiedBy: id) },
                json: { .array($0.notes.map(\.json)) },
                text: { found, zone in
                    found.notes.isEmpty ? "No notes" : TextReports.notes(found.notes, zone: zone).render()
                })
        }
    }
}
