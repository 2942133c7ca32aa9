import OpsCore
import OpsTUI

/// The `:` commands: parsing, completion and what each does.
enum CommandMode {
    struct Spec {
        var name: String
        var aliases: [String]
        var usage: String
        /// Words that may follow, for completion.
        var arguments: [String]
    }

    static let specs: [Spec] = [
        Spec(name: "customer", aliases: ["c", "user"], usage: ":customer USER_ID", arguments: []),
        Spec(name: "order", aliases: ["o"], usage: ":order ORDER_ID", arguments: []),
        Spec(name: "job", aliases: ["j", "print-job"], usage: ":job PRINT_JOB_ID", arguments: []),
        Spec(
            name: "jobs", aliases: ["print-jobs"], usage: ":jobs [stuck [72h] | STATUS] [partner=NAME]",
            arguments: ["stuck"] + PrintJobStatus.allCases.map(\.rawValue)),
        Spec(name: "orders", aliases: [], usage: ":orders [STATUS]", arguments: OrderStatus.allCases.map(\.rawValue)),
        Spec(name: "disputes", aliases: ["chargebacks"], usage: ":disputes [all]", arguments: ["all"]),
        Spec(name: "search", aliases: ["s", "find"], usage: ":search TEXT", arguments: []),
        Spec(name: "home", aliases: [], usage: ":home", arguments: []),
        Spec(name: "recent", aliases: ["history"], usage: ":recent", arguments: []),
        Spec(name: "audit", aliases: [], usage: ":audit", arguments: []),
        Spec(
            name: "metrics", aliases: ["dashboard"], usage: ":metrics [\(MetricsWindow.choices)]",
            arguments: MetricsWindow.allCases.map(\.rawValue)),
        Spec(
            name: "theme", aliases: [], usage: ":theme NAME",
            arguments: ["default", "light", "high-contrast", "solarized-dark", "mono", "colorblind"]),
        Spec(name: "refund", aliases: [], usage: ":refund (on an order)", arguments: []),
        Spec(
            name: "reveal", aliases: [],
            usage: ":reveal \(RevealReason.allCases.map(\.rawValue).joined(separator: "|"))",
            arguments: RevealReason.allCases.map(\.rawValue)),
        Spec(name: "share", aliases: [], usage: ":share (screen-share-safe mode on or off)", arguments: []),
        Spec(
            name: "note", aliases: [], usage: ":note [#TICKET] TEXT (on a customer, an order or a print job)",
            arguments: []),
        Spec(
            name: "timeline", aliases: ["t"], usage: ":timeline [ID] (the customer's or order's shown, or ID's)",
            arguments: []),
        Spec(name: "refresh", aliases: ["reload"], usage: ":refresh", arguments: []),
        Spec(name: "help", aliases: ["h"], usage: ":help", arguments: []),
        Spec(name: "quit", aliases: ["q", "exit"], usage: ":quit", arguments: []),
    ]

    static func spec(named word: String) -> Spec? {
        specs.first { $0.name == word || $0.aliases.contains(word) }
    }

    /// Completes the word being typed. Returns the new text and, when several candidates remain, their list.
    static func complete(_ text: String, partners: [String] = []) -> (String, [String]) {
        let endsWithSpace = text.hasSuffix(" ")
        var words = text.split(separator: " ").map(String.init)
        if endsWithSpace || words.isEmpty { words.append("") }
        let candidates: [String]
        if words.count == 1 {
            candidates = specs.map(\.name)
        } else if let spec = spec(named: words[0]) {
            candidates = spec.arguments + (spec.name == "jobs" ? partners.map { "partner=" + $0 } : [])
        } else {
            return (text, [])
        }
        let partial = words[words.count - 1]
        let matches = candidates.filter { $0.hasPrefix(partial) }
        guard !matches.isEmpty else { return (text, []) }
        var common = matches[0]
        for m in matches.dropFirst() {
            while !m.hasPrefix(common) { common.removeLast() }
        }
        words[words.count - 1] = common
        let completed = words.joined(separator: " ") + (matches.count == 1 ? " " : "")
        return (completed, matches.count == 1 ? [] : matches)
    }

    enum ParseError: Error, Equatable {
        case message(String)
    }

    /// What a command line asks for.
    enum Command: Equatable {
        case go(Destination)
        case home, refresh, help, quit, audit, refund
        case metrics(MetricsWindow?)
        case reveal(RevealReason)
        /// An internal note on the record shown; a first word `#ZD-48213` is its ticket.
        case note(text: String, ticket: String?)
        case share
        case theme(String)
        /// The timeline of `ID`, or of the record shown.
        case timeline(String?)
    }

    /// - Parameter partners: the print partners known to the store; a `partner=` naming another is refused (an
    ///   empty list checks nothing: the names have not loaded yet).
    static func parse(_ line: String, stuckThreshold: Int64, partners: [String] = []) throws(ParseError) -> Command {
        let words = line.split(separator: " ").map(String.init)
        guard let first = words.first else { throw .message("type a command, e.g. :customer ID or :jobs stuck") }
        guard let spec = spec(named: first.lowercased()) else {
            throw .message("unknown command \"\(first)\": try :help")
        }
        let rest = Array(words.dropFirst())
        func one() throws(ParseError) -> String {
            guard rest.count == 1 else { throw .message("usage: \(spec.usage)") }
            return rest[0]
        }
        switch spec.name {
        case "customer": return .go(.customer(try one()))
        case "order": return .go(.order(try one()))
        case "job": return .go(.printJob(try one()))
        case "search":
            guard !rest.isEmpty else { throw .message("usage: \(spec.usage)") }
            return .go(.search(rest.joined(separator: " ")))
        case "orders":
            guard rest.count <= 1 else { throw .message("usage: \(spec.usage)") }
            guard let word = rest.first else { return .go(.orders(nil)) }
            guard let status = OrderStatus(rawValue: word) else {
                throw .message("unknown order status \"\(word)\" (\(OrderStatus.choices))")
            }
            return .go(.orders(status))
        case "jobs":
            var query = PrintJobQuery()
            var index = 0
            while index < rest.count {
                let word = rest[index]
                if word.hasPrefix("partner=") {
                    let name = String(word.dropFirst("partner=".count))
                    if !partners.isEmpty, !partners.contains(name) {
                        let near = partners.filter { $0.hasPrefix(name.prefix(3)) }
                        throw .message(
                            "unknown partner \"\(name)\": "
                                + (near.isEmpty ? "partners are " : "did you mean ")
                                + (near.isEmpty ? partners : near).joined(separator: ", ") + " (tab completes)")
                    }
                    query.partner = name
                } else if word == "stuck" {
                    query.stuckFor = stuckThreshold
                    if index + 1 < rest.count, let seconds = try? DurationText.parse(rest[index + 1]) {
                        query.stuckFor = seconds
                        index += 1
                    }
                } else if let status = PrintJobStatus(rawValue: word) {
                    query.status = status
                } else {
                    throw .message(
                        "unknown print job filter \"\(word)\": stuck [DURATION], a status "
                            + "(\(PrintJobStatus.choices)) or partner=NAME"
                    )
                }
                index += 1
            }
            return .go(.printJobs(query))
        case "disputes":
            guard rest.count <= 1, rest.first.map({ $0 == "all" }) ?? true else {
                throw .message("usage: \(spec.usage)")
            }
            return .go(.disputes(openOnly: rest.isEmpty))
        case "home": return .home
        case "recent": return .go(.recent)
        case "audit": return .audit
        case "metrics":
            guard let word = rest.first else { return .metrics(nil) }
            guard rest.count == 1, let window = MetricsWindow(rawValue: word.lowercased()) else {
                throw .message("unknown window \"\(rest.joined(separator: " "))\": one of \(MetricsWindow.choices)")
            }
            return .metrics(window)
        case "theme": return .theme(try one())
        case "refund": return .refund
        case "share": return .share
        case "reveal":
            guard rest.count == 1, let reason = RevealReason(rawValue: rest[0].lowercased()) else {
                throw .message("say why: :reveal \(RevealReason.allCases.map(\.rawValue).joined(separator: "|"))")
            }
            return .reveal(reason)
        case "note":
            var words = rest
            var ticket: String?
            if let first = words.first, first.hasPrefix("#"), first.count > 1, words.count > 1 {
                ticket = String(first.dropFirst())
                words.removeFirst()
            }
            guard !words.isEmpty else { throw .message("usage: \(spec.usage)") }
            return .note(text: words.joined(separator: " "), ticket: ticket)
        case "timeline":
            guard rest.count <= 1 else { throw .message("usage: \(spec.usage)") }
            return .timeline(rest.first)
        case "refresh": return .refresh
        case "help": return .help
        default: return .quit
        }
    }
}
