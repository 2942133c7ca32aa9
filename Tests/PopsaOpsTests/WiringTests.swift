import Foundation
import OpsConsole
import OpsCore
import OpsStore
import OpsTestSupport
import Testing

@testable import popsa_ops

/// How the executable puts the program together: where the configuration is found, who the operator is, where
/// secrets come from, which gateways a configuration wires.
@Suite struct WiringTests {
    // MARK: - Configuration lookup

    @Test func configurationLookupOrderIsFlagThenVariableThenXDGThenHome() throws {
        let dir = TestSupport.temporaryDirectory("config-order")
        let xdg = dir + "/xdg", home = dir + "/home"
        for base in [xdg + "/popsa-ops", home + "/.config/popsa-ops"] {
            try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            try "".write(toFile: base + "/config.toml", atomically: true, encoding: .utf8)
        }
        let system = dir + "/etc/config.toml"
        try FileManager.default.createDirectory(atPath: dir + "/etc", withIntermediateDirectories: true)
        try "".write(toFile: system, atomically: true, encoding: .utf8)
        let env = ["POPSA_OPS_CONFIG": dir + "/named.toml", "XDG_CONFIG_HOME": xdg, "HOME": home]
        func locate(_ explicit: String?, _ keys: [String]) -> String? {
            ConsoleConfig.locate(
                explicit: explicit, environment: env.filter { keys.contains($0.key) }, systemFile: system)
        }
        #expect(locate("/flag.toml", ["POPSA_OPS_CONFIG", "XDG_CONFIG_HOME", "HOME"]) == "/flag.toml")
        #expect(locate(nil, ["POPSA_OPS_CONFIG", "XDG_CONFIG_HOME", "HOME"]) == dir + "/named.toml")
        #expect(locate(nil, ["XDG_CONFIG_HOME", "HOME"]) == xdg + "/popsa-ops/config.toml")
        #expect(locate(nil, ["HOME"]) == home + "/.config/popsa-ops/config.toml")
        // A relative XDG_CONFIG_HOME is ignored, as the XDG specification says.
        #expect(
            ConsoleConfig.locate(
                explicit: nil, environment: ["XDG_CONFIG_HOME": "relative", "HOME": home], systemFile: system)
                == home + "/.config/popsa-ops/config.toml")
        // Nothing in the user's folders: the system-wide file (/etc/popsa-ops/config.toml) if there is one, else
        // the built-in defaults.
        #expect(locate(nil, ["XDG_CONFIG_HOME"]) == xdg + "/popsa-ops/config.toml")
        #expect(
            ConsoleConfig.locate(explicit: nil, environment: ["HOME": dir + "/nobody"], systemFile: system) == system)
        #expect(
            ConsoleConfig.locate(
                explicit: nil, environment: ["HOME": dir + "/nobody"], systemFile: dir + "/etc/missing.toml") == nil)
    }

    @Test func theLookupReadsTheVariablesItNames() {
        // ConfigOptions reads only `locateVariables` from the environment: a name used by `locate` but missing
        // from the list would silently never be read.
        let source =
            (try? String(
                contentsOfFile: TestSupport.packageRoot + "/Sources/OpsConsole/Config/ConsoleConfig.swift",
                encoding: .utf8)) ?? ""
        let body =
            source.components(separatedBy: "public static func locate(").dropFirst().first?
            .components(separatedBy: "\n    }\n").first ?? ""
        let read = Set(body.matches(of: /environment\["([A-Z_]+)"\]/).map { String($0.1) })
        #expect(!read.isEmpty)
        #expect(read == Set(ConsoleConfig.locateVariables))
    }

    // MARK: - The operator

    @Test func theOperatorIsTheRealAccountWhateverUSERSays() throws {
        let real = try #require(getpwuid(getuid())).pointee
        let name = String(cString: real.pw_name)
        #expect(Operator.current(environment: [:]).name == name)
        #expect(Operator.current(environment: ["USER": "someone-else", "LOGNAME": "root"]).name == name)
        // An alias is taken only when it names the same account.
        let other = name == "root" ? "nobody" : "root"
        #expect(Operator.current(environment: ["USER": other]).name == name)
    }

    @Test(arguments: [
        ("10.0.0.7 51234 22", "10.0.0.7"), ("2001:db8::7 51234 22", "2001:db8::7"),
        ("fe80::1%eth0 1 22", "fe80::1%eth0"),
        ("ops.example.com 1 22", "invalid"), ("10.0.0.7;rm 1 22", "invalid"), ("999.1.1.1 1 22", "invalid"),
        ("", "invalid"),
    ])
    func theSSHClientIsRecordedOnlyAsAnAddress(sshClient: String, recorded: String) {
        #expect(Operator.current(environment: ["SSH_CLIENT": sshClient]).ssh == recorded)
        #expect(Operator.current(environment: [:]).ssh == nil)
    }

    // MARK: - Secrets

    @Test func secretsComeFromTheVariableOrAnOwnerOnlyFile() throws {
        let dir = TestSupport.temporaryDirectory("secrets")
        let file = dir + "/stripe.key"
        try "sk_test_from_file\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        #expect(try Secrets.read(envName: "K", file: file, environment: ["K": "sk_test_env"]) == "sk_test_env")
        #expect(try Secrets.read(envName: "K", file: file, environment: [:]) == "sk_test_from_file")
        chmod(file, 0o644)
        #expect(throws: ConfigError.self) { try Secrets.read(envName: "K", file: file, environment: [:]) }
        #expect(throws: ConfigError.self) { try Secrets.read(envName: "K", file: dir, environment: [:]) }
        #expect(throws: ConfigError.self) { try Secrets.read(envName: "K", file: nil, environment: ["K": ""]) }
    }

    @Test func liveModeWiresOnlyTheProvidersWhoseCredentialsAreThere() throws {
        let store = try SQLiteStore.open(path: TestSupport.fixtureCopy())
        let config = try ConsoleConfig.parse(text: "[payments]\nmode = \"live\"\n", file: "live.toml", base: nil)
        let onlyStripe = try PaymentsWiring.gateways(
            config, store: store, clock: .frozen(TestSupport.nowTimestamp),
            environment: [config.payments.stripeSecretKeyEnv: "sk_test_x"])
        #expect(Set(onlyStripe.available.keys) == Set([PaymentProvider.stripe]))
        #expect(onlyStripe.unavailable[.braintree]?.contains(config.payments.braintreePublicKeyEnv) == true)
        let sandbox = try PaymentsWiring.gateways(
            try ConsoleConfig.load(path: nil), store: store,
            clock: .frozen(TestSupport.nowTimestamp), environment: [:])
        #expect(Set(sandbox.available.keys) == Set([PaymentProvider.stripe, .braintree]))
    }
}
