/// SplitMix64: a small, fast, seedable generator. The demo data must be the same for the same seed on every
/// machine, so `SystemRandomNumberGenerator` is out.
public struct DemoRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for item `index` of stream `stream` under `seed`: independent of every other item, so items can
    /// be generated in any order or in parallel and still come out the same.
    public init(seed: UInt64, stream: UInt64, index: UInt64) {
        var mixer = DemoRandom(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        _ = mixer.next()
        state = mixer.next() ^ (index &* 0xD1B5_4A32_D192_ED03)
        _ = next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `0..<bound`.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next() % UInt64(bound))
    }

    /// Uniform in `range`.
    public mutating func within(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.count)
    }

    public mutating func within64(_ range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// True with probability `permille`/1000.
    public mutating func chance(_ permille: Int) -> Bool { below(1000) < permille }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Picks by integer weights.
    public mutating func weighted<T>(_ items: [(T, Int)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var roll = below(total)
        for (item, weight) in items {
            if roll < weight { return item }
            roll -= weight
        }
        return items[items.count - 1].0
    }
}

/// Deterministic, unique, opaque-looking ids: a bijection of the index, written in Crockford base 32.
public enum DemoID {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz")
    private static let alphanumeric = Array("0123456789abcdefghijklmnopqrstuvwxyz")
    private static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// A bijection on `bits`-bit integers: distinct indexes (below 2^bits) give distinct ids.
    static func scramble(_ index: UInt64, salt: UInt64, bits: UInt64 = 50) -> UInt64 {
        let mask: UInt64 = (1 << bits) - 1
        var x = (index ^ salt) & mask
        x = (x &* 0x2545_F491_4F6C_DD1D) & mask  // odd multiplier: invertible mod 2^bits
        x ^= x >> (bits / 2 - 2)
        x = (x &* 0x1B87_3593) & mask
        x ^= x >> (bits / 3)
        return x
    }

    /// `prefix` + 10 base-32 characters: 6 that grow with the index, 4 scrambled. Ids that grow in creation
    /// order (like ULIDs) keep B-tree inserts at the right edge of the index, which makes loading millions of rows
    /// several times faster than random ids would.
    public static func make(_ prefix: String, index: UInt64, salt: UInt64) -> String {
        var high = (1 << 29) + index / 8
        var low = ((index & 7) << 17) | scramble(index, salt: salt, bits: 17)
        var chars = [Character](repeating: "0", count: 10)
        for i in (6..<10).reversed() {
            chars[i] = alphabet[Int(low & 31)]
            low >>= 5
        }
        for i in (0..<6).reversed() {
            chars[i] = alphabet[Int(high & 31)]
            high >>= 5
        }
        return prefix + String(chars)
    }

    /// A Stripe-looking id (`ch_3…`, `pi_3…`): 24 base-62 characters, unique per index.
    public static func stripe(_ prefix: String, index: UInt64, salt: UInt64, random: inout DemoRandom) -> String {
        var x = scramble(index, salt: salt)
        var chars: [Character] = ["3"]
        for _ in 0..<9 {
            chars.append(base62[Int(x % 62)])
            x /= 62
        }
        for _ in 0..<14 { chars.append(base62[random.below(62)]) }
        return prefix + String(chars)
    }

    /// A Braintree-looking transaction id: 8 lowercase alphanumerics.
    public static func braintree(index: UInt64, salt: UInt64) -> String {
        var x = scramble(index, salt: salt, bits: 40)  // 2^40 < 36^8, so still one id per index
        var chars = [Character](repeating: "0", count: 8)
        for i in (0..<8).reversed() {
            chars[i] = alphanumeric[Int(x % 36)]
            x /= 36
        }
        return String(chars)
    }
}
