// MARK: - An import file

extension TestSupport {
    /// One customer with every kind of record, as JSON Lines in the import format, parents first: a user, a
    /// print, two photos (one missing), an order, its payment, a print job and a partner event.
    public static let importSample = [
        #"{"type":"user","id":"u1","email":"ana@example.com","name":"Ana Núñez","country":"ES","#
            + #""created_at":"2026-01-02T10:00:00Z"}"#,
        #"{"type":"print","id":"p1","user_id":"u1","product":"photobook","title":"Verano ☀","page_count":20,"#
            + #""photo_count":2,"created_at":"2026-01-03T10:00:00Z"}"#,
        #"{"type":"photo","print_id":"p1","position":1,"status":"uploaded","filename":"a.jpg","#
            + #""uploaded_at":"2026-01-03T10:01:00Z"}"#,
        #"{"type":"photo","print_id":"p1","position":2,"status":"missing"}"#,
        #"{"type":"order","id":"o1","user_id":"u1","print_id":"p1","currency":"EUR","status":"paid","#
            + #""line_items":[{"sku":"pb-20","description":"Photobook","quantity":1,"unit_amount":2999}],"#
            + #""subtotal_amount":2999,"shipping_amount":399,"tax_amount":0,"total_amount":3398,"#
            + #""shipping_address":{"name":"Ana","line1":"Calle Mayor 1","city":"Madrid","postcode":"28013","#
            + #""country":"ES"},"created_at":"2026-01-04T10:00:00Z"}"#,
        #"{"type":"payment","id":"pay1","order_id":"o1","provider":"stripe","provider_transaction_id":"pi_test1","#
            + #""provider_charge_id":"ch_test1","amount":3398,"currency":"EUR","status":"settled","#
            + #""created_at":"2026-01-04T10:00:00Z"}"#,
        #"{"type":"print_job","id":"j1","order_id":"o1","partner":"imprenta-madrid","status":"shipped","#
            + #""tracking_number":"JD0001","carrier":"Correos","created_at":"2026-01-04T11:00:00Z","#
            + #""updated_at":"2026-01-06T09:00:00Z"}"#,
        #"{"type":"print_job_event","job_id":"j1","sequence":1,"at":"2026-01-06T09:00:00Z","status":"shipped","#
            + #""message":"Enviado"}"#,
    ]
}
