import Foundation
import OpsCore
import Synchronization
import Testing

/// Helpers shared by every test target: temporary folders, the built binary, subprocesses, golden files and a
/// seeded fixture database.
public enum TestSupport {
    /// The frozen "now" every fixture and golden output uses.
    public static let now = "2026-11-27T09:00:00Z"
    public static var nowTimestamp: Timestamp { try! Timestamp(iso8601: now) }

    /// The package root (this file is Tests/OpsTestSupport/TestSupport.swift).
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The build folder holding the test bundle and the `popsa-ops` binary.
    public static let buildDirectory: String = {
        if let dir = ProcessInfo.processInfo.environment["POPSA_OPS_BUILD_DIR"] { return dir }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("popsa-ops").path) {
                return url.path
            }
        }
        return packageRoot + "/.build/debug"
    }()

    public static var binary: String { buildDirectory + "/popsa-ops" }

    /// This test process's scratch folder, removed when the process exits. Folders left by runs that were
    /// killed (their process is gone) are removed on the next run, so repeated runs do not fill /tmp.
    public static let scratchRoot: String = {
        let base = NSTemporaryDirectory()
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: base)) ?? [] where name.hasPrefix("popsa-ops-tests-") {
            if let pid = Int32(name.dropFirst("popsa-ops-tests-".count)), kill(pid, 0) != 0, errno == ESRCH {
                try? fm.removeItem(atPath: base + name)
            }
        }
        let root = base + "popsa-ops-tests-\(getpid())"
        try? fm.removeItem(atPath: root)
        try! fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit {
            if ProcessInfo.processInfo.environment["POPSA_OPS_KEEP_TEST_FILES"] == nil {
                try? FileManager.default.removeItem(atPath: TestSupport.scratchRoot)
            }
        }
        return root
    }()

    /// A new empty folder under this run's scratch folder (kept after the run with POPSA_OPS_KEEP_TEST_FILES=1).
    public static func temporaryDirectory(_ label: String = "test") -> String {
        let path = scratchRoot + "/\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The result of running a program.
    public struct Output: Sendable {
        public var stdout: String
        public var stderr: String
        public var status: Int32
    }

    /// Runs `popsa-ops` with `arguments`, feeding `stdin`, with a private data and config home so nothing of
    /// the developer's machine is read.
    public static func popsaOps(
        _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
        home: String? = nil
    ) throws -> Output {
        let home = home ?? isolatedHome
        var env = [
            "HOME": home, "XDG_DATA_HOME": home + "/data", "XDG_CONFIG_HOME": home + "/config",
            "XDG_STATE_HOME": home + "/state", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "LANG": "C.UTF-8", "USER": "tester", "LOGNAME": "tester",
        ]
        env.merge(environment) { $1 }
        return try run(binary, arguments, stdin: stdin, environment: env)
    }

    /// The unprivileged account the identity tests run the binary as (created by scripts/test.sh when root).
    public static let otherAccount = "popsa-ops-test"

    /// The account name of this process's real uid, as the binary will see it.
    public static var accountName: String {
        guard let pw = getpwuid(getuid()), let name = pw.pointee.pw_name else { return "uid\(getuid())" }
        return String(cString: name)
    }

    /// Whether this process may run programs as `otherAccount` (it is root and the account exists).
    public static var canRunAsOtherAccount: Bool { getuid() == 0 && getpwnam(otherAccount) != nil }

    /// Gives `paths` (files and folders) to `otherAccount`, so a process running as it can write them.
    public static func handOver(_ paths: [String]) throws {
        guard let pw = getpwnam(otherAccount) else { throw POSIXError(.ENOENT) }
        for path in paths where chown(path, pw.pointee.pw_uid, pw.pointee.pw_gid) != 0 {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
        }
    }

    /// A copy of the binary any account can run: the build folder may sit under a folder only its owner can enter
    /// (CI's clone, a home directory).
    public static let sharedBinary: String = {
        let dir = scratchRoot + "/bin"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let copy = dir + "/popsa-ops"
        // Under the launch lock: a program started while the copy is open for writing would inherit that
        // descriptor (FileManager does not open it close-on-exec), and every later exec of the copy would fail
        // with "Text file busy" for as long as that program runs.
        launchLock.withLock { _ in try! FileManager.default.copyItem(atPath: binary, toPath: copy) }
        chmod(scratchRoot, 0o755)
        chmod(dir, 0o755)
        chmod(copy, 0o755)
        return copy
    }()

    /// Runs `popsa-ops` as `otherAccount` (setpriv: real and effective ids, no shell), with exactly `environment`.
    public static func popsaOpsAsOtherAccount(_ arguments: [String], environment: [String: String]) throws -> Output {
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try run(
            "/usr/bin/setpriv",
            [
                "--reuid=\(otherAccount)", "--regid=\(otherAccount)", "--init-groups",
                "/usr/bin/env", "-i",
            ] + assignments + [sharedBinary] + arguments)
    }

    /// A home folder shared by the tests of one process that do not care about its contents.
    public static let isolatedHome: String = temporaryDirectory("home")

    /// Foundation's `Process.run()` on Linux is not safe to call from several threads at once (it crashed the
    /// test process with a double free while tests launched programs in parallel): every launch goes through here.
    /// Only the launch is serialised; the programs run, and are waited for, in parallel.
    private static let launchLock = Mutex(())

    public static func launch(_ process: Process) throws {
        try launchLock.withLock { _ in try process.run() }
    }

    public static func run(
        _ executable: String, _ arguments: [String], stdin: String? = nil,
        environment: [String: String]? = nil
    ) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = stdin == nil ? FileHandle.nullDevice : inPipe
        try launch(process)
        if let stdin {
            inPipe.fileHandleForWriting.write(Data(stdin.utf8))
            try inPipe.fileHandleForWriting.close()
        }
        // Read both pipes concurrently so a full stderr cannot block a process still writing stdout.
        let errData = Mutex(Data())
        let reader = Thread { errData.withLock { $0 = errPipe.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while reader.isExecuting || !reader.isFinished { usleep(1000) }
        return Output(
            stdout: String(decoding: out, as: UTF8.self),
            stderr: errData.withLock { String(decoding: $0, as: UTF8.self) },
            status: process.terminationStatus)
    }

    /// Runs a program with its output going to files rather than pipes: for programs that leave a daemon
    /// behind holding their standard output (tmux), where reading a pipe to its end would never finish.
    public static func runDetached(_ executable: String, _ arguments: [String]) throws -> Output {
        let dir = scratchRoot + "/"
        let id = UUID().uuidString
        let outPath = dir + "out-\(id)", errPath = dir + "err-\(id)"
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        // posix_spawn and waitpid directly: Foundation's Process does not reap a child whose own child (the
        // tmux server) lives on, and waitUntilExit never returns.
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        // The child starts with no signal blocked and default handlers, whatever this test thread has.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), all = sigset_t()
        sigemptyset(&empty)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        // Under the launch lock, as every launch: a tmux server started while the shared binary's copy is open
        // for writing would keep that descriptor for its whole life, and exec of the copy would fail with "Text
        // file busy" (seen when the identity tests ran beside the tmux ones).
        let spawned = launchLock.withLock { _ in posix_spawn(&pid, executable, &actions, &attributes, argv, environ) }
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        return Output(
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f))
    }

    /// One row's columns, from a query that joins them with `|` (`SELECT a || '|' || b …`).
    public static func fields(_ database: String, _ query: String) throws -> [String] {
        try sql(database, query).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
    }

    /// Runs one SQL query with the sqlite3 shell and returns its output, trimmed. The shell's connection keeps the
    /// WAL files when it closes (like popsa-ops does): otherwise, being the last connection to close, it deletes
    /// them while another test's process is opening the same database.
    public static func sql(_ database: String, _ query: String) throws -> String {
        // A busy timeout: a reader can meet SQLITE_BUSY while another process recovers the WAL index (tests open
        // the fixture at once), and the shell's default is to fail at once, printing nothing on stdout.
        let result = try run(
            "/usr/bin/sqlite3", ["-cmd", ".timeout 5000", "-cmd", ".filectrl persist_wal 1", database, query])
        if result.status != 0 || !result.stderr.isEmpty {
            throw TestFailure("sqlite3 \(query): \(result.stderr) (status \(result.status))")
        }
        // `.filectrl` prints the flag's value first.
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Compares `actual` with `Tests/Golden/<name>`; with `UPDATE_GOLDEN=1`, writes it instead.
    public static func assertGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation)
    {
        let actual = withGoldenOperator(actual)
        let path = packageRoot + "/Tests/Golden/" + name
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try? FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true)
            try! actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record(
                "golden file \(name) is missing: run with UPDATE_GOLDEN=1 to create it", sourceLocation: sourceLocation)
            return
        }
        if expected != actual {
            let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
            var firstDifference = 0
            while firstDifference < min(expectedLines.count, actualLines.count),
                expectedLines[firstDifference] == actualLines[firstDifference]
            { firstDifference += 1 }
            let want = firstDifference < expectedLines.count ? String(expectedLines[firstDifference]) : "<end>"
            let got = firstDifference < actualLines.count ? String(actualLines[firstDifference]) : "<end>"
            Issue.record(
                """
                \(name) differs from its golden file at line \(firstDifference + 1):
                expected: \(want)
                actual:   \(got)
                (UPDATE_GOLDEN=1 rewrites golden files after a deliberate change)
                """, sourceLocation: sourceLocation)
        }
    }

    /// The operator name goldens are written with.
    public static let goldenOperator = "root"

    /// The console's status line names the account running it, which the environment cannot change (so the
    /// tests cannot either): goldens are compared with that name replaced by `goldenOperator`, the gap after it
    /// widened or narrowed so the right-hand side stays where the console put it.
    public static func withGoldenOperator(_ text: String) -> String {
        let account = accountName
        guard account != goldenOperator else { return text }
        let prefix = " \(account) "
        let delta = goldenOperator.count - account.count
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix(prefix), line.contains(" · ") else { return String(line) }
            var rest = String(line.dropFirst(prefix.count))
            if let gap = rest.range(of: "   ") {
                // Keep the total width: take the difference out of (or add it to) the first wide gap.
                let spaces = rest[gap.lowerBound...].prefix { $0 == " " }.count
                let newSpaces = max(1, spaces - delta)
                rest.replaceSubrange(
                    gap.lowerBound..<rest.index(gap.lowerBound, offsetBy: spaces),
                    with: String(repeating: " ", count: newSpaces))
            }
            return " \(goldenOperator) " + rest
        }.joined(separator: "\n")
    }

    /// A small seeded database, built once per test process; copy it before changing it.
    public static let fixtureDatabase: String = {
        let dir = temporaryDirectory("fixture")
        let path = dir + "/fixture.sqlite"
        let result = try! popsaOps(["seed", "--db", path, "--users", "1000", "--seed", "7", "--now", now])
        precondition(result.status == 0, "seeding the fixture failed: \(result.stderr)")
        return path
    }()

    /// A private copy of the fixture database, for tests that write.
    public static func fixtureCopy() -> String {
        let path = temporaryDirectory("db") + "/copy.sqlite"
        try! FileManager.default.copyItem(atPath: fixtureDatabase, toPath: path)
        return path
    }
}

/// A helper of the tests could not do what it was asked (a tool failed), with the tool's words.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
