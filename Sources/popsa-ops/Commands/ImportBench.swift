import Foundation
import OpsCore
import OpsStore

/// The importer against its floor: a generated export (the demo generator's customers, as JSON Lines in the import
/// format) loaded by `popsa-ops import` and by a plain Python json.loads + executemany script into the same empty
/// schema, each in a fresh process; with the importer's peak memory, which must not grow with the file.
struct ImportBench {
    let binary: String
    var customers = 20_000

    func run() throws {
        let dir = try BenchScratch.make("import")
        defer { BenchScratch.remove(dir) }
        let export = dir + "/export.jsonl"
        let lines = try Self.writeExport(to: export, customers: customers)
        let size = (try FileManager.default.attributesOfItem(atPath: export)[.size] as? Int) ?? 0
        guard let floorScript = Self.floorScript() else {
            Stdout.line("import: scripts/import_floor.py not found next to the binary's package; skipped")
            return
        }
        var ours = Latencies(), floor = Latencies()
        var peak = 0
        for round in 0..<3 {
            let oursDB = dir + "/ours-\(round).sqlite", floorDB = dir + "/floor-\(round).sqlite"
            // Both start from the same empty, migrated schema.
            try ChildProcess.run(binary, ["import", "--db", oursDB, "/dev/null"])
            try FileManager.default.copyItem(atPath: oursDB, toPath: floorDB)
            if round == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/time") {
                // The importer's own peak memory (not every child's so far): GNU time writes it to a file.
                let measured = dir + "/rss"
                ours.samples.append(
                    try ChildProcess.run(
                        "/usr/bin/time",
                        [
                            "-f", "%M", "-o", measured, binary, "import",
                            "--db", oursDB, export,
                        ]
                    ).time)
                peak = Int((try String(contentsOfFile: measured, encoding: .utf8)).trimmingWhitespace()) ?? 0
            } else {
                ours.samples.append(try ChildProcess.run(binary, ["import", "--db", oursDB, export]).time)
            }
            floor.samples.append(try ChildProcess.run("/usr/bin/env", ["python3", floorScript, floorDB, export]).time)
        }
        let best = { (l: Latencies) in l.samples.min() ?? .zero }
        Stdout.line("")
        Stdout.line(
            "import of \(NumberText.grouped(lines)) lines (\(NumberText.grouped(size / 1_000_000)) MB, "
                + "\(NumberText.grouped(customers)) customers), best of 3:")
        Stdout.line(
            String(
                format: "  popsa-ops import %.2fs (%.0f lines/s, importer peak RSS %d MB)"
                    + "   python floor %.2fs   ratio %.2fx",
                best(ours).seconds, Double(lines) / best(ours).seconds, peak / 1024,
                best(floor).seconds, best(ours).seconds / max(1e-9, best(floor).seconds)))
    }

    static func floorScript() -> String? {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("scripts/import_floor.py").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The demo generator's customers as an import file, parents before children. Returns the number of lines.
    static func writeExport(to path: String, customers: Int) throws -> Int {
        let generator = DemoGenerator(seed: 99, now: try Timestamp(iso8601: "2026-11-27T09:00:00Z"))
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else {
            throw CommandFailure(message: "bench: cannot write \(path)", code: .failure)
        }
        var lines = 0
        var chunk = ""
        func add(_ type: String, _ json: JSONValue) {
            guard case .object(let fields) = json else { return }
            chunk += JSONValue.object([("type", .string(type))] + fields).serialized() + "\n"
            lines += 1
        }
        for index in 0..<customers {
            let c = generator.customer(index)
            add("user", c.user.json)
            for p in c.prints { add("print", p.json) }
            for p in c.photos { add("photo", p.json) }
            for o in c.orders { add("order", o.json) }
            for p in c.payments { add("payment", p.json) }
            for j in c.printJobs { add("print_job", j.json) }
            for e in c.events { add("print_job_event", e.json) }
            if chunk.utf8.count > 1 << 20 {
                handle.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        handle.write(Data(chunk.utf8))
        // Closed here, not deferred: an export that could not be finished must not be measured.
        try handle.close()
        return lines
    }
}

/// A benchmark's scratch folder under $TMPDIR, removed afterwards; one that cannot be removed is said, so large
/// generated files never pile up unnoticed.
enum BenchScratch {
    static func make(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "popsa-ops-\(name)-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func remove(_ dir: String) {
        do {
            try FileManager.default.removeItem(atPath: dir)
        } catch {
            Stderr.line("bench: could not remove \(dir): \(error.localizedDescription)")
        }
    }
}
