import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import OpsConsole
import OpsCore
import OpsEngine
import OpsMetrics
import OpsStore

struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print the current metrics in the Prometheus text exposition format.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var time: TimeOptions

    func run() async throws {
        OpsMetrics.shared.bootstrap()
        let config = try configuration.load()
        let store = try database.open(now: time.timestamp, configured: config.databasePath, readOnly: true)
        let engine = Engine(store: store, clock: time.clock, stuckThreshold: config.stuckThreshold)
        let totals = try await engine.businessTotals()
        FileHandle.standardOutput.write(Data(OpsMetrics.shared.exposition(totals: totals).utf8))
    }
}

struct ServeMetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-metrics",
        abstract: "Serve /metrics over HTTP for a Prometheus server to scrape.")

    @Option(help: ArgumentHelp("Address to listen on (loopback by default).", valueName: "host:port"))
    var listen: String = "127.0.0.1:9464"
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var time: TimeOptions

    func validate() throws {
        guard let colon = listen.lastIndex(of: ":"), Int(listen[listen.index(after: colon)...]) != nil else {
            throw ValidationError("--listen: \"\(listen)\" is not HOST:PORT like 127.0.0.1:9464")
        }
    }

    func run() async throws {
        OpsMetrics.shared.bootstrap()
        let config = try configuration.load()
        let store = try database.open(now: time.timestamp, configured: config.databasePath, readOnly: true)
        let engine = Engine(store: store, clock: time.clock, stuckThreshold: config.stuckThreshold)
        let colon = listen.lastIndex(of: ":")!
        let host = String(listen[..<colon]), port = Int(listen[listen.index(after: colon)...])!
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMap {
                        channel.pipeline.addHandler(
                            MetricsHTTPHandler(exposition: {
                                do {
                                    return OpsMetrics.shared.exposition(totals: try await engine.businessTotals())
                                } catch {
                                    Logger(label: "popsa-ops.metrics").error(
                                        "business totals not read",
                                        metadata: ["error": "\(error)"])
                                    return OpsMetrics.shared.exposition(totals: nil)
                                }
                            }))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            throw CommandFailure(message: "cannot listen on \(listen): \(error)", code: .unavailable)
        }
        Stderr.line("popsa-ops: serving metrics at http://\(listen)/metrics")
        try await channel.closeFuture.get()
    }
}

/// Answers GET /metrics with the exposition; anything else with 404.
// Unchecked: NIO calls a handler only on its channel's event loop, so its request state is never shared.
final class MetricsHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let exposition: @Sendable () async -> String
    private var path = ""
    private var method = HTTPMethod.GET

    init(exposition: @escaping @Sendable () async -> String) { self.exposition = exposition }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri
            method = head.method
        case .body:
            break
        case .end:
            let loop = context.eventLoop
            let boxed = NIOLoopBound(context, eventLoop: loop)
            let found = method == .GET && (path == "/metrics" || path.hasPrefix("/metrics?"))
            let producer = exposition
            let promise = loop.makePromise(of: String.self)
            if found {
                promise.completeWithTask { await producer() }
            } else {
                promise.succeed("not found: try /metrics\n")
            }
            promise.futureResult.whenSuccess { text in
                let context = boxed.value
                var headers = HTTPHeaders()
                headers.add(
                    name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain")
                headers.add(name: "Content-Length", value: String(text.utf8.count))
                context.write(
                    NIOAny(
                        HTTPServerResponsePart.head(
                            HTTPResponseHead(version: .http1_1, status: found ? .ok : .notFound, headers: headers))),
                    promise: nil)
                context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
            }
        }
    }
}

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract:
            "Write live platform traffic into the database: signups, orders with payments, photo uploads, partner "
            + "updates."
    )

    @Option(help: ArgumentHelp("Events per second, e.g. 20/s.", valueName: "rate")) var rate: String = "20/s"
    @Option(help: ArgumentHelp("How long, e.g. 60s, 5m.", valueName: "duration")) var duration: String = "60s"
    @Option(help: "Random seed.") var seed: UInt64 = 99
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var time: TimeOptions

    var eventsPerSecond: Int? {
        let text = rate.hasSuffix("/s") ? String(rate.dropLast(2)) : rate
        guard let n = Int(text), (1...10_000).contains(n) else { return nil }
        return n
    }

    func validate() throws {
        guard eventsPerSecond != nil else {
            throw ValidationError("--rate: \"\(rate)\" is not a rate like 20/s (1 to 10000 events a second)")
        }
        do { _ = try DurationText.parse(duration) } catch { throw ValidationError("--duration: \(error)") }
    }

    func run() async throws {
        let store = try database.open(now: time.timestamp)
        let seconds = try DurationText.parse(duration)
        let frozen = time.isFrozen ? time.timestamp : nil
        let simulator = TrafficSimulator(store: store, seed: seed)
        let totals = try await simulator.run(
            eventsPerSecond: eventsPerSecond!, duration: .seconds(seconds),
            clock: { frozen ?? Timestamp(seconds: Int64(Date().timeIntervalSince1970)) })
        Stdout.line(
            "Simulated \(totals.signups) signups, \(totals.orders) orders, \(totals.uploads) photo uploads, "
                + "\(totals.jobUpdates) print job updates"
        )
    }
}
