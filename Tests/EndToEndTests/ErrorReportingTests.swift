import Foundation
import OpsTestSupport
import Testing

/// Every failure is one clean line with a documented exit code; no library text ("SQLite error", "NSCocoaErrorDomain")
/// reaches the user.
@Suite struct ErrorReportingTests {
    func expectNoLibraryText(_ output: TestSupport.Output, sourceLocation: SourceLocation = #_sourceLocation) {
        for needle in ["SQLite error", "NSCocoaErrorDomain", "SQLITE_", "Error Domain"] {
            #expect(
                !output.stderr.contains(needle) && !output.stdout.contains(needle), "\(output.stderr)",
                sourceLocation: sourceLocation)
        }
    }

    func userLines(_ count: Int, prefix: String) -> String {
        (0..<count).map { i in
            "{\"type\":\"user\",\"id\":\"usr_\(prefix)\(i)\",\"email\":\"\(prefix)\(i)@example.com\",\"name\":\"User "
                + "\(i) "
                + String(repeating: "x", count: 150) + "\",\"country\":\"GB\",\"created_at\":\"2026-01-01T00:00:00Z\"}"
        }.joined(separator: "\n") + "\n"
    }

    @Test func aDamagedDatabaseIsNamedAsSuch() throws {
        let path = TestSupport.temporaryDirectory() + "/junk.sqlite"
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: path))
        let result = try TestSupport.popsaOps(["query", "customers", "zoe", "--db", path])
        #expect(result.status == 65)
        #expect(
            result.stderr
                == "popsa-ops: \(path) is not a popsa-ops database, or it is damaged (restore it from a backup)\n")
        expectNoLibraryText(result)
    }

    @Test func importAndScriptFilesThatCannotBeReadAndOnesThatAreNotRegular() throws {
        let dir = TestSupport.temporaryDirectory("inputs")
        let db = dir + "/x.sqlite"
        for (path, reason) in [(dir, "is a directory, not a file"), (dir + "/missing.jsonl", "no such file")] {
            let imported = try TestSupport.popsaOps(["import", "--db", db, path])
            #expect(imported.status == 66, "\(imported.stderr)")
            #expect(imported.stderr.contains("cannot read: \(reason)"), "\(imported.stderr)")
            expectNoLibraryText(imported)
            let script = try TestSupport.popsaOps(["headless", "--db", TestSupport.fixtureDatabase, "--script", path])
            #expect(script.status == 66, "\(script.stderr)")
            #expect(script.stderr.contains(reason), "\(script.stderr)")
        }
        let empty = try TestSupport.popsaOps(["import", "--db", db, "/dev/null"])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(
            try TestSupport.popsaOps(["headless", "--db", TestSupport.fixtureDatabase, "--script", "/dev/null"]).status
                == 0)
        // A named pipe, as `<(…)` gives: streamed, not stat'ed for a size.
        let fifo = dir + "/users.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let lines = userLines(3, prefix: "pipe")
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(lines.utf8))
                try? handle.close()
            }
        }
        writer.start()
        let piped = try TestSupport.popsaOps(["import", "--db", db, fifo])
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout.contains("imported 3 records"), "\(piped.stdout)")
    }

    @Test func aDatabaseThisAccountMayOnlyReadAnswersQueriesAndRefusesWrites() throws {
        guard TestSupport.canRunAsOtherAccount else {
            Issue.record("run as root with the \(TestSupport.otherAccount) account (scripts/test.sh creates it)")
            return
        }
        let dir = TestSupport.temporaryDirectory("readonly")
        let db = dir + "/shared.sqlite"
        try FileManager.default.copyItem(atPath: TestSupport.fixtureDatabase, toPath: db)
        _ = try TestSupport.sql(db, "SELECT count(*) FROM users")  // the WAL files exist, as on a box in use
        for path in [dir, db, db + "-wal", db + "-shm"] { chmod(path, path == dir ? 0o755 : 0o644) }
        let env = ["HOME": dir, "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"]
        let query = try TestSupport.popsaOpsAsOtherAccount(["query", "customers", "zoe", "--db", db], environment: env)
        #expect(query.status == 0, "\(query.stderr)")
        #expect(query.stdout.contains("Zoë"))
        let order = try TestSupport.sql(
            db,
            """
            SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id
            WHERE o.currency = 'GBP' AND o.status = 'paid' AND p.status = 'settled' ORDER BY o.id LIMIT 1
            """)
        let refund = try TestSupport.popsaOpsAsOtherAccount(
            ["refund", order, "--amount", "1.00", "--reason", "damaged", "--yes", "--db", db], environment: env)
        #expect(refund.status != 0)
        #expect(refund.stderr.contains("read-only"), "\(refund.stderr)")
        expectNoLibraryText(refund)
        #expect(try TestSupport.sql(db, "SELECT count(*) FROM refunds WHERE order_id = '\(order)'") == "0")
    }

    @Test func readingNeverWritesTheDatabase() throws {
        let db = TestSupport.fixtureCopy()
        let order = try TestSupport.sql(
            db,
            """
            SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id
            WHERE o.currency = 'GBP' AND o.status = 'paid' AND p.status = 'settled' ORDER BY o.id LIMIT 1
            """)
        // A write leaves frames in the WAL, as consoles and the ingest do all day.
        let refund = try TestSupport.popsaOps([
            "refund", order, "--amount", "1.00", "--reason", "damaged", "--yes", "--db", db,
        ])
        #expect(refund.status == 0, "\(refund.stderr)")
        func contents() throws -> [Data] {
            try [db, db + "-wal"].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        }
        let before = try contents()
        let user = try TestSupport.sql(db, "SELECT user_id FROM orders WHERE id = '\(order)'")
        for args in [
            ["customer", user], ["customers", "zoe"], ["order", order], ["print-jobs", "--stuck-for", "72h"],
        ] {
            let result = try TestSupport.popsaOps(["query"] + args + ["--db", db])
            #expect(result.status == 0, "\(args): \(result.stderr)")
        }
        #expect(try TestSupport.popsaOps(["audit", "verify", "--db", db]).status == 0)
        // No checkpoint, no journal-mode switch, no WAL deleted at close: the files are byte for byte the same.
        #expect(try contents() == before)
    }

    @Test func aFullDiskSaysWhatWasNotSaved() throws {
        guard getuid() == 0 else {
            Issue.record("mounting a small file system needs root, as CI has")
            return
        }
        let mountPoint = TestSupport.temporaryDirectory("small")
        let mounted = try TestSupport.run("/bin/mount", ["-t", "tmpfs", "-o", "size=768k", "tmpfs", mountPoint])
        try #require(mounted.status == 0, "mount: \(mounted.stderr)")
        defer { _ = try? TestSupport.run("/bin/umount", ["-l", mountPoint]) }
        let db = mountPoint + "/small.sqlite"
        // A seed that does not fit says so in words, and leaves no half-built file filling the disk.
        let tooBig = try TestSupport.popsaOps(["seed", "--db", db, "--users", "3000", "--now", TestSupport.now])
        #expect(tooBig.status == 74, "\(tooBig.stdout)\(tooBig.stderr)")
        #expect(tooBig.stderr.contains("the disk is full") && !tooBig.stderr.contains("SQLite"), "\(tooBig.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint).filter { $0.hasPrefix("small") } == [])
        let seeded = try TestSupport.popsaOps(["seed", "--db", db, "--users", "5", "--now", TestSupport.now])
        try #require(seeded.status == 0, "\(seeded.stderr)")
        let file = TestSupport.temporaryDirectory() + "/big.jsonl"
        try userLines(4000, prefix: "big").write(toFile: file, atomically: true, encoding: .utf8)
        let result = try TestSupport.popsaOps(["import", "--db", db, file])
        #expect(result.status == 74, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("the disk is full"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing of \(file) was imported"), "\(result.stderr)")
        expectNoLibraryText(result)
        #expect(try TestSupport.sql(db, "SELECT count(*) FROM users WHERE id LIKE 'usr_big%'") == "0")
    }
}
