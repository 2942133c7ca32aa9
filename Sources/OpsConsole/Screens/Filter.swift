import Foundation
import OpsTUI

/// The `/` filter of a list: typed text narrows the rows shown to those containing every word (case- and
/// accent-insensitive).
public struct ListFilter: Sendable {
    public var field = TextField("", maxLength: 100)
    public var editing = false

    public var isActive: Bool { editing || !field.isEmpty }

    /// The text for a filter run by the database (nil: none).
    var text: String? {
        let t = field.text.trimmingWhitespace()
        return t.isEmpty ? nil : t
    }

    /// The indexes of `rows` that match.
    func matching(_ rows: [[TableCell]]) -> [Int] {
        let words = Self.fold(field.text).split(separator: " ")
        guard !words.isEmpty else { return Array(rows.indices) }
        return rows.indices.filter { i in
            let haystack = Self.fold(rows[i].map(\.text).joined(separator: " "))
            return words.allSatisfy { haystack.contains($0) }
        }
    }

    static func fold(_ s: String) -> String {
        s.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    /// Handles a key while typing; nil when the key is not for the filter.
    mutating func handleTyping(_ key: Key) -> Bool? {
        guard editing else { return nil }
        switch key {
        case .enter:
            editing = false
            return true
        case .escape:
            editing = false
            field.set("")
            return true
        default:
            return field.handle(key) ? true : nil
        }
    }

    /// Pasted text while typing; nil when the filter is not being typed.
    mutating func paste(_ text: String) -> Bool? {
        guard editing else { return nil }
        return field.insert(text.trimmingWhitespace())
    }

    func render(into buffer: inout Buffer, rect: Rect, theme: Theme) {
        guard isActive, rect.height > 0 else { return }
        let label = "Filter: "
        let used = buffer.put(label, x: rect.x, y: rect.y, style: theme[.key])
        field.render(
            into: &buffer, rect: Rect(x: rect.x + used, y: rect.y, width: rect.width - used, height: 1),
            style: theme[.input], cursorStyle: theme[.inputCursor], focused: editing)
    }
}

/// A screen with a `/` filter: typed and pasted text goes to the filter while it is open.
protocol FilteringScreen: ConsoleScreen {
    var filter: ListFilter { get set }
    /// The filter's text changed: the selection goes back to the first row (a list filtered by the database
    /// asks for its first page again).
    mutating func filterChanged(state: inout AppState) -> [Effect]
}

extension FilteringScreen {
    public mutating func handleTyping(_ key: Key, state: inout AppState) -> Reply? {
        let before = filter.field.text
        guard filter.handleTyping(key) != nil else { return nil }
        return filter.field.text == before ? Reply.none : Reply(filterChanged(state: &state))
    }

    public mutating func handlePaste(_ text: String, state: inout AppState) -> Reply? {
        guard filter.paste(text) != nil else { return nil }
        return Reply(filterChanged(state: &state))
    }
}

/// Rows of a table with where each leads.
struct RowSet {
    var cells: [[TableCell]] = []
    var targets: [Destination?] = []

    mutating func append(_ row: [TableCell], _ target: Destination?) {
        cells.append(row)
        targets.append(target)
    }

    /// The id of the row at `index`, for `y`.
    func copyable(at index: Int) -> Copyable? {
        targets.indices.contains(index) ? targets[index]?.copyable : nil
    }

    /// The rows left by `filter`.
    func filtered(_ filter: ListFilter) -> RowSet {
        let keep = filter.matching(cells)
        return RowSet(cells: keep.map { cells[$0] }, targets: keep.map { targets[$0] })
    }
}
