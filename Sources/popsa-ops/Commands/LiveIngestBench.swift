import Foundation
import OpsConsole
import OpsCore
import OpsEngine
import OpsPayments
import OpsStore
import OpsTUI

/// The live service under load: signed Stripe webhooks one after another (request to commit) against the floor of
/// their rows written by plain SQL; then the platform's feed posted in batches while two consoles in this process
/// type searches and refresh, with their keystroke-to-frame latency.
struct LiveIngestBench {
    let binary: String
    var customers = 20_000
    var batchLines = 2_000
    var webhooks = 500

    func run() async throws {
        let dir = try BenchScratch.make("live")
        defer { BenchScratch.remove(dir) }
        let export = dir + "/export.jsonl"
        let count = try ImportBench.writeExport(to: export, customers: customers)
        let db = dir + "/serve.sqlite"
        _ = try SQLiteStore.open(path: db).importJSONLines(path: export)
        try FileManager.default.copyItem(atPath: db, toPath: dir + "/floor.sqlite")
        let secret = "bench-\(UInt64.random(in: 1...UInt64.max))", whsec = "whsec_bench"
        guard
            let server = try BenchServer(
                binary: binary, db: db, home: dir,
                environment: [
                    "POPSA_OPS_INGEST_SECRET": secret, "STRIPE_WEBHOOK_SECRET": whsec,
                ])
        else {
            Stdout.line("live: serve did not start; skipped")
            return
        }
        defer { server.stop() }
        let port = server.port
        let transport = AsyncHTTPTransport(readTimeout: .seconds(120))

        // Webhooks: each a refund made in the Dashboard, adopted into the ledger (lookup, matching, audit chain).
        let payments = try SQLiteStore.open(path: db, readOnly: true).benchStripePayments(count: webhooks)
        var webhook = Latencies()
        for (i, p) in payments.enumerated() {
            let event =
                #"{"id":"evt_b\#(i)","type":"charge.refunded","data":{"object":{"id":"\#(p.charge)","#
                + #""payment_intent":"\#(p.charge)","refunds":{"data":[{"id":"re_b\#(i)","amount":1,"#
                + #""status":"succeeded","charge":"\#(p.charge)","metadata":{}}]}}}}"#
            let body = Array(event.utf8)
            let signature = IngestSignature.sign(body, secret: whsec, timestamp: Int64(Date().timeIntervalSince1970))
            let answer = try await webhook.measure {
                try await transport.send(
                    method: "POST", url: "http://127.0.0.1:\(port)/webhooks/stripe",
                    headers: [("Stripe-Signature", signature), ("Content-Type", "application/json")], body: body)
            }
            guard answer.status == 200 else {
                throw CommandFailure(
                    message: "bench: webhook answered \(answer.status): \(answer.text)", code: .failure)
            }
        }
        let floorStore = try SQLiteStore.open(path: dir + "/floor.sqlite")
        let floor = Latencies(
            samples: try floorStore.webhookFloor(
                payments.enumerated().map { i, p in ("evt_f\(i)", p.id, p.order, "re_f\(i)", p.currency) },
                at: Timestamp(seconds: Int64(Date().timeIntervalSince1970))))
        Stdout.line("")
        Stdout.line("webhooks: \(payments.count) signed charge.refunded events, one at a time, request to commit:")
        Stdout.line(
            "  serve p50 \(Latencies.ms(webhook.percentile(50))) ms, p99 \(Latencies.ms(webhook.percentile(99))) ms"
                + "   floor (the same rows, plain SQL, one transaction each) p50 "
                + "\(Latencies.ms(floor.percentile(50))) ms, p99 \(Latencies.ms(floor.percentile(99))) ms")

        // The feed while two consoles type and refresh.
        let stop = StopFlag()
        let consoles = (0..<2).map { n in
            ConsoleLoad(db: db, terms: n == 0 ? ["mar", "ann"] : ["zo", "li"], stop: stop)
        }
        for console in consoles { console.start() }
        let lines = try String(contentsOfFile: export, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: true)
        let start = ContinuousClock.now
        var batches = Latencies()
        for first in stride(from: 0, to: lines.count, by: batchLines) {
            let body = Array(lines[first..<min(first + batchLines, lines.count)].joined(separator: "\n").utf8)
            let signature = IngestSignature.sign(body, secret: secret, timestamp: Int64(Date().timeIntervalSince1970))
            let answer = try await batches.measure {
                try await transport.send(
                    method: "POST", url: "http://127.0.0.1:\(port)/ingest",
                    headers: [(IngestSignature.header, signature)], body: body)
            }
            guard answer.status == 200 else {
                throw CommandFailure(message: "bench: ingest answered \(answer.status): \(answer.text)", code: .failure)
            }
        }
        let total = ContinuousClock.now - start
        stop.set()
        let keys = Latencies(samples: consoles.flatMap { $0.finish() })
        Stdout.line(
            "feed with two consoles typing and refreshing: \(NumberText.grouped(count)) records in batches of "
                + "\(NumberText.grouped(batchLines)):")
        Stdout.line(
            String(
                format: "  %.0f records/s (batch p50 %.0f ms, p99 %.0f ms)   console keystroke-to-frame p50 %@ ms, "
                    + "p99 %@ ms over %d keys",
                Double(count) / total.seconds, batches.percentile(50).seconds * 1000,
                batches.percentile(99).seconds * 1000, Latencies.ms(keys.percentile(50)),
                Latencies.ms(keys.percentile(99)), keys.samples.count))
    }
}

/// A flag set once, read by the console threads.
final class StopFlag: @unchecked Sendable {
    // Reason: one Bool behind a lock, written once by the bench and read by its threads.
    private let lock = NSLock()
    private var stopped = false
    func set() { lock.withLock { stopped = true } }
    var isSet: Bool { lock.withLock { stopped } }
}

/// A console on its own thread: types search terms a key at a time (each key to its settled frame) and refreshes
/// the open screen, until stopped.
final class ConsoleLoad: @unchecked Sendable {
    // Reason: the console and the samples are used by its one thread only; `finish` reads them after joining it.
    let db: String
    let terms: [String]
    let stop: StopFlag
    private var samples: [Duration] = []
    private let done = DispatchSemaphore(value: 0)

    init(db: String, terms: [String], stop: StopFlag) {
        self.db = db
        self.terms = terms
        self.stop = stop
    }

    func start() {
        Thread { [self] in
            defer { done.signal() }
            let store: SQLiteStore
            do { store = try SQLiteStore.open(path: db, readOnly: true) } catch {
                Stderr.line("bench: a console could not open \(db): \(error)")
                return
            }
            let session = Session(
                operatorName: "bench", sshClient: nil, role: .agent, databaseName: "bench", readOnly: true)
            let console = Console(
                state: AppState(
                    size: Size(width: 120, height: 40), theme: .builtIn, session: session,
                    now: Timestamp(seconds: Int64(Date().timeIntervalSince1970)), clockFrozen: true),
                environment: ConsoleEnvironment(engine: Engine(store: store)))
            console.start()
            _ = console.settle(timeout: .seconds(10))
            var i = 0
            while !stop.isSet {
                console.dispatch(.key(.control("u")))
                _ = console.settle(timeout: .seconds(10))
                for character in terms[i % terms.count] {
                    let start = ContinuousClock.now
                    console.dispatch(.key(.character(character)))
                    _ = console.render()
                    _ = console.settle(timeout: .seconds(10))
                    _ = console.render()
                    samples.append(ContinuousClock.now - start)
                }
                console.dispatch(.tick(Timestamp(seconds: Int64(Date().timeIntervalSince1970)), due: true))
                _ = console.settle(timeout: .seconds(10))
                i += 1
            }
        }.start()
    }

    func finish() -> [Duration] {
        done.wait()
        return samples
    }
}
