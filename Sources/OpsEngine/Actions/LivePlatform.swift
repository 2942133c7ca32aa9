import OpsCore
import OpsPayments

// MARK: - LivePlatform

/// The platform's services through their HTTP API gateway (the Micro API proxy the platform runs for its tooling):
/// `POST {api_base}/{service}/{Service.Method}` with a JSON body, a bearer token, and the action's idempotency key
/// in `Idempotency-Key` (the gateway answers a key it has seen with its first answer). What an answer means:
///
/// - 2xx: done; `reference` in the body is the platform's reference (a reprint's new job id);
/// - 4xx (but 429): refused, nothing done; the Micro error's `detail` says why;
/// - 429, or no connection: nothing was done, so the intent stays open to be sent again with its key;
/// - 5xx, a timeout, a connection broken after sending: the outcome is unknown; the reconciler asks
///   `POST {api_base}/idempotency/Idempotency.Lookup {"key": …}` what the key was answered, if anything.
public struct LivePlatform: PlatformFacade {
    let apiBase: String
    let token: String
    let transport: any HTTPTransport

    public init(apiBase: String, token: String, transport: any HTTPTransport) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.token = token
        self.transport = transport
    }

    /// The service and method each action calls.
    public static func endpoint(_ kind: ActionKind) -> (service: String, method: String) {
        switch kind {
        case .hold: ("printjobs", "PrintJobs.Hold")
        case .release: ("printjobs", "PrintJobs.Release")
        case .cancel: ("printjobs", "PrintJobs.Cancel")
        case .reprint: ("printjobs", "PrintJobs.Reprint")
        case .chase: ("printjobs", "PrintJobs.RequestUpdate")
        case .changeAddress: ("orders", "Orders.UpdateShippingAddress")
        case .resendConfirmation: ("orders", "Orders.ResendConfirmation")
        case .lock: ("users", "Users.Lock")
        case .unlock: ("users", "Users.Unlock")
        case .passwordReset: ("users", "Users.SendPasswordReset")
        }
    }

    public func perform(_ call: PlatformCall) async throws -> PlatformAnswer {
        let (service, method) = Self.endpoint(call.kind)
        var body: [(String, JSONValue)] = [("id", .string(call.subject.id)), ("request_id", .string(call.actionID))]
        if let address = call.address { body.append(("address", address.json)) }
        let response = try await post("\(service)/\(method)", .object(body), key: call.idempotencyKey)
        return try Self.answer(response)
    }

    public func lookup(idempotencyKey: String) async throws -> PlatformAnswer? {
        let response = try await post(
            "idempotency/Idempotency.Lookup", .object([("key", .string(idempotencyKey))]), key: nil)
        guard (200..<300).contains(response.status) else { throw Self.noAnswer(response) }
        let json = try Self.json(response)
        guard case .bool(true)? = json["found"] else { return nil }
        guard case .integer(let status)? = json["status"] else {
            throw PlatformError.outcomeUnknown("the lookup's answer has no status")
        }
        return try Self.answer(
            HTTPExchange(status: Int(status), headers: [], body: Array((json["body"] ?? .object([])).serialized().utf8))
        )
    }

    func post(_ path: String, _ body: JSONValue, key: String?) async throws(PlatformError) -> HTTPExchange {
        var headers = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
        if let key { headers.append(("Idempotency-Key", key)) }
        do {
            return try await transport.send(
                method: "POST", url: "\(apiBase)/\(path)", headers: headers, body: Array(body.serialized().utf8))
        } catch {
            switch error {
            case .connect(let m): throw .unreachable(m)
            case .timeout(let m), .broken(let m): throw .outcomeUnknown(m)
            }
        }
    }

    /// What a response to a call means (see the type's documentation).
    static func answer(_ response: HTTPExchange) throws -> PlatformAnswer {
        switch response.status {
        case 200..<300:
            let json = try json(response)
            guard case .string(let reference)? = json["reference"] else {
                return PlatformAnswer(accepted: true, reference: "", message: "done")
            }
            // The reference becomes a record's id (a reprint's job): an id, or the answer is not one to act on.
            guard Self.isID(reference) else {
                throw PlatformError.outcomeUnknown("the platform's answer has no usable reference")
            }
            return PlatformAnswer(accepted: true, reference: reference, message: "done")
        case 429:
            throw PlatformError.unreachable("the platform is rate limiting (429): nothing was done")
        case 400..<500:
            // A Micro error's detail says why; a refusal without one is still a refusal.
            guard let parsed = try? JSONValue.parse(response.text), case .string(let detail)? = parsed["detail"],
                !detail.isEmpty
            else { return PlatformAnswer(accepted: false, reference: "", message: "HTTP \(response.status)") }
            return PlatformAnswer(accepted: false, reference: "", message: detail)
        default:
            throw noAnswer(response)
        }
    }

    /// 1 to 64 letters, digits, `_` and `-`.
    static func isID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x5F || b == 0x2D
            }
    }

    static func noAnswer(_ response: HTTPExchange) -> PlatformError {
        response.status == 429
            ? .unreachable("the platform is rate limiting (429)")
            : .outcomeUnknown("the platform answered HTTP \(response.status)")
    }

    static func json(_ response: HTTPExchange) throws -> JSONValue {
        do { return try JSONValue.parse(response.text) } catch {
            throw PlatformError.outcomeUnknown("the platform's answer is not JSON (HTTP \(response.status))")
        }
    }
}
