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
