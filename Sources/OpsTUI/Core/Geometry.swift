/// A terminal size in columns and rows.
public struct Size: Hashable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Parses `120x40`.
    public init?(_ text: String) {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (1...1000).contains(w),
            (1...1000).contains(h)
        else { return nil }
        self.init(width: w, height: h)
    }

    public var description: String { "\(width)x\(height)" }
}

/// A rectangle of cells. Layout helpers split it the way screens are built: rows off the top or bottom,
/// columns off the left.
public struct Rect: Hashable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public init(_ size: Size) { self.init(x: 0, y: 0, width: size.width, height: size.height) }

    public var isEmpty: Bool { width <= 0 || height <= 0 }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }

    /// The rectangle shrunk by `by` on every side.
    public func inset(_ by: Int) -> Rect { inset(horizontal: by, vertical: by) }

    public func inset(horizontal: Int, vertical: Int) -> Rect {
        Rect(x: x + horizontal, y: y + vertical, width: width - 2 * horizontal, height: height - 2 * vertical)
    }

    /// Splits off `rows` rows from the top: (top, rest).
    public func takeTop(_ rows: Int) -> (Rect, Rect) {
        let n = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: n), Rect(x: x, y: y + n, width: width, height: height - n))
    }

    /// Splits off `rows` rows from the bottom: (rest, bottom).
    public func takeBottom(_ rows: Int) -> (Rect, Rect) {
        let n = min(max(0, rows), height)
        return (
            Rect(x: x, y: y, width: width, height: height - n), Rect(x: x, y: y + height - n, width: width, height: n)
        )
    }

    /// A rectangle of at most `size` centred in this one.
    public func centered(width w: Int, height h: Int) -> Rect {
        let cw = min(w, width), ch = min(h, height)
        return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
    }

    /// Splits into `count` columns of near-equal width with `gap` columns between them.
    public func columns(_ count: Int, gap: Int = 1) -> [Rect] {
        Self.shares(of: width, count: count, gap: gap).map {
            Rect(x: x + $0.start, y: y, width: $0.length, height: height)
        }
    }

    /// Splits into `count` rows of near-equal height.
    public func rows(_ count: Int, gap: Int = 0) -> [Rect] {
        Self.shares(of: height, count: count, gap: gap).map {
            Rect(x: x, y: y + $0.start, width: width, height: $0.length)
        }
    }

    /// `total` cells cut into `count` near-equal runs with `gap` cells between them; the first runs take the rest.
    static func shares(of total: Int, count: Int, gap: Int) -> [(start: Int, length: Int)] {
        guard count > 0 else { return [] }
        let usable = total - gap * (count - 1)
        var out: [(start: Int, length: Int)] = []
        var start = 0
        for i in 0..<count {
            let length = usable / count + (i < usable % count ? 1 : 0)
            out.append((start, length))
            start += length + gap
        }
        return out
    }
}
