import Foundation
import OpsTestSupport
import Testing

/// Every committed fuzz input (seed corpora and the inputs that once found a bug) still passes through its target:
/// the fuzzers' findings stay fixed.
@Suite struct FuzzCorpusTests {
    @Test(arguments: ["record", "amount", "script", "config", "sanitize"])
    func theCommittedCorpusReplaysCleanly(target: String) throws {
        let corpus = TestSupport.packageRoot + "/Tests/Fuzz/" + target
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus)
        #expect(!files.isEmpty)
        let result = try TestSupport.run(TestSupport.buildDirectory + "/popsa-fuzz", [target, corpus])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("\(target): \(files.count) inputs replayed"), "\(result.stdout)")
    }
}
