import Foundation
import OpsCore
import OpsStore

/// Whole-process timings: what an agent waits for when they type `popsa-ops query …` in a shell, next to the
/// sqlite3 command-line shell running the same SQL on the same file (start-up, open, query, print, exit).
struct ProcessBench {
    let binary: String
    let db: String
    let store: SQLiteStore
    var runs = 40

    func run() throws {
        let shells = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"]
        guard let sqlite3 = shells.first(where: FileManager.default.isExecutableFile)
        else {
            Stdout.line("process: sqlite3 is not installed (apt-get install sqlite3); skipped")
            return
        }
        let samples = try store.benchSamples(count: runs, seed: 23)
        let orders = try store.benchOrderIDs(count: runs, seed: 29)
        let sql = SQLiteStore.processFloorSQL
        // Warm the page cache and the binaries.
        for _ in 0..<3 {
            _ = try ChildProcess.run(binary, ["--version"])
            _ = try ChildProcess.run(sqlite3, ["-version"])
        }
        var rows: [(String, Latencies, Latencies)] = []
        func pair(_ name: String, _ inputs: [String], ours: (String) -> [String], floor: (String) -> [String]) throws {
            var onOurs = Latencies(), onFloor = Latencies()
            for (i, input) in inputs.enumerated() {
                if i % 2 == 0 {
                    onOurs.samples.append(try ChildProcess.run(binary, ours(input)).time)
                    onFloor.samples.append(try ChildProcess.run(sqlite3, floor(input)).time)
                } else {
                    onFloor.samples.append(try ChildProcess.run(sqlite3, floor(input)).time)
                    onOurs.samples.append(try ChildProcess.run(binary, ours(input)).time)
                }
            }
            rows.append((name, onOurs, onFloor))
        }
        func shell(_ query: String, _ value: String) -> [String] {
            ["-cmd", ".parameter set ?1 '\(value.replacingOccurrences(of: "'", with: "''"))'", db, query]
        }
        try pair(
            "start-up only", Array(repeating: "", count: runs), ours: { _ in ["--version"] },
            floor: { _ in ["-version"] })
        try pair(
            "query customer", samples.userIDs, ours: { ["query", "customer", $0, "--db", db] },
            floor: { shell(sql.customer, $0) })
        try pair(
            "query customers", samples.searchTerms.filter { FullTextQuery.prefixMatch($0) != nil },
            ours: { ["query", "customers", $0, "--db", db] },
            floor: { shell(sql.search, FullTextQuery.prefixMatch($0) ?? $0) })
        try pair("query order", orders, ours: { ["query", "order", $0, "--db", db] }, floor: { shell(sql.order, $0) })
        Stdout.line("")
        Stdout.line(
            "whole process       ours p50    ours p99   sqlite3 p50  sqlite3 p99  p50 ratio   "
                + "(ms, \(runs) runs each)")
        for (name, ours, floor) in rows { Stdout.line(Latencies.row(name, ours, floor, ratioAt: 50)) }
    }

}

/// A program run to completion with its output discarded, and how long it took. Fails unless it exits 0.
enum ChildProcess {
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> (time: Duration, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let start = ContinuousClock.now
        try process.run()
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        guard process.terminationStatus == 0 else {
            let command = ([executable] + arguments.prefix(3)).joined(separator: " ")
            throw CommandFailure(message: "bench: \(command) exited with \(process.terminationStatus)", code: .failure)
        }
        return (elapsed, process.terminationStatus)
    }
}
