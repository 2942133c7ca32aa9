import ArgumentParser

/// A mistyped command name (`popsa-ops qeury …`, `query custmer …`) is answered with the nearest command, not with
/// argument-parser's "unexpected arguments" (the root's default subcommand, the console, would otherwise swallow it).
enum CommandSuggestion {
    /// The message for the first word of `arguments` that should name a subcommand and names none, or nil.
    static func problem(
        _ arguments: [String], command: any ParsableCommand.Type = PopsaOps.self, path: String = ""
    ) -> String? {
        let subcommands = command.configuration.subcommands
        guard let word = arguments.first, !word.hasPrefix("-"), !subcommands.isEmpty else { return nil }
        let names = subcommands.map { $0._commandName } + ["help"]
        if let sub = subcommands.first(where: { $0._commandName == word }) {
            return problem(Array(arguments.dropFirst()), command: sub, path: path.isEmpty ? word : path + " " + word)
        }
        if names.contains(word) { return nil }
        // The root passes anything else to the console, which takes no words: a word here is a mistyped command.
        // A command with a default subcommand of its own (audit → list) is left to argument-parser.
        if command != PopsaOps.self, command.configuration.defaultSubcommand != nil { return nil }
        let nearest = names.map { ($0, distance(word, $0)) }.min { $0.1 < $1.1 }
        let hint = nearest.flatMap { $0.1 <= max(2, word.count / 3) ? " (did you mean \"\($0.0)\"?)" : nil } ?? ""
        let what = path.isEmpty ? "command" : "\(path) command"
        return "unknown \(what) \"\(word)\"\(hint); the \(what)s are \(names.joined(separator: ", "))"
    }

    /// Levenshtein distance, counting a swap of two neighbours as one edit (qeury → query).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
