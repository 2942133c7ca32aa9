import CTermText

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - TerminalText

/// Text as a terminal will show it: untrusted strings made safe, widths in columns, truncation that never splits a
/// grapheme cluster or a double-width character.
///
/// Widths come from the C library's `wcwidth`, which is what ncurses and tmux use on the same machine: if the
/// console and the terminal disagreed on a width, every column after it would shift.
///
/// ```swift
/// TerminalText.sanitize("Zoë\u{1B}[2J")        // "Zoë␛[2J"
/// TerminalText.width("山田太郎")                 // 8
/// TerminalText.truncate("山田太郎", to: 5)       // "山田…"
/// ```
public enum TerminalText {
    /// What a C1 control, bidi override, zero-width or other invisible character is drawn as.
    public static let placeholder: Unicode.Scalar = "\u{FFFD}"
    /// The most combining marks kept on one character: more would paint over the lines above and below.
    public static let maxCombiningMarks = 4

    /// Makes a string from data safe to draw: every control (C0, DEL, C1), bidi control, zero-width or format
    /// character, and private-use or unassigned code point becomes a visible placeholder; C0 controls become their
    /// Unicode "control picture" (ESC → ␛) so support can see what was there. A combining mark with nothing to
    /// combine with gets a dotted circle. Variation selectors are dropped: terminals disagree on their width.
    public static func sanitize(_ text: String) -> String {
        // Fast path: printable ASCII needs nothing.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        var out = String.UnicodeScalarView()
        var marksOnCurrent = 0
        var haveBase = false
        // The grapheme cluster being built and its width: no cluster may be wider than a double-width character,
        // or it would overflow the cell the layout gave it (spacing marks join a cluster and each take a column:
        // found by fuzzing, Tests/Fuzz/sanitize).
        var cluster = String.UnicodeScalarView()
        var clusterWidth = 0
        func fits(_ scalar: Unicode.Scalar, width: Int) -> Bool {
            var joined = cluster
            joined.append(scalar)
            if !cluster.isEmpty && String(joined).count == 1 {
                guard clusterWidth + width <= 2 else { return false }
                cluster = joined
                clusterWidth += width
            } else {
                cluster = String.UnicodeScalarView([scalar])
                clusterWidth = width
            }
            return true
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x20 {
                out.append(Unicode.Scalar(0x2400 + v)!)
                _ = fits(Unicode.Scalar(0x2400 + v)!, width: 1)
                haveBase = true
                marksOnCurrent = 0
                continue
            }
            if v == 0x7F {
                out.append("\u{2421}")
                _ = fits("\u{2421}", width: 1)
                haveBase = true
                marksOnCurrent = 0
                continue
            }
            if v == 0xFE0E || v == 0xFE0F { continue }
            if isUnsafe(scalar) {
                out.append(placeholder)
                _ = fits(placeholder, width: 1)
                haveBase = true
                marksOnCurrent = 0
                continue
            }
            if columns(of: scalar) == 0 {
                // A zero-width combining mark: attach to the previous character, within limits.
                if !haveBase {
                    out.append("\u{25CC}")
                    _ = fits("\u{25CC}", width: 1)
                    haveBase = true
                }
                marksOnCurrent += 1
                if marksOnCurrent <= maxCombiningMarks && fits(scalar, width: 0) { out.append(scalar) }
                continue
            }
            guard fits(scalar, width: columns(of: scalar)) else { continue }
            out.append(scalar)
            haveBase = true
            marksOnCurrent = 0
        }
        return String(out)
    }

    /// Characters that must never reach a terminal as themselves.
    static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v < 0x20 || (0x7F...0x9F).contains(v) { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
            return true
        default:
            break
        }
        // Characters a terminal cannot place: wcwidth says -1 for anything it does not know as printable.
        return columns(of: scalar) < 0
    }

    /// Columns of one code point per the C library (-1: not printable, 0: combines with the previous one).
    @inline(__always)
    public static func columns(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v >= 0x20 && v < 0x7F { return 1 }
        _ = localeReady
        return Int(popsa_wcwidth(v))
    }

    /// Columns a sanitised string takes.
    public static func width(_ text: String) -> Int {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        var total = 0
        for scalar in text.unicodeScalars { total += max(0, columns(of: scalar)) }
        return total
    }

    /// Columns of one grapheme cluster.
    public static func width(_ character: Character) -> Int {
        var total = 0
        for scalar in character.unicodeScalars { total += max(0, columns(of: scalar)) }
        return total
    }

    /// Cuts a sanitised string to at most `limit` columns, ending with "…" when something was cut. Never splits a
    /// grapheme cluster; a double-width character that does not fit is left out whole.
    public static func truncate(_ text: String, to limit: Int, ellipsis: String = "…") -> String {
        guard limit > 0 else { return "" }
        if width(text) <= limit { return text }
        let ellipsisWidth = width(ellipsis)
        guard limit > ellipsisWidth else { return String(repeating: ".", count: limit) }
        var out = ""
        var used = 0
        for character in text {
            let w = width(character)
            if used + w > limit - ellipsisWidth { break }
            out.append(character)
            used += w
        }
        return out + ellipsis
    }

    /// Breaks a sanitised text into lines of at most `width` columns, at spaces where it can, never inside a
    /// grapheme cluster.
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            let candidate = line.isEmpty ? word : line + " " + word
            if self.width(candidate) <= width {
                line = candidate
                continue
            }
            if !line.isEmpty { lines.append(line) }
            // A word longer than a line is cut into pieces.
            var rest = word
            while self.width(rest) > width {
                let piece = truncate(rest, to: width, ellipsis: "")
                let taken = piece.isEmpty ? String(rest.prefix(1)) : piece
                lines.append(taken)
                rest = String(rest.dropFirst(taken.count))
            }
            line = rest
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// Pads (or truncates) to exactly `columns`.
    public static func fit(_ text: String, to columns: Int, alignment: Alignment = .left) -> String {
        let cut = truncate(text, to: columns)
        let gap = max(0, columns - width(cut))
        switch alignment {
        case .left: return cut + String(repeating: " ", count: gap)
        case .right: return String(repeating: " ", count: gap) + cut
        case .center: return String(repeating: " ", count: gap / 2) + cut + String(repeating: " ", count: gap - gap / 2)
        }
    }

    /// `wcwidth` answers per the process locale's character type; without a UTF-8 one every non-ASCII character
    /// would be "unprintable". Make sure one is set, once, before the first width is asked.
    public static let localeReady: Bool = {
        if currentCodesetIsUTF8() { return true }
        if setlocale(LC_CTYPE, "") != nil, currentCodesetIsUTF8() { return true }
        for name in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] where setlocale(LC_CTYPE, name) != nil {
            if currentCodesetIsUTF8() { return true }
        }
        return false
    }()

    private static func currentCodesetIsUTF8() -> Bool { popsa_codeset_is_utf8() != 0 }

    /// Whether the process's character type locale is UTF-8 right now.
    public static func currentLocaleIsUTF8() -> Bool { popsa_codeset_is_utf8() != 0 }
}

// MARK: - Alignment

/// Horizontal alignment of text in a column.
public enum Alignment: Sendable, Hashable {
    case left, right, center
}
