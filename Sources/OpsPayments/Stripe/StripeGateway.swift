import Foundation
import OpsCore

/// The Stripe facade: Stripe's REST API with form-encoded bodies, a bearer secret key, an Idempotency-Key on every
/// create, and a pinned API version.
public struct StripeGateway: PaymentGateway {
    public let provider = PaymentProvider.stripe
    public let idempotencyWindow: Int64 = 24 * 3600
    public static let apiVersion = "2024-06-20"

    let apiBase: String
    let secretKey: String
    let transport: any HTTPTransport
    let retry: RetryPolicy

    /// - Parameter secretKey: from the environment variable the configuration names; never logged or shown.
    public init(
        apiBase: String, secretKey: String, transport: any HTTPTransport = AsyncHTTPTransport(),
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.secretKey = secretKey
        self.transport = transport
        self.retry = retry
    }

    public func createTransaction(
        amount: Money, idempotencyKey: String, orderID: String
    ) async throws(GatewayError) -> GatewayTransaction {
        let object = try await call(
            "POST", "/v1/payment_intents", idempotencyKey: idempotencyKey,
            form: [
                ("amount", String(amount.minorUnits)), ("currency", amount.currency.code.lowercased()),
                ("payment_method", "pm_card_visa"), ("confirm", "true"), ("metadata[order_id]", orderID),
            ])
        return try transaction(from: object, refunds: [])
    }

    public func refund(_ request: GatewayRefundRequest) async throws(GatewayError) -> GatewayRefund {
        var form: [(String, String)] = [
            (request.transactionID.hasPrefix("pi_") ? "payment_intent" : "charge", request.transactionID),
            ("amount", String(request.amount.minorUnits)),
            ("metadata[intent_id]", request.intentID), ("metadata[order_id]", request.orderID),
            ("metadata[reason]", request.reason.rawValue),
        ]
        if let reason = request.reason.stripeReason { form.append(("reason", reason)) }
        let object = try await call("POST", "/v1/refunds", idempotencyKey: request.idempotencyKey, form: form)
        return try refund(from: object, currency: request.amount.currency)
    }

    public func void(transactionID: String, idempotencyKey: String) async throws(GatewayError) -> GatewayTransaction {
        guard transactionID.hasPrefix("pi_") else {
            throw .refused(
                code: "charge_already_captured", message: "a captured Stripe charge cannot be voided; refund it")
        }
        let object = try await call(
            "POST", "/v1/payment_intents/\(transactionID)/cancel", idempotencyKey: idempotencyKey, form: [])
        return try transaction(from: object, refunds: [])
    }

    public func fetchTransaction(id: String) async throws(GatewayError) -> GatewayTransaction {
        let object = try await call(
            "GET", (id.hasPrefix("pi_") ? "/v1/payment_intents/" : "/v1/charges/") + id,
            idempotencyKey: nil, form: [])
        let list = try await call(
            "GET", "/v1/refunds", idempotencyKey: nil,
            form: [(id.hasPrefix("pi_") ? "payment_intent" : "charge", id), ("limit", "100")])
        // The transaction's currency, which its refunds share: without one the object is not what we asked for.
        guard case .string(let code)? = object["currency"], let currency = try? Currency(code: code) else {
            throw .outcomeUnknown("Stripe object without id, amount or currency")
        }
        var refunds: [GatewayRefund] = []
        if case .array(let items)? = list["data"] {
            for item in items { refunds.append(try refund(from: item, currency: currency)) }
        }
        return try transaction(from: object, refunds: refunds)
    }

    /// A charge's payment intent (`GET /v1/charges/ch_…`): the payment the platform records by its `pi_…`.
    public func owningTransaction(of objectID: String) async throws(GatewayError) -> String? {
        guard objectID.hasPrefix("ch_") else { return nil }
        let charge = try await call("GET", "/v1/charges/" + objectID, idempotencyKey: nil, form: [])
        if case .string(let intent)? = charge["payment_intent"], intent.hasPrefix("pi_") { return intent }
        return nil
    }

    // MARK: Wire format

    /// Sends a request; retries 429 and refused connections with backoff; maps Stripe's error object.
    func call(
        _ method: String, _ path: String, idempotencyKey: String?, form: [(String, String)]
    ) async throws(GatewayError) -> JSONValue {
        let encoded = FormEncoding.encode(form)
        var url = apiBase + path
        var body: [UInt8]?
        var headers = [("Authorization", "Bearer \(secretKey)"), ("Stripe-Version", Self.apiVersion)]
        if method == "GET" {
            if !encoded.isEmpty { url += "?" + encoded }
        } else {
            body = Array(encoded.utf8)
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        }
        let response = try await retry.send(
            transport, method: method, url: url, headers: headers, body: body,
            mayRetryRateLimit: { $0.header("Stripe-Should-Retry") != "false" })
        return try Self.interpret(response)
    }

    /// Maps a Stripe response to its object or a `GatewayError`.
    static func interpret(_ response: HTTPExchange) throws(GatewayError) -> JSONValue {
        let json = (try? JSONValue.parse(response.text)) ?? .null
        if (200..<300).contains(response.status) {
            guard case .object = json else {
                throw .outcomeUnknown("Stripe answered \(response.status) without a JSON object")
            }
            return json
        }
        let error = json["error"]
        func field(_ key: String) -> String {
            if case .string(let s)? = error?[key] { return s }
            return ""
        }
        let code = field("code"), type = field("type"), param = field("param")
        let message = field("message").isEmpty ? "HTTP \(response.status)" : field("message")
        switch response.status {
        case 401: throw .authentication(message)
        case 402: throw .declined(code: code.isEmpty ? "card_declined" : code, message: message)
        case 404: throw .notFound(message)
        case 409: throw .idempotencyConflict(message)
        case 500...:
            throw .outcomeUnknown("Stripe HTTP \(response.status): \(message)")
        default:
            if type == "idempotency_error" { throw .idempotencyConflict(message) }
            if code == "resource_missing" { throw .notFound(message) }
            if code == "charge_already_refunded" { throw .refused(code: code, message: message) }
            if param == "amount" { throw .refused(code: code.isEmpty ? "amount_too_large" : code, message: message) }
            throw .invalidRequest(code: code.isEmpty ? type : code, message: message)
        }
    }

    func refund(from object: JSONValue, currency: Currency) throws(GatewayError) -> GatewayRefund {
        guard case .string(let id)? = object["id"], case .integer(let amount)? = object["amount"] else {
            throw .outcomeUnknown("Stripe refund without id or amount")
        }
        var refundCurrency = currency
        if case .string(let code)? = object["currency"], let c = try? Currency(code: code) { refundCurrency = c }
        let status: GatewayRefund.Status =
            switch object["status"] {
            case .string("succeeded")?: .succeeded
            case .string("failed")?, .string("canceled")?: .failed
            default: .pending
            }
        var intent: String?
        if case .string(let s)? = object["metadata"]?["intent_id"] { intent = s }
        return GatewayRefund(
            id: id, amount: Money(minorUnits: amount, currency: refundCurrency), status: status,
            isVoid: false, intentID: intent)
    }

    func transaction(from object: JSONValue, refunds: [GatewayRefund]) throws(GatewayError) -> GatewayTransaction {
        guard case .string(let id)? = object["id"], case .integer(let amount)? = object["amount"],
            case .string(let code)? = object["currency"], let currency = try? Currency(code: code)
        else {
            throw .outcomeUnknown("Stripe object without id, amount or currency")
        }
        let status: PaymentStatus =
            switch object["status"] {
            case .string("succeeded")?: .settled
            case .string("canceled")?: .voided
            case .string("requires_capture")?: .authorized
            case .string("failed")?, .string("requires_payment_method")?: .failed
            default: .authorized
            }
        return GatewayTransaction(
            id: id, amount: Money(minorUnits: amount, currency: currency), status: status, refunds: refunds)
    }
}

/// `application/x-www-form-urlencoded`, as Stripe reads it (nested keys written `metadata[k]`).
enum FormEncoding {
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~[]")

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s
    }
}
