import Foundation
import OpsCore
import OpsTUI

// MARK: - PaymentsConfig

/// How to reach the payment gateways.
public struct PaymentsConfig: Hashable, Sendable {
    public enum Mode: String, Sendable { case sandbox, live }

    public var mode: Mode = .sandbox
    public var stripeAPIBase = "https://api.stripe.com"
    public var stripeSecretKeyEnv = "STRIPE_SECRET_KEY"
    public var stripeSecretKeyFile: String?
    public var braintreeEndpoint = "https://payments.braintree-api.com/graphql"
    public var braintreeMerchantID = ""
    public var braintreePublicKeyEnv = "BRAINTREE_PUBLIC_KEY"
    public var braintreePrivateKeyEnv = "BRAINTREE_PRIVATE_KEY"
    public var braintreePrivateKeyFile: String?

    public init() {}
}

// MARK: - PlatformConfig

/// How support's actions reach the platform: its sandbox twin in the ops database (default), or the live
/// services through their API gateway with a bearer token from the environment or an owner-only file.
public struct PlatformConfig: Hashable, Sendable {
    public enum Mode: String, Sendable { case sandbox, live }

    public var mode: Mode = .sandbox
    public var apiBase = "http://127.0.0.1:8080"
    public var tokenEnv = "POPSA_PLATFORM_TOKEN"
    public var tokenFile: String?
    /// How long a call may take before its outcome counts as unknown, in seconds.
    public var timeoutSeconds: Int64 = 10

    public init() {}
}

// MARK: - ServeConfig

/// The long-running service (`popsa-ops serve`): where it listens and the secret ingest requests are signed with.
public struct ServeConfig: Hashable, Sendable {
    public var listen = "127.0.0.1:8480"
    public var ingestSecretEnv = "POPSA_OPS_INGEST_SECRET"
    public var ingestSecretFile: String?
    /// The Stripe webhook endpoint's signing secret (`whsec_…`); without it, /webhooks/stripe is off.
    public var stripeWebhookSecretEnv = "STRIPE_WEBHOOK_SECRET"
    public var stripeWebhookSecretFile: String?
    /// The print partners that may post updates, by name, with where each one's secret is.
    public var partners: [String: PartnerSecret] = [:]

    /// Where one print partner's secret is: an environment variable, or an owner-only file.
    public struct PartnerSecret: Hashable, Sendable {
        public var env: String?
        public var file: String?
    }

    public init() {}

    /// `listen` split into host and port, or nil when it is not HOST:PORT.
    public static func hostAndPort(_ listen: String) -> (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port), colon > listen.startIndex
        else { return nil }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}

// MARK: - ConsoleConfig

/// The whole configuration, defaults filled in.
public struct ConsoleConfig: Sendable {
    /// Where it came from: a file, or the built-in defaults.
    public var source: String
    public var databasePath: String?
    public var themeName: String?
    /// Dashboard refresh, in milliseconds.
    public var refreshMilliseconds: Int64 = 2000
    public var stuckThreshold: Int64 = OrderDiagnosis.defaultStuckThreshold
    /// `[silence]`: how long each live source may be silent before the status bar warns.
    public var silence: [FeedSource: Int64] = [:]
    /// `[dashboard] currencies`: shown first in the revenue and refund panels, then the rest by order count.
    public var mainCurrencies: [Currency] = ConsoleConfig.defaultMainCurrencies
    /// `timezone`: the zone times are shown in (records stay UTC); the dashboard's "today" is this zone's day.
    public var zone: DisplayZone = .utc
    /// `[links]`: where payment ids and tracking numbers lead (OSC 8 hyperlinks).
    public var links = LinkTemplates()
    /// `[privacy]`: who may reveal or export personal data, and for how long a reveal lasts.
    public var privacy = PrivacyPolicy()
    /// `[permissions]`: which roles may take each action on a print job (viewers never).
    public var permissions = ActionPermissions()
    public static let defaultMainCurrencies: [Currency] = [.gbp, .eur, .usd]
    public var policy: RefundPolicy
    public var payments = PaymentsConfig()
    public var platform = PlatformConfig()
    public var serve = ServeConfig()
    public var keymap: Keymap = .defaults

    /// The environment variables `locate` reads.
    public static let locateVariables = ["POPSA_OPS_CONFIG", "XDG_CONFIG_HOME", "HOME"]

    /// Where a configuration is looked for, in order: `--config`, `POPSA_OPS_CONFIG`, the user's XDG config
    /// directory, `systemFile` (`/etc/popsa-ops/config.toml`); else the built-in defaults.
    public static func locate(
        explicit: String?, environment: [String: String], systemFile: String = "/etc/popsa-ops/config.toml"
    ) -> String? {
        // Keep `locateVariables` in step with the names read here.
        if let explicit { return explicit }
        if let env = environment["POPSA_OPS_CONFIG"], !env.isEmpty { return env }
        let configHome =
            environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? environment["HOME"].map { $0 + "/.config" }
        if let configHome, FileManager.default.fileExists(atPath: configHome + "/popsa-ops/config.toml") {
            return configHome + "/popsa-ops/config.toml"
        }
        return FileManager.default.fileExists(atPath: systemFile) ? systemFile : nil
    }

    /// Loads `path` over the built-in defaults (nil: the defaults alone).
    public static func load(path: String?) throws(ConfigError) -> ConsoleConfig {
        var config = try parse(text: ConfigDefaults.toml, file: "built-in defaults", base: nil)
        guard let path else { return config }
        let text = try ConfigFile.read(path, what: "configuration file")
        config = try parse(text: text, file: path, base: config)
        return config
    }

    /// Parses a configuration text; keys it sets replace those of `base`.
    public static func parse(text: String, file: String, base: ConsoleConfig?) throws(ConfigError) -> ConsoleConfig {
        let document = try TOMLDocument(text: text, file: file)
        var config = base ?? ConsoleConfig(source: file, policy: RefundPolicy())
        config.source = file
        var root = TableReader(document, path: "", values: document.root)
        if let db = try root.string("database") { config.databasePath = db }
        if let theme = try root.string("theme") { config.themeName = theme }
        if let refresh = try root.string("refresh") {
            guard let ms = refreshMilliseconds(refresh) else {
                throw document.error(
                    "refresh", "\"\(refresh)\" is not a refresh interval (e.g. 2s or 500ms, at least 200ms)")
            }
            config.refreshMilliseconds = ms
        }
        if let stuck = try root.string("stuck_after") {
            guard let seconds = try? DurationText.parse(stuck), seconds > 0 else {
                throw document.error("stuck_after", "\"\(stuck)\" is not a duration (e.g. 72h, 3d)")
            }
            config.stuckThreshold = seconds
        }
        if let name = try root.string("timezone") {
            guard let zone = DisplayZone.named(name) else {
                throw document.error(
                    "timezone",
                    "\"\(name)\" is not a time zone of the system's zone database (a region such as Europe/London, "
                        + "America/New_York or Asia/Kolkata, or UTC)")
            }
            config.zone = zone
        }
        if var operators = try root.table("operators") {
            if let role = try operators.string("default_role") {
                config.policy.defaultRole = try parseRole(role, document, "operators.default_role")
            }
            if var roles = try operators.table("roles") {
                for (user, value) in roles.values.sorted(by: { $0.key < $1.key }) {
                    _ = roles.raw(user)
                    guard case .string(let role) = value else {
                        throw document.error("operators.roles.\(user)", "expected a role name, found \(value.kindName)")
                    }
                    config.policy.roles[user] = try parseRole(role, document, "operators.roles.\(user)")
                }
            }
            try operators.finish(allowed: ["default_role", "roles"])
        }
        if var refunds = try root.table("refunds") {
            if let limits = try refunds.table("agent_limits") {
                config.policy.agentLimits.merge(try parseAmounts(limits, document)) { $1 }
            }
            if let thresholds = try refunds.table("retype_above") {
                config.policy.retypeThreshold.merge(try parseAmounts(thresholds, document)) { $1 }
            }
            try refunds.finish(allowed: ["agent_limits", "retype_above"])
        }
        if var payments = try root.table("payments") {
            if let mode = try payments.string("mode") {
                guard let m = PaymentsConfig.Mode(rawValue: mode) else {
                    throw document.error("payments.mode", "\"\(mode)\" is not a mode (expected sandbox or live)")
                }
                config.payments.mode = m
            }
            if var stripe = try payments.table("stripe") {
                if let v = try stripe.string("api_base") {
                    config.payments.stripeAPIBase = try url(v, document, "payments.stripe.api_base")
                }
                if let v = try stripe.string("secret_key_env") {
                    config.payments.stripeSecretKeyEnv = try envName(v, document, "payments.stripe.secret_key_env")
                }
                if let v = try stripe.string("secret_key_file") { config.payments.stripeSecretKeyFile = v }
                try stripe.finish(allowed: ["api_base", "secret_key_env", "secret_key_file"])
            }
            if var braintree = try payments.table("braintree") {
                if let v = try braintree.string("endpoint") {
                    config.payments.braintreeEndpoint = try url(v, document, "payments.braintree.endpoint")
                }
                if let v = try braintree.string("merchant_id") { config.payments.braintreeMerchantID = v }
                if let v = try braintree.string("public_key_env") {
                    config.payments.braintreePublicKeyEnv = try envName(
                        v, document, "payments.braintree.public_key_env")
                }
                if let v = try braintree.string("private_key_env") {
                    config.payments.braintreePrivateKeyEnv = try envName(
                        v, document, "payments.braintree.private_key_env")
                }
                if let v = try braintree.string("private_key_file") { config.payments.braintreePrivateKeyFile = v }
                try braintree.finish(allowed: [
                    "endpoint", "merchant_id", "public_key_env", "private_key_env", "private_key_file",
                ])
            }
            try payments.finish(allowed: ["mode", "stripe", "braintree"])
        }
        if var platform = try root.table("platform") {
            if let mode = try platform.string("mode") {
                guard let m = PlatformConfig.Mode(rawValue: mode) else {
                    throw document.error("platform.mode", "\"\(mode)\" is not a mode (expected sandbox or live)")
                }
                config.platform.mode = m
            }
            if let v = try platform.string("api_base") {
                config.platform.apiBase = try url(v, document, "platform.api_base")
            }
            if let v = try platform.string("token_env") {
                config.platform.tokenEnv = try envName(v, document, "platform.token_env")
            }
            if let v = try platform.string("token_file") { config.platform.tokenFile = v }
            if let v = try platform.string("timeout") {
                guard let seconds = try? DurationText.parse(v), seconds >= 1, seconds <= 120 else {
                    throw document.error("platform.timeout", "\"\(v)\" is not a duration from 1s to 2m (e.g. 10s)")
                }
                config.platform.timeoutSeconds = seconds
            }
            try platform.finish(allowed: ["mode", "api_base", "token_env", "token_file", "timeout"])
        }
        if var serve = try root.table("serve") {
            if let v = try serve.string("listen") {
                guard ServeConfig.hostAndPort(v) != nil else {
                    throw document.error("serve.listen", "\"\(v)\" is not HOST:PORT like 127.0.0.1:8480")
                }
                config.serve.listen = v
            }
            if let v = try serve.string("ingest_secret_env") {
                config.serve.ingestSecretEnv = try envName(v, document, "serve.ingest_secret_env")
            }
            if let v = try serve.string("ingest_secret_file") { config.serve.ingestSecretFile = v }
            if let v = try serve.string("stripe_webhook_secret_env") {
                config.serve.stripeWebhookSecretEnv = try envName(v, document, "serve.stripe_webhook_secret_env")
            }
            if let v = try serve.string("stripe_webhook_secret_file") { config.serve.stripeWebhookSecretFile = v }
            if var partners = try serve.table("partners") {
                for name in partners.values.keys.sorted() {
                    guard var partner = try partners.table(name) else { continue }
                    var secret = ServeConfig.PartnerSecret()
                    if let v = try partner.string("secret_env") {
                        secret.env = try envName(v, document, "serve.partners.\(name).secret_env")
                    }
                    secret.file = try partner.string("secret_file")
                    guard secret.env != nil || secret.file != nil else {
                        throw document.error("serve.partners.\(name)", "needs secret_env or secret_file")
                    }
                    try partner.finish(allowed: ["secret_env", "secret_file"])
                    config.serve.partners[name] = secret
                }
            }
            try serve.finish(allowed: [
                "listen", "ingest_secret_env", "ingest_secret_file", "stripe_webhook_secret_env",
                "stripe_webhook_secret_file", "partners",
            ])
        }
        if let keys = try root.table("keys") {
            config.keymap = try KeyBindings.parse(keys, document, base: config.keymap)
        }
        if var silence = try root.table("silence") {
            for source in FeedSource.allCases {
                guard let text = try silence.string(source.rawValue) else { continue }
                guard let seconds = try? DurationText.parse(text), seconds > 0 else {
                    throw document.error("silence.\(source.rawValue)", "\"\(text)\" is not a duration (e.g. 15m, 6h)")
                }
                config.silence[source] = seconds
            }
            try silence.finish(allowed: FeedSource.allCases.map(\.rawValue))
        }
        if var dashboard = try root.table("dashboard") {
            if let codes = try dashboard.strings("currencies") {
                var currencies: [Currency] = []
                for code in codes {
                    guard let currency = try? Currency(code: code.uppercased()) else {
                        throw document.error("dashboard.currencies", "\"\(code)\" is not an ISO 4217 currency code")
                    }
                    if !currencies.contains(currency) { currencies.append(currency) }
                }
                config.mainCurrencies = currencies
            }
            try dashboard.finish(allowed: ["currencies"])
        }
        if var privacy = try root.table("privacy") {
            if let v = try privacy.string("reveal_for") {
                guard let seconds = try? DurationText.parse(v), seconds > 0, seconds <= 8 * 3600 else {
                    throw document.error("privacy.reveal_for", "\"\(v)\" is not a duration up to 8h (e.g. 5m)")
                }
                config.privacy.revealSeconds = seconds
            }
            for (key, path) in [
                ("reveal_roles", \PrivacyPolicy.revealRoles), ("export_roles", \.exportRoles),
                ("erase_roles", \.eraseRoles),
            ] {
                guard let names = try privacy.strings(key) else { continue }
                var roles = Set<Role>()
                for name in names { roles.insert(try parseRole(name, document, "privacy.\(key)")) }
                // Viewers only look: they never reveal or export.
                if roles.contains(.viewer) {
                    throw document.error("privacy.\(key)", "viewers cannot reveal, export or erase personal data")
                }
                config.privacy[keyPath: path] = roles
            }
            try privacy.finish(allowed: ["reveal_for", "reveal_roles", "export_roles", "erase_roles"])
        }
        if var permissions = try root.table("permissions") {
            for kind in ActionKind.allCases {
                guard let names = try permissions.strings(kind.rawValue) else { continue }
                var roles = Set<Role>()
                for name in names { roles.insert(try parseRole(name, document, "permissions.\(kind.rawValue)")) }
                if roles.contains(.viewer) {
                    throw document.error("permissions.\(kind.rawValue)", "viewers cannot take actions")
                }
                config.permissions.roles[kind] = roles
            }
            try permissions.finish(allowed: ActionKind.allCases.map(\.rawValue))
        }
        if var links = try root.table("links") {
            if let v = try links.string("show") {
                guard let show = LinkTemplates.Show(rawValue: v) else {
                    throw document.error("links.show", "\"\(v)\" is not one of auto, always, never")
                }
                config.links.show = show
            }
            if let v = try links.string("stripe") {
                config.links.stripe = try linkTemplate(v, document, "links.stripe", ["id"])
            }
            if let v = try links.string("braintree") {
                config.links.braintree = try linkTemplate(v, document, "links.braintree", ["merchant", "id"])
            }
            if let v = try links.string("tracking") {
                config.links.tracking = try linkTemplate(v, document, "links.tracking", ["tracking"])
            }
            if let v = try links.string("ticket") {
                config.links.ticket = try linkTemplate(v, document, "links.ticket", ["ticket"])
            }
            if var carriers = try links.table("carriers") {
                for name in carriers.values.keys.sorted() {
                    guard let v = try carriers.string(name) else { continue }
                    config.links.carriers[name] = try linkTemplate(
                        v, document, "links.carriers.\(name)", ["tracking"])
                }
            }
            try links.finish(allowed: ["show", "stripe", "braintree", "tracking", "ticket", "carriers"])
        }
        config.links.braintreeMerchant = config.payments.braintreeMerchantID
        try root.finish(allowed: [
            "database", "theme", "refresh", "stuck_after", "timezone", "operators", "refunds", "payments", "serve",
            "keys",
            "silence", "dashboard", "links", "privacy", "permissions", "platform",
        ])
        return config
    }

    /// A link template, or nil for "" (no link).
    static func linkTemplate(
        _ text: String, _ document: TOMLDocument, _ path: String, _ placeholders: [String]
    ) throws(ConfigError) -> String? {
        if text.isEmpty { return nil }
        if let problem = LinkTemplates.problem(text, placeholders: placeholders) {
            throw document.error(path, problem)
        }
        return text
    }

    /// `2s`, `500ms`, `1m`: at least 200 ms.
    static func refreshMilliseconds(_ text: String) -> Int64? {
        if text.hasSuffix("ms"), let ms = Int64(text.dropLast(2)) { return ms >= 200 ? ms : nil }
        guard let seconds = try? DurationText.parse(text), seconds > 0 else { return nil }
        return seconds * 1000
    }

    static func parseRole(_ text: String, _ document: TOMLDocument, _ path: String) throws(ConfigError) -> Role {
        guard let role = Role(rawValue: text) else {
            throw document.error(path, "\"\(text)\" is not a role (expected viewer, agent or supervisor)")
        }
        return role
    }

    static func parseAmounts(_ table: TableReader, _ document: TOMLDocument) throws(ConfigError) -> [Currency: Int64] {
        var out: [Currency: Int64] = [:]
        for (code, value) in table.values {
            let path = "\(table.path).\(code)"
            guard let currency = try? Currency(code: code), code == code.uppercased() else {
                throw document.error(path, "\"\(code)\" is not an ISO 4217 currency code")
            }
            guard case .string(let text) = value else {
                throw document.error(
                    path, "write amounts as strings in major units, e.g. \(code) = \"250.00\" (found \(value.kindName))"
                )
            }
            do { out[currency] = try Money.parse(text, currency: currency).minorUnits } catch {
                throw document.error(path, error.description)
            }
        }
        return out
    }

    static func url(_ text: String, _ document: TOMLDocument, _ path: String) throws(ConfigError) -> String {
        guard text.hasPrefix("https://") || text.hasPrefix("http://127.0.0.1") || text.hasPrefix("http://localhost")
        else {
            throw document.error(
                path, "\"\(text)\" must be an https:// URL (plain http only to 127.0.0.1 or localhost)")
        }
        return text
    }

    static func envName(_ text: String, _ document: TOMLDocument, _ path: String) throws(ConfigError) -> String {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw document.error(
                path, "\"\(text)\" is not an environment variable name (name the variable; never put the secret here)")
        }
        return text
    }

    /// The effective configuration as TOML-like text, secrets never included (only where they come from).
    public func describe() -> String {
        var lines = ["# effective configuration (from \(source))"]
        if let databasePath { lines.append("database = \"\(databasePath)\"") }
        lines.append("theme = \"\(themeName ?? "default")\"")
        lines.append("refresh = \"\(refreshMilliseconds)ms\"")
        lines.append("timezone = \"\(zone.identifier)\"   # times are shown in this zone; records stay UTC")
        lines.append("stuck_after = \"\(DurationText.format(stuckThreshold).replacingOccurrences(of: " ", with: ""))\"")
        lines.append("\n[silence]   # how long a live source may be quiet before the status bar warns")
        for source in FeedSource.allCases {
            let seconds = silence[source] ?? source.defaultSilence
            lines.append(
                "\(source.rawValue) = \"\(DurationText.format(seconds).replacingOccurrences(of: " ", with: ""))\"")
        }
        lines.append("\n[dashboard]   # shown first in the revenue and refund panels, then the rest by order count")
        lines.append("currencies = [\(mainCurrencies.map { "\"\($0.code)\"" }.joined(separator: ", "))]")
        lines.append("\n[privacy]   # personal data is masked; a reveal is audited and lasts reveal_for")
        lines.append(
            "reveal_for = \"\(DurationText.format(privacy.revealSeconds).replacingOccurrences(of: " ", with: ""))\"")
        func roles(_ set: Set<Role>) -> String {
            "[" + set.sorted().map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + "]"
        }
        lines.append("reveal_roles = \(roles(privacy.revealRoles))")
        lines.append("export_roles = \(roles(privacy.exportRoles))")
        lines.append("erase_roles = \(roles(privacy.eraseRoles))")
        lines.append("\n[permissions]   # which roles may take each action (viewers never)")
        for kind in ActionKind.allCases {
            lines.append("\(kind.rawValue) = \(roles(permissions.roles[kind] ?? []))")
        }
        lines.append("\n[links]   # where ids lead, as OSC 8 hyperlinks (\"\" for none)")
        lines.append("show = \"\(links.show.rawValue)\"")
        lines.append("stripe = \"\(links.stripe ?? "")\"")
        lines.append("braintree = \"\(links.braintree ?? "")\"")
        lines.append("tracking = \"\(links.tracking ?? "")\"")
        lines.append("ticket = \"\(links.ticket ?? "")\"")
        lines.append("[links.carriers]")
        for (name, template) in links.carriers.sorted(by: { $0.key < $1.key }) {
            lines.append("\"\(name)\" = \"\(template)\"")
        }
        lines.append("\n[operators]\ndefault_role = \"\(policy.defaultRole.rawValue)\"")
        if !policy.roles.isEmpty {
            lines.append("[operators.roles]")
            for (user, role) in policy.roles.sorted(by: { $0.key < $1.key }) {
                lines.append("\(user) = \"\(role.rawValue)\"")
            }
        }
        lines.append("\n[refunds.agent_limits]")
        for (currency, minor) in policy.agentLimits.sorted(by: { $0.key < $1.key }) {
            lines.append("\(currency.code) = \"\(Money(minorUnits: minor, currency: currency).decimalString)\"")
        }
        lines.append("\n[refunds.retype_above]")
        for (currency, minor) in policy.retypeThreshold.sorted(by: { $0.key < $1.key }) {
            lines.append("\(currency.code) = \"\(Money(minorUnits: minor, currency: currency).decimalString)\"")
        }
        lines.append("\n[payments]\nmode = \"\(payments.mode.rawValue)\"")
        lines.append("[payments.stripe]\napi_base = \"\(payments.stripeAPIBase)\"")
        lines.append(
            "secret_key_env = \"\(payments.stripeSecretKeyEnv)\"   # \(Secrets.describe(payments.stripeSecretKeyEnv))")
        if let file = payments.stripeSecretKeyFile { lines.append("secret_key_file = \"\(file)\"   # contents ****") }
        lines.append(
            "[payments.braintree]\nendpoint = \"\(payments.braintreeEndpoint)\"\nmerchant_id = "
                + "\"\(payments.braintreeMerchantID)\""
        )
        lines.append(
            "public_key_env = \"\(payments.braintreePublicKeyEnv)\"   # "
                + "\(Secrets.describe(payments.braintreePublicKeyEnv))"
        )
        lines.append(
            "private_key_env = \"\(payments.braintreePrivateKeyEnv)\"   # "
                + "\(Secrets.describe(payments.braintreePrivateKeyEnv))"
        )
        if let file = payments.braintreePrivateKeyFile {
            lines.append("private_key_file = \"\(file)\"   # contents ****")
        }
        lines.append("\n[platform]   # where support's actions go: the sandbox twin, or the live API gateway")
        lines.append("mode = \"\(platform.mode.rawValue)\"\napi_base = \"\(platform.apiBase)\"")
        lines.append("token_env = \"\(platform.tokenEnv)\"   # \(Secrets.describe(platform.tokenEnv))")
        if let file = platform.tokenFile { lines.append("token_file = \"\(file)\"   # contents ****") }
        lines.append(
            "timeout = \"\(DurationText.format(platform.timeoutSeconds).replacingOccurrences(of: " ", with: ""))\"")
        lines.append("\n[serve]\nlisten = \"\(serve.listen)\"")
        lines.append("ingest_secret_env = \"\(serve.ingestSecretEnv)\"   # " + Secrets.describe(serve.ingestSecretEnv))
        if let file = serve.ingestSecretFile { lines.append("ingest_secret_file = \"\(file)\"   # contents ****") }
        lines.append(
            "stripe_webhook_secret_env = \"\(serve.stripeWebhookSecretEnv)\"   # "
                + Secrets.describe(serve.stripeWebhookSecretEnv))
        if let file = serve.stripeWebhookSecretFile {
            lines.append("stripe_webhook_secret_file = \"\(file)\"   # contents ****")
        }
        for (name, secret) in serve.partners.sorted(by: { $0.key < $1.key }) {
            lines.append("[serve.partners.\(name)]")
            if let env = secret.env { lines.append("secret_env = \"\(env)\"   # \(Secrets.describe(env))") }
            if let file = secret.file { lines.append("secret_file = \"\(file)\"   # contents ****") }
        }
        lines.append("\n" + KeyBindings.describe(keymap))
        return lines.joined(separator: "\n")
    }
}

// MARK: - Secrets

/// Reads a secret from the environment variable named in the configuration, or from a file only its owner can
/// read. Secrets never come from argv, and are never logged or drawn.
public enum Secrets {
    /// "set, ****" or "not set", for `config check`: whether a secret's variable is set, never its value.
    static func describe(_ envName: String) -> String {
        ProcessInfo.processInfo.environment[envName].map { _ in "set, ****" } ?? "not set"
    }

    public static func read(envName: String, file: String?, environment: [String: String]) throws(ConfigError) -> String
    {
        if let value = environment[envName], !value.isEmpty { return value }
        if let file {
            let secret = try contents(ofFile: file)
            if !secret.isEmpty { return secret }
        }
        throw ConfigError(
            file: "environment", line: nil, key: envName,
            message: "not set: export \(envName) (or configure a secret file readable only by you)")
    }

    /// The secret in `file`, after the checks every use of a secret file makes: it exists, is a regular file,
    /// only its owner may read or write it, and it is readable. `config check` runs the same checks.
    public static func contents(ofFile file: String) throws(ConfigError) -> String {
        var info = stat()
        guard stat(file, &info) == 0 else {
            throw ConfigError(
                file: file, line: nil, key: "",
                message: "cannot read the secret file (\(String(cString: strerror(errno))))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ConfigError(file: file, line: nil, key: "", message: "the secret file is not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ConfigError(
                file: file, line: nil, key: "",
                message: "the secret file must be readable by its owner only (chmod 600)")
        }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigError(file: file, line: nil, key: "", message: "cannot read the secret file")
        }
        return text.trimmingWhitespace()
    }

    /// Checks every secret file the configuration names, as the commands that use them would.
    public static func checkFiles(
        _ payments: PaymentsConfig, _ serve: ServeConfig = ServeConfig(), platform: PlatformConfig = PlatformConfig()
    ) throws(ConfigError) {
        let files =
            [
                payments.stripeSecretKeyFile, payments.braintreePrivateKeyFile, serve.ingestSecretFile,
                serve.stripeWebhookSecretFile, platform.tokenFile,
            ]
            + serve.partners.values.map(\.file)
        for file in files.compactMap({ $0 }) {
            _ = try contents(ofFile: file)
        }
    }
}
