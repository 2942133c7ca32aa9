/// A sparkline: one character per value, its height proportional to the value.
public enum Sparkline {
    static let blocks: [Character] = [" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    static let ascii: [Character] = [" ", ".", ".", "-", "-", "=", "=", "#", "#"]

    /// The characters for `values` scaled to `maximum` (default: the largest value). More values than columns
    /// are summed in equal groups, so the whole series always shows.
    public static func line(_ values: [Int64], width: Int, maximum: Int64? = nil, asciiOnly: Bool = false) -> String {
        let glyphs = asciiOnly ? ascii : blocks
        var shown = values
        if width > 0, values.count > width {
            let group = (values.count + width - 1) / width
            shown = stride(from: 0, to: values.count, by: group).map {
                values[$0..<min(values.count, $0 + group)].reduce(0, +)
            }
        }
        let top = max(1, maximum ?? shown.max() ?? 1)
        var out = String(repeating: " ", count: max(0, width - shown.count))
        for value in shown {
            if value <= 0 {
                out.append(glyphs[0])
                continue
            }
            // Any non-zero value gets at least the lowest mark.
            let level = max(1, Int((Double(value) / Double(top) * 8).rounded()))
            out.append(glyphs[min(8, level)])
        }
        return out
    }

    public static func render(
        _ values: [Int64], into buffer: inout Buffer, rect: Rect, style: Style, asciiOnly: Bool = false
    ) {
        guard rect.width > 0, rect.height > 0 else { return }
        buffer.put(
            line(values, width: rect.width, asciiOnly: asciiOnly), x: rect.x, y: rect.y, style: style,
            maxWidth: rect.width)
    }
}

/// Horizontal bars with labels and values, longest value filling the width.
public enum Bars {
    public struct Item: Sendable, Hashable {
        public var label: String
        public var value: Int64
        public var valueText: String
        public var role: ThemeRole

        public init(label: String, value: Int64, valueText: String? = nil, role: ThemeRole = .chart1) {
            self.label = label
            self.value = value
            self.valueText = valueText ?? String(value)
            self.role = role
        }
    }

    public static func render(_ items: [Item], into buffer: inout Buffer, rect: Rect, theme: Theme) {
        guard rect.width > 8, rect.height > 0 else { return }
        let labelWidth = min(
            rect.width / 3, max(4, items.map { TerminalText.width(TerminalText.sanitize($0.label)) }.max() ?? 4))
        let valueWidth = min(rect.width / 4, max(1, items.map { TerminalText.width($0.valueText) }.max() ?? 1))
        let barWidth = max(1, rect.width - labelWidth - valueWidth - 2)
        let top = max(1, items.map(\.value).max() ?? 1)
        for (i, item) in items.prefix(rect.height).enumerated() {
            let y = rect.y + i
            buffer.put(item.label, in: Rect(x: rect.x, y: y, width: labelWidth, height: 1), style: theme[.text])
            let length = item.value <= 0 ? 0 : max(1, Int(Double(item.value) / Double(top) * Double(barWidth)))
            buffer.put(
                String(repeating: theme.asciiOnly ? "#" : "█", count: length), x: rect.x + labelWidth + 1, y: y,
                style: theme[item.role], maxWidth: barWidth)
            buffer.put(
                item.valueText, in: Rect(x: rect.maxX - valueWidth, y: y, width: valueWidth, height: 1),
                style: theme[.text], alignment: .right)
        }
    }
}
