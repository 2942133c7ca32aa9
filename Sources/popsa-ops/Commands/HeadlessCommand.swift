import ArgumentParser
import Foundation
import OpsConsole
import OpsCore
import OpsTUI

struct HeadlessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headless",
        abstract: "Run the console from a script, without a terminal.",
        discussion: """
            One command a line (# starts a comment):
              key NAME [NAME…]   press keys: \(Key.nameHelp)
              type TEXT          type text
              wait               until pending engine work and its renders are done (and check the store for changes)
              sleep 2s           wait this long, then as wait
              resize WxH         resize the screen
              snapshot           print the screen between "--- snapshot N ---" and "--- end ---"
              snapshot styles    the same, followed by the cells' styles
              expect TEXT        the screen contains TEXT
              expect-not TEXT    the screen does not contain TEXT
            Exit codes: 0 all expectations met; 1 an expectation failed (the screen and the line are printed); \
            2 a script error (FILE:LINE and what is wrong).
            """)

    @OptionGroup var console: ConsoleOptions
    @Option(help: ArgumentHelp("Screen size.", valueName: "WxH")) var size: String = "120x40"
    @Option(help: ArgumentHelp("The script, or - for standard input.", valueName: "file")) var script: String = "-"

    func validate() throws {
        guard Size(size) != nil else { throw ValidationError("--size: \"\(size)\" is not WIDTHxHEIGHT like 120x40") }
    }

    func run() throws {
        let text: String
        let name = script == "-" ? "<stdin>" : script
        if script == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            text = String(decoding: try InputFile.contents(of: script, what: "script"), as: UTF8.self)
        }
        let parsed: HeadlessScript
        do {
            parsed = try HeadlessScript.parse(text, file: name)
        } catch {
            Stderr.line(error.description)
            throw ExitCode(2)
        }
        let setup = try ConsoleSetup(options: console, size: Size(size)!)
        let consoleCore = Console(state: setup.state, environment: setup.environment)
        // The runner blocks this thread while effects run as tasks on the others.
        let outcome = HeadlessRunner().run(
            parsed, console: consoleCore, clock: console.time.clock.now,
            output: { Stdout.line($0) }, errors: { Stderr.line($0) })
        if outcome == .failed { throw ExitCode(1) }
    }
}
