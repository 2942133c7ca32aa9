/// A colour as a theme names it. The backend maps it to what the terminal can show (direct colour, 256, 16, 8,
/// none).
public enum Color: Hashable, Sendable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// An index into the terminal's palette (0–15 the ANSI colours, 16–255 the xterm cube and greys).
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)
}

/// Text attributes, as a set of flags.
public struct Attributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = Attributes(rawValue: 1)
    public static let underline = Attributes(rawValue: 2)
    public static let reverse = Attributes(rawValue: 4)
    public static let dim = Attributes(rawValue: 8)
    public static let italic = Attributes(rawValue: 16)
}

/// How a cell is drawn.
public struct Style: Hashable, Sendable {
    public var foreground: Color
    public var background: Color
    public var attributes: Attributes

    public init(foreground: Color = .terminalDefault, background: Color = .terminalDefault, attributes: Attributes = [])
    {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    public static let plain = Style()

    public func adding(_ attributes: Attributes) -> Style {
        var copy = self
        copy.attributes.formUnion(attributes)
        return copy
    }

    /// A short text form for style snapshots: `fg=#rrggbb bg=default bold reverse`.
    public var description: String {
        var parts: [String] = []
        if foreground != .terminalDefault { parts.append("fg=\(foreground.text)") }
        if background != .terminalDefault { parts.append("bg=\(background.text)") }
        if attributes.contains(.bold) { parts.append("bold") }
        if attributes.contains(.dim) { parts.append("dim") }
        if attributes.contains(.italic) { parts.append("italic") }
        if attributes.contains(.underline) { parts.append("underline") }
        if attributes.contains(.reverse) { parts.append("reverse") }
        return parts.isEmpty ? "plain" : parts.joined(separator: " ")
    }
}

extension Color {
    /// `#rrggbb`, `@123` for a palette index, `default`.
    public var text: String {
        switch self {
        case .terminalDefault: return "default"
        case .indexed(let i): return "@\(i)"
        case .rgb(let r, let g, let b):
            return "#"
                + [r, g, b].map {
                    let h = String($0, radix: 16); return h.count == 1 ? "0" + h : h
                }.joined()
        }
    }

    /// An approximate RGB value, for mapping palette colours onto smaller palettes.
    public var approximateRGB: (Int, Int, Int)? {
        switch self {
        case .terminalDefault: return nil
        case .rgb(let r, let g, let b): return (Int(r), Int(g), Int(b))
        case .indexed(let i): return ColorPalette.rgb(ofIndex: Int(i))
        }
    }
}

/// The colours terminals have, and the nearest of them to any colour.
public enum ColorPalette {
    /// xterm's default RGB for the 16 ANSI colours.
    static let ansi16: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255),
        (255, 255, 255),
    ]
    static let cubeLevels = [0, 95, 135, 175, 215, 255]

    public static func rgb(ofIndex i: Int) -> (Int, Int, Int) {
        if i < 16 { return ansi16[i] }
        if i < 232 {
            let n = i - 16
            return (cubeLevels[n / 36], cubeLevels[n / 6 % 6], cubeLevels[n % 6])
        }
        let v = 8 + (i - 232) * 10
        return (v, v, v)
    }

    static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        // Weighted for the eye: green matters most, blue least.
        let dr = a.0 - b.0, dg = a.1 - b.1, db = a.2 - b.2
        return 3 * dr * dr + 4 * dg * dg + 2 * db * db
    }

    /// The palette index (below `count`: 8, 16 or 256) closest to `rgb`.
    public static func nearest(_ rgb: (Int, Int, Int), within count: Int) -> Int {
        var best = 0
        var bestDistance = Int.max
        let candidates: [Int] = count >= 256 ? Array(16..<256) + Array(0..<16) : Array(0..<min(count, 16))
        for i in candidates {
            let d = distance(rgb, self.rgb(ofIndex: i))
            if d < bestDistance {
                bestDistance = d
                best = i
            }
        }
        return best
    }
}
