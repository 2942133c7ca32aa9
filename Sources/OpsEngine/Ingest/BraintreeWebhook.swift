import Crypto
import Foundation
import OpsCore

// MARK: - Signature

/// Braintree's webhook scheme: a form post of `bt_signature` and `bt_payload` (base64 of an XML notification).
/// `bt_signature` is `PUBLIC_KEY|HEX` pairs joined by `&`; HEX is the HMAC-SHA1 of the payload (as posted, or with
/// a trailing newline) keyed with the SHA-1 of the private key. Braintree checks a new endpoint by GETting it with
/// `bt_challenge`; the answer is `PUBLIC_KEY|HMAC(challenge)`. Braintree's payloads carry no timestamp in the
/// signature: replays are stopped by applying each notification once (its digest is its id).
public enum BraintreeWebhook {
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case missing
        case noMatchingKey
        case mismatch
        case badPayload(String)

        public var description: String {
            switch self {
            case .missing: "bt_signature and bt_payload are both required"
            case .noMatchingKey: "no signature made with this endpoint's public key"
            case .mismatch: "the signature does not match the payload"
            case .badPayload(let why): "the payload is not a Braintree notification: \(why)"
            }
        }

        /// A short name for counting refusals by reason.
        public var reason: String {
            switch self {
            case .missing: "missing"
            case .noMatchingKey: "malformed"
            case .mismatch: "mismatch"
            case .badPayload: "payload"
            }
        }
    }

    /// The hex HMAC-SHA1 of `data` keyed with the SHA-1 of `privateKey` (Braintree's `sha1_hmac_hash`).
    static func mac(_ data: [UInt8], privateKey: String) -> [UInt8] {
        let key = SymmetricKey(data: Insecure.SHA1.hash(data: Array(privateKey.utf8)))
        return Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: key))
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// Checks `signature` against `payload` for this endpoint's key pair.
    public static func verify(
        signature: String?, payload: String?, publicKey: String, privateKey: String
    ) throws(Refusal) {
        guard let signature, let payload, !signature.isEmpty, !payload.isEmpty else { throw .missing }
        let pairs = signature.split(separator: "&").compactMap { pair -> (Substring, Substring)? in
            let parts = pair.split(separator: "|", maxSplits: 1)
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        guard let given = pairs.first(where: { $0.0 == publicKey })?.1 else { throw .noMatchingKey }
        let givenBytes = Array(given.lowercased().utf8)
        for candidate in [payload, payload + "\n"] {
            let expected = Array(hex(mac(Array(candidate.utf8), privateKey: privateKey)).utf8)
            if constantTimeEqual(expected, givenBytes) { return }
        }
        throw .mismatch
    }

    /// The answer to Braintree's endpoint check, or nil when the challenge is not 20–32 lower-case hex digits.
    public static func challengeAnswer(_ challenge: String, publicKey: String, privateKey: String) -> String? {
        guard (20...32).contains(challenge.utf8.count), challenge.utf8.allSatisfy({ hexDigits.contains($0) }) else {
            return nil
        }
        return publicKey + "|" + hex(mac(Array(challenge.utf8), privateKey: privateKey))
    }

    static let hexDigits = Set("0123456789abcdef".utf8)

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    // MARK: Reading the notification

    /// Reads a verified payload: the kind, the time, and the subject's transaction or dispute.
    public static func parse(payload: String) throws(Refusal) -> BraintreeEvent {
        guard let xml = Data(base64Encoded: payload, options: .ignoreUnknownCharacters) else {
            throw .badPayload("not base64")
        }
        let root: XMLElementNode
        do { root = try XMLElementNode.parse(xml) } catch { throw .badPayload("\(error)") }
        guard root.name == "notification", let kind = root["kind"]?.text, !kind.isEmpty else {
            throw .badPayload("no <notification><kind>")
        }
        guard let stamp = root["timestamp"]?.text, let at = try? Timestamp(iso8601: stamp) else {
            throw .badPayload("no <timestamp>")
        }
        let digest = SHA256.hash(data: Array(payload.utf8)).map { String(format: "%02x", $0) }.joined()
        let subject = root["subject"]
        var dispute: BraintreeEvent.Subject?
        if let d = subject?["dispute"] {
            guard let id = d["id"]?.text, let transaction = d["transaction"]?["id"]?.text,
                let amount = d["amount-disputed"]?.text ?? d["amount"]?.text,
                let currency = d["currency-iso-code"]?.text, let status = d["status"]?.text
            else { throw .badPayload("a dispute needs id, transaction id, amount, currency and status") }
            dispute = BraintreeEvent.Subject(
                id: id, transactionID: transaction, amount: amount, currency: currency,
                reason: d["reason"]?.text ?? "", status: status, replyBy: d["reply-by-date"]?.text,
                createdAt: d["created-at"]?.text.flatMap { try? Timestamp(iso8601: $0) })
        }
        return BraintreeEvent(
            id: "sha256:" + digest, kind: kind, at: at,
            transactionID: subject?["transaction"]?["id"]?.text ?? dispute?.transactionID, dispute: dispute)
    }
}

// MARK: - XMLElementNode

/// A small element tree read with libxml2 (`LibXML2Reader`): names, text, children. Braintree's notifications are
/// plain elements with `type`/`nil` attributes; nothing else is kept.
struct XMLElementNode {
    var name: String
    var text: String?
    var children: [XMLElementNode] = []

    /// The first child named `name`.
    subscript(_ name: String) -> XMLElementNode? { children.first { $0.name == name } }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ data: Data) throws -> XMLElementNode {
        var stack: [(node: XMLElementNode, text: String, isNil: Bool)] = []
        var root: XMLElementNode?
        func end() {
            guard var (node, text, isNil) = stack.popLast() else { return }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            node.text = isNil || (trimmed.isEmpty && !node.children.isEmpty) ? nil : trimmed
            if stack.isEmpty { root = root ?? node } else { stack[stack.count - 1].node.children.append(node) }
        }
        do {
            try LibXML2Reader.read(data) { event in
                switch event {
                case .start(let name, let isNil, let isEmpty):
                    stack.append((XMLElementNode(name: name), "", isNil))
                    if isEmpty { end() }
                case .text(let text):
                    if !stack.isEmpty { stack[stack.count - 1].text += text }
                case .end:
                    end()
                }
            }
        } catch {
            throw ParseError(description: error.description)
        }
        guard let root else { throw ParseError(description: "no element") }
        return root
    }
}
