import Foundation
import OpsTestSupport
import Testing

/// An open console follows changes another process commits, keeping what was typed and where the cursor was.
@Suite struct LiveUpdateTests {
    @Test func anotherProcessesCommitShowsUpWithoutLosingTheTypedSearch() throws {
        let db = TestSupport.fixtureCopy()
        let script = """
            type zoë mossb
            wait
            expect No customer matches "zoë mossb"
            sleep 3s
            expect Zoë Mossbauer
            snapshot
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.binary)
        process.arguments = ["headless", "--db", db, "--now", TestSupport.now, "--size", "100x30", "--script", "-"]
        process.environment = ["HOME": TestSupport.isolatedHome, "USER": "tester", "LANG": "C.UTF-8"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try TestSupport.launch(process)
        input.fileHandleForWriting.write(Data(script.utf8))
        try input.fileHandleForWriting.close()
        // While the console sleeps, another process adds the customer it is looking for.
        usleep(1_000_000)
        let file = TestSupport.temporaryDirectory() + "/new.jsonl"
        let line =
            #"{"type":"user","id":"usr_moss","email":"zoe.moss@example.com","name":"Zoë Mossbauer","country":"DE","#
            + #""created_at":"2026-11-27T08:00:00Z"}"#
        try line.write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try TestSupport.popsaOps(["import", "--db", db, file])
        #expect(imported.status == 0, "\(imported.stderr)")
        let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(err)")
        #expect(out.contains("│zoë mossb"), "the typed search is kept")
        #expect(out.contains("Zoë Mossbauer"))
    }
}
