import Foundation
import OpsTUI

/// Theme files: TOML with a palette of named colours and a style per role (see themes/README.md).
///
/// ```toml
/// name = "Default"
/// status_symbols = false
/// [palette]
/// accent = "#5fd7ff"
/// [styles]
/// title = { fg = "accent", bold = true }
/// selection = { fg = 0, bg = "accent" }
/// ```
public enum ThemeLoader {
    static let styleKeys = ["fg", "bg", "bold", "underline", "reverse", "dim", "italic"]

    /// Parses a theme file's text. Errors name the file, the line and the key.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> Theme {
        let document = try TOMLDocument(text: text, file: file)
        var root = TableReader(document, path: "", values: document.root)
        let name =
            try root.string("name") ?? (file as NSString).lastPathComponent.replacingOccurrences(of: ".toml", with: "")
        var statusSymbols = false
        if let value = root.raw("status_symbols") {
            guard case .bool(let b) = value else {
                throw document.error("status_symbols", "expected true or false, found \(value.kindName)")
            }
            statusSymbols = b
        }
        var palette: [String: Color] = [:]
        if let table = try root.table("palette") {
            for (key, value) in table.values.sorted(by: { $0.key < $1.key }) {
                palette[key] = try color(value, document: document, path: "palette.\(key)", palette: [:])
            }
        }
        var styles: [ThemeRole: Style] = [:]
        if let table = try root.table("styles") {
            for (key, value) in table.values.sorted(by: { $0.key < $1.key }) {
                let path = "styles.\(key)"
                guard let role = ThemeRole.fromFileKey(key) else {
                    throw document.error(
                        path,
                        "unknown style (expected one of: \(ThemeRole.allCases.map(\.fileKey).joined(separator: ", ")))")
                }
                guard case .table(let fields) = value else {
                    throw document.error(
                        path, "expected a table like { fg = \"accent\", bold = true }, found \(value.kindName)")
                }
                var style = Style()
                for (field, fieldValue) in fields.sorted(by: { $0.key < $1.key }) {
                    let fieldPath = "\(path).\(field)"
                    switch field {
                    case "fg":
                        style.foreground = try color(fieldValue, document: document, path: fieldPath, palette: palette)
                    case "bg":
                        style.background = try color(fieldValue, document: document, path: fieldPath, palette: palette)
                    case "bold", "underline", "reverse", "dim", "italic":
                        guard case .bool(let on) = fieldValue else {
                            throw document.error(fieldPath, "expected true or false, found \(fieldValue.kindName)")
                        }
                        let attribute: Attributes =
                            switch field {
                            case "bold": .bold
                            case "underline": .underline
                            case "reverse": .reverse
                            case "dim": .dim
                            default: .italic
                            }
                        if on { style.attributes.insert(attribute) }
                    default:
                        throw document.error(
                            fieldPath, "unknown key (expected one of: \(styleKeys.joined(separator: ", ")))")
                    }
                }
                styles[role] = style
            }
        }
        try root.finish(allowed: ["name", "status_symbols", "palette", "styles"])
        // A role the file leaves out looks like plain text in that theme.
        let text = styles[.text] ?? .plain
        for role in ThemeRole.allCases where styles[role] == nil { styles[role] = text }
        return Theme(name: name, styles: styles, statusSymbols: statusSymbols)
    }

    /// `#rrggbb`, a palette index 0–255, `default`, or a name from the palette.
    static func color(
        _ value: ConfigValue, document: TOMLDocument, path: String, palette: [String: Color]
    ) throws(ConfigError) -> Color {
        switch value {
        case .integer(let i):
            guard (0...255).contains(i) else {
                throw document.error(path, "colour index \(i) is out of range (0 to 255)")
            }
            return .indexed(UInt8(i))
        case .string(let s):
            if s == "default" { return .terminalDefault }
            if s.hasPrefix("#") {
                let hex = s.dropFirst()
                guard hex.count == 6, let v = UInt32(hex, radix: 16) else {
                    throw document.error(
                        path, "\"\(s)\" is not a colour (expected #rrggbb, 0 to 255, default, or a palette name)")
                }
                return .rgb(UInt8(v >> 16), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
            }
            if let named = palette[s] { return named }
            throw document.error(
                path, "\"\(s)\" is not a colour (expected #rrggbb, 0 to 255, default, or a palette name)")
        default:
            throw document.error(
                path, "expected a colour (#rrggbb, 0 to 255, default, or a palette name), found \(value.kindName)")
        }
    }

    /// Where themes are looked for: the user's config directory, then the bundled themes next to the binary
    /// (installed: `../share/popsa-ops/themes`; built: the package's `themes/`).
    public static func searchPaths(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executable: String = CommandLine.arguments[0]
    ) -> [String] {
        var paths: [String] = []
        if let configHome = environment["XDG_CONFIG_HOME"].flatMap({ $0.hasPrefix("/") ? $0 : nil })
            ?? environment["HOME"].map({ $0 + "/.config" })
        {
            paths.append(configHome + "/popsa-ops/themes")
        }
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        paths.append(dir.appendingPathComponent("themes").path)
        paths.append(dir.deletingLastPathComponent().appendingPathComponent("share/popsa-ops/themes").path)
        // Running from a build folder (.build/debug, .build/release): the package root's themes/.
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                paths.append(dir.appendingPathComponent("themes").path)
                break
            }
            dir.deleteLastPathComponent()
        }
        paths.append("/usr/local/share/popsa-ops/themes")
        paths.append("/usr/share/popsa-ops/themes")
        return paths
    }

    /// Loads a theme by name (from the search paths) or by path (anything with a `/` or ending in `.toml`).
    public static func load(_ nameOrPath: String, searchPaths: [String]) throws(ConfigError) -> Theme {
        let isPath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml")
        let candidates = isPath ? [nameOrPath] : searchPaths.map { "\($0)/\(nameOrPath).toml" }
        for file in candidates where isPath || FileManager.default.fileExists(atPath: file) {
            return try parse(try ConfigFile.read(file, what: "theme file"), file: file)
        }
        if !isPath && nameOrPath == "default" { return .builtIn }
        let available = Set(
            searchPaths.flatMap { path in
                ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".toml") }
                    .map { String($0.dropLast(5)) }
            }
        ).sorted()
        throw ConfigError(
            file: "theme", line: nil, key: nameOrPath,
            message: "no such theme (available: \(available.isEmpty ? "default" : available.joined(separator: ", ")))")
    }
}
