import ArgumentParser
import Foundation
import OpsCore
import OpsStore
import OpsStorePostgres

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import JSON Lines exports (one record per line; see README for the fields).",
        discussion: """
            Each file is imported in one transaction: a bad line (malformed JSON, unknown type, missing or wrong \
            field, unknown currency, reference to a missing record) is reported as FILE:LINE with the field, \
            nothing of that file is kept, and the exit code is 65. Records are upserted by id: importing the same \
            file again changes nothing.
            """)

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var time: TimeOptions

    @Argument(help: ArgumentHelp("JSON Lines files.", valueName: "file"))
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file to import") }
    }

    func run() async throws {
        if let url = try database.postgresURL() {
            let store = try await PostgresConnect.open(url)
            do {
                for file in files {
                    try await importFile(file) { progress in
                        try await store.importJSONLines(path: file, progress: progress)
                    }
                }
                await store.close()
            } catch {
                await store.close()
                throw error
            }
            return
        }
        let store = try database.open(now: time.timestamp, create: true)
        for file in files {
            try await importFile(file) { progress in try store.importJSONLines(path: file, progress: progress) }
        }
    }

    /// Imports one file into whichever store, with a progress bar for a large one, and says what came in.
    private func importFile(
        _ file: String, _ body: (@escaping (Int, Int) -> Void) async throws -> ImportReport
    ) async throws {
        // The size is only for the progress bar: a pipe or /dev/null has none, and imports without one.
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let bar = ProgressBar(total: max(1, size), unit: "bytes", enabled: Stderr.isTerminal && size > 5_000_000)
        do {
            let report = try await body { done, _ in bar.update(done) }
            bar.finish()
            let parts = report.byType.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
            var extras: [String] = []
            if report.deleted > 0 { extras.append("\(report.deleted) deleted") }
            if report.stale > 0 { extras.append("\(report.stale) older than what was there, skipped") }
            Stdout.line(
                "\(file): imported \(report.records) records"
                    + (parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))")
                    + (extras.isEmpty ? "" : "; " + extras.joined(separator: ", ")))
        } catch let error as StoreWriteFailure {
            bar.finish()
            throw CommandFailure(storeWrite: error, saved: "nothing of \(file) was imported")
        } catch let error as PostgresStoreError {
            bar.finish()
            throw CommandFailure(postgres: error, saved: " — nothing of \(file) was imported")
        } catch let error as ImportError {
            bar.finish()
            throw CommandFailure(
                message: "\(error.description) — nothing of \(file) was imported",
                code: error.isUnreadableFile ? .noInput : .dataError)
        }
    }
}
