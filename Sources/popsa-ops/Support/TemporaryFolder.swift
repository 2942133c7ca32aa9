import Foundation
import Logging
import OpsCore

#if canImport(Glibc)
import Glibc
#endif

/// A private folder (0700, made by mkdtemp(3) in `$TMPDIR`, else /tmp) for files a command needs only while it
/// runs, such as the SQLite file `seed` generates before copying it into PostgreSQL.
struct TemporaryFolder {
    let path: String

    init(prefix: String) throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/" + prefix + ".XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CommandFailure(
                message: "cannot make a temporary folder in \(base): \(ImportError.reason(errno: errno))",
                code: .ioError)
        }
        path = String(cString: made)
    }

    /// Removes the folder and what it holds; a failure is logged, as it leaves only a private folder behind.
    func remove() {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            Logger(label: "popsa-ops").warning(
                "temporary folder not removed", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}
