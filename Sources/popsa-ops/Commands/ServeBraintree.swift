import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import OpsCore
import OpsEngine
import OpsStore

// MARK: - POST /webhooks/braintree

extension HTTPService {
    /// Braintree's notifications (a form post of bt_signature and bt_payload, verified with the API key pair), and
    /// the endpoint check Braintree makes when a webhook is set up (GET with bt_challenge).
    func addBraintreeWebhooks(store: any FeedStore, publicKey: String, privateKey: String, clock: EngineClock) {
        router.get("/webhooks/braintree") { request, _ in
            let challenge = request.uri.queryParameters.get("bt_challenge") ?? ""
            guard
                let answer = BraintreeWebhook.challengeAnswer(challenge, publicKey: publicKey, privateKey: privateKey)
            else {
                return Self.json(.badRequest, Self.error("challenge", "bt_challenge must be 20–32 hex digits"))
            }
            return Self.text(.ok, answer)
        }
        router.post("/webhooks/braintree") { request, _ in
            var request = request
            let body: [UInt8]
            do {
                body = Array(try await request.collectBody(upTo: 1 << 20).readableBytesView)
            } catch {
                return Self.json(.contentTooLarge, Self.error("too_large", "at most 1 MiB"))
            }
            let form = FormBody.decode(String(decoding: body, as: UTF8.self))
            let event: BraintreeEvent
            do throws(BraintreeWebhook.Refusal) {
                try BraintreeWebhook.verify(
                    signature: form["bt_signature"], payload: form["bt_payload"], publicKey: publicKey,
                    privateKey: privateKey)
                event = try BraintreeWebhook.parse(payload: form["bt_payload"] ?? "")
            } catch {
                Counter(
                    label: "popsa_ops_webhook_rejected_total",
                    dimensions: [("provider", "braintree"), ("reason", error.reason)]
                ).increment()
                Self.log.notice("request refused", metadata: ["from": "braintree", "reason": "\(error.reason)"])
                await Self.noteRefusal(store, .braintree, reason: error.description)
                return Self.json(.badRequest, Self.error("signature", error.description))
            }
            let now = clock.now()
            let outcome = await Self.outcome { try await store.applyBraintreeEvent(event, now: now) }
            return Self.answer(outcome, provider: .braintree)
        }
    }
}

// MARK: - FormBody

/// `application/x-www-form-urlencoded`: `+` is a space, `%XX` a byte; the first value of a name wins.
enum FormBody {
    static func decode(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func unescape(_ s: Substring) -> String? {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            }
            guard let name = unescape(parts[0]), let value = parts.count > 1 ? unescape(parts[1]) : "" else {
                continue
            }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }
}
