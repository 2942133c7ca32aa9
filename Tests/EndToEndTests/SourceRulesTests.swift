import Foundation
import OpsTestSupport
import Testing

/// Rules of the code base that a compiler does not check.
@Suite struct SourceRulesTests {
    /// Every Swift file under Sources, with its lines.
    func sources() throws -> [(path: String, lines: [Substring])] {
        let root = TestSupport.packageRoot + "/Sources"
        let files = try #require(
            FileManager.default.subpathsOfDirectory(atPath: root).sorted()
                .filter { $0.hasSuffix(".swift") } as [String]?)
        return try files.map { file in
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            return ("Sources/" + file, text.split(separator: "\n", omittingEmptySubsequences: false))
        }
    }

    /// Every Swift file under Tests, with its lines.
    func tests() throws -> [(path: String, lines: [Substring])] {
        let root = TestSupport.packageRoot + "/Tests"
        return try FileManager.default.subpathsOfDirectory(atPath: root).sorted().filter { $0.hasSuffix(".swift") }
            .map { file in
                let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
                return ("Tests/" + file, text.split(separator: "\n", omittingEmptySubsequences: false))
            }
    }

    /// A promise the compiler cannot check is written down where it is made: the line above every
    /// `@unchecked Sendable` and `nonisolated(unsafe)` is a comment saying why it holds.
    @Test func everyUncheckedPromiseHasItsReasonAbove() throws {
        var missing: [String] = []
        var found = 0
        for (path, lines) in try sources() + tests() {
            for (i, line) in lines.enumerated() {
                let code = line.split(separator: "//", maxSplits: 1).first.map(String.init) ?? ""
                // In code, not inside a string literal (an even number of quotes before it).
                let promised = ["@unchecked Sendable", "nonisolated(unsafe)"].contains { keyword in
                    guard let range = code.range(of: keyword) else { return false }
                    return code[..<range.lowerBound].filter { $0 == "\"" }.count % 2 == 0
                }
                guard promised else { continue }
                found += 1
                let above = i > 0 ? lines[i - 1].trimmingCharacters(in: .whitespaces) : ""
                if !above.hasPrefix("//") {
                    missing.append("\(path):\(i + 1)")
                }
            }
        }
        #expect(found > 0, "the scan found no declaration at all: is it looking in the right place?")
        #expect(missing.isEmpty, "no reason on the line above: \(missing.joined(separator: ", "))")
    }

    /// At most 120 columns (characters; the few wide ones in the demo names stay well inside). `swift format lint`
    /// in the test command keeps the layout, but does not flag long string literals: this does.
    @Test func noLineIsWiderThan120Columns() throws {
        var wide: [String] = []
        var files = try sources()
        let package = try String(contentsOfFile: TestSupport.packageRoot + "/Package.swift", encoding: .utf8)
        files.append(("Package.swift", package.split(separator: "\n", omittingEmptySubsequences: false)))
        let tests = TestSupport.packageRoot + "/Tests"
        for file in try FileManager.default.subpathsOfDirectory(atPath: tests) where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: tests + "/" + file, encoding: .utf8)
            files.append(("Tests/" + file, text.split(separator: "\n", omittingEmptySubsequences: false)))
        }
        for (path, lines) in files {
            for (i, line) in lines.enumerated() where line.count > 120 {
                wide.append("\(path):\(i + 1)")
            }
        }
        #expect(files.count > 100)
        #expect(wide.isEmpty, "wider than 120 columns: \(wide.joined(separator: ", "))")
    }

    /// Long files are navigable the way GRDB's are: a file over 200 lines holding several top-level declarations
    /// has `// MARK: -` sections.
    @Test func longFilesHaveSections() throws {
        func isTopLevelDeclaration(_ line: Substring) -> Bool {
            guard let first = line.first, first != " " else { return false }
            var words = line.split(separator: " ", maxSplits: 4)[...]
            while let first = words.first, ["public", "private", "fileprivate", "final"].contains(first) {
                words.removeFirst()
            }
            return ["struct", "class", "enum", "extension", "protocol", "actor"].contains(words.first ?? "")
        }
        var unmarked: [String] = []
        for (path, lines) in try sources() where lines.count > 200 {
            let declarations = lines.filter(isTopLevelDeclaration).count
            if declarations >= 2 && !lines.contains(where: { $0.contains("// MARK: -") }) { unmarked.append(path) }
        }
        #expect(unmarked.isEmpty, "long files without sections: \(unmarked.joined(separator: ", "))")
    }
}
