import Foundation
import OpsTestSupport
import Testing

@Suite struct ThemeTests {
    static let bundled = ["default", "light", "high-contrast", "solarized-dark", "mono", "colorblind"]

    @Test(arguments: bundled)
    func everyBundledThemeRendersEveryScreen(theme: String) throws {
        for script in ["search", "customer", "order", "stuck-job", "lists", "chrome"] {
            let result = try ConsoleScripts.run(script, size: "100x30", extra: ["--theme", theme])
            #expect(result.status == 0, "\(theme) \(script): \(result.stderr)")
            #expect(TestSupport.snapshots(result.stdout).count >= 1)
        }
        let sample = try ConsoleScripts.run("theme-sample", size: "100x30", extra: ["--theme", theme])
        #expect(sample.status == 0, "\(sample.stderr)")
        TestSupport.assertGolden(sample.stdout, "themes/\(theme)-styles.txt")
    }

    @Test func monoUsesNoColourAndColourblindMarksEveryStatus() throws {
        let mono = try ConsoleScripts.run("theme-sample", size: "100x30", extra: ["--theme", "mono"])
        #expect(!mono.stdout.contains("fg="))
        #expect(!mono.stdout.contains("bg="))
        let safe = try ConsoleScripts.run("theme-sample", size: "100x30", extra: ["--theme", "colorblind"])
        #expect(safe.stdout.contains("✓ "))
    }

    func writeTheme(_ text: String) throws -> String {
        let path = TestSupport.temporaryDirectory() + "/broken.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [
        ("name = \"x\"\n[styles\ntitle = { bold = true }\n", ":2: not valid TOML:"),
        (
            "name = \"x\"\nflavour = \"mint\"\n",
            ":2: flavour: unknown key (expected one of: name, status_symbols, palette, styles)"
        ),
        (
            "[styles]\ntitle = { bold = true }\nsparkle = { fg = 3 }\n",
            ":3: styles.sparkle: unknown style (expected one of:"
        ),
        (
            "[palette]\naccent = \"#12345\"\n",
            ":2: palette.accent: \"#12345\" is not a colour (expected #rrggbb, 0 to 255, default, or a palette name)"
        ),
        ("[styles]\n\ntitle = { fg = 300 }\n", ":3: styles.title.fg: colour index 300 is out of range (0 to 255)"),
        ("[styles]\ntitle = { fg = \"blurple\" }\n", ":2: styles.title.fg: \"blurple\" is not a colour"),
        ("[styles]\ntitle = { bold = \"yes\" }\n", ":2: styles.title.bold: expected true or false, found a string"),
        (
            "[styles]\ntitle = { blink = true }\n",
            ":2: styles.title.blink: unknown key (expected one of: fg, bg, bold, underline, reverse, dim, italic)"
        ),
        // Found by fuzzing: the TOML library aborted the process on this header instead of reporting it.
        (
            "name = \"x\"\n\n[ :styles]\n",
            ":3: not valid TOML: a table name must start with a letter, digit, _, - or a quote"
        ),
    ])
    func aBrokenThemeStopsStartUpWithFileLineAndKey(text: String, message: String) throws {
        let path = try writeTheme(text)
        let result = try TestSupport.popsaOps(
            ["headless", "--db", TestSupport.fixtureDatabase, "--theme", path, "--script", "-"],
            stdin: "snapshot\n")
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stdout == "", "the console never started")
        #expect(result.stderr.hasPrefix("popsa-ops: \(path)\(message)"), "\(result.stderr)")
    }

    @Test func aBrokenThemeOnALiveSwitchKeepsTheCurrentOne() throws {
        let path = try writeTheme("[styles]\ntitle = { fg = \"blurple\" }\n")
        let script =
            "key esc :\ntype theme \(path)\nkey enter\nwait\nexpect Theme not changed: \(path):2: "
            + "styles.title.fg\nkey :\ntype theme mono\nkey enter\nwait\nexpect Theme mono\n"
        let result = try TestSupport.popsaOps(
            [
                "headless", "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now, "--size", "120x30",
                "--script", "-",
            ], stdin: script)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let unknown = try TestSupport.popsaOps(
            ["headless", "--db", TestSupport.fixtureDatabase, "--theme", "nosuch", "--script", "-"], stdin: "")
        #expect(unknown.status == 78)
        #expect(
            unknown.stderr.contains(
                "theme: nosuch: no such theme (available: colorblind, default, high-contrast, light, mono, "
                    + "solarized-dark)"
            ))
    }
}

@Suite struct ConfigTests {
    func write(_ text: String) throws -> String {
        let path = TestSupport.temporaryDirectory() + "/config.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [
        (
            "theme = \"mono\"\ncolour = \"blue\"\n",
            ":2: colour: unknown key (expected one of: database, theme, refresh, stuck_after, timezone, operators, "
                + "refunds, payments, serve, keys, silence, dashboard, links, privacy, permissions, platform)"
        ),
        (
            "[serve]\nlisten = \"everywhere\"\n",
            ":2: serve.listen: \"everywhere\" is not HOST:PORT like 127.0.0.1:8480"
        ),
        (
            "[operators]\ndefault_role = \"admin\"\n",
            ":2: operators.default_role: \"admin\" is not a role (expected viewer, agent or supervisor)"
        ),
        (
            "[operators.roles]\nalice = \"boss\"\n",
            ":2: operators.roles.alice: \"boss\" is not a role (expected viewer, agent or supervisor)"
        ),
        (
            "[refunds.agent_limits]\nGBP = 250\n",
            ":2: refunds.agent_limits.GBP: write amounts as strings in major units, e.g. GBP = \"250.00\" (found an "
                + "integer)"
        ),
        (
            "[refunds.agent_limits]\nJPY = \"12.5\"\n",
            ":2: refunds.agent_limits.JPY: \"12.5\": JPY has no minor unit, enter a whole amount"
        ),
        (
            "[refunds.agent_limits]\nXXX = \"1\"\n",
            ":2: refunds.agent_limits.XXX: \"XXX\" is not an ISO 4217 currency code"
        ),
        (
            "[payments]\nmode = \"production\"\n",
            ":2: payments.mode: \"production\" is not a mode (expected sandbox or live)"
        ),
        (
            "[payments.stripe]\nsecret_key_env = \"sk_live_123 456\"\n",
            ":2: payments.stripe.secret_key_env: \"sk_live_123 456\" is not an environment variable name"
        ),
        (
            "[payments.stripe]\napi_base = \"http://api.stripe.com\"\n",
            ":2: payments.stripe.api_base: \"http://api.stripe.com\" must be an https:// URL"
        ),
        ("refresh = \"fast\"\n", ":1: refresh: \"fast\" is not a refresh interval"),
        (
            "[dashboard]\ncurrencies = [\"GBP\", \"pounds\"]\n",
            ":2: dashboard.currencies: \"pounds\" is not an ISO 4217 currency code"
        ),
        ("[dashboard]\ncurrencies = [1]\n", ":2: dashboard.currencies: expected strings, found an integer"),
        ("[keys.order]\nteleport = \"t\"\n", ":2: keys.order.teleport: unknown action"),
        ("[keys.order]\nrefund = \"ctrl-1\"\n", ":2: keys.order.refund: \"ctrl-1\" is not a key name"),
        (
            "[keys.global]\nhelp = \"q\"\n",
            ":2: keys.global.help: \"q\" is already bound to quit on global: the two conflict"
        ),
        ("[keys.kitchen]\nquit = \"q\"\n", ":1: keys.kitchen: unknown screen"),
        (
            "timezone = \"Mars/Olympus_Mons\"\n",
            ":1: timezone: \"Mars/Olympus_Mons\" is not a time zone of the system's zone database (a region such as "
                + "Europe/London"
        ),
        ("timezone = \"EST\"\n", ":1: timezone: \"EST\" is not a time zone"),
        ("[links]\nshow = \"sometimes\"\n", ":2: links.show: \"sometimes\" is not one of auto, always, never"),
        (
            "[privacy]\nexport_roles = [\"viewer\"]\n",
            ":2: privacy.export_roles: viewers cannot reveal, export or erase personal data"
        ),
        ("[privacy]\nreveal_for = \"2d\"\n", ":2: privacy.reveal_for: \"2d\" is not a duration up to 8h (e.g. 5m)"),
        ("[links]\nstripe = \"ftp://x/{id}\"\n", ":2: links.stripe: \"ftp://x/{id}\" is not an http or https URL"),
        (
            "[links]\nstripe = \"https://x/{tracking}\"\n",
            ":2: links.stripe: {tracking} is not a value here (use {id})"
        ),
        (
            "[links.carriers]\n\"Royal Mail\" = \"https://x/{tracking} y\"\n",
            ":2: links.carriers.Royal Mail: a link template is printable ASCII without spaces or $"
        ),
        ("[operators\n", ":1: not valid TOML:"),
        (
            "theme = \"mono\"\n[[:operators]]\n",
            ":2: not valid TOML: a table name must start with a letter, digit, _, - or a quote"
        ),
        ("[keys.global]\nhelp = [\"?\",\n  }\n", ":3: not valid TOML: expected a value or ']' in the array, saw '}'"),
    ])
    func aBrokenConfigurationIsNamedByFileLineAndKey(text: String, message: String) throws {
        let path = try write(text)
        let result = try TestSupport.popsaOps(["config", "check", "--config", path])
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("popsa-ops: \(path)\(message)"), "\(result.stderr)")
    }

    /// The dashboard's money panels lead with the configured currencies (GBP, EUR, USD by default), whatever
    /// currency has the largest numbers: a million VND is about thirty pounds.
    @Test func theDashboardShowsTheMainCurrenciesFirst() throws {
        func revenueLines(_ extra: [String]) throws -> [String] {
            let result = try TestSupport.popsaOps(
                [
                    "headless", "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now, "--size", "100x60",
                    "--script", "-",
                ] + extra, stdin: "key :\ntype metrics\nkey enter\nwait\nkey w\nwait\nsnapshot\n")
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            guard let start = lines.firstIndex(where: { $0.contains("orders/hour") }) else { return [] }
            return lines[(start + 1)...].prefix { $0.hasPrefix("│   ") }.map {
                String($0.dropFirst(4).prefix(3))
            }
        }
        #expect(try Array(revenueLines([]).prefix(3)) == ["GBP", "EUR", "USD"])
        let config = try write("[dashboard]\ncurrencies = [\"jpy\", \"GBP\"]\n")
        #expect(try Array(revenueLines(["--config", config]).prefix(2)) == ["JPY", "GBP"])
        let check = try TestSupport.popsaOps(["config", "check", "--config", config])
        #expect(check.stdout.contains("currencies = [\"JPY\", \"GBP\"]"), "\(check.stdout)")
    }

    /// `timezone` moves every time shown, on the screens and in text output, with the zone's name beside it; JSON
    /// and the records stay UTC; the dashboard's "today" starts at the zone's midnight.
    @Test func timesAreShownInTheConfiguredZone() throws {
        let config = try write("timezone = \"Asia/Kolkata\"\n")
        let script = """
            key :
            type order ord_g0001h2qze
            key enter
            wait
            expect placed 2026-08-10 20:13 IST
            expect 2026-11-27 14:30:00 IST
            key :
            type metrics today
            key enter
            wait
            expect Window today
            expect as of 14:30:00 IST
            snapshot
            """
        let console = try TestSupport.popsaOps(
            [
                "headless", "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now, "--size", "120x50",
                "--config", config, "--script", "-",
            ], stdin: script)
        #expect(console.status == 0, "\(console.stderr)\(console.stdout)")
        // Today in India began at 18:30 UTC the day before: the dashboard counts the orders since then (to the end
        // of the current hour, as every window does).
        let today = try TestSupport.sql(
            TestSupport.fixtureDatabase,
            """
            SELECT count(*) FROM orders WHERE created_at >= strftime('%s', '2026-11-26T18:30:00') \
            AND created_at < strftime('%s', '2026-11-27T10:00:00')
            """)
        let line = console.stdout.split(separator: "\n").first { $0.contains("orders/hour") }
        #expect(line?.contains(" \(today) │") == true, "\(line ?? "no orders line") vs \(today)")

        let home = TestSupport.temporaryDirectory("home")
        let environment = ["POPSA_OPS_CONFIG": config]
        let text = try TestSupport.popsaOps(
            ["query", "order", "ord_g0001h2qze", "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now],
            environment: environment, home: home)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("2026-08-10 20:13 IST"), "\(text.stdout)")
        let json = try TestSupport.popsaOps(
            [
                "query", "order", "ord_g0001h2qze", "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now,
                "--json",
            ], environment: environment, home: home)
        #expect(json.stdout.contains("\"created_at\": \"2026-08-10T14:43:11Z\""), "\(json.stdout)")
        let check = try TestSupport.popsaOps(["config", "check", "--config", config])
        #expect(check.stdout.contains("timezone = \"Asia/Kolkata\""), "\(check.stdout)")
    }

    /// `query` prints personal data masked; `--json` too, unless the configuration lets the operator's role export
    /// it (supervisors by default).
    @Test func queryOutputMasksPersonalDataUnlessTheRoleMayExport() throws {
        let row = try TestSupport.fields(
            TestSupport.fixtureDatabase, "SELECT id || '|' || email FROM users ORDER BY id LIMIT 1 OFFSET 9")
        let (user, email) = (row[0], row[1])
        let home = TestSupport.temporaryDirectory("home")
        let query = ["query", "customer", user, "--db", TestSupport.fixtureDatabase, "--now", TestSupport.now]
        let text = try TestSupport.popsaOps(query, home: home)
        #expect(text.status == 0 && !text.stdout.contains(email), "\(text.stdout)")
        let masked = String(email.prefix(2)) + "***" + email.drop { $0 != "@" }
        #expect(text.stdout.contains(masked), "\(masked) in \(text.stdout)")
        let json = try TestSupport.popsaOps(query + ["--json"], home: home)
        #expect(json.status == 0 && !json.stdout.contains(email) && json.stdout.contains("\"line1\": \"•••\""))
        let config = try write("[privacy]\nexport_roles = [\"agent\", \"supervisor\"]\n")
        let exported = try TestSupport.popsaOps(
            query + ["--json"], environment: ["POPSA_OPS_CONFIG": config], home: home)
        #expect(exported.status == 0 && exported.stdout.contains("\"email\": \"\(email)\""), "\(exported.stdout)")
        // Text stays masked whatever the role: the reveal is the console's, audited.
        let textAgain = try TestSupport.popsaOps(query, environment: ["POPSA_OPS_CONFIG": config], home: home)
        #expect(!textAgain.stdout.contains(email))
    }

    @Test func anUnreadableConfigurationSaysWhy() throws {
        let missing = TestSupport.temporaryDirectory() + "/nope.toml"
        let result = try TestSupport.popsaOps(["config", "check", "--config", missing])
        #expect(result.status == 78)
        #expect(result.stderr == "popsa-ops: \(missing): cannot read the configuration file: no such file\n")
        let folder = try TestSupport.popsaOps(["config", "check", "--config", TestSupport.temporaryDirectory()])
        #expect(folder.status == 78)
        #expect(folder.stderr.hasSuffix(": cannot read the configuration file: it is a folder\n"))
        // An empty configuration (or /dev/null) means the built-in defaults.
        let empty = try TestSupport.popsaOps(["config", "check", "--config", "/dev/null"])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout.contains("default_role = \"agent\""))
    }

    @Test func configCheckLoadsTheConfiguredTheme() throws {
        let missing = try TestSupport.popsaOps(["config", "check", "--config", try write("theme = \"nosuch\"\n")])
        #expect(missing.status == 78)
        #expect(
            missing.stderr.contains("theme: nosuch: no such theme (available: colorblind, default"), "\(missing.stderr)"
        )
        let themePath = TestSupport.temporaryDirectory() + "/broken.toml"
        try "[styles]\ntitle = { fg = 300 }\n".write(toFile: themePath, atomically: true, encoding: .utf8)
        let broken = try TestSupport.popsaOps(["config", "check", "--config", try write("theme = \"\(themePath)\"\n")])
        #expect(broken.status == 78)
        #expect(
            broken.stderr.hasPrefix("popsa-ops: \(themePath):2: styles.title.fg: colour index 300 is out of range"),
            "\(broken.stderr)")
    }

    @Test func configCheckPrintsTheEffectiveConfigurationWithSecretsMasked() throws {
        let path = try write(
            """
            theme = "light"
            [operators.roles]
            sam = "supervisor"
            [payments]
            mode = "live"
            [payments.stripe]
            secret_key_env = "POPSA_STRIPE"
            """)
        let result = try TestSupport.popsaOps(
            ["config", "check", "--config", path], environment: ["POPSA_STRIPE": "sk_live_do_not_print"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("theme = \"light\""))
        #expect(result.stdout.contains("sam = \"supervisor\""))
        #expect(result.stdout.contains("secret_key_env = \"POPSA_STRIPE\"   # set, ****"))
        #expect(result.stdout.contains("GBP = \"250.00\""), "built-in limits fill in what the file leaves out")
        #expect(!result.stdout.contains("sk_live_do_not_print"))
        // POPSA_OPS_CONFIG is used when --config is not given.
        let viaEnv = try TestSupport.popsaOps(["config", "check"], environment: ["POPSA_OPS_CONFIG": path])
        #expect(viaEnv.stdout.contains("from \(path)"))
    }

    @Test func keysRebindAndSwitchOffAndTheHelpShowsIt() throws {
        let path = try write(
            """
            [keys.global]
            quit = ["x", "ctrl-q"]
            [keys.order]
            open-customer = "<disabled>"
            """)
        let script = """
            key :
            type orders
            key enter
            wait
            key ?
            expect x ctrl-q
            key esc x
            expect Find a customer
            key ctrl-q
            """
        let result = try TestSupport.popsaOps(
            [
                "headless", "--db", TestSupport.fixtureDatabase, "--config", path, "--now", TestSupport.now,
                "--size", "100x30", "--script", "-",
            ], stdin: script)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let check = try TestSupport.popsaOps(["config", "check", "--config", path])
        #expect(check.stdout.contains("quit = [\"ctrl-q\", \"x\"]"))
        #expect(check.stdout.contains("# switched off here: c"))
    }
}
