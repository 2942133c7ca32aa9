// MARK: - Note

/// An internal note an operator leaves on a customer, an order or a print job, for the next agent: who, when, what,
/// and the helpdesk ticket it belongs to. Notes are free text, so they live in their own table, never in the
/// hash-chained audit log (whose entry names the note by id only): a privacy erasure can redact them and the chain
/// still verifies.
public struct Note: Hashable, Sendable, Identifiable {
    /// What a note is about.
    public enum Subject: Hashable, Sendable {
        case customer(String)
        case order(String)
        case printJob(String)

        /// How it is stored: `customer`, `order`, `print_job`.
        public var kind: String {
            switch self {
            case .customer: "customer"
            case .order: "order"
            case .printJob: "print_job"
            }
        }

        public var id: String {
            switch self {
            case .customer(let id), .order(let id), .printJob(let id): id
            }
        }

        /// As the audit names it: `order ord_…`.
        public var target: String {
            switch self {
            case .customer(let id): "customer \(id)"
            case .order(let id): "order \(id)"
            case .printJob(let id): "print job \(id)"
            }
        }

        public init?(kind: String, id: String) {
            switch kind {
            case "customer": self = .customer(id)
            case "order": self = .order(id)
            case "print_job": self = .printJob(id)
            default: return nil
            }
        }
    }

    public var id: String
    public var subject: Subject
    /// The customer whose record it is (for the customer's screen, their timeline, an erasure).
    public var userID: String
    /// The order it belongs to: the order's own id, or a print job's order (nil for a note on the customer).
    public var orderID: String?
    /// The OS account that wrote it.
    public var author: String
    public var at: Timestamp
    public var text: String
    /// A helpdesk ticket reference ("ZD-48213"), shown as a link when configured.
    public var ticket: String?

    public init(
        id: String, subject: Subject, userID: String, orderID: String?, author: String, at: Timestamp, text: String,
        ticket: String?
    ) {
        self.id = id
        self.subject = subject
        self.userID = userID
        self.orderID = orderID
        self.author = author
        self.at = at
        self.text = text
        self.ticket = ticket
    }
}

// MARK: - What a note may hold

/// Why a note was not added, in words for the status bar and stderr.
public enum NoteRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(Int)
    case badTicket(String)
    case viewer
    case notFound(String)

    public var description: String {
        switch self {
        case .empty: "a note needs some text"
        case .tooLong(let count): "a note is at most \(Note.maxLength) characters (this one has \(count))"
        case .badTicket(let ticket):
            "a ticket reference is up to 64 letters, digits and - _ . # / : (not \"\(ticket)\")"
        case .viewer: "viewers cannot add notes"
        case .notFound(let id): "nothing with id \(id) to add a note to"
        }
    }
}

extension Note {
    public static let maxLength = 2000

    /// The text as kept (ends trimmed; line breaks kept, other control characters refused by the sanitiser when
    /// drawn) and the ticket, or why not.
    public static func checked(
        text: String, ticket: String?
    ) throws(NoteRefusal) -> (text: String, ticket: String?) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        guard trimmed.count <= maxLength else { throw .tooLong(trimmed.count) }
        let ticket = ticket?.trimmingWhitespace()
        if let ticket, !ticket.isEmpty {
            let allowed = ticket.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                    || "-_.#/:".utf8.contains(byte)
            }
            guard allowed, ticket.utf8.count <= 64 else { throw .badTicket(ticket) }
            return (trimmed, ticket)
        }
        return (trimmed, nil)
    }
}
