import OpsCore
import OpsTUI

/// A window onto a long list paged by key. Rows load a page at a time as the selection nears either end of what
/// is loaded, and the window never holds more than `maxRows`, so paging through a million orders stays within a
/// bounded amount of memory.
struct PagedList<Row: KeysetRow>: Sendable {
    static var pageSize: Int { 100 }
    static var maxRows: Int { 500 }

    enum Mode: Sendable, Hashable {
        case replace, append, prepend
        /// Same window, new data: keep the selection on the same row. `expectedBefore`: how many rows came before
        /// the reload's first row when it was asked for (nil: reloaded from the top).
        case refresh(keep: String?, expectedBefore: Int?)
    }

    var rows: [Row] = []
    var hasMoreBefore = false
    var hasMoreAfter = false
    /// The position of `rows[0]` in the whole list, when it is known (counted from the top as pages load; not
    /// known after a jump to the end until the top is reached again).
    var firstIndex: Int? = 0
    /// How many rows the whole list has (the store counts it with every page).
    var total: Int?
    /// `total` is where the store stopped counting (a filter matching very many rows): shown as "10,000+".
    var totalIsAtLeast = false
    /// Rows that arrived above the window while the operator was scrolled down ("3 new — g"), cleared at the top.
    var arrivedAbove = 0
    var table = TableState()
    var loaded = false
    var error: String?
    private(set) var pending: (request: Int, mode: Mode)?

    typealias MakeEffect = (PageRequest, Int) -> Effect

    /// The first page when nothing has loaded yet, else a reload of the rows shown.
    mutating func load(request: Int, _ make: MakeEffect) -> [Effect] {
        if !loaded && rows.isEmpty && pending == nil {
            pending = (request, .replace)
            return [make(.first, request)]
        }
        return reload(request: request, make)
    }

    /// Reloads the rows shown, keeping the selection on the same row: at the top of the list from the top, so new
    /// rows appear; scrolled down from the first row shown, counting what arrived above it.
    mutating func reload(request: Int, _ make: MakeEffect) -> [Effect] {
        let keep = rows.indices.contains(table.selected) ? rows[table.selected].pageCursor.id : nil
        // A reload brings one page: it starts a little above the selection, so the selected row is in it however
        // far down the loaded window the operator was.
        let start = max(0, min(table.selected, rows.count - 1) - Self.pageSize / 4)
        if (firstIndex == 0 && start == 0) || rows.isEmpty {
            pending = (request, .refresh(keep: keep, expectedBefore: nil))
            return [make(.first, request)]
        }
        pending = (request, .refresh(keep: keep, expectedBefore: firstIndex.map { $0 + start }))
        return [make(.from(rows[start].pageCursor), request)]
    }

    /// Starts over from the top or the bottom of the whole list.
    mutating func jump(toEnd: Bool, request: Int, _ make: MakeEffect) -> [Effect] {
        pending = (request, .replace)
        table = TableState(selected: toEnd ? Int.max : 0)
        return [make(toEnd ? .last : .first, request)]
    }

    /// Moves the selection; near the edge of the loaded window, asks for the next page.
    mutating func move(by delta: Int, viewport: Int, request: () -> Int, _ make: MakeEffect) -> [Effect] {
        table.move(by: delta, count: rows.count, viewport: viewport)
        guard pending == nil, !rows.isEmpty else { return [] }
        if hasMoreAfter, table.selected >= rows.count - viewport - 1 {
            let id = request()
            pending = (id, .append)
            return [make(.after(rows[rows.count - 1].pageCursor), id)]
        }
        if hasMoreBefore, table.selected <= viewport {
            let id = request()
            pending = (id, .prepend)
            return [make(.before(rows[0].pageCursor), id)]
        }
        return []
    }

    /// Takes a page if it is the one awaited. Returns whether it was.
    mutating func receive(_ result: Result<Page<Row>, EffectError>, request: Int, viewport: Int) -> Bool {
        guard let pending, pending.request == request else { return false }
        self.pending = nil
        loaded = true
        let page: Page<Row>
        switch result {
        case .failure(let e):
            error = e.message
            return true
        case .success(let p):
            error = nil
            page = p
        }
        if let count = page.total {
            total = count
            totalIsAtLeast = page.totalIsAtLeast
        }
        switch pending.mode {
        case .replace:
            arrivedAbove = 0
            rows = page.rows
            hasMoreBefore = page.hasMoreBefore
            hasMoreAfter = page.hasMoreAfter
            firstIndex = page.hasMoreBefore ? page.total.map { max(0, $0 - page.rows.count) } : 0
            table.selected = min(table.selected, max(0, rows.count - 1))
            table.offset = 0
        case .refresh(let keep, let expectedBefore):
            rows = page.rows
            hasMoreAfter = page.hasMoreAfter
            if let before = page.before {
                // Scrolled down: the window stays on its rows; what arrived above is counted, not shown.
                arrivedAbove += max(0, before - (expectedBefore ?? before))
                firstIndex = before
                hasMoreBefore = page.hasMoreBefore
            } else if !page.hasMoreBefore {
                firstIndex = 0
                hasMoreBefore = false
                arrivedAbove = 0
            }
            if let keep, let index = rows.firstIndex(where: { $0.pageCursor.id == keep }) {
                table.selected = index
            } else {
                table.selected = min(table.selected, max(0, rows.count - 1))
            }
        case .append:
            rows += page.rows
            hasMoreAfter = page.hasMoreAfter
            let overflow = rows.count - Self.maxRows
            if overflow > 0 {
                rows.removeFirst(overflow)
                firstIndex = firstIndex.map { $0 + overflow }
                hasMoreBefore = true
                table.selected -= overflow
                table.offset -= overflow
            }
        case .prepend:
            rows = page.rows + rows
            hasMoreBefore = page.hasMoreBefore
            firstIndex = page.hasMoreBefore ? firstIndex.map { $0 - page.rows.count } : 0
            if !page.hasMoreBefore { arrivedAbove = 0 }
            table.selected += page.rows.count
            table.offset += page.rows.count
            let overflow = rows.count - Self.maxRows
            if overflow > 0 {
                rows.removeLast(overflow)
                hasMoreAfter = true
            }
        }
        table.scrollToSelection(viewport: viewport, count: rows.count)
        return true
    }

    var isLoading: Bool { pending != nil }

    /// Where the selection is: "1,234/2,304" with the list's size counted by the store; "1,234/1,300+" (row
    /// 1,234 of at least 1,300) when only the loaded rows are known.
    var positionText: String? {
        guard !rows.isEmpty else { return nil }
        if let total, let first = firstIndex {
            let selected = min(table.selected, rows.count - 1)
            return "\(NumberText.grouped(first + selected + 1))/\(NumberText.grouped(max(total, first + rows.count)))"
                + (totalIsAtLeast ? "+" : "")
        }
        let more = hasMoreAfter || (firstIndex == nil && hasMoreBefore) ? "+" : ""
        let first = firstIndex ?? 0
        // While a jump to the end is awaited the selection is "the last row", whatever is loaded now.
        let selected = min(table.selected, rows.count - 1)
        return "\(NumberText.grouped(first + selected + 1))/\(NumberText.grouped(first + rows.count))\(more)"
    }

}
