import ArgumentParser
import Foundation
import OpsConsole
import OpsCore
import OpsEngine
import OpsStore
import OpsTUI

/// Options shared by the interactive console and headless mode.
struct ConsoleOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var time: TimeOptions
    @Flag(name: .customLong("read-only"), help: "Look, but change nothing: makes anyone a viewer.")
    var readOnly = false
}

/// Who runs the console: the Unix user, and the SSH client address when over SSH.
enum Operator {
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> (name: String, ssh: String?) {
        var name = environment["USER"] ?? environment["LOGNAME"] ?? ""
        if name.isEmpty, let pw = getpwuid(getuid()), let cName = pw.pointee.pw_name { name = String(cString: cName) }
        if name.isEmpty { name = "uid\(getuid())" }
        // SSH_CLIENT is "address port port"; SSH_CONNECTION is "address port address port".
        let ssh = (environment["SSH_CLIENT"] ?? environment["SSH_CONNECTION"])?
            .split(separator: " ").first.map(String.init)
        return (name, ssh)
    }
}

/// Builds a console for the given options: store, engine, first state.
struct ConsoleSetup {
    let store: SQLiteStore
    let engine: Engine
    let state: AppState

    init(options: ConsoleOptions, size: Size) throws {
        let now = options.time.timestamp
        store = try options.database.open(now: now)
        let clock: EngineClock = options.time.isFrozen ? .frozen(now) : .system
        engine = Engine(store: store, clock: clock)
        let who = Operator.current()
        let session = Session(operatorName: who.name, sshClient: who.ssh, role: .agent,
                              databaseName: (store.path as NSString).lastPathComponent, readOnly: options.readOnly)
        state = AppState(size: size, theme: .builtIn, session: session, now: now, clockFrozen: options.time.isFrozen)
    }

    var environment: ConsoleEnvironment { ConsoleEnvironment(engine: engine) }
}
