import Foundation
import TOMLKit

/// A parsed TOML file as plain values, each with the line it was written on, so every error can name
/// file, line and key.
public indirect enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case double(Double)
    case bool(Bool)
    case array([ConfigValue])
    case table([String: ConfigValue])
    case other(String)

    var kindName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .double: "a decimal number"
        case .bool: "a boolean"
        case .array: "an array"
        case .table: "a table"
        case .other(let t): t
        }
    }
}

// MARK: - ConfigError

/// A configuration or theme file could not be used. `description` is `FILE:LINE: key: what is wrong`.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var key: String
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): " + (key.isEmpty ? message : "\(key): \(message)")
    }
}

// MARK: - TOMLDocument

/// A TOML document with a map from dotted key paths to the lines that define them.
public struct TOMLDocument: Sendable {
    public var file: String
    public var root: [String: ConfigValue]
    var lines: [String: Int]

    public init(text: String, file: String) throws(ConfigError) {
        self.file = file
        if let (line, problem) = Self.structureProblem(text) {
            throw ConfigError(file: file, line: line, key: "", message: "not valid TOML: \(problem)")
        }
        do {
            let table = try TOMLTable(string: text)
            root = Self.convert(table)
            // TOMLTable never frees its C++ table (TOMLKit 0.6 has no deinit): empty it, which frees every node,
            // so parsing a file many times (a theme switched all day, the fuzzer) does not keep each document.
            table.clear()
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: file, line: error.source.begin.line, key: "",
                message: "not valid TOML: \(error.description)")
        } catch {
            throw ConfigError(file: file, line: nil, key: "", message: "not valid TOML: \(error)")
        }
        lines = Self.locate(text)
    }

    /// Mistakes toml++ (inside TOMLKit) asserts on instead of reporting, which aborts the process; both found by
    /// fuzzing (Tests/Fuzz/config): a table header whose name starts with a character no key can start with
    /// (`[:x]`), and a `}` where an array expects a value (`a = [1, }`). The scan tracks strings, comments and the
    /// nesting of values to tell headers from arrays; anything it does not reject is left to the real parser.
    static func structureProblem(_ text: String) -> (line: Int, problem: String)? {
        let scalars = Array(text.unicodeScalars)
        var i = 0, line = 1
        var open: [Unicode.Scalar] = []  // the values being built: "[" arrays, "{" inline tables
        var lineStart = true
        var arrayWantsValue = false  // just after "[" or "," inside an array
        func at(_ k: Int) -> Unicode.Scalar? { k < scalars.count ? scalars[k] : nil }
        func isKeyStart(_ c: Unicode.Scalar) -> Bool {
            c.isASCII
                && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" || c == "-"
                    || c == "\"" || c == "'")
        }
        while i < scalars.count {
            let c = scalars[i]
            switch c {
            case "\n":
                line += 1
                lineStart = true
                i += 1
                continue
            case " ", "\t", "\r":
                i += 1
                continue
            case "#":
                while i < scalars.count && scalars[i] != "\n" { i += 1 }
                continue
            case "\"", "'":
                // Skip a string, basic or literal, single-line or multi-line.
                let triple = at(i + 1) == c && at(i + 2) == c
                i += triple ? 3 : 1
                while i < scalars.count {
                    if scalars[i] == "\n" { line += 1 }
                    if c == "\"" && scalars[i] == "\\" { i += 2; continue }
                    if scalars[i] == c && (!triple || (at(i + 1) == c && at(i + 2) == c)) {
                        i += triple ? 3 : 1
                        break
                    }
                    if !triple && scalars[i] == "\n" { break }
                    i += 1
                }
                lineStart = false
                arrayWantsValue = false
                continue
            case "[" where open.isEmpty && lineStart:
                var k = i + 1
                if at(k) == "[" { k += 1 }
                while let s = at(k), s == " " || s == "\t" { k += 1 }
                if let first = at(k), !isKeyStart(first) {
                    return (line, "a table name must start with a letter, digit, _, - or a quote")
                }
                // The rest of the header is the parser's to judge.
                while i < scalars.count && scalars[i] != "\n" { i += 1 }
                continue
            case "}" where arrayWantsValue:
                return (line, "expected a value or ']' in the array, saw '}'")
            case "[", "{":
                open.append(c)
                arrayWantsValue = c == "["
                lineStart = false
                i += 1
                continue
            case "]", "}":
                if !open.isEmpty { open.removeLast() }
            case ",":
                arrayWantsValue = open.last == "["
                lineStart = false
                i += 1
                continue
            default:
                break
            }
            arrayWantsValue = false
            lineStart = false
            i += 1
        }
        return nil
    }

    /// The line defining `path` (`a.b.c`), or of its nearest defined parent.
    public func line(of path: String) -> Int? {
        var parts = path.split(separator: ".").map(String.init)
        while !parts.isEmpty {
            if let line = lines[parts.joined(separator: ".")] { return line }
            parts.removeLast()
        }
        return nil
    }

    public func error(_ path: String, _ message: String) -> ConfigError {
        ConfigError(file: file, line: line(of: path), key: path, message: message)
    }

    static func convert(_ table: TOMLTable) -> [String: ConfigValue] {
        var out: [String: ConfigValue] = [:]
        for key in table.keys {
            if let value = table[key] { out[key] = convert(value) }
        }
        return out
    }

    static func convert(_ value: any TOMLValueConvertible) -> ConfigValue {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .double(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .table: return .table(value.table.map(convert) ?? [:])
        case .array:
            guard let array = value.array else { return .array([]) }
            return .array((0..<array.count).map { convert(array[$0]) })
        default: return .other("a \(value.type)")
        }
    }

    /// Finds where each key is written: `[table]` headers and `key = value` lines, dotted keys expanded.
    static func locate(_ text: String) -> [String: Int] {
        var found: [String: Int] = [:]
        var table: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let inner =
                    line.hasPrefix("[[")
                    ? line.dropFirst(2).prefix { $0 != "]" } : line.dropFirst().prefix { $0 != "]" }
                table = splitKey(String(inner))
                let path = table.joined(separator: ".")
                if found[path] == nil { found[path] = index + 1 }
                continue
            }
            guard let equals = keyEnd(line) else { continue }
            let key = splitKey(String(line[..<equals]))
            let path = (table + key).joined(separator: ".")
            if found[path] == nil { found[path] = index + 1 }
        }
        return found
    }

    /// Where the key of a `key = value` line ends (the `=` outside quotes).
    static func keyEnd(_ line: String) -> String.Index? {
        var quote: Character?
        for i in line.indices {
            let c = line[i]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "=" {
                return i
            }
        }
        return nil
    }

    static func splitKey(_ key: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for c in key {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "." {
                parts.append(current.trimmingWhitespace())
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current.trimmingWhitespace())
        return parts.filter { !$0.isEmpty }
    }
}

// MARK: - TableReader

/// Reads a table's keys, remembering which were read so unknown ones can be reported with their line.
struct TableReader {
    let document: TOMLDocument
    let path: String
    let values: [String: ConfigValue]
    private(set) var used = Set<String>()

    init(_ document: TOMLDocument, path: String, values: [String: ConfigValue]) {
        self.document = document
        self.path = path
        self.values = values
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func raw(_ key: String) -> ConfigValue? {
        used.insert(key)
        return values[key]
    }

    mutating func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = raw(key) else { return nil }
        guard case .string(let s) = value else {
            throw document.error(keyPath(key), "expected a string, found \(value.kindName)")
        }
        return s
    }

    /// An array of strings (a single string is taken as one).
    mutating func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = raw(key) else { return nil }
        switch value {
        case .string(let s): return [s]
        case .array(let items):
            return try items.map { item throws(ConfigError) in
                guard case .string(let s) = item else {
                    throw document.error(keyPath(key), "expected strings, found \(item.kindName)")
                }
                return s
            }
        default:
            throw document.error(keyPath(key), "expected an array of strings, found \(value.kindName)")
        }
    }

    mutating func table(_ key: String) throws(ConfigError) -> TableReader? {
        guard let value = raw(key) else { return nil }
        guard case .table(let t) = value else {
            throw document.error(keyPath(key), "expected a table, found \(value.kindName)")
        }
        return TableReader(document, path: keyPath(key), values: t)
    }

    /// Fails on the first key that no reader asked for.
    func finish(allowed: [String]) throws(ConfigError) {
        for key in values.keys.sorted() where !used.contains(key) {
            throw document.error(keyPath(key), "unknown key (expected one of: \(allowed.joined(separator: ", ")))")
        }
    }
}

// MARK: - ConfigFile

/// Reads a configuration or theme file, saying exactly why when it cannot: missing, not allowed, a folder, not
/// UTF-8. Works for anything readable, `/dev/null` and pipes included.
enum ConfigFile {
    static func read(_ path: String, what: String) throws(ConfigError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason =
                errno == ENOENT
                ? "no such file" : errno == EACCES ? "permission denied" : String(cString: strerror(errno))
            throw ConfigError(file: path, line: nil, key: "", message: "cannot read the \(what): \(reason)")
        }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            throw ConfigError(file: path, line: nil, key: "", message: "cannot read the \(what): it is a folder")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConfigError(
                    file: path, line: nil, key: "",
                    message: "cannot read the \(what): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > 4 << 20 {
                throw ConfigError(file: path, line: nil, key: "", message: "the \(what) is larger than 4 MB")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: path, line: nil, key: "", message: "the \(what) is not UTF-8")
        }
        return text
    }
}
