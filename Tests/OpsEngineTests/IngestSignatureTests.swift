import OpsEngine
import Testing

/// The ingest signature scheme: HMAC-SHA256 of "t.body", timestamp-bound, several v1 during rotation.
@Suite struct IngestSignatureTests {
    let body = Array(#"{"type":"user","id":"u1"}"#.utf8)
    let now: Int64 = 1_795_770_000

    @Test func aSignatureMadeWithTheSecretVerifies() throws {
        let header = IngestSignature.sign(body, secret: "s", timestamp: now)
        #expect(header.hasPrefix("t=\(now),v1="))
        try IngestSignature.verify(header, body: body, secret: "s", now: now + 299)
    }

    @Test func everyWayOfGettingItWrongIsRefusedWithItsReason() {
        let good = IngestSignature.sign(body, secret: "s", timestamp: now)
        func refusal(
            _ header: String?, body: [UInt8]? = nil, secret: String = "s", at: Int64? = nil
        )
            -> IngestSignature.Refusal?
        {
            do throws(IngestSignature.Refusal) {
                try IngestSignature.verify(header, body: body ?? self.body, secret: secret, now: at ?? now)
                return nil
            } catch {
                return error
            }
        }
        #expect(refusal(nil) == .missing)
        #expect(refusal("") == .missing)
        #expect(refusal("v1=abc") == .malformed)
        #expect(refusal("t=\(now)") == .malformed)
        #expect(refusal("t=soon," + good.split(separator: ",")[1]) == .malformed)
        #expect(refusal(good, secret: "other") == .mismatch)
        #expect(refusal(good, body: body + [0x20]) == .mismatch)
        #expect(refusal(good, at: now + 301) == .expired(seconds: 301))
        #expect(refusal(good, at: now - 301) == .fromTheFuture(seconds: 301))
        // Rotation: any one valid v1 is enough; unknown schemes are ignored.
        let old = IngestSignature.sign(body, secret: "old", timestamp: now).split(separator: ",")[1]
        #expect(refusal(good + "," + old) == nil)
        #expect(refusal("t=\(now),\(old),v0=zz," + good.split(separator: ",")[1]) == nil)
    }
}
