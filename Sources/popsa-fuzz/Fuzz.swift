import Foundation
import OpsConsole
import OpsCore
import OpsTUI

/// Coverage-guided fuzz targets for the parsers that read untrusted input: the JSON Lines record decoder, the amount
/// parser, the headless script parser, the configuration and theme loaders, and the terminal-text sanitiser.
///
/// Built with `-sanitize=fuzzer -D FUZZING` (scripts/fuzz.sh) it is a libFuzzer binary for the target named in
/// `POPSA_FUZZ_TARGET`; built normally it replays files (a corpus, a crash) through a target, which is how the
/// committed corpora run in the test suite.
enum FuzzTarget: String, CaseIterable {
    case record, amount, script, config, sanitize

    /// Feeds one input; returns normally whatever the input, or traps when an invariant breaks.
    func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .record:
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                guard let json = try? JSONValue.parse(String(line)) else { continue }
                if let record = try? ImportRecord.decode(json), case .order(let order) = record {
                    _ = order.amountsProblem
                }
                // What is parsed must serialise to JSON that parses back to the same value.
                let again = try? JSONValue.parse(json.serialized())
                precondition(again == json, "JSON round trip changed \(json)")
            }
        case .amount:
            for currency in [Currency.gbp, .jpy, Currency.kwd] {
                guard let money = try? Money.parse(text, currency: currency) else { continue }
                // A parsed amount prints as text that parses back to the same amount.
                let back = try? Money.parse(money.decimalString, currency: currency)
                precondition(back == money, "\(text.debugDescription) → \(money.decimalString) does not parse back")
            }
        case .script:
            _ = try? HeadlessScript.parse(text, file: "fuzz")
        case .config:
            _ = try? ConsoleConfig.parse(text: text, file: "fuzz.toml", base: nil)
            _ = try? ThemeLoader.parse(text, file: "fuzz-theme.toml")
        case .sanitize:
            let safe = TerminalText.sanitize(text)
            for scalar in safe.unicodeScalars {
                let v = scalar.value
                precondition(
                    v >= 0x20 && v != 0x7F && !(0x80...0x9F).contains(v),
                    "control U+\(String(v, radix: 16)) left")
                precondition(!(0x202A...0x202E).contains(v) && !(0x2066...0x2069).contains(v), "bidi control left")
            }
            let width = TerminalText.width(safe)
            precondition(width >= 0)
            for limit in [0, 1, 2, 5, 17] {
                precondition(TerminalText.width(TerminalText.truncate(safe, to: limit)) <= limit, "truncate overflows")
            }
            for line in TerminalText.wrap(safe, width: 7) {
                precondition(TerminalText.width(line) <= 7, "wrap overflows: \(line.debugDescription)")
            }
        }
    }

    static var current: FuzzTarget {
        let name = ProcessInfo.processInfo.environment["POPSA_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("set POPSA_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }
}

#if FUZZING
/// The target, chosen once before the first input (libFuzzer calls the entry point millions of times).
let selectedTarget = FuzzTarget.current

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    selectedTarget.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// libFuzzer's driver, started from our own `main` (SwiftPM names an executable's entry point after its module).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

@main
struct FuzzMain {
    static func main() {
        _ = selectedTarget
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
    }
}
#else
@main
struct Replay {
    /// `popsa-fuzz TARGET FILE|DIR…`: runs every file through the target; exits 0 when none trapped.
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            let targets = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("usage: popsa-fuzz TARGET FILE|DIR… (targets: \(targets))\n".utf8))
            exit(64)
        }
        var count = 0
        for path in arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            let files =
                isDirectory.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.run([UInt8](data))
                count += 1
            }
        }
        print("\(name): \(count) inputs replayed, none failed")
    }
}
#endif
