#if canImport(Glibc)
import Glibc
#endif

// MARK: - AuditAnchor

/// The audit chain's heads, kept outside the database: an owner-only file, a `SEQ HASH` line appended after each
/// commit that wrote an entry. Rewinding the database (restoring an older copy, deleting the newest entries and
/// the head with them) leaves the anchor ahead of the chain, which `check` reports.
///
/// SQLite keeps it next to the database file; with PostgreSQL each ops box keeps its own, in the account's state
/// folder, for the heads its own writes made: verifying on a box checks that the shared chain still holds them.
public struct AuditAnchor: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Appends a head. Throws what the file system said; a caller logs it and goes on (the chain itself is whole,
    /// only its outside copy lags).
    public func append(sequence: Int64, hash: String) throws(AnchorWriteError) {
        let line = "\(sequence) \(hash)\n"
        // The process's umask makes it owner-only (or the group's, in a shared folder), as for the database.
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw AnchorWriteError(errno: errno) }
        defer { close(fd) }
        let count = line.utf8.count
        let written = line.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, count) }
        guard written == count else { throw AnchorWriteError(errno: errno) }
    }

    /// What is wrong between the anchor and a chain that ends at `lastSequence`, or nil: every head ever anchored
    /// must still be in the chain (`hashAt` gives an entry's hash), and the chain must reach the newest of them.
    /// No anchor file yet is nothing wrong (a database from before anchoring, or without an entry); one that
    /// exists but cannot be read fails the check, as an unreadable anchor proves nothing.
    public func problem(lastSequence: Int64, hashAt: (Int64) async throws -> String?) async throws -> String? {
        guard access(path, F_OK) == 0 else { return nil }
        let reader: LineReader
        do {
            reader = try LineReader(path: path)
        } catch {
            let reason = (error as? ImportError).map { String($0.message.trimmingPrefix("cannot read: ")) }
            return "the anchor file \(path) cannot be read (\(reason ?? "\(error)")), so the chain cannot be "
                + "checked against it"
        }
        defer { reader.close() }
        var newest: Int64 = 0
        while let bytes = try reader.nextLine() {
            let parts = String(decoding: bytes, as: UTF8.self).split(separator: " ")
            guard parts.count == 2, let sequence = Int64(parts[0]) else {
                return "the anchor file \(path) has a line that is not \"SEQ HASH\": it was edited"
            }
            newest = max(newest, sequence)
            guard sequence <= lastSequence else { continue }
            if try await hashAt(sequence) != String(parts[1]) {
                return "entry \(sequence) is not the one anchored outside the database (\(path)): the log was "
                    + "rewritten"
            }
        }
        if newest > lastSequence {
            return "the log ends at entry \(lastSequence) but entry \(newest) was anchored outside the database"
                + " (\(path)): the database was rewound or its newest entries deleted"
        }
        return nil
    }
}

/// Appending to the anchor file failed.
public struct AnchorWriteError: Error, CustomStringConvertible {
    public let code: Int32

    public init(errno code: Int32) { self.code = code }

    public var description: String { ImportError.reason(errno: code) }
}
