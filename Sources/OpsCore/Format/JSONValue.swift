/// A JSON document with object keys kept in order, integers kept exact, and a strict parser: what both the
/// `--json` output (stable field order) and the importer (precise errors, no float money) need.
public indirect enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// A number without fraction or exponent that fits in Int64.
    case integer(Int64)
    /// Any other number, kept as written.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.integer(let x), .integer(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.array(let x), .array(let y)): x == y
        case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(serialized())
    }

    public subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1
    }

    /// The kind of value, for error messages: "a string", "an integer"…
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer: "an integer"
        case .number: "a decimal number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension JSONValue {
    /// Compact (`pretty: false`) or indented by two spaces.
    public func serialized(pretty: Bool = false) -> String {
        var out = ""
        write(into: &out, pretty: pretty, indent: 0)
        return out
    }

    private func write(into out: inout String, pretty: Bool, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let n): out += n
        case .string(let s): JSONValue.quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
                item.write(into: &out, pretty: pretty, indent: indent + 2)
            }
            if pretty { out += "\n" + String(repeating: " ", count: indent) }
            out += "]"
        case .object(let fields):
            if fields.isEmpty { out += "{}"; return }
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: " ", count: indent + 2) }
                JSONValue.quote(key, into: &out)
                out += pretty ? ": " : ":"
                value.write(into: &out, pretty: pretty, indent: indent + 2)
            }
            if pretty { out += "\n" + String(repeating: " ", count: indent) }
            out += "}"
        }
    }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                // Controls (C0, DEL, C1) and the JS line separators are escaped: output stays safe to print.
                let v = scalar.value
                if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || v == 0x2028 || v == 0x2029 {
                    let hex = String(v, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// Why a text is not JSON, with the column (1-based, in characters) where reading stopped.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var column: Int

    public var description: String { "malformed JSON at column \(column): \(message)" }
}

extension JSONValue {
    /// Parses one JSON value that must fill `text` (surrounding whitespace allowed). Duplicate keys are errors.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.scalars.count else { throw parser.error("unexpected text after the value") }
        return value
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        func error(_ message: String) -> JSONParseError { JSONParseError(message: message, column: index + 1) }

        mutating func skipSpace() {
            while index < scalars.count, [" ", "\t", "\n", "\r"].contains(scalars[index]) { index += 1 }
        }

        mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
            guard depth < 64 else { throw error("nested too deeply") }
            guard index < scalars.count else { throw error("unexpected end of line") }
            switch scalars[index] {
            case "{": return try object(depth: depth)
            case "[": return try array(depth: depth)
            case "\"": return .string(try string())
            case "t": try literal("true"); return .bool(true)
            case "f": try literal("false"); return .bool(false)
            case "n": try literal("null"); return .null
            case "-", "0"..."9": return try number()
            default: throw error("unexpected character \"\(scalars[index].escaped(asASCII: true))\"")
            }
        }

        mutating func literal(_ word: String) throws(JSONParseError) {
            let start = index
            for expected in word.unicodeScalars {
                guard index < scalars.count, scalars[index] == expected else {
                    index = start
                    throw error("invalid literal (expected \(word))")
                }
                index += 1
            }
        }

        mutating func number() throws(JSONParseError) -> JSONValue {
            let start = index
            if scalars[index] == "-" { index += 1 }
            guard index < scalars.count, ("0"..."9").contains(scalars[index]) else { throw error("invalid number") }
            if scalars[index] == "0" {
                index += 1
            } else {
                while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
            }
            var isInteger = true
            if index < scalars.count, scalars[index] == "." {
                isInteger = false
                index += 1
                let digits = index
                while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
                guard index > digits else { throw error("invalid number") }
            }
            if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
                isInteger = false
                index += 1
                if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" { index += 1 }
                let digits = index
                while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
                guard index > digits else { throw error("invalid number") }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars[start..<index])
            if isInteger, let value = Int64(text) { return .integer(value) }
            return .number(text)
        }

        mutating func string() throws(JSONParseError) -> String {
            index += 1
            var out = String.UnicodeScalarView()
            while true {
                guard index < scalars.count else { throw error("unterminated string") }
                let c = scalars[index]
                index += 1
                switch c {
                case "\"": return String(out)
                case "\\":
                    guard index < scalars.count else { throw error("unterminated string") }
                    let e = scalars[index]
                    index += 1
                    switch e {
                    case "\"": out.append("\"")
                    case "\\": out.append("\\")
                    case "/": out.append("/")
                    case "b": out.append("\u{08}")
                    case "f": out.append("\u{0C}")
                    case "n": out.append("\n")
                    case "r": out.append("\r")
                    case "t": out.append("\t")
                    case "u":
                        var code = try hex4()
                        if (0xD800...0xDBFF).contains(code), index + 1 < scalars.count, scalars[index] == "\\",
                           scalars[index + 1] == "u" {
                            index += 2
                            let low = try hex4()
                            guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        // A lone surrogate cannot be a scalar: keep the text, mark the damage.
                        out.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                    default: throw error("invalid escape \\\(e)")
                    }
                default:
                    guard c.value >= 0x20 else { throw error("control character in string") }
                    out.append(c)
                }
            }
        }

        mutating func hex4() throws(JSONParseError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard index < scalars.count, let digit = scalars[index].hexDigitValue else {
                    throw error("invalid \\u escape")
                }
                value = value * 16 + UInt32(digit)
                index += 1
            }
            return value
        }

        mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
            index += 1
            var items: [JSONValue] = []
            skipSpace()
            if index < scalars.count, scalars[index] == "]" { index += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard index < scalars.count else { throw error("unterminated array") }
                if scalars[index] == "]" { index += 1; return .array(items) }
                guard scalars[index] == "," else { throw error("expected , or ] in array") }
                index += 1
            }
        }

        mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
            index += 1
            var fields: [(String, JSONValue)] = []
            var seen = Set<String>()
            skipSpace()
            if index < scalars.count, scalars[index] == "}" { index += 1; return .object(fields) }
            while true {
                skipSpace()
                guard index < scalars.count, scalars[index] == "\"" else { throw error("expected a field name") }
                let keyStart = index
                let key = try string()
                guard seen.insert(key).inserted else {
                    index = keyStart
                    throw error("duplicate field \"\(key)\"")
                }
                skipSpace()
                guard index < scalars.count, scalars[index] == ":" else { throw error("expected : after field name") }
                index += 1
                skipSpace()
                fields.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard index < scalars.count else { throw error("unterminated object") }
                if scalars[index] == "}" { index += 1; return .object(fields) }
                guard scalars[index] == "," else { throw error("expected , or } in object") }
                index += 1
            }
        }
    }
}

extension Unicode.Scalar {
    var hexDigitValue: Int? {
        switch value {
        case 0x30...0x39: Int(value - 0x30)
        case 0x41...0x46: Int(value - 0x41 + 10)
        case 0x61...0x66: Int(value - 0x61 + 10)
        default: nil
        }
    }
}
