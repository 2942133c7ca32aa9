import Foundation
import OpsTestSupport
import Testing

/// Every screen at 80x24 and 200x60, driven by the scripts in Tests/Scripts and compared with golden snapshots.
@Suite struct ConsoleGoldenTests {
    @Test(arguments: ConsoleScripts.names, ConsoleScripts.sizes)
    func screenMatchesItsGolden(script: String, size: String) throws {
        #expect(
            !ConsoleScripts.placeholders.values.contains(""), "a fixture id is missing: \(ConsoleScripts.placeholders)")
        let result = try ConsoleScripts.run(script, size: size)
        #expect(result.status == 0, "\(script) at \(size): \(result.stderr)")
        TestSupport.assertGolden(result.stdout, "console/\(script)-\(size).txt")
    }
}
