import Foundation
import OpsCore
import OpsEngine
import OpsPayments
import OpsStore

/// The ingest service against its floor: the same generated export posted to a running `serve` in signed
/// batches (HTTP, the signature check, the importer, the commit per batch), and loaded by the importer in this
/// process in one transaction (the same code path without the service).
struct IngestBench {
    let binary: String
    var customers = 20_000
    var batchLines = 5_000

    func run() async throws {
        let dir = try BenchScratch.make("ingest")
        defer { BenchScratch.remove(dir) }
        let export = dir + "/export.jsonl"
        let count = try ImportBench.writeExport(to: export, customers: customers)

        // The floor: the importer, in this process, one transaction.
        let floorStore = try SQLiteStore.open(path: dir + "/floor.sqlite")
        let floorStart = ContinuousClock.now
        _ = try floorStore.importJSONLines(path: export)
        let floor = ContinuousClock.now - floorStart
        try floorStore.close()

        // The service: batches of `batchLines`, one request after another, each answered once committed.
        let db = dir + "/serve.sqlite"
        try ChildProcess.run(binary, ["import", "--db", db, "/dev/null"])
        let secret = "bench-\(UInt64.random(in: 1...UInt64.max))"
        guard
            let server = try BenchServer(
                binary: binary, db: db, home: dir,
                environment: [
                    "POPSA_OPS_INGEST_SECRET": secret
                ])
        else {
            Stdout.line("ingest: serve did not start; skipped")
            return
        }
        defer { server.stop() }
        let port = server.port
        let text = try String(contentsOfFile: export, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        let transport = AsyncHTTPTransport(readTimeout: .seconds(120))
        var latencies = Latencies()
        let start = ContinuousClock.now
        for first in stride(from: 0, to: lines.count, by: batchLines) {
            let body = Array(lines[first..<min(first + batchLines, lines.count)].joined(separator: "\n").utf8)
            let signature = IngestSignature.sign(body, secret: secret, timestamp: Int64(Date().timeIntervalSince1970))
            let sent = ContinuousClock.now
            let answer = try await transport.send(
                method: "POST", url: "http://127.0.0.1:\(port)/ingest",
                headers: [(IngestSignature.header, signature)], body: body)
            latencies.samples.append(ContinuousClock.now - sent)
            guard answer.status == 200 else {
                throw CommandFailure(message: "bench: ingest answered \(answer.status): \(answer.text)", code: .failure)
            }
        }
        let total = ContinuousClock.now - start
        Stdout.line("")
        Stdout.line(
            "ingest of \(NumberText.grouped(count)) lines in batches of \(NumberText.grouped(batchLines)), "
                + "one request at a time:")
        Stdout.line(
            String(
                format: "  serve %.2fs (%.0f records/s; batch p50 %.0f ms, p99 %.0f ms)   importer floor %.2fs "
                    + "(%.0f records/s)   ratio %.2fx",
                total.seconds, Double(count) / total.seconds, latencies.percentile(50).seconds * 1000,
                latencies.percentile(99).seconds * 1000, floor.seconds, Double(count) / floor.seconds,
                total.seconds / max(1e-9, floor.seconds)))
    }
}

/// `popsa-ops serve` on a loopback port of its own, for the benchmarks; stopped with `stop()`.
struct BenchServer {
    let process: Process
    let port: Int

    /// Nil when serve did not say where it listens within 20 seconds.
    init?(binary: String, db: String, home: String, environment: [String: String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--db", db]
        process.environment = environment.merging(["HOME": home, "POPSA_OPS_LOG": "off"]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        guard let port = Self.port(from: errors) else {
            process.terminate()
            process.waitUntilExit()
            return nil
        }
        self.port = port
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    /// The port from serve's "serving … at http://127.0.0.1:PORT" line.
    static func port(from pipe: Pipe) -> Int? {
        var collected = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { return nil }
            collected += String(decoding: data, as: UTF8.self)
            if let line = collected.split(separator: "\n").first(where: { $0.contains(" at http://") }),
                let port = Int(line.split(separator: ":").last ?? "")
            {
                return port
            }
        }
        return nil
    }
}
