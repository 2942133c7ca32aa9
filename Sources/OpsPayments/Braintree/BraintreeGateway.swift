import Foundation
import OpsCore

/// The Braintree facade: Braintree's GraphQL API with Basic auth (public and private key), an `apiRequestKey`
/// on every mutation for idempotency, and Braintree's rules: a transaction is refunded only once settled or
/// settling; before that it can only be voided in full (`reverseTransaction` does whichever applies).
public struct BraintreeGateway: PaymentGateway {
    public let provider = PaymentProvider.braintree
    public let idempotencyWindow: Int64 = 30 * 86_400
    public static let apiVersion = "2019-01-01"

    let endpoint: String
    let merchantID: String
    let authorization: String
    let transport: any HTTPTransport
    let retry: RetryPolicy

    /// - Parameters: publicKey and privateKey come from the environment variables the configuration names.
    public init(
        endpoint: String, merchantID: String, publicKey: String, privateKey: String,
        transport: any HTTPTransport = AsyncHTTPTransport(), retry: RetryPolicy = RetryPolicy()
    ) {
        self.endpoint = endpoint
        self.merchantID = merchantID
        authorization = "Basic " + Data("\(publicKey):\(privateKey)".utf8).base64EncodedString()
        self.transport = transport
        self.retry = retry
    }

    /// Braintree's GraphQL ids are base64 of "transaction_<legacy id>"; the platform stores legacy ids.
    public static func globalID(_ legacyID: String, kind: String = "transaction") -> String {
        if legacyID.count > 20, Data(base64Encoded: legacyID) != nil { return legacyID }
        return Data("\(kind)_\(legacyID)".utf8).base64EncodedString()
    }

    public static func legacyID(_ globalID: String) -> String {
        guard let data = Data(base64Encoded: globalID), let text = String(data: data, encoding: .utf8),
            let underscore = text.firstIndex(of: "_")
        else { return globalID }
        return String(text[text.index(after: underscore)...])
    }

    static let refundFields = "id legacyId status orderId amount { value currencyCode }"
    static let transactionFields = "id legacyId status amount { value currencyCode } refunds { \(refundFields) }"

    public func createTransaction(
        amount: Money, idempotencyKey: String, orderID: String
    ) async throws(GatewayError) -> GatewayTransaction {
        let data = try await call(
            """
            mutation Charge($input: ChargePaymentMethodInput!) {
              chargePaymentMethod(input: $input) { transaction { \(Self.transactionFields) } }
            }
            """,
            variables: .object([
                (
                    "input",
                    .object([
                        ("paymentMethodId", .string("fake-valid-nonce")), ("apiRequestKey", .string(idempotencyKey)),
                        (
                            "transaction",
                            .object([
                                ("amount", .string(amount.decimalString)), ("orderId", .string(orderID)),
                                ("merchantAccountId", .string(merchantID)),
                            ])
                        ),
                    ])
                )
            ]))
        return try Self.transaction(data["chargePaymentMethod"]?["transaction"], currency: amount.currency)
    }

    public func refund(_ request: GatewayRefundRequest) async throws(GatewayError) -> GatewayRefund {
        let id = Self.globalID(request.transactionID)
        if request.isFullAmount {
            // Void if not yet settled, else refund in full: Braintree decides, atomically.
            let data = try await call(
                """
                mutation Reverse($input: ReverseTransactionInput!) {
                  reverseTransaction(input: $input) {
                    reversal { __typename ... on Transaction { \(Self.transactionFields) } ... on Refund { \
                \(Self.refundFields) } }
                  }
                }
                """,
                variables: .object([
                    (
                        "input",
                        .object([
                            ("transactionId", .string(id)),
                            ("apiRequestKey", .string(request.idempotencyKey)),
                        ])
                    )
                ]))
            let reversal = data["reverseTransaction"]?["reversal"]
            if case .string("Transaction")? = reversal?["__typename"] {
                let voided = try Self.transaction(reversal, currency: request.amount.currency)
                return GatewayRefund(
                    id: voided.id, amount: voided.amount, status: voided.status == .voided ? .succeeded : .pending,
                    isVoid: true, intentID: request.intentID)
            }
            return try Self.refund(reversal, currency: request.amount.currency)
        }
        let data = try await call(
            """
            mutation Refund($input: RefundTransactionInput!) {
              refundTransaction(input: $input) { refund { \(Self.refundFields) } }
            }
            """,
            variables: .object([
                (
                    "input",
                    .object([
                        ("transactionId", .string(id)), ("apiRequestKey", .string(request.idempotencyKey)),
                        (
                            "refund",
                            .object([
                                ("amount", .string(request.amount.decimalString)),
                                ("orderId", .string(request.intentID)),
                            ])
                        ),
                    ])
                )
            ]))
        return try Self.refund(data["refundTransaction"]?["refund"], currency: request.amount.currency)
    }

    public func void(transactionID: String, idempotencyKey: String) async throws(GatewayError) -> GatewayTransaction {
        let data = try await call(
            """
            mutation Void($input: ReverseTransactionInput!) {
              reverseTransaction(input: $input) { reversal { __typename ... on Transaction { \
            \(Self.transactionFields) } } }
            }
            """,
            variables: .object([
                (
                    "input",
                    .object([
                        ("transactionId", .string(Self.globalID(transactionID))),
                        ("apiRequestKey", .string(idempotencyKey)),
                    ])
                )
            ]))
        return try Self.transaction(data["reverseTransaction"]?["reversal"], currency: nil)
    }

    public func fetchTransaction(id: String) async throws(GatewayError) -> GatewayTransaction {
        let data = try await call(
            """
            query Transaction($id: ID!) { node(id: $id) { ... on Transaction { \(Self.transactionFields) } } }
            """, variables: .object([("id", .string(Self.globalID(id)))]))
        guard let node = data["node"], node != .null else { throw .notFound("Braintree transaction \(id)") }
        return try Self.transaction(node, currency: nil)
    }

    // MARK: Wire format

    func call(_ query: String, variables: JSONValue) async throws(GatewayError) -> JSONValue {
        let body = Array(JSONValue.object([("query", .string(query)), ("variables", variables)]).serialized().utf8)
        let headers = [
            ("Authorization", authorization), ("Braintree-Version", Self.apiVersion),
            ("Content-Type", "application/json"), ("Accept", "application/json"),
        ]
        return try Self.interpret(
            try await retry.send(transport, method: "POST", url: endpoint, headers: headers, body: body))
    }

    static func interpret(_ response: HTTPExchange) throws(GatewayError) -> JSONValue {
        if response.status == 401 || response.status == 403 {
            throw .authentication("Braintree HTTP \(response.status)")
        }
        if response.status >= 500 { throw .outcomeUnknown("Braintree HTTP \(response.status)") }
        guard let json = try? JSONValue.parse(response.text), case .object = json else {
            throw .outcomeUnknown("Braintree answered HTTP \(response.status) without JSON")
        }
        if case .array(let errors)? = json["errors"], let first = errors.first {
            var message = "Braintree error"
            if case .string(let m)? = first["message"] { message = m }
            var errorClass = "", legacyCode = ""
            if case .string(let c)? = first["extensions"]?["errorClass"] { errorClass = c }
            if case .string(let c)? = first["extensions"]?["legacyCode"] { legacyCode = c }
            throw map(errorClass: errorClass, legacyCode: legacyCode, message: message)
        }
        guard let data = json["data"], data != .null else { throw .outcomeUnknown("Braintree answered without data") }
        return data
    }

    /// Braintree's error classes and legacy codes, in the platform's words.
    static func map(errorClass: String, legacyCode: String, message: String) -> GatewayError {
        switch legacyCode {
        case "91506":
            return .refused(
                code: "91506",
                message: "Braintree refunds only settled transactions; before settlement only a full void is possible")
        case "91512": return .refused(code: "91512", message: "the transaction has already been refunded in full")
        case "91521":
            return .refused(code: "91521", message: "the refund is more than is left to refund on the transaction")
        case "91504": return .refused(code: "91504", message: "the transaction can no longer be voided")
        case "81531": return .invalidRequest(code: "81531", message: "the amount must be greater than zero")
        default: break
        }
        switch errorClass {
        case "AUTHENTICATION", "AUTHORIZATION": return .authentication(message)
        case "NOT_FOUND": return .notFound(message)
        case "RESOURCE_LIMIT": return .rateLimited
        case "INTERNAL", "SERVICE_AVAILABILITY", "UNKNOWN": return .outcomeUnknown(message)
        case "VALIDATION"
        where message.lowercased().contains("apirequestkey") || message.lowercased().contains("api request key"):
            return .idempotencyConflict(message)
        default: return .invalidRequest(code: legacyCode.isEmpty ? errorClass : legacyCode, message: message)
        }
    }

    static func amount(_ value: JSONValue?, fallback: Currency?) throws(GatewayError) -> Money {
        guard case .string(let text)? = value?["value"] else { throw .outcomeUnknown("Braintree amount missing") }
        var currency = fallback ?? .usd
        if case .string(let code)? = value?["currencyCode"], let c = try? Currency(code: code) { currency = c }
        do { return try Money.parse(text, currency: currency) } catch {
            throw .outcomeUnknown("Braintree amount \"\(text)\" is not a \(currency.code) amount")
        }
    }

    static func status(_ value: JSONValue?) -> PaymentStatus {
        switch value {
        case .string("SETTLED")?: .settled
        case .string("SETTLING")?, .string("SETTLEMENT_PENDING")?: .settling
        case .string("SUBMITTED_FOR_SETTLEMENT")?: .submittedForSettlement
        case .string("VOIDED")?: .voided
        case .string("PROCESSOR_DECLINED")?, .string("GATEWAY_REJECTED")?: .declined
        case .string("FAILED")?, .string("SETTLEMENT_DECLINED")?: .failed
        default: .authorized
        }
    }

    static func refund(_ value: JSONValue?, currency: Currency?) throws(GatewayError) -> GatewayRefund {
        guard let value, case .string(let id)? = value["legacyId"] ?? value["id"] else {
            throw .outcomeUnknown("Braintree refund without an id")
        }
        let status = Self.status(value["status"])
        var orderID: String?
        if case .string(let s)? = value["orderId"] { orderID = s }
        return GatewayRefund(
            id: id, amount: try amount(value["amount"], fallback: currency),
            status: status == .failed || status == .declined
                ? .failed
                : (status == .voided ? .failed : .succeeded),
            isVoid: false, intentID: orderID)
    }

    static func transaction(_ value: JSONValue?, currency: Currency?) throws(GatewayError) -> GatewayTransaction {
        guard let value, case .string(let id)? = value["legacyId"] ?? value["id"] else {
            throw .outcomeUnknown("Braintree transaction without an id")
        }
        let money = try amount(value["amount"], fallback: currency)
        var refunds: [GatewayRefund] = []
        if case .array(let items)? = value["refunds"] {
            for item in items { refunds.append(try refund(item, currency: money.currency)) }
        }
        return GatewayTransaction(id: id, amount: money, status: status(value["status"]), refunds: refunds)
    }
}
