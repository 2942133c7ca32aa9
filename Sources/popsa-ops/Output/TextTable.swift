import OpsTUI

/// A plain-text table for the command line: header, aligned columns by display width, data made safe to print.
struct TextTable {
    struct Column {
        var title: String
        var alignment: Alignment = .left
        var maxWidth: Int = 40
    }

    var columns: [Column]
    var rows: [[String]] = []

    init(_ columns: [Column]) { self.columns = columns }

    init(_ titles: String...) { columns = titles.map { Column(title: $0) } }

    mutating func add(_ cells: [String]) { rows.append(cells.map(TerminalText.sanitize)) }

    func render() -> String {
        var widths = columns.map { TerminalText.width($0.title) }
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count {
                widths[i] = min(columns[i].maxWidth, max(widths[i], TerminalText.width(cell)))
            }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (i, column) in columns.enumerated() {
                let cell = i < cells.count ? cells[i] : ""
                let isLast = i == columns.count - 1
                parts.append(
                    isLast && column.alignment == .left
                        ? TerminalText.truncate(cell, to: widths[i])
                        : TerminalText.fit(cell, to: widths[i], alignment: column.alignment))
            }
            return parts.joined(separator: "  ")
        }
        return ([line(columns.map(\.title))] + rows.map(line)).joined(separator: "\n")
    }
}
