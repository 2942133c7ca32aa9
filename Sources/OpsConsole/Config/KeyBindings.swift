import OpsTUI

/// `[keys.SCREEN]` tables: `ACTION = "KEY"`, `ACTION = ["KEY", "KEY"]` or `ACTION = "<disabled>"`. Setting an action
/// replaces its keys in that scope; on a screen, `"<disabled>"` switches the action's keys off there.
enum KeyBindings {
    static let disabledWord = "<disabled>"

    static func parse(_ keys: TableReader, _ document: TOMLDocument, base: Keymap) throws(ConfigError) -> Keymap {
        var keymap = base
        for (scopeName, value) in keys.values.sorted(by: { $0.key < $1.key }) {
            let scopePath = "keys.\(scopeName)"
            guard let scope = ScreenKind(rawValue: scopeName) else {
                throw document.error(
                    scopePath,
                    "unknown screen (expected one of: \(ScreenKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard case .table(let actions) = value else {
                throw document.error(scopePath, "expected a table of action = key")
            }
            var bindings = keymap.bindings[scope] ?? [:]
            var disabled = keymap.disabled[scope] ?? []
            for (actionName, keyValue) in actions.sorted(by: { $0.key < $1.key }) {
                let path = "\(scopePath).\(actionName)"
                guard let command = UICommand(rawValue: actionName) else {
                    throw document.error(
                        path,
                        "unknown action (expected one of: "
                            + "\(UICommand.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                let names: [String]
                switch keyValue {
                case .string(let s): names = [s]
                case .array(let items):
                    var list: [String] = []
                    for item in items {
                        guard case .string(let s) = item else {
                            throw document.error(path, "expected key names as strings")
                        }
                        list.append(s)
                    }
                    names = list
                default:
                    throw document.error(path, "expected a key name, a list of key names, or \"\(disabledWord)\"")
                }
                // The action's old keys in this scope go; on a screen, its global keys are switched off too.
                for (key, bound) in bindings where bound == command { bindings[key] = nil }
                if names == [disabledWord] {
                    if scope != .global {
                        for key in base.keys(for: command, on: scope) { disabled.insert(key) }
                    }
                    continue
                }
                for name in names {
                    guard let key = Key(name: name) else {
                        throw document.error(path, "\"\(name)\" is not a key name (expected \(Key.nameHelp))")
                    }
                    if let other = bindings[key], other != command {
                        throw document.error(
                            path, "\"\(name)\" is already bound to \(other.rawValue) on \(scopeName): the two conflict")
                    }
                    bindings[key] = command
                    disabled.remove(key)
                }
            }
            keymap.bindings[scope] = bindings
            keymap.disabled[scope] = disabled
        }
        // A screen binding that shadows a global key is fine (that is what per-screen bindings are for), but two
        // screens' bindings never meet, so conflicts can only be within one scope: checked above.
        return keymap
    }

    /// The effective bindings, one scope per table.
    static func describe(_ keymap: Keymap) -> String {
        var lines: [String] = []
        for scope in ScreenKind.allCases {
            var actions: [UICommand: [String]] = [:]
            for (key, command) in keymap.bindings[scope] ?? [:] { actions[command, default: []].append(key.name) }
            let disabled = keymap.disabled[scope] ?? []
            guard !actions.isEmpty || !disabled.isEmpty else { continue }
            lines.append("[keys.\(scope.rawValue)]")
            for (command, names) in actions.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                lines.append(
                    "\(command.rawValue) = [" + names.sorted().map { "\"\($0)\"" }.joined(separator: ", ") + "]")
            }
            if !disabled.isEmpty {
                lines.append("# switched off here: " + disabled.map(\.name).sorted().joined(separator: " "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
