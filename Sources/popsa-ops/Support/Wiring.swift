import ArgumentParser
import Foundation
import OpsConsole
import OpsCore
import OpsEngine
import OpsPayments
import OpsStore

/// `--config`: which configuration file.
struct ConfigOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Configuration file (TOML).",
            discussion:
                "Default: POPSA_OPS_CONFIG, then $XDG_CONFIG_HOME/popsa-ops/config.toml, then "
                + "/etc/popsa-ops/config.toml, then built-in defaults.",
            valueName: "path"))
    var config: String?

    /// The configuration in effect. A broken file is an error naming file, line and key (exit 78, EX_CONFIG).
    func load() throws -> ConsoleConfig {
        let environment = Environment.values(of: ConsoleConfig.locateVariables)
        let path = ConsoleConfig.locate(explicit: config, environment: environment)
        do {
            return try ConsoleConfig.load(path: path)
        } catch {
            throw CommandFailure(message: error.description, code: .config)
        }
    }
}

/// What every command that acts needs, built one way: the configuration, the store it names, the clock, the
/// refund service with its gateways, and who is acting.
struct ServiceSetup {
    let config: ConsoleConfig
    let store: OpenedStore
    let clock: EngineClock
    let refunds: RefundService
    let actions: ActionService
    let identity: OperatorIdentity

    private init(config: ConsoleConfig, store: OpenedStore, time: TimeOptions, readOnly: Bool) throws {
        self.config = config
        self.store = store
        clock = time.clock
        refunds = try PaymentsWiring.refundService(config, store: store.ledger, clock: clock)
        actions = try PlatformWiring.actionService(config, store: store.actions, clock: clock)
        identity = PaymentsWiring.operatorIdentity(config, readOnly: readOnly || store.isReadOnly)
    }

    /// The same, for the console and headless mode, whose commands are synchronous (their loop owns the thread).
    init(database: DatabaseOptions, configuration: ConfigOptions, time: TimeOptions, readOnly: Bool) throws {
        let config = try configuration.load()
        let store = try Blocking.run {
            try await database.openStore(now: time.timestamp, configured: .known(config.databasePath))
        }
        try self.init(config: config, store: store, time: time, readOnly: readOnly)
    }

    /// On whichever database the options and configuration name, SQLite or PostgreSQL (refund, reconcile).
    static func open(
        database: DatabaseOptions, configuration: ConfigOptions, time: TimeOptions, readOnly: Bool
    ) async throws -> ServiceSetup {
        let config = try configuration.load()
        let store = try await database.openStore(now: time.timestamp, configured: .known(config.databasePath))
        do {
            return try ServiceSetup(config: config, store: store, time: time, readOnly: readOnly)
        } catch {
            await store.close()
            throw error
        }
    }
}

/// Builds the payment gateways the configuration asks for: the in-process sandbox twins (default), or the live
/// Stripe and Braintree facades with secrets from the environment. Every gateway is metered. In live mode each
/// provider needs only its own credentials, read when that provider is wired; a provider whose credentials are
/// missing is unavailable, and a refund through it says which secret to set.
enum PaymentsWiring {
    struct Gateways {
        var available: [PaymentProvider: any PaymentGateway] = [:]
        var unavailable: [PaymentProvider: String] = [:]
    }

    static func gateways(
        _ config: ConsoleConfig, store: any SandboxLedger, clock: EngineClock,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Gateways {
        switch config.payments.mode {
        case .sandbox:
            let now = clock.now
            return Gateways(available: [
                .stripe: MeteredGateway(SandboxGateway(provider: .stripe, ledger: store, clock: now)),
                .braintree: MeteredGateway(SandboxGateway(provider: .braintree, ledger: store, clock: now)),
            ])
        case .live:
            let p = config.payments
            var wired = Gateways()
            do {
                let stripeKey = try Secrets.read(
                    envName: p.stripeSecretKeyEnv, file: p.stripeSecretKeyFile,
                    environment: environment)
                wired.available[.stripe] = MeteredGateway(StripeGateway(apiBase: p.stripeAPIBase, secretKey: stripeKey))
            } catch {
                wired.unavailable[.stripe] = try unavailable(.stripe, error)
            }
            do {
                let publicKey = try Secrets.read(envName: p.braintreePublicKeyEnv, file: nil, environment: environment)
                let privateKey = try Secrets.read(
                    envName: p.braintreePrivateKeyEnv, file: p.braintreePrivateKeyFile,
                    environment: environment)
                wired.available[.braintree] = MeteredGateway(
                    BraintreeGateway(
                        endpoint: p.braintreeEndpoint, merchantID: p.braintreeMerchantID, publicKey: publicKey,
                        privateKey: privateKey))
            } catch {
                wired.unavailable[.braintree] = try unavailable(.braintree, error)
            }
            return wired
        }
    }

    /// A missing secret makes the provider unavailable; a secret file that exists but is unsafe stops the command.
    private static func unavailable(_ provider: PaymentProvider, _ error: ConfigError) throws -> String {
        guard error.file == "environment" else {
            throw CommandFailure(message: "live payments: \(error.description)", code: .config)
        }
        return "live \(provider.label) refunds need credentials: \(error.description)"
    }

    static func refundService(
        _ config: ConsoleConfig, store: any RefundStore & SandboxLedger, clock: EngineClock
    ) throws -> RefundService {
        let wired = try gateways(config, store: store, clock: clock)
        return RefundService(
            store: store, gateways: wired.available, policy: config.policy, clock: clock,
            unavailable: wired.unavailable)
    }

    /// The operator running this process, with the role the configuration gives them.
    static func operatorIdentity(_ config: ConsoleConfig, readOnly: Bool) -> OperatorIdentity {
        let who = Operator.current()
        return OperatorIdentity(
            name: who.name, sshClient: who.ssh, role: readOnly ? .viewer : config.policy.role(of: who.name))
    }
}

/// Builds where support's actions go: the sandbox twin in the database (default), or the live API gateway with
/// its token from the environment or an owner-only file. Live without a token: actions are refused before
/// anything is recorded, saying which secret to set.
enum PlatformWiring {
    static func actionService(
        _ config: ConsoleConfig, store: any ActionStore, clock: EngineClock,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ActionService {
        let p = config.platform
        switch p.mode {
        case .sandbox:
            return ActionService(
                store: store, platform: SandboxPlatform(store: store, clock: clock), permissions: config.permissions,
                clock: clock)
        case .live:
            let platform: any PlatformFacade
            var unavailable: String?
            do {
                let token = try Secrets.read(envName: p.tokenEnv, file: p.tokenFile, environment: environment)
                platform = LivePlatform(
                    apiBase: p.apiBase, token: token,
                    transport: AsyncHTTPTransport(readTimeout: .seconds(p.timeoutSeconds)))
            } catch {
                guard error.file == "environment" else {
                    throw CommandFailure(message: "live platform: \(error.description)", code: .config)
                }
                unavailable = "live platform actions need the platform's token: \(error.description)"
                platform = SandboxPlatform(store: store, clock: clock)
            }
            return ActionService(
                store: store, platform: platform, permissions: config.permissions, clock: clock,
                unavailable: unavailable)
        }
    }
}
