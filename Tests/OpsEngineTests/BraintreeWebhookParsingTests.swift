import Foundation
import OpsCore
import Testing

@testable import OpsEngine

/// Braintree's webhook scheme on its own: the key derivation checked against a value Braintree's Python SDK
/// computed (`verify("20f9…")` with the key pair below), signatures made with another key or over another payload
/// refused, and the XML read into a notification.
@Suite struct BraintreeWebhookParsingTests {
    let publicKey = "pubkey_x", privateKey = "privkey_y"

    @Test func theChallengeAnswerIsBraintreesOwn() {
        #expect(
            BraintreeWebhook.challengeAnswer(
                "20f9f8ed05f77439fe955c977e4c8a53", publicKey: publicKey, privateKey: privateKey)
                == "pubkey_x|acfb0fcd5eb94fe426b04ea17174bde9b89491aa")
        #expect(BraintreeWebhook.challengeAnswer("XYZ", publicKey: publicKey, privateKey: privateKey) == nil)
    }

    func signed(_ payload: String, with key: String) -> String {
        "\(publicKey)|" + BraintreeWebhook.hex(BraintreeWebhook.mac(Array(payload.utf8), privateKey: key))
    }

    @Test func onlyThisKeyPairsSignatureOverThisPayloadIsAccepted() throws {
        let payload = Data("<notification/>".utf8).base64EncodedString() + "\n"
        let good = signed(payload, with: privateKey)
        try BraintreeWebhook.verify(signature: good, payload: payload, publicKey: publicKey, privateKey: privateKey)
        // Rotation: several pairs, ours among them.
        try BraintreeWebhook.verify(
            signature: "old_key|00ff&" + good, payload: payload, publicKey: publicKey, privateKey: privateKey)
        #expect(throws: BraintreeWebhook.Refusal.mismatch) {
            try BraintreeWebhook.verify(
                signature: signed(payload, with: "other"), payload: payload, publicKey: publicKey,
                privateKey: privateKey)
        }
        #expect(throws: BraintreeWebhook.Refusal.mismatch) {
            try BraintreeWebhook.verify(
                signature: good, payload: "x" + payload, publicKey: publicKey, privateKey: privateKey)
        }
        #expect(throws: BraintreeWebhook.Refusal.noMatchingKey) {
            try BraintreeWebhook.verify(
                signature: good, payload: payload, publicKey: "someone_else", privateKey: privateKey)
        }
        #expect(throws: BraintreeWebhook.Refusal.missing) {
            try BraintreeWebhook.verify(signature: nil, payload: payload, publicKey: publicKey, privateKey: privateKey)
        }
    }

    @Test func aDisputeNotificationIsRead() throws {
        let xml = """
            <notification>
              <timestamp type="datetime">2026-11-27T09:00:00Z</timestamp>
              <kind>dispute_lost</kind>
              <subject><dispute>
                <id>dp_9</id><amount>10.00</amount><amount-disputed>12.50</amount-disputed>
                <currency-iso-code>GBP</currency-iso-code><reason>fraud</reason><reason-code nil="true"/>
                <reply-by-date type="date">2026-12-01</reply-by-date><status>lost</status>
                <created-at type="datetime">2026-11-20T10:00:00Z</created-at>
                <transaction><id>tx_7</id><amount>12.50</amount></transaction>
              </dispute></subject>
            </notification>
            """
        let payload = Data(xml.utf8).base64EncodedString()
        let event = try BraintreeWebhook.parse(payload: payload)
        let at = try Timestamp(iso8601: "2026-11-27T09:00:00Z")
        #expect(event.kind == "dispute_lost" && event.at == at)
        #expect(event.transactionID == "tx_7" && event.id.hasPrefix("sha256:"))
        #expect(event.dispute?.amount == "12.50" && event.dispute?.status == "lost")
        #expect(event.dispute?.replyBy == "2026-12-01" && event.dispute?.reason == "fraud")
        #expect(throws: BraintreeWebhook.Refusal.self) {
            try BraintreeWebhook.parse(payload: Data("<notification><kind>x".utf8).base64EncodedString())
        }
    }

    /// libxml2 as `LibXML2Reader` opens it: entities and CDATA decoded, `nil="true"` and empty elements without
    /// text, and a document type's external entity never read (no file, no network).
    @Test func theXMLIsReadAsLibxml2ReadsItWithoutExternalEntities() throws {
        let tree = try XMLElementNode.parse(
            Data(
                """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- a comment -->
                <notification><kind>a &amp; b &#233;</kind><note><![CDATA[<raw>]]></note><gone nil="true">x</gone>
                <empty/><subject><id>tx_1</id></subject></notification>
                """.utf8))
        #expect(tree.name == "notification")
        #expect(tree["kind"]?.text == "a & b é")
        #expect(tree["note"]?.text == "<raw>")
        #expect(tree["gone"] != nil && tree["gone"]?.text == nil)
        #expect(tree["empty"]?.text == "" && tree["subject"]?["id"]?.text == "tx_1")
        #expect(tree["subject"]?.text == nil)

        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("xxe-\(getpid()).txt")
        try "SECRET-FROM-DISK".write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        let hostile = """
            <?xml version="1.0"?>
            <!DOCTYPE notification [<!ENTITY x SYSTEM "file://\(secret.path)">]>
            <notification><kind>&x;</kind><timestamp>2026-11-27T09:00:00Z</timestamp></notification>
            """
        let read = try? XMLElementNode.parse(Data(hostile.utf8))
        #expect(read?["kind"]?.text?.contains("SECRET") != true)
        #expect(throws: BraintreeWebhook.Refusal.self) {
            try BraintreeWebhook.parse(payload: Data(hostile.utf8).base64EncodedString())
        }
        // A document short enough to live inside the Data value (no heap buffer of its own). That libxml2 reads
        // the bytes only while they are lent is the reader's structure, not something this can show: a pointer
        // kept too long still reads the right bytes until the stack is reused.
        let tiny = try XMLElementNode.parse(Data("<a>x</a>".utf8))
        #expect(tiny.name == "a" && tiny.text == "x")
        #expect(throws: XMLElementNode.ParseError.self) { try XMLElementNode.parse(Data("<a><b></a>".utf8)) }
        #expect(throws: XMLElementNode.ParseError.self) { try XMLElementNode.parse(Data("not xml".utf8)) }
    }
}
