import Foundation

/// A helper server the tests start on loopback (localstripe, the Braintree simulator), stopped when the test
/// process ends.
// Unchecked: its stored properties are set once in init; `all` below is the only shared state.
public final class BackgroundServer: @unchecked Sendable {
    public let port: Int
    let process: Process

    init(arguments: [String], portFromOutput: Bool, fixedPort: Int?) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: TestSupport.temporaryDirectory("server"))
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try TestSupport.launch(process)
        if portFromOutput {
            // The simulator prints "listening on PORT" once it serves.
            var collected = ""
            let deadline = Date().addingTimeInterval(20)
            while !collected.contains("\n"), Date() < deadline {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                collected += String(decoding: data, as: UTF8.self)
            }
            guard let line = collected.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
                let port = Int(line.dropFirst("listening on ".count))
            else {
                process.terminate()
                throw TmuxError(message: "the server did not start: \(collected)")
            }
            self.port = port
        } else {
            port = fixedPort!
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, !Self.accepts(port: port) { usleep(100_000) }
            guard Self.accepts(port: port) else {
                process.terminate()
                throw TmuxError(
                    message:
                        "nothing listens on 127.0.0.1:\(port) (is localstripe installed? scripts/test.sh installs it)")
            }
        }
        BackgroundServer.all.append(self)
    }

    // Unsafe: appended to only while servers start, which the tests do from the lazy statics' one-time initialisers.
    nonisolated(unsafe) static var all: [BackgroundServer] = []

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// A port nothing listens on (for "connection refused").
    public static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: bound.sin_port))
    }

    deinit { process.terminate() }
}

extension TestSupport {
    /// localstripe (a stateful fake Stripe server) on a loopback port, started once per test process.
    public static let localstripe: Result<BackgroundServer, TmuxError> = {
        let port = BackgroundServer.freePort()
        // The guard ends localstripe when this process is gone, even killed (atexit below covers a normal end).
        let script =
            "import sys; sys.path.insert(0, '\(packageRoot)/Tests/Simulators'); import orphan_guard; "
            + "orphan_guard.start(); "
            + "from aiohttp import web; import localstripe.server as s; web.run_app(s.app, host='127.0.0.1', "
            + "port=\(port), print=None)"
        do {
            let server = try BackgroundServer(
                arguments: ["python3", "-c", script], portFromOutput: false, fixedPort: port)
            atexit { BackgroundServer.all.forEach { $0.process.terminate() } }
            return .success(server)
        } catch let error as TmuxError {
            return .failure(error)
        } catch {
            return .failure(TmuxError(message: "\(error)"))
        }
    }()

    /// A fresh Braintree simulator (each test gets its own state).
    public static func braintreeSimulator() throws -> BackgroundServer {
        let server = try BackgroundServer(
            arguments: ["python3", packageRoot + "/Tests/Simulators/braintree_simulator.py", "--port", "0"],
            portFromOutput: true, fixedPort: nil)
        atexit { BackgroundServer.all.forEach { $0.process.terminate() } }
        return server
    }

    /// A fresh simulator of the platform's API gateway (each test gets its own state), accepting `token`.
    public static func platformSimulator(token: String = "platform-token") throws -> BackgroundServer {
        let server = try BackgroundServer(
            arguments: [
                "python3", packageRoot + "/Tests/Simulators/platform_simulator.py", "--port", "0", "--token", token,
            ],
            portFromOutput: true, fixedPort: nil)
        atexit { BackgroundServer.all.forEach { $0.process.terminate() } }
        return server
    }

    /// Sends a JSON body to a loopback URL (control endpoints of the simulators). A control request that fails
    /// (connection, HTTP error) throws: a fault that silently never reached the simulator would make a test lie.
    @discardableResult
    public static func postJSON(_ url: String, _ json: String) throws -> String {
        let result = try run(
            "/usr/bin/env",
            [
                "curl", "-sS", "--fail-with-body", "-X", "POST", "-H", "Content-Type: application/json", "--data", json,
                url,
            ])
        guard result.status == 0 else {
            throw TmuxError(message: "POST \(url) failed (curl \(result.status)): \(result.stderr)\(result.stdout)")
        }
        return result.stdout
    }

    public static func getText(_ url: String) throws -> String {
        try run("/usr/bin/env", ["curl", "-s", url]).stdout
    }
}

extension TestSupport {
    /// A confirmed £ payment intent of `amount` minor units at localstripe: its `pi_…` id.
    public static func localstripePaymentIntent(amount: Int64, base: String) throws -> String {
        let created = try run(
            "/usr/bin/env",
            [
                "curl", "-s", "-u", "sk_test_popsa:", base + "/v1/payment_intents", "-d", "amount=\(amount)",
                "-d", "currency=gbp", "-d", "confirm=true", "-d", "payment_method=pm_card_visa",
            ])
        guard let intent = created.stdout.split(separator: "\"").first(where: { $0.hasPrefix("pi_") }) else {
            throw TmuxError(message: "localstripe made no payment intent: \(created.stdout)")
        }
        return String(intent)
    }

    /// A configuration in live mode whose Stripe is `stripeBase` (localstripe), run by a supervisor; its path.
    public static func liveStripeConfig(stripeBase: String, extra: String = "") throws -> String {
        let path = temporaryDirectory("live-config") + "/live.toml"
        try """
        [operators]
        default_role = "supervisor"
        [payments]
        mode = "live"
        [payments.stripe]
        api_base = "\(stripeBase)"
        \(extra)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
