#if canImport(Glibc)
import Glibc
#endif

// MARK: - ImportReport

/// What one file brought in.
public struct ImportReport: Sendable, Equatable {
    public var file: String
    /// Records written (tombstones included).
    public var records = 0
    public var byType: [String: Int] = [:]
    /// Records deleted by tombstones.
    public var deleted = 0
    /// Entries older than what was already applied for their record: nothing changed.
    public var stale = 0

    public init(file: String) { self.file = file }
}

// MARK: - ImportError

/// A line of an import file that cannot be imported. Nothing of its file was imported.
public struct ImportError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// The field at fault, as a path (`line_items[0].unit_amount`), or empty for the line as a whole.
    public var field: String
    public var message: String

    public init(file: String, line: Int, field: String, message: String) {
        (self.file, self.line, self.field, self.message) = (file, line, field, message)
    }

    public var description: String {
        guard line > 0 else { return "\(file): \(message)" }
        return "\(file):\(line): " + (field.isEmpty ? message : "field \"\(field)\": \(message)")
    }

    /// The file itself could not be read (missing, a directory, no permission): no line is at fault.
    public var isUnreadableFile: Bool { line == 0 }

    /// Why a file could not be read, in words (also for the other inputs the commands read).
    public static func reason(errno code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EISDIR: "is a directory, not a file"
        case EACCES, EPERM: "permission denied"
        default: String(cString: strerror(code)).lowercased()
        }
    }

    /// The entry on line `line` of `file` (raw bytes, without the line break), or nil for a blank line; a line that
    /// is not an entry is an `ImportError` naming the line and the field. Invalid UTF-8 becomes U+FFFD: the text is
    /// kept, the damage is visible, nothing is dropped. Both stores' imports read their lines through here.
    public static func entry(_ bytes: ArraySlice<UInt8>, file: String, line: Int) throws(ImportError) -> ImportEntry? {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        let value: JSONValue
        do {
            value = try JSONValue.parse(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw ImportError(file: file, line: line, field: "", message: error.description)
        }
        do {
            return try ImportEntry.decode(value)
        } catch {
            throw ImportError(file: file, line: line, field: error.field, message: error.message)
        }
    }

    public static func cannotRead(_ path: String, errno code: Int32) -> ImportError {
        ImportError(file: path, line: 0, field: "", message: "cannot read: \(reason(errno: code))")
    }
}

// MARK: - LineReader

/// Reads a file line by line in fixed-size chunks, so an import's memory does not grow with the file. Works on
/// anything that can be read: regular files, `/dev/null`, named pipes, `<(…)` process substitutions.
public final class LineReader {
    /// The file read from; -1 for a batch already in memory.
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    public private(set) var bytesRead = 0
    /// The file's size when it is a regular file, else 0.
    public let size: Int
    public let path: String
    static let chunk = 1 << 20

    public init(path: String) throws {
        self.path = path
        fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImportError.cannotRead(path, errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw ImportError.cannotRead(path, errno: code)
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            Glibc.close(fd)
            throw ImportError.cannotRead(path, errno: EISDIR)
        }
        size = info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : 0
    }

    /// Lines of a batch already in memory (an ingest request's body), named `name` in errors.
    public init(bytes: [UInt8], name: String) {
        path = name
        fd = -1
        buffer = bytes
        atEnd = true
        bytesRead = bytes.count
        size = bytes.count
    }

    public func close() { if fd >= 0 { Glibc.close(fd) } }

    /// The next line without its line break (and a CR before it), or nil at the end.
    public func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var line = buffer[start..<newline]
                start = newline + 1
                if line.last == 0x0D { line = line.dropLast() }
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                var line = buffer[start...]
                start = buffer.count
                if line.last == 0x0D { line = line.dropLast() }
                return line
            }
            // Keep the unfinished line, read the next chunk after it.
            buffer.removeFirst(start)
            start = 0
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: Self.chunk))
            var got: Int
            repeat {
                got = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + old, Self.chunk) }
            } while got < 0 && errno == EINTR
            guard got >= 0 else {
                let code = errno
                buffer.removeLast(Self.chunk)
                throw ImportError.cannotRead(path, errno: code)
            }
            buffer.removeLast(Self.chunk - got)
            bytesRead += got
            if got == 0 { atEnd = true }
        }
    }
}
