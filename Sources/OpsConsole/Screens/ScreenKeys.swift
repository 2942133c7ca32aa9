import OpsTUI

extension TableState {
    /// The moving keys every table shares: up, down, page up, page down, top, bottom. Returns false for any other
    /// command, which the screen then handles itself.
    mutating func move(_ command: UICommand, count: Int, viewport: Int) -> Bool {
        switch command {
        case .up: move(by: -1, count: count, viewport: viewport)
        case .down: move(by: 1, count: count, viewport: viewport)
        case .pageUp: move(by: -viewport, count: count, viewport: viewport)
        case .pageDown: move(by: viewport, count: count, viewport: viewport)
        case .top: select(0, count: count, viewport: viewport)
        case .bottom: select(count - 1, count: count, viewport: viewport)
        default: return false
        }
        return true
    }
}

extension UICommand {
    /// `next-tab` / `prev-tab`: the tab after or before `current` in `all`, wrapping round.
    func cycle<T: Equatable>(_ all: [T], from current: T) -> T {
        let index = all.firstIndex(of: current) ?? 0
        return all[(index + (self == .prevTab ? all.count - 1 : 1)) % all.count]
    }
}
