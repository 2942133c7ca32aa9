import ArgumentParser
import Foundation
import OpsTestSupport
import Testing

@testable import popsa_ops

/// A mistyped command is named with the nearest real one, at any level, instead of "unexpected arguments".
@Suite struct CommandSuggestionTests {
    @Test func aMistypedCommandSuggestsTheNearest() {
        #expect(
            CommandSuggestion.problem(["qeury", "customers", "x"])?.hasPrefix(
                #"unknown command "qeury" (did you mean "query"?)"#) == true)
        #expect(
            CommandSuggestion.problem(["query", "custmer", "x"])?
                .hasPrefix(#"unknown query command "custmer" (did you mean "customer"?)"#) == true)
        #expect(CommandSuggestion.problem(["zzzz"])?.contains("did you mean") == false)
        // Real commands, options and commands with a default subcommand are argument-parser's to read.
        for arguments in [["query", "customers", "x"], ["--db", "x"], [], ["audit", "verify"], ["help", "query"]] {
            #expect(CommandSuggestion.problem(arguments) == nil, "\(arguments)")
        }
        #expect(CommandSuggestion.distance("qeury", "query") == 1)
        #expect(CommandSuggestion.distance("refnd", "refund") == 1)
    }

    @Test func theBinarySaysSoWithTheUsageExitCode() throws {
        let result = try TestSupport.popsaOps(["qeury", "customers", "martin"])
        #expect(result.status == 64)
        #expect(result.stderr.contains(#"did you mean "query"?"#), "\(result.stderr)")
    }
}

/// Every command names itself. Without `commandName`, argument-parser derives the name with
/// `String(describing:)`, whose failed protocol casts each scan the binary's 10,000 conformance records: seven
/// unnamed commands once made a fifth of every process's start-up (docs/benchmarks.md, 2026-11-28 afternoon).
@Suite struct CommandNameTests {
    @Test func everyCommandInTheTreeHasAnExplicitName() {
        var unnamed: [String] = []
        var pending: [any ParsableCommand.Type] = [PopsaOps.self]
        while let command = pending.popLast() {
            if command.configuration.commandName == nil { unnamed.append("\(command)") }
            pending += command.configuration.subcommands
        }
        #expect(unnamed.isEmpty, "commands without commandName: \(unnamed.sorted())")
    }
}

/// What every process loads before `main`: libxml2 (with ICU, liblzma and zlib behind it) cost each command about
/// 2 ms of start-up for the one parser only Braintree's webhooks use, which now opens it on first use.
@Suite struct StartupLinkageTests {
    @Test func theBinaryDoesNotLinkLibxml2OrICU() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/readelf")
        process.arguments = ["-d", TestSupport.binary]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let needed = output.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(needed.contains { $0.contains("libc.so") }, "readelf read no dependencies: \(output.prefix(300))")
        // A debug build names Foundation's XML module (which brings libxml2), a static release build libxml2.
        let xml = ["libxml2", "libicu", "FoundationXML"]
        #expect(!needed.contains { line in xml.contains { line.contains($0) } }, "\(needed)")
    }
}
