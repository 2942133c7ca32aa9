import Foundation
import OpsCore
import OpsTUI

// MARK: - The script

/// One line of a headless script.
public enum ScriptCommand: Equatable, Sendable {
    case keys([Key])
    case type(String)
    /// A bracketed paste of the text (`\n` for a line break).
    case paste(String)
    case wait
    case sleep(milliseconds: Int64)
    case resize(Size)
    case snapshot
    /// The screen's styles as text (for theme tests).
    case snapshotStyles
    case expect(String)
    case expectNot(String)
}

/// A script that drives the console without a terminal: one command a line, `#` starts a comment.
///
/// ```
/// key /            # focus search
/// type zoe
/// wait
/// expect Zoë
/// snapshot
/// ```
public struct HeadlessScript: Sendable {
    public var file: String
    public var lines: [(line: Int, command: ScriptCommand)]

    /// A script line that cannot be run, reported as `file:line: what is wrong`.
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    public static func parse(_ text: String, file: String) throws(ParseError) -> HeadlessScript {
        var lines: [(Int, ScriptCommand)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            func fail(_ message: String) -> ParseError { ParseError(file: file, line: number, message: message) }
            let verb = String(trimmed.prefix { !$0.isWhitespace })
            // Arguments keep their inner spacing (`type  two  spaces`); one separating space is dropped.
            var rest = Substring(line.drop { $0.isWhitespace }.dropFirst(verb.count))
            if rest.first == " " { rest = rest.dropFirst() }
            let argument = String(rest)
            switch verb {
            case "key":
                let names = argument.split(separator: " ").map(String.init)
                guard !names.isEmpty else { throw fail("key needs at least one key name (\(Key.nameHelp))") }
                var keys: [Key] = []
                for name in names {
                    guard let key = Key(name: name) else {
                        throw fail("unknown key \"\(name)\" (expected \(Key.nameHelp))")
                    }
                    keys.append(key)
                }
                lines.append((number, .keys(keys)))
            case "type":
                guard !argument.isEmpty else { throw fail("type needs text to type") }
                lines.append((number, .type(argument)))
            case "paste":
                guard !argument.isEmpty else { throw fail("paste needs text to paste") }
                lines.append((number, .paste(argument.replacingOccurrences(of: "\\n", with: "\n"))))
            case "wait":
                guard argument.trimmingWhitespace().isEmpty else { throw fail("wait takes no argument") }
                lines.append((number, .wait))
            case "sleep":
                do {
                    let seconds = try DurationText.parse(argument.trimmingWhitespace())
                    lines.append((number, .sleep(milliseconds: seconds * 1000)))
                } catch {
                    if argument.hasSuffix("ms"), let ms = Int64(argument.dropLast(2).trimmingWhitespace()), ms >= 0 {
                        lines.append((number, .sleep(milliseconds: ms)))
                    } else {
                        throw fail("sleep needs a duration like 2s or 500ms, not \"\(argument)\"")
                    }
                }
            case "resize":
                guard let size = Size(argument.trimmingWhitespace()) else {
                    throw fail("resize needs WIDTHxHEIGHT like 120x40, not \"\(argument)\"")
                }
                lines.append((number, .resize(size)))
            case "snapshot":
                switch argument.trimmingWhitespace() {
                case "": lines.append((number, .snapshot))
                case "styles": lines.append((number, .snapshotStyles))
                default: throw fail("snapshot takes no argument, or \"styles\"")
                }
            case "expect":
                guard !argument.isEmpty else { throw fail("expect needs the text to look for") }
                lines.append((number, .expect(argument)))
            case "expect-not":
                guard !argument.isEmpty else { throw fail("expect-not needs the text to look for") }
                lines.append((number, .expectNot(argument)))
            default:
                throw fail(
                    "unknown command \"\(verb)\" (expected key, type, wait, sleep, resize, snapshot, expect or "
                        + "expect-not)"
                )
            }
        }
        return HeadlessScript(file: file, lines: lines)
    }
}

// MARK: - Running it

/// Runs a script against a console and reports like a test: snapshots to `output`, failures to `errors`.
public struct HeadlessRunner {
    public enum Outcome: Equatable {
        case passed
        /// An expectation failed (exit 1).
        case failed
    }

    public var waitTimeout: Duration = .seconds(15)

    public init() {}

    public func run(
        _ script: HeadlessScript, console: Console, clock: @escaping () -> Timestamp,
        output: (String) -> Void, errors: (String) -> Void
    ) -> Outcome {
        var snapshots = 0
        // Results are applied only at wait and sleep, so every snapshot between them is deterministic.
        console.start()
        guard console.settle(timeout: waitTimeout) else {
            errors("\(script.file): the console did not finish starting within \(waitTimeout)")
            return .failed
        }
        for (index, (line, command)) in script.lines.enumerated() {
            if console.state.quitting {
                // A script cannot pass by quitting: what it did not run, it did not check.
                let left = script.lines.count - index
                errors(
                    "\(script.file):\(script.lines[index - 1].line): the console quit here;"
                        + " \(left) later script line\(left == 1 ? "" : "s") (from line \(line)) did not run")
                return .failed
            }
            switch command {
            case .keys(let keys):
                // Rendered after every key, as the terminal does: a key whose frame crashes fails here too.
                for key in keys {
                    console.dispatch(.key(key))
                    _ = console.render()
                }
            case .paste(let text):
                console.dispatch(.paste(text))
                _ = console.render()
            case .type(let text):
                for character in text {
                    console.dispatch(.key(.character(character)))
                    _ = console.render()
                }
            case .wait, .sleep:
                if case .sleep(let ms) = command { usleep(useconds_t(min(ms, 600_000) * 1000)) }
                // A wait also checks the store for changes made elsewhere, as the live console does each second.
                console.dispatch(.tick(clock(), monotonicMilliseconds: 0, due: true))
                if !console.settle(timeout: waitTimeout) {
                    errors(
                        "\(script.file):\(line): wait timed out after \(waitTimeout) with \(console.pendingEffects) "
                            + "engine calls still running"
                    )
                    return .failed
                }
            case .resize(let size):
                console.dispatch(.resize(size))
                _ = console.render()
            case .snapshot:
                snapshots += 1
                output("--- snapshot \(snapshots) ---\n\(console.render().plainText)\n--- end ---")
            case .snapshotStyles:
                snapshots += 1
                let buffer = console.render()
                output(
                    "--- snapshot \(snapshots) ---\n\(buffer.plainText)\n--- styles ---\n\(buffer.styleText)\n--- "
                        + "end ---"
                )
            case .expect(let text), .expectNot(let text):
                let screen = console.render().plainText
                let wanted: Bool
                if case .expect = command { wanted = true } else { wanted = false }
                if screen.contains(text) != wanted {
                    errors(
                        "\(script.file):\(line): \(wanted ? "expect" : "expect-not") failed: the screen "
                            + "\(wanted ? "does not contain" : "contains") \"\(text)\""
                    )
                    errors("--- screen ---\n\(screen)\n--- end ---")
                    return .failed
                }
            }
        }
        return .passed
    }
}
