import ArgumentParser
import Foundation
import OpsConsole
import OpsCore
import OpsEngine
import OpsStore
import OpsTUI

// MARK: - DatabaseOptions

/// `--db`: which database. Without it, the demo database in the user's data directory, created and seeded on
/// first use.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "SQLite database file.",
            discussion:
                "Default: the demo database at $XDG_DATA_HOME/popsa-ops/demo.sqlite, created and seeded on first use.",
            valueName: "path"))
    var db: String?

    /// Opens the chosen database: `--db`, else the configuration's `database`, else the demo one. A named path
    /// must exist unless `create` is set (import creates one).
    /// Commands that only read pass `readOnly`: reading never writes (no journal-mode switch, no checkpoint), and
    /// a database this account may only read still answers. A file the account cannot write is opened read-only
    /// whatever was asked; writes to it then say so.
    /// The `database` of the configuration found the usual way (no --config here), or nil.
    static func configuredDatabase() throws -> String? {
        let environment = Environment.values(of: ConsoleConfig.locateVariables)
        do {
            return try ConsoleConfig.load(path: ConsoleConfig.locate(explicit: nil, environment: environment))
                .databasePath
        } catch {
            throw CommandFailure(message: error.description, code: .config)
        }
    }

    /// Where the configuration's `database` comes from: the caller's loaded configuration, or the usual lookup.
    enum Configured {
        case known(String?)
        case lookUp
    }

    func open(
        now: Timestamp, configured: Configured = .lookUp, create: Bool = false, readOnly: Bool = false
    ) throws -> SQLiteStore {
        let path: String
        var shared = false
        // Without --db, the database the configuration names (an ops box's shared one), for every command alike:
        // as the caller already read it, or looked up here for the commands that take no --config.
        let configured: String? =
            switch configured {
            case .known(let path): path
            case .lookUp: db == nil ? try Self.configuredDatabase() : nil
            }
        if let url = db ?? configured, url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            throw CommandFailure(
                message: "this step works on a SQLite file only, not on PostgreSQL",
                code: .unavailable)
        }
        defer { if shared, let db = db ?? configured { SharedDatabase.shareFiles(of: db) } }
        if let db = db ?? configured {
            if let problem = SharedDatabase.accessProblem(db) {
                throw CommandFailure(message: problem, code: .noPermission)
            }
            shared = SharedDatabase.adoptPermissions(for: db)
            if !create && !FileManager.default.fileExists(atPath: db) {
                throw CommandFailure(
                    message: "no database at \(db) (create one with: popsa-ops seed --db \(db) --users 1000)",
                    code: .noInput)
            }
            path = db
        } else {
            path = try DefaultDatabase.path()
            try DefaultDatabase.ensureSeeded(at: path, now: now)
        }
        let writable = access(path, W_OK) == 0 || !FileManager.default.fileExists(atPath: path)
        if readOnly || !writable {
            do {
                return try SQLiteStore.open(path: path, readOnly: true)
            } catch StoreError.cannotOpen where writable, StoreError.needsMigration where writable {
                // No WAL index to read through yet, or a schema to upgrade: only a writer can make them.
            } catch {
                try wrap { throw error }
            }
        }
        return try wrap { try SQLiteStore.open(path: path, readOnly: false) }
    }

}

// MARK: - TimeOptions

/// `--now`: the time every time-dependent rule counts from.
struct TimeOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Pretend it is this time (ISO 8601), for reproducible output.", valueName: "iso8601"))
    var now: String?

    mutating func validate() throws {
        if let now {
            do { _ = try Timestamp(iso8601: now) } catch { throw ValidationError("--now: \(error)") }
        }
    }

    var timestamp: Timestamp {
        if let now, let t = try? Timestamp(iso8601: now) { return t }
        return Timestamp(seconds: Int64(Date().timeIntervalSince1970))
    }

    var isFrozen: Bool { now != nil }

    /// The clock use cases read: stopped at `--now` when given, else the system's.
    var clock: EngineClock { isFrozen ? .frozen(timestamp) : .system }
}

// MARK: - Environment

/// The few environment variables a command needs, read with getenv. Every command's start-up passes through
/// here; Foundation's `ProcessInfo.environment` copies the whole environment into a dictionary on each call.
enum Environment {
    static func values(of names: [String]) -> [String: String] {
        var values: [String: String] = [:]
        for name in names {
            if let value = getenv(name) { values[name] = String(cString: value) }
        }
        return values
    }
}

// MARK: - DefaultDatabase

/// The demo database's home: `$XDG_DATA_HOME/popsa-ops/demo.sqlite` (default `~/.local/share`).
enum DefaultDatabase {
    static let users = 2_000
    static let seed: UInt64 = 42

    static func path() throws -> String {
        let env = Environment.values(of: ["XDG_DATA_HOME", "HOME"])
        let base: String
        if let xdg = env["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else if let home = env["HOME"], !home.isEmpty {
            base = home + "/.local/share"
        } else {
            throw CommandFailure(
                message: "cannot find a data directory: set HOME or XDG_DATA_HOME, or pass --db", code: .dataError)
        }
        return base + "/popsa-ops/demo.sqlite"
    }

    static func ensureSeeded(at path: String, now: Timestamp) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let report = try wrap { try Seeder.seed(path: path, users: users, seed: seed, now: now) }
        Stderr.line(
            "popsa-ops: created a demo database at \(path) (\(report.users) customers, \(report.orders) orders, seed "
                + "\(seed))"
        )
    }
}

// MARK: - CommandFailure

/// A command failed in a way the user can act on: one line on stderr and a specific exit code.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var code: Code

    enum Code: Int32 {
        /// Not found, refused by a rule or a gateway.
        case failure = 1
        /// Bad command-line usage (sysexits EX_USAGE).
        case usage = 64
        /// Bad input data (sysexits EX_DATAERR).
        case dataError = 65
        /// An input file does not exist (sysexits EX_NOINPUT).
        case noInput = 66
        /// Something this program or its environment cannot do (sysexits EX_UNAVAILABLE).
        case unavailable = 69
        /// An output file that exists or cannot be created (sysexits EX_CANTCREAT).
        case cantCreate = 73
        /// The disk is full or failed: what was and was not saved is said (sysexits EX_IOERR).
        case ioError = 74
        /// Not done yet, try again later: a refund whose outcome the gateway did not give (EX_TEMPFAIL).
        case tempFail = 75
        /// This account may not write the database (sysexits EX_NOPERM).
        case noPermission = 77
        /// A configuration or theme file is wrong (EX_CONFIG).
        case config = 78
    }

    var description: String { message }
}

// MARK: - CommandFailure

extension CommandFailure {
    /// A write the store could not make.
    init(storeWrite failure: StoreWriteFailure, saved: String = "nothing was saved") {
        let code: Code =
            switch failure.kind {
            case .diskFull, .ioError: .ioError
            case .readOnly: .noPermission
            case .busy: .tempFail
            case .unreachable: .unavailable
            case .other: .dataError
            }
        self.init(message: "cannot write the database: \(failure.description); \(saved)", code: code)
    }
}

/// Turns store errors into command failures with their own message and exit code.
func wrap<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as StoreError {
        let code: CommandFailure.Code =
            switch error {
            case .readOnly: .noPermission
            case .diskFull: .ioError
            default: .dataError
            }
        throw CommandFailure(message: error.description, code: code)
    } catch let error as StoreWriteFailure {
        throw CommandFailure(storeWrite: error)
    } catch let error as StoredValueError {
        throw CommandFailure(
            message: "the database holds a record this version cannot read: \(error)", code: .dataError)
    } catch let error as SeedError {
        if case .busy = error { throw CommandFailure(message: error.description, code: .tempFail) }
        throw CommandFailure(message: error.description, code: .usage)
    }
}

// MARK: - Stderr

/// Standard error is a terminal channel like the screen: error messages quote data (an import line, a theme
/// file, a script), so every line goes through the screen's sanitiser. Line breaks are kept; every other control
/// character, escape sequence, bidi or zero-width character becomes a visible placeholder.
enum Stderr {
    static func line(_ text: String) {
        FileDescriptorOutput.write(safe(text) + "\n", to: 2)
    }

    /// `text` with each of its lines made safe to print.
    static func safe(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { TerminalText.sanitize(String($0)) }.joined(separator: "\n")
    }

    static var isTerminal: Bool { isatty(2) != 0 }
}

// MARK: - Stdout

enum Stdout {
    static func line(_ text: String = "") {
        FileDescriptorOutput.write(text + "\n", to: 1)
    }

    static var isTerminal: Bool { isatty(1) != 0 }
}

// MARK: - FileDescriptorOutput

/// Whole strings to a file descriptor with write(2), retrying short writes and interruptions. A closed pipe ends
/// the process (SIGPIPE), as it does for any shell tool; another error drops the rest of the text.
enum FileDescriptorOutput {
    static func write(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { bytes in
            guard var next = bytes.baseAddress else { return }
            var left = bytes.count
            while left > 0 {
                let written = Foundation.write(fd, next, left)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                next += written
                left -= written
            }
        }
    }
}
