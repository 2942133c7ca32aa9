import ArgumentParser
import Foundation
import OpsConsole
import OpsCore
import OpsEngine
import OpsMetrics
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
    @Option(
        help: ArgumentHelp("Theme name or file (default: the configuration's, else default).", valueName: "name|path"))
    var theme: String?
}

/// Who runs the console: the account of the real user id, from the password database, and the SSH client address
/// when over SSH.
///
/// The environment cannot choose the operator: `USER=ana popsa-ops refund …` run by tom is still tom. `USER` or
/// `LOGNAME` only pick among names of the same account (two names sharing one uid). The SSH address is recorded
/// in the audit, never trusted for anything else, and must parse as an address (else it is recorded as `invalid`).
enum Operator {
    static func current(
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> (name: String, ssh: String?)
    {
        let uid = getuid()
        var name = "uid\(uid)"
        if let pw = getpwuid(uid), let cName = pw.pointee.pw_name { name = String(cString: cName) }
        for key in ["USER", "LOGNAME"] {
            guard let alias = environment[key], !alias.isEmpty, alias != name else { continue }
            if let pw = getpwnam(alias), pw.pointee.pw_uid == uid { name = alias }
            break
        }
        // SSH_CLIENT is "address port port"; SSH_CONNECTION is "address port address port".
        let ssh = (environment["SSH_CLIENT"] ?? environment["SSH_CONNECTION"])
            .map { $0.split(separator: " ").first.map(String.init) ?? "" }
            .map { isAddress($0) ? $0 : "invalid" }
        return (name, ssh)
    }

    /// Whether `text` is an IPv4 or IPv6 address (an IPv6 zone such as `%eth0` allowed).
    static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let host = parts[0]
        let zoneIsPlain =
            parts.count == 1 || parts[1].utf8.allSatisfy { $0 < 0x80 && (isalnum(Int32($0)) != 0 || $0 == 0x2E) }
        guard !host.isEmpty, text.utf8.count <= 64, zoneIsPlain else { return false }
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

/// Builds a console for the given options: configuration, store, engine, payments, first state.
struct ConsoleSetup {
    let config: ConsoleConfig
    let store: OpenedStore
    let engine: Engine
    let refunds: RefundService
    let actions: ActionService
    let state: AppState
    let identity: OperatorIdentity
    let themePaths: [String]

    init(options: ConsoleOptions, size: Size) throws {
        OpsMetrics.shared.bootstrap()
        let services = try ServiceSetup(
            database: options.database, configuration: options.configuration, time: options.time,
            readOnly: options.readOnly)
        (config, store, refunds, actions, identity) = (
            services.config, services.store, services.refunds, services.actions, services.identity
        )
        let now = options.time.timestamp
        engine = Engine(store: store.reads, clock: services.clock, stuckThreshold: config.stuckThreshold)
        let session = Session(
            operatorName: identity.name, sshClient: identity.sshClient, role: identity.role,
            databaseName: store.name,
            readOnly: options.readOnly || store.isReadOnly)
        themePaths = ThemeLoader.searchPaths()
        let themeName = options.theme ?? config.themeName ?? "default"
        let theme: Theme
        do {
            theme = try ThemeLoader.load(themeName, searchPaths: themePaths)
        } catch {
            // Before the terminal is touched: the message stays readable.
            throw CommandFailure(message: error.description, code: .config)
        }
        var state = AppState(
            size: size, theme: theme, keymap: config.keymap, session: session, now: now,
            clockFrozen: options.time.isFrozen, stuckThreshold: config.stuckThreshold)
        state.policy = config.policy
        state.refreshMilliseconds = config.refreshMilliseconds
        state.silence = config.silence
        state.mainCurrencies = config.mainCurrencies
        state.zone = config.zone
        state.links = config.links
        state.privacy = config.privacy
        state.permissions = config.permissions
        // PostgreSQL announces other boxes' commits: the console's own check becomes a safety net every 10 s.
        if store.changes != nil { state.checkChangesEveryTicks = 10 }
        self.state = state
    }

    var environment: ConsoleEnvironment {
        var environment = ConsoleEnvironment(
            engine: engine, refunds: refunds, audit: store.ledger, identity: identity, actions: actions)
        environment.client.changes = store.changes
        environment.themePaths = themePaths
        return environment
    }
}
