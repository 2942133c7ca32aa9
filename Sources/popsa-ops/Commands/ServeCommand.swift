import ArgumentParser
import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import OpsConsole
import OpsCore
import OpsEngine
import OpsMetrics
import OpsPayments
import OpsStore

// MARK: - serve

/// The long-running service: the platform's change feed in, health and metrics out, on one HTTP stack.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Serve the platform's feed (/ingest), print partners' updates, Stripe's webhooks, /healthz and /metrics.",
        discussion: """
            POST /ingest takes a batch of JSON Lines in the import format, signed with the shared secret from \
            [serve] ingest_secret_env (or ingest_secret_file): header Popsa-Signature: t=UNIX_TIME,v1=HEX, the \
            hex HMAC-SHA256 of "t.body". It answers 200 only once the whole batch is committed, 401 for a \
            missing, stale or wrong signature, 422 naming the first bad line (nothing of the batch is kept), 503 \
            when the database cannot take it now (send again). POST /partners/NAME/events takes one job update, \
            signed the same way with that partner's secret ([serve.partners.NAME]). POST /webhooks/stripe takes \
            Stripe's events (Stripe-Signature, secret from [serve] stripe_webhook_secret_env); refunds made in \
            the Dashboard are adopted. POST /webhooks/braintree takes Braintree's notifications (bt_signature, \
            bt_payload, verified with the [payments.braintree] key pair; GET with bt_challenge answers Braintree's \
            endpoint check). SIGTERM lets requests in flight finish.
            """)

    @Option(
        help: ArgumentHelp("Address to listen on (default: [serve] listen, 127.0.0.1:8480).", valueName: "host:port"))
    var listen: String?
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var time: TimeOptions

    func validate() throws {
        if let listen, ServeConfig.hostAndPort(listen) == nil {
            throw ValidationError("--listen: \"\(listen)\" is not HOST:PORT like 127.0.0.1:8480")
        }
    }

    func run() async throws {
        OpsMetrics.shared.bootstrap()
        let config = try configuration.load()
        let address = listen ?? config.serve.listen
        let secret: String
        do {
            secret = try Secrets.read(
                envName: config.serve.ingestSecretEnv, file: config.serve.ingestSecretFile,
                environment: Environment.values(of: [config.serve.ingestSecretEnv]))
        } catch {
            throw CommandFailure(message: "serve: the ingest secret: \(error.description)", code: .config)
        }
        var partnerSecrets: [String: String] = [:]
        for (name, where_) in config.serve.partners {
            do {
                partnerSecrets[name] = try Secrets.read(
                    envName: where_.env ?? "", file: where_.file,
                    environment: where_.env.map { Environment.values(of: [$0]) } ?? [:])
            } catch {
                throw CommandFailure(message: "serve: partner \(name)'s secret: \(error.description)", code: .config)
            }
        }
        let opened = try await database.openStore(now: time.timestamp, configured: .known(config.databasePath))
        let store = opened.feed
        let engine = Engine(store: opened.reads, clock: time.clock, stuckThreshold: config.stuckThreshold)
        let routes = HTTPService(engine: engine)
        routes.addIngest(store: store, secret: secret, clock: time.clock)
        routes.addPartnerEvents(store: store, secrets: partnerSecrets, clock: time.clock)
        // The Stripe webhook endpoint is on when its signing secret is there (a file named but unsafe stops serve).
        let stripeEnv = config.serve.stripeWebhookSecretEnv
        // In live mode, events naming only a charge can be matched by asking Stripe for its payment intent.
        let stripe =
            config.payments.mode == .live
            ? try PaymentsWiring.gateways(config, store: opened.ledger, clock: time.clock).available[.stripe] : nil
        do {
            let secret = try Secrets.read(
                envName: stripeEnv, file: config.serve.stripeWebhookSecretFile,
                environment: Environment.values(of: [stripeEnv]))
            routes.addStripeWebhooks(store: store, secret: secret, clock: time.clock, stripe: stripe)
        } catch  where error.file == "environment" {
            HTTPService.log.notice("stripe webhooks off", metadata: ["secret": "\(stripeEnv)"])
        } catch {
            throw CommandFailure(message: "serve: the Stripe webhook secret: \(error.description)", code: .config)
        }
        // Braintree's notifications are signed with the API key pair: on when both keys are there.
        let payments = config.payments
        let publicKey = Environment.values(of: [payments.braintreePublicKeyEnv])[payments.braintreePublicKeyEnv] ?? ""
        do {
            let privateKey = try Secrets.read(
                envName: payments.braintreePrivateKeyEnv, file: payments.braintreePrivateKeyFile,
                environment: Environment.values(of: [payments.braintreePrivateKeyEnv]))
            if publicKey.isEmpty {
                HTTPService.log.notice(
                    "braintree webhooks off", metadata: ["public_key": "\(payments.braintreePublicKeyEnv)"])
            } else {
                routes.addBraintreeWebhooks(
                    store: store, publicKey: publicKey, privateKey: privateKey, clock: time.clock)
            }
        } catch  where error.file == "environment" {
            HTTPService.log.notice(
                "braintree webhooks off", metadata: ["private_key": "\(payments.braintreePrivateKeyEnv)"])
        } catch {
            throw CommandFailure(message: "serve: the Braintree private key: \(error.description)", code: .config)
        }
        try await opened.using { _ in
            try await routes.serve(
                at: address, what: "/ingest, /partners/NAME/events, /webhooks/stripe|braintree, /healthz, /metrics")
        }
    }
}

// MARK: - serve-metrics

/// Only the read side of `serve`: /metrics and /healthz, on a read-only database.
struct ServeMetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-metrics",
        abstract: "Serve /metrics (and /healthz) over HTTP for a Prometheus server to scrape.")

    @Option(help: ArgumentHelp("Address to listen on (loopback by default).", valueName: "host:port"))
    var listen: String = "127.0.0.1:9464"
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var time: TimeOptions

    func validate() throws {
        guard ServeConfig.hostAndPort(listen) != nil else {
            throw ValidationError("--listen: \"\(listen)\" is not HOST:PORT like 127.0.0.1:9464")
        }
    }

    func run() async throws {
        OpsMetrics.shared.bootstrap()
        let config = try configuration.load()
        let opened = try await database.openStore(
            now: time.timestamp, configured: .known(config.databasePath), readOnly: true)
        let engine = Engine(store: opened.reads, clock: time.clock, stuckThreshold: config.stuckThreshold)
        try await opened.using { _ in try await HTTPService(engine: engine).serve(at: listen, what: "/metrics") }
    }
}

// MARK: - The HTTP service

/// The routes both commands serve, on Hummingbird. Built once, before serving; its handlers capture only Sendable
/// values (the engine, the store, the secret), never the service itself.
final class HTTPService {
    let router = Router()
    let engine: Engine
    static let log = Logger(label: "popsa-ops.serve")

    init(engine: Engine) {
        self.engine = engine
        router.get("/healthz") { _, _ in
            do {
                _ = try await engine.changeToken()
                return Self.text(.ok, "ok\n")
            } catch {
                Self.log.error("health check failed", metadata: ["error": "\(error)"])
                return Self.text(.serviceUnavailable, "database unavailable\n")
            }
        }
        router.get("/metrics") { _, _ in
            let text: String
            do {
                text = OpsMetrics.shared.exposition(totals: try await engine.businessTotals())
            } catch {
                Self.log.error("business totals not read", metadata: ["error": "\(error)"])
                text = OpsMetrics.shared.exposition(totals: nil)
            }
            var response = Self.text(.ok, text)
            response.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return response
        }
    }

    /// POST /ingest: a signed batch of JSON Lines, applied in one transaction through the importer's rules.
    func addIngest(store: any FeedStore, secret: String, clock: EngineClock) {
        router.post("/ingest") { request, _ in
            let body: [UInt8]
            switch await Self.signedBody(
                request, limit: IngestLimits.maxBody, secret: secret, from: "ingest", feed: (store, .platform))
            {
            case .refused(let response): return response
            case .body(let bytes): body = bytes
            }
            let received = clock.now()
            let outcome = await Self.outcome { try await store.ingest(body, name: "batch", received: received) }
            switch outcome {
            case .success(let report):
                Counter(label: "popsa_ops_ingest_batches_total", dimensions: [("outcome", "applied")]).increment()
                Counter(label: "popsa_ops_ingest_records_total").increment(by: report.records)
                let byType = report.byType.sorted { $0.key < $1.key }.map {
                    ($0.key, JSONValue.integer(Int64($0.value)))
                }
                return Self.json(
                    .ok,
                    .object([
                        ("records", .integer(Int64(report.records))), ("by_type", .object(byType)),
                        ("deleted", .integer(Int64(report.deleted))), ("stale", .integer(Int64(report.stale))),
                    ]))
            case .failure(let error as ImportError):
                Counter(label: "popsa_ops_ingest_batches_total", dimensions: [("outcome", "rejected")]).increment()
                Self.log.notice(
                    "ingest batch rejected", metadata: ["line": "\(error.line)", "field": "\(error.field)"])
                return Self.json(
                    .unprocessableContent,
                    Self.error(
                        "bad_record", error.message,
                        [("line", .integer(Int64(error.line))), ("field", .string(error.field))]))
            case .failure(let error):
                Counter(label: "popsa_ops_ingest_batches_total", dimensions: [("outcome", "failed")]).increment()
                Self.log.error("ingest batch not applied", metadata: ["error": "\(error)"])
                return Self.json(
                    .serviceUnavailable, Self.error("unavailable", "the batch was not applied; send it again"))
            }
        }
    }

    /// POST /partners/{partner}/events: one job update from a print partner, signed with that partner's secret.
    func addPartnerEvents(store: any FeedStore, secrets: [String: String], clock: EngineClock) {
        router.post("/partners/:partner/events") { request, context in
            let partner = context.parameters.get("partner") ?? ""
            guard let secret = secrets[partner] else {
                return Self.json(.notFound, Self.error("unknown_partner", "no partner by that name is configured"))
            }
            let body: [UInt8]
            switch await Self.signedBody(
                request, limit: 1 << 20, secret: secret, from: "partner \(partner)", feed: (store, .partners))
            {
            case .refused(let response): return response
            case .body(let bytes): body = bytes
            }
            let event: PartnerEvent
            do {
                event = try PartnerEvent.decode(try JSONValue.parse(String(decoding: body, as: UTF8.self)))
            } catch let error as RecordFieldError {
                return Self.json(
                    .unprocessableContent, Self.error("bad_event", error.message, [("field", .string(error.field))]))
            } catch {
                return Self.json(.unprocessableContent, Self.error("bad_event", "\(error)"))
            }
            let received = clock.now()
            let outcome = await Self.outcome {
                try await store.recordPartnerEvent(event, partner: partner, received: received)
            }
            switch outcome {
            case .success(.recorded(let sequence, let current)):
                Counter(label: "popsa_ops_partner_events_total", dimensions: [("partner", partner)]).increment()
                return Self.json(
                    .ok, .object([("sequence", .integer(Int64(sequence))), ("current", .bool(current))]))
            case .success(.duplicate(let sequence)):
                return Self.json(.ok, .object([("sequence", .integer(Int64(sequence))), ("duplicate", .bool(true))]))
            case .success(.unknownJob):
                return Self.json(.notFound, Self.error("unknown_job", "no print job \(event.jobID)"))
            case .success(.notYourJob):
                return Self.json(.forbidden, Self.error("not_your_job", "\(event.jobID) is another partner's job"))
            case .failure(let error):
                Self.log.error("partner event not recorded", metadata: ["error": "\(error)"])
                return Self.json(.serviceUnavailable, Self.error("unavailable", "not recorded; send it again"))
            }
        }
    }

    /// POST /webhooks/stripe: Stripe's events, verified as Stripe specifies and applied exactly once.
    func addStripeWebhooks(
        store: any FeedStore, secret: String, clock: EngineClock, stripe: (any PaymentGateway)? = nil
    ) {
        router.post("/webhooks/stripe") { request, _ in
            // Stripe's scheme is the one the ingest feed borrowed: t=…,v1=HMAC-SHA256 of "t.payload".
            let body: [UInt8]
            switch await Self.signedBody(
                request, limit: 1 << 20, secret: secret, from: "stripe", signing: .stripe, feed: (store, .stripe))
            {
            case .refused(let response): return response
            case .body(let bytes): body = bytes
            }
            let json: JSONValue
            do {
                json = try JSONValue.parse(String(decoding: body, as: UTF8.self))
            } catch {
                return Self.json(.badRequest, Self.error("bad_event", "not JSON"))
            }
            let event: StripeEvent
            do throws(RecordFieldError) {
                event = try StripeEvent.read(json, now: clock.now())
            } catch {
                return Self.json(.badRequest, Self.error("bad_event", error.description))
            }
            // An event that names only a charge this database does not know cannot be matched by itself: ask
            // Stripe which payment intent the charge belongs to, and record the link first (live mode only).
            if let stripe {
                do {
                    if let charge = event.chargeAlone, try await !store.knowsStripeCharge(charge),
                        let intent = try await stripe.owningTransaction(of: charge)
                    {
                        let linked = try await store.linkStripeCharge(charge, toIntent: intent)
                        Self.log.info("charge looked up", metadata: ["charge": "\(charge)", "linked": "\(linked)"])
                    }
                } catch {
                    // The event is still applied as it stands; the drift check (reconcile --payments) is the net.
                    Self.log.warning("charge not looked up", metadata: ["error": "\(error)"])
                }
            }
            let now = clock.now()
            let outcome = await Self.outcome { try await store.applyStripeEvent(event, now: now) }
            return Self.answer(outcome, provider: .stripe)
        }
    }

    /// The answer to a provider's event: 200 once applied (or known), 400 for an event that cannot be read (the
    /// provider will not fix it by retrying), 503 when the database could not take it now (the provider retries).
    static func answer(_ outcome: Result<WebhookOutcome, any Error>, provider: PaymentProvider) -> Response {
        let answer: JSONValue
        switch outcome {
        case .success(.duplicate): answer = .object([("duplicate", .bool(true))])
        case .success(.ignored): answer = .object([("ignored", .bool(true))])
        case .success(.unknownPayment): answer = .object([("unknown_payment", .bool(true))])
        case .success(.dispute(let id, let status, let changed)):
            Counter(label: "popsa_ops_webhook_events_total", dimensions: [("provider", provider.rawValue)]).increment()
            answer = .object([
                ("dispute", .string(id)), ("status", .string(status.rawValue)), ("changed", .bool(changed)),
            ])
        case .success(.applied(let adopted, let updated, let own)):
            Counter(label: "popsa_ops_webhook_events_total", dimensions: [("provider", provider.rawValue)]).increment()
            answer = .object([
                ("adopted", .integer(Int64(adopted))), ("updated", .integer(Int64(updated))),
                ("own", .integer(Int64(own))),
            ])
        case .failure(let error as RecordFieldError):
            return json(.badRequest, Self.error("bad_event", error.description))
        case .failure(let error):
            log.error("\(provider.rawValue) event not applied", metadata: ["error": "\(error)"])
            return json(
                .serviceUnavailable, Self.error("unavailable", "not applied; \(provider.label) will retry"))
        }
        return json(.ok, answer)
    }

    /// Serves until SIGTERM or SIGINT, letting requests in flight finish.
    func serve(at address: String, what: String) async throws {
        guard let (host, port) = ServeConfig.hostAndPort(address) else {
            throw CommandFailure(message: "cannot listen on \(address): not HOST:PORT", code: .usage)
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "popsa-ops"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                Stderr.line("popsa-ops: serving \(what) at http://\(host):\(bound)")
            },
            logger: Self.log)
        do {
            try await app.runService()
        } catch {
            throw CommandFailure(message: "cannot serve on \(address): \(error)", code: .unavailable)
        }
    }

    /// A request's body once its signature is checked, or the answer refusing it.
    enum SignedBody {
        case body([UInt8])
        case refused(Response)
    }

    /// How a route's requests are signed, and how a refusal is answered and counted.
    struct Signing {
        var header = IngestSignature.header
        var refusal = HTTPResponse.Status.unauthorized
        var counter = "popsa_ops_ingest_rejected_total"
        var dimensions: [(String, String)] = []

        /// Stripe's webhooks: its header, 400 as Stripe expects, counted per provider.
        static let stripe = Signing(
            header: "Stripe-Signature", refusal: .badRequest, counter: "popsa_ops_webhook_rejected_total",
            dimensions: [("provider", "stripe")])
    }

    /// Reads up to `limit` bytes and checks the signature with `secret`; a refusal is counted by reason and logged
    /// (never with the body).
    static func signedBody(
        _ request: Request, limit: Int, secret: String, from source: String, signing: Signing = Signing(),
        feed: (any FeedStore, FeedSource)? = nil
    ) async -> SignedBody {
        var request = request
        let body: [UInt8]
        do {
            body = Array(try await request.collectBody(upTo: limit).readableBytesView)
        } catch {
            return .refused(json(.contentTooLarge, Self.error("too_large", "at most \(limit >> 20) MiB")))
        }
        let header = request.headers[HTTPField.Name(signing.header)!]
        do throws(IngestSignature.Refusal) {
            try IngestSignature.verify(header, body: body, secret: secret, now: Int64(Date().timeIntervalSince1970))
        } catch {
            Counter(label: signing.counter, dimensions: signing.dimensions + [("reason", error.reason)]).increment()
            log.notice("request refused", metadata: ["from": "\(source)", "reason": "\(error.reason)"])
            if let (store, feedSource) = feed { await noteRefusal(store, feedSource, reason: error.description) }
            return .refused(json(signing.refusal, Self.error("signature", error.description)))
        }
        return .body(body)
    }

    /// Counts a refused request in the store, for the dashboard's ingest panel (a failure to is logged only).
    static func noteRefusal(_ store: any FeedStore, _ source: FeedSource, reason: String) async {
        let now = Timestamp(seconds: Int64(Date().timeIntervalSince1970))
        if case .failure(let error) = await outcome({
            try await store.recordFeedRejection(source, reason: reason, at: now)
        }) {
            log.warning("refusal not counted", metadata: ["error": "\(error)"])
        }
    }

    /// What a store write came to, as a value the route answers from.
    static func outcome<T>(_ work: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await work()) } catch { return .failure(error) }
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: value.serialized() + "\n")))
    }

    /// `{"error": {"code", …extra, "message"}}`.
    static func error(_ code: String, _ message: String, _ extra: [(String, JSONValue)] = []) -> JSONValue {
        .object([("error", .object([("code", .string(code))] + extra + [("message", .string(message))]))])
    }
}

enum IngestLimits {
    static let maxBody = 64 << 20
}

// MARK: - The SQLite store behind serve

/// The SQLite store as `serve` writes it: its writes are synchronous, so each kind runs on a queue of its own, one
/// at a time (SQLite takes one writer anyway), never on the server's event loops.
struct SQLiteFeed: FeedStore {
    let store: SQLiteStore
    private static let ingestQueue = DispatchQueue(label: "popsa-ops.ingest")
    private static let partnerQueue = DispatchQueue(label: "popsa-ops.partners")
    private static let providerQueue = DispatchQueue(label: "popsa-ops.providers")
    private static let refusalQueue = DispatchQueue(label: "popsa-ops.refusals")

    func ingest(_ bytes: [UInt8], name: String, received: Timestamp) async throws -> ImportReport {
        try await Self.run(Self.ingestQueue) {
            try store.importJSONLines(bytes: bytes, name: name, source: (.platform, received))
        }
    }

    func recordPartnerEvent(
        _ event: PartnerEvent, partner: String, received: Timestamp
    ) async throws -> PartnerEventOutcome {
        try await Self.run(Self.partnerQueue) {
            try store.recordPartnerEvent(event, partner: partner, received: received)
        }
    }

    func applyStripeEvent(_ event: StripeEvent, now: Timestamp) async throws -> WebhookOutcome {
        try await Self.run(Self.providerQueue) { try store.applyStripeEvent(event, now: now) }
    }

    func applyBraintreeEvent(_ event: BraintreeEvent, now: Timestamp) async throws -> WebhookOutcome {
        try await Self.run(Self.providerQueue) { try store.applyBraintreeEvent(event, now: now) }
    }

    func knowsStripeCharge(_ charge: String) async throws -> Bool {
        try await Self.run(Self.providerQueue) { try store.knowsStripeCharge(charge) }
    }

    func linkStripeCharge(_ charge: String, toIntent intent: String) async throws -> Bool {
        try await Self.run(Self.providerQueue) { try store.linkStripeCharge(charge, toIntent: intent) }
    }

    func recordFeedRejection(_ source: FeedSource, reason: String, at: Timestamp) async throws {
        try await Self.run(Self.refusalQueue) { try store.recordFeedRejection(source, reason: reason, at: at) }
    }

    /// Runs a synchronous store write on `queue`, off the server's event loops.
    private static func run<T: Sendable>(
        _ queue: DispatchQueue, _ work: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
