import Foundation
import OpsCore

#if canImport(Glibc)
import Glibc
import OpsStore
#endif

/// Reads a whole input file named on the command line: a regular file, `/dev/null`, a named pipe or a `<(…)`
/// process substitution all work; a missing, unreadable or directory path is a clear error with exit 66.
enum InputFile {
    static func contents(of path: String, what: String) throws -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(path, what, errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure(path, what, errno) }
        guard info.st_mode & S_IFMT != S_IFDIR else { throw failure(path, what, EISDIR) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw failure(path, what, errno) }
            if got == 0 { return data }
            data.append(contentsOf: chunk[0..<got])
        }
    }

    static func failure(_ path: String, _ what: String, _ code: Int32) -> CommandFailure {
        CommandFailure(message: "cannot read \(what) \(path): \(ImportError.reason(errno: code))", code: .noInput)
    }
}
