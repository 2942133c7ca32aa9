import Crypto
import Foundation
import OpsCore

/// The signature the platform puts on every ingest request, in the scheme Stripe uses for its webhooks:
///
///     Popsa-Signature: t=1764236400,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
///
/// `v1` is the hex HMAC-SHA256 of `"\(t).\(body)"` keyed with the shared secret; several `v1` may be given while
/// the secret is being rotated. The timestamp binds the signature to a moment: a request older than the tolerance,
/// or dated in the future beyond it, is refused, so a captured request cannot be replayed later.
public enum IngestSignature {
    public static let header = "Popsa-Signature"
    /// How far the signing time may be from now, either way.
    public static let tolerance: Int64 = 300

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case missing
        case malformed
        case expired(seconds: Int64)
        case fromTheFuture(seconds: Int64)
        case mismatch

        public var description: String {
            switch self {
            case .missing: "no \(IngestSignature.header) header"
            case .malformed: "\(IngestSignature.header) is not t=TIMESTAMP,v1=HEX"
            case .expired(let s): "signed \(s) s ago, more than \(IngestSignature.tolerance) s: refused as a replay"
            case .fromTheFuture(let s): "signed \(s) s in the future: refused"
            case .mismatch: "the signature does not match the body"
            }
        }

        /// A short name for counting refusals by reason.
        public var reason: String {
            switch self {
            case .missing: "missing"
            case .malformed: "malformed"
            case .expired: "expired"
            case .fromTheFuture: "future"
            case .mismatch: "mismatch"
            }
        }
    }

    /// The header value for `body` signed at `timestamp` (what the platform's sender computes).
    public static func sign(_ body: [UInt8], secret: String, timestamp: Int64) -> String {
        "t=\(timestamp),v1=\(hex(mac(body, secret: secret, timestamp: timestamp)))"
    }

    /// Checks `headerValue` against `body`; returns normally when one of its signatures is valid and fresh.
    public static func verify(
        _ headerValue: String?, body: [UInt8], secret: String, now: Int64
    ) throws(Refusal) {
        guard let headerValue, !headerValue.isEmpty else { throw .missing }
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for part in headerValue.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw .malformed }
            switch pair[0] {
            case "t":
                guard let t = Int64(pair[1]) else { throw .malformed }
                timestamp = t
            case "v1":
                guard let bytes = unhex(pair[1]), bytes.count == SHA256.byteCount else { throw .malformed }
                signatures.append(bytes)
            default:
                continue  // other schemes are ignored, as Stripe's are
            }
        }
        guard let timestamp, !signatures.isEmpty else { throw .malformed }
        if now - timestamp > tolerance { throw .expired(seconds: now - timestamp) }
        if timestamp - now > tolerance { throw .fromTheFuture(seconds: timestamp - now) }
        let key = SymmetricKey(data: Array(secret.utf8))
        let signed = Array("\(timestamp).".utf8) + body
        // Constant-time comparison: swift-crypto's own check.
        guard
            signatures.contains(where: {
                HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: signed, using: key)
            })
        else { throw .mismatch }
    }

    static func mac(_ body: [UInt8], secret: String, timestamp: Int64) -> [UInt8] {
        let key = SymmetricKey(data: Array(secret.utf8))
        return Array(HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body, using: key))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            guard let high = value(chars[i]), let low = value(chars[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}
