// MARK: - SearchWords

/// What a person typed in the search box, as the words every store searches for (each a prefix, all required).
public enum SearchWords {
    /// Runs of letters, digits and marks, as SQLite's unicode61 tokenizer splits text; at most eight words.
    public static func split(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for scalar in text.unicodeScalars {
            let p = scalar.properties
            if p.isAlphabetic || p.numericType != nil || p.generalCategory == .nonspacingMark
                || p.generalCategory == .spacingMark
            {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return Array(words.prefix(8))
    }
}
