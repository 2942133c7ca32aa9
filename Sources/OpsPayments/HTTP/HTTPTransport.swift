import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// An HTTP exchange as the facades see it.
public struct HTTPExchange: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Why an HTTP request got no response.
public enum TransportError: Error, Sendable, Equatable {
    /// The connection was not made: the request never left.
    case connect(String)
    /// Sent, but no complete answer in time: the gateway may have acted on it.
    case timeout(String)
    /// The connection broke mid-request: the gateway may have acted on it.
    case broken(String)
}

/// Sends requests. The live facades use `AsyncHTTPTransport`; tests may substitute.
public protocol HTTPTransport: Sendable {
    func send(
        method: String, url: String, headers: [(String, String)], body: [UInt8]?
    ) async throws(TransportError) -> HTTPExchange
}

/// AsyncHTTPClient with a connect timeout and a whole-request deadline.
public struct AsyncHTTPTransport: HTTPTransport {
    public var connectTimeout: TimeAmount
    public var readTimeout: TimeAmount

    /// One client for the process (an AsyncHTTPClient must be shut down before it is released; this one never is).
    /// connect(2) errors: the request never left this machine.
    static let notConnected: Set<Int32> = [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL]

    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        // AsyncHTTPClient keeps retrying a refused connection until the connect timeout: keep it short, so a gateway
        // that is down is reported within seconds (a live connect to Stripe or Braintree takes well under one).
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(20))
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    public init(connectTimeout: TimeAmount = .seconds(2), readTimeout: TimeAmount = .seconds(20)) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    public func send(
        method: String, url: String, headers: [(String, String)], body: [UInt8]?
    ) async throws(TransportError) -> HTTPExchange {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await Self.client.execute(request, timeout: connectTimeout + readTimeout)
            var collected = try await response.body.collect(upTo: 8 << 20)
            let bytes = collected.readBytes(length: collected.readableBytes) ?? []
            return HTTPExchange(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: bytes)
        } catch let error as HTTPClientError {
            if error == .connectTimeout { throw .connect("\(error)") }
            if error == .readTimeout || error == .deadlineExceeded { throw .timeout("\(error)") }
            throw .broken("\(error)")
        } catch let error as NIOConnectionError {
            throw .connect("\(error)")
        } catch let error as IOError where Self.notConnected.contains(error.errnoCode) {
            // connect(2) failed (refused, no route): nothing was sent, so it may be retried.
            throw .connect("\(error)")
        } catch let error as ChannelError {
            if case .connectTimeout = error { throw .connect("\(error)") }
            throw .broken("\(error)")
        } catch {
            // Anything else may have happened after the request left: its outcome is unknown, never retried.
            throw .broken("\(error)")
        }
    }
}

/// Retries of requests the gateway did not process (429, connection refused): exponential backoff with full
/// jitter, so a fleet of consoles does not retry in step.
public struct RetryPolicy: Sendable {
    public var attempts: Int
    public var base: Duration
    public var cap: Duration

    public init(attempts: Int = 3, base: Duration = .milliseconds(250), cap: Duration = .seconds(4)) {
        self.attempts = attempts
        self.base = base
        self.cap = cap
    }

    /// The pause before retry `attempt` (1-based), or the server's Retry-After when it gave one.
    func delay(attempt: Int, retryAfter: String?) -> Duration {
        if let retryAfter, let seconds = Double(retryAfter), seconds >= 0 {
            return .milliseconds(Int(min(seconds, 30) * 1000))
        }
        let ceiling = min(cap, base * (1 << min(attempt, 10)))
        let ms = ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000
        return .milliseconds(Int64.random(in: 0...max(1, ms)))
    }
}

extension RetryPolicy {
    /// Sends a request, retrying only what the gateway cannot have acted on: a refused connection (nothing was sent)
    /// and 429 (refused before processing, unless `mayRetryRateLimit` says otherwise). A timeout or a connection
    /// broken after sending may have been acted on, so it is an unknown outcome, never retried here.
    func send(
        _ transport: any HTTPTransport, method: String, url: String, headers: [(String, String)], body: [UInt8]?,
        mayRetryRateLimit: (HTTPExchange) -> Bool = { _ in true }
    ) async throws(GatewayError) -> HTTPExchange {
        var attempt = 0
        while true {
            attempt += 1
            let response: HTTPExchange
            do {
                response = try await transport.send(method: method, url: url, headers: headers, body: body)
            } catch {
                switch error {
                case .connect(let message):
                    if attempt < attempts {
                        try? await Task.sleep(for: delay(attempt: attempt, retryAfter: nil))
                        continue
                    }
                    throw .unreachable(message)
                case .timeout(let message), .broken(let message):
                    throw .outcomeUnknown(message)
                }
            }
            guard response.status == 429 else { return response }
            guard mayRetryRateLimit(response), attempt < attempts else { throw .rateLimited }
            try? await Task.sleep(for: delay(attempt: attempt, retryAfter: response.header("Retry-After")))
        }
    }
}
