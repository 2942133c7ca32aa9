import OpsCore
import Testing

@testable import OpsConsole

/// `[links]`: ids go into the configured pages percent-encoded, so no value from data can change where a link
/// goes or what the terminal is sent.
@Suite struct LinkTemplatesTests {
    @Test func idsAreFilledInPercentEncoded() {
        var links = LinkTemplates()
        #expect(links.payment(.stripe, id: "pi_3abc") == "https://dashboard.stripe.com/payments/pi_3abc")
        // A hostile id: the escape, the bell, spaces and slashes are all encoded.
        let hostile = links.payment(.stripe, id: "pi_1\u{1b}]52;c;x\u{7} /../é")
        #expect(hostile == "https://dashboard.stripe.com/payments/pi_1%1B%5D52%3Bc%3Bx%07%20%2F..%2F%C3%A9")
        #expect(links.payment(.braintree, id: "abc123") == nil, "no merchant id, no Braintree link")
        links.braintreeMerchant = "popsa ltd"
        #expect(
            links.payment(.braintree, id: "abc123")
                == "https://www.braintreegateway.com/merchants/popsa%20ltd/transactions/abc123")
        #expect(
            links.tracking("RM 1234 5678 GB", carrier: "Royal Mail")
                == "https://www.royalmail.com/track-your-item#/tracking-results/RM12345678GB")
        #expect(links.tracking("X1", carrier: "Carrier Pigeon") == nil)
        links.tracking = "https://parcels.example/{tracking}"
        #expect(links.tracking("X1", carrier: "Carrier Pigeon") == "https://parcels.example/X1")
        links.stripe = nil
        #expect(links.payment(.stripe, id: "pi_3abc") == nil)
    }

    @Test func templatesAreCheckedBeforeUse() {
        #expect(LinkTemplates.problem("https://x/{id}", placeholders: ["id"]) == nil)
        #expect(LinkTemplates.problem("https://x/{id", placeholders: ["id"]) != nil)
        #expect(LinkTemplates.problem("https://x/}{id}", placeholders: ["id"]) != nil)
        #expect(LinkTemplates.problem("https://x/\u{1b}]8;;", placeholders: ["id"]) != nil)
        #expect(LinkTemplates.problem("javascript:alert(1)", placeholders: ["id"]) != nil)
        #expect(LinkTemplates.problem("https://x/$<5>", placeholders: ["id"]) != nil)
        for (_, template) in LinkTemplates.defaultCarriers {
            #expect(LinkTemplates.problem(template, placeholders: ["tracking"]) == nil, "\(template)")
        }
    }
}

@Suite struct TicketLinkTests {
    @Test func aNotesTicketLeadsToTheHelpdeskOnlyWhenConfigured() {
        var links = LinkTemplates()
        #expect(links.ticket("ZD-48213") == nil)
        links.ticket = "https://popsa.zendesk.com/agent/tickets/{ticket}"
        #expect(links.ticket("ZD-48213") == "https://popsa.zendesk.com/agent/tickets/ZD-48213")
        #expect(links.ticket("a/b#c") == "https://popsa.zendesk.com/agent/tickets/a%2Fb%23c")
    }
}
