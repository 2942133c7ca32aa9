import OpsCore

// MARK: - Where ids lead

/// `[links]`: the pages ids lead to in the operator's browser (OSC 8 hyperlinks, in terminals that show them): a
/// payment in the Stripe Dashboard or the Braintree Control Panel, a tracking number at its carrier.
///
/// Templates name their values in braces (`{id}`, `{merchant}`, `{tracking}`); a value from data is
/// percent-encoded into them, so no id can change where a link goes or what the terminal is sent.
public struct LinkTemplates: Hashable, Sendable {
    /// `show`: `auto` (terminals known to print what they do not understand get none), `always`, `never`.
    public enum Show: String, Hashable, Sendable, CaseIterable {
        case auto, always, never
    }

    public var show: Show = .auto
    /// `stripe`: `{id}` is the payment intent (or charge) id.
    public var stripe: String? = "https://dashboard.stripe.com/payments/{id}"
    /// `braintree`: `{merchant}` is `payments.braintree.merchant_id` (no link without one), `{id}` the transaction.
    public var braintree: String? = "https://www.braintreegateway.com/merchants/{merchant}/transactions/{id}"
    public var braintreeMerchant = ""
    /// `[links.carriers]`: by carrier name as the print partner reports it; `{tracking}`.
    public var carriers: [String: String] = LinkTemplates.defaultCarriers
    /// `tracking`: for carriers not listed (a tracking aggregator); none by default.
    public var tracking: String?
    /// `ticket`: a note's helpdesk ticket (`{ticket}`), e.g. the Zendesk agent page; none by default.
    public var ticket: String?

    public init() {}

    public static let defaultCarriers: [String: String] = [
        "Royal Mail": "https://www.royalmail.com/track-your-item#/tracking-results/{tracking}",
        "DPD": "https://track.dpd.co.uk/parcels/{tracking}",
        "UPS": "https://www.ups.com/track?tracknum={tracking}",
        "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}",
        "DHL": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={tracking}",
        "FedEx": "https://www.fedex.com/fedextrack/?trknbr={tracking}",
        "Australia Post": "https://auspost.com.au/mypost/track/details/{tracking}",
        "Japan Post": "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1={tracking}",
        "La Poste": "https://www.laposte.fr/outils/suivre-vos-envois?code={tracking}",
        "Aramex": "https://www.aramex.com/track/results?ShipmentNumber={tracking}",
    ]

    /// The payment's page at its provider, if a template (and for Braintree a merchant id) is configured.
    public func payment(_ provider: PaymentProvider, id: String) -> String? {
        switch provider {
        case .stripe:
            return stripe.map { Self.fill($0, ["id": id]) }
        case .braintree:
            guard let braintree, !braintreeMerchant.isEmpty else { return nil }
            return Self.fill(braintree, ["merchant": braintreeMerchant, "id": id])
        }
    }

    /// The tracking number's page at its carrier (the carrier's template, else `tracking`).
    public func tracking(_ number: String, carrier: String?) -> String? {
        guard let template = carrier.flatMap({ carriers[$0] }) ?? tracking else { return nil }
        return Self.fill(template, ["tracking": number.replacingOccurrences(of: " ", with: "")])
    }

    /// A note's ticket reference in the helpdesk, if a template is configured.
    public func ticket(_ reference: String) -> String? {
        ticket.map { Self.fill($0, ["ticket": reference]) }
    }

    /// `template` with each `{name}` replaced by its value, percent-encoded (only RFC 3986's unreserved characters
    /// stay as they are).
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = template
        for (name, value) in values { out = out.replacingOccurrences(of: "{\(name)}", with: encode(value)) }
        return out
    }

    private static let hex = Array("0123456789ABCDEF")

    static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 15)])"
            }
        }
        return out
    }

    /// Why `template` is not a link template with these placeholders, or nil when it is one: an http(s) URL of
    /// printable ASCII (no spaces, no `$`), whose braces name only `placeholders`.
    static func problem(_ template: String, placeholders: [String]) -> String? {
        guard template.hasPrefix("https://") || template.hasPrefix("http://") else {
            return "\"\(template)\" is not an http or https URL"
        }
        guard template.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "$") }) else {
            return "a link template is printable ASCII without spaces or $ (percent-encode anything else)"
        }
        guard template.filter({ $0 == "{" }).count == template.filter({ $0 == "}" }).count else {
            return "its braces do not pair up"
        }
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { return "a { without its }" }
            let name = String(rest[rest.index(after: open)..<close])
            guard placeholders.contains(name) else {
                return "{\(name)} is not a value here (use \(placeholders.map { "{\($0)}" }.joined(separator: ", ")))"
            }
            rest = rest[rest.index(after: close)...]
        }
        if rest.contains("}") { return "a } without its {" }
        return nil
    }
}
