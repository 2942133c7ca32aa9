import ArgumentParser
import Foundation
import OpsConsole
import OpsCore
import OpsEngine
import OpsPayments
import OpsStore
import OpsTUI

/// Options shared by the interactive console and headless mode.
struct ConsoleOptions: ParsableArguments {
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var configuration: ConfigOptions
    @OptionGroup var time: TimeOptions
    @Flag(name: .customLong("read-only"), help: "Look, but change nothing: makes anyone a viewer.")
    var readOnly = false
    @Option(help: ArgumentHelp("Theme name or file (default: the configuration's, else default).", valueName: "name|path"))
    var theme: String?
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

/// Builds a console for the given options: configuration, store, engine, payments, first state.
struct ConsoleSetup {
    let config: ConsoleConfig
    let store: SQLiteStore
    let engine: Engine
    let refunds: RefundService
    let state: AppState
    let identity: OperatorIdentity
    let themePaths: [String]

    init(options: ConsoleOptions, size: Size) throws {
        let services = try ServiceSetup(database: options.database, configuration: options.configuration, time: options.time,
                                        readOnly: options.readOnly)
        (config, store, refunds, identity) = (services.config, services.store, services.refunds, services.identity)
        let now = options.time.timestamp
        engine = Engine(store: store, clock: services.clock, stuckThreshold: config.stuckThreshold)
        let session = Session(operatorName: identity.name, sshClient: identity.sshClient, role: identity.role,
                              databaseName: (store.path as NSString).lastPathComponent, readOnly: options.readOnly)
        themePaths = ThemeLoader.searchPaths()
        let themeName = options.theme ?? config.themeName ?? "default"
        let theme: Theme
        do {
            theme = try ThemeLoader.load(themeName, searchPaths: themePaths)
        } catch {
            // Before the terminal is touched: the message stays readable.
            throw CommandFailure(message: error.description, code: .config)
        }
        var state = AppState(size: size, theme: theme, keymap: config.keymap, session: session, now: now,
                             clockFrozen: options.time.isFrozen, stuckThreshold: config.stuckThreshold)
        state.policy = config.policy
        state.refreshMilliseconds = config.refreshMilliseconds
        self.state = state
    }

    var environment: ConsoleEnvironment {
        var environment = ConsoleEnvironment(engine: engine, refunds: refunds, audit: store, identity: identity)
        environment.themePaths = themePaths
        return environment
    }
}
