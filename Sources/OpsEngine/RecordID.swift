import Foundation

/// Ids for the records operators create (notes, actions): 20 hex digits, the first 12 the wall clock's
/// microseconds and the last 8 random, so that records made in the same second (the screens order by time, then
/// id) keep the order they were made in, on any box, whatever the engine's clock says.
enum RecordID {
    static func make(_ prefix: String) -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let micros = UInt64(spec.tv_sec) &* 1_000_000 &+ UInt64(spec.tv_nsec / 1000)
        let time = String(micros & 0xFFFF_FFFF_FFFF, radix: 16)
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        return prefix + String(repeating: "0", count: 12 - time.count) + time
            + String(repeating: "0", count: 8 - random.count) + random
    }
}
