import Foundation
import Logging
import OpsTUI

/// Logs go to a file, never to the screen: the console owns the terminal, and a log line written to it would
/// corrupt the frame (and could leak into a colleague's screenshot). One line per entry, appended with O_APPEND so
/// several processes (two consoles, `simulate`, `reconcile`) can share the file without tearing lines.
///
/// Where: `POPSA_OPS_LOG` (a path, or `off`), else `$XDG_STATE_HOME/popsa-ops/popsa-ops.log` (default
/// `~/.local/state/popsa-ops/popsa-ops.log`). Level: `POPSA_OPS_LOG_LEVEL` (trace, debug, info, notice, warning,
/// error, critical; default info). If the file cannot be opened, logging is off — it never falls back to stderr.
enum FileLog {
    static let variables = ["POPSA_OPS_LOG", "POPSA_OPS_LOG_LEVEL", "XDG_STATE_HOME", "HOME"]

    /// `environment` defaults to the four variables read with getenv: every command starts here, and copying the
    /// whole environment into a dictionary through Foundation is a measurable share of a `query`'s start-up.
    static func bootstrap(environment: [String: String] = Environment.values(of: FileLog.variables)) {
        let level = environment["POPSA_OPS_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
        let sink = path(environment).flatMap(LogSink.open)
        LoggingSystem.bootstrap { label in
            guard let sink else { return SwiftLogNoOpLogHandler() }
            var handler = FileLogHandler(label: label, sink: sink)
            handler.logLevel = level
            return handler
        }
    }

    static func path(_ environment: [String: String]) -> String? {
        if let explicit = environment["POPSA_OPS_LOG"], !explicit.isEmpty {
            return explicit == "off" ? nil : explicit
        }
        return stateFolder(environment).map { $0 + "/popsa-ops.log" }
    }

    /// `$XDG_STATE_HOME/popsa-ops` (default `~/.local/state/popsa-ops`): the log, and the audit anchors of the
    /// shared databases this account writes to.
    static func stateFolder(_ environment: [String: String]) -> String? {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/popsa-ops" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/state/popsa-ops" }
        return nil
    }
}

/// An append-only log file descriptor shared by every logger in the process.
final class LogSink: Sendable {
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    static func open(_ path: String) -> LogSink? {
        let directory = (path as NSString).deletingLastPathComponent
        // Owner-only, created on first use. Nothing to log a failure to yet: if the directory cannot be made, the
        // open below fails and logging is off, as documented.
        if !directory.isEmpty && access(directory, F_OK) != 0 {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            } catch {
                return nil
            }
        }
        // Owner-only: the log names customers and operators.
        let fd = Foundation.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        return fd >= 0 ? LogSink(fd: fd) : nil
    }

    func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        bytes.withUnsafeBytes { raw in
            _ = Foundation.write(fd, raw.baseAddress, raw.count)
        }
    }

    deinit { close(fd) }
}

struct FileLogHandler: LogHandler {
    let label: String
    let sink: LogSink
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    private let pid = getpid()

    init(label: String, sink: LogSink) {
        self.label = label
        self.sink = sink
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error { merged["error"] = "\(error)" }
        let level = event.level
        let message = event.message
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.value("\($0.value)"))" }.joined(
            separator: " ")
        let stamp = Self.timestamp(Date())
        sink.write(
            "\(stamp) \(level.rawValue) \(label)[\(pid)]: "
                + "\(Self.escape(message.description))\(fields.isEmpty ? "" : " " + fields)"
        )
    }

    /// One entry, one line: data from customers can carry newlines and escape sequences, which must not forge
    /// entries or reach a terminal that `tail -f`s the log.
    static func escape(_ text: String) -> String {
        TerminalText.sanitize(text)
    }

    /// logfmt: a value with a space, a quote or an equals sign is quoted, so fields split unambiguously.
    static func value(_ text: String) -> String {
        let clean = escape(text)
        guard clean.isEmpty || clean.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return clean }
        return "\"" + clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
    }

    static func timestamp(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        // Not String(format:): its first use loads Foundation's locale and time-zone machinery, about 3 ms of
        // every command's start-up, for digits.
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2)
            + "-" + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
            + "." + pad(Int(millis % 1000), 3) + "Z"
    }
}
