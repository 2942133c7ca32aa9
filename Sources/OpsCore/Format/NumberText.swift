/// Whole numbers for people: 1234567 → "1,234,567". Used for counts on screen and in reports, and for the whole
/// part of money amounts.
public enum NumberText {
    public static func grouped(_ n: some BinaryInteger) -> String {
        let digits = String(n.magnitude)
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3 + 1)
        if n < 0 { out.append("-") }
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}
