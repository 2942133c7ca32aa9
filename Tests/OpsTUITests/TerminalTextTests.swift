import OpsTUI
import Testing

@Suite struct TerminalTextTests {
    @Test func controlSequencesBecomeVisiblePlaceholders() {
        #expect(TerminalText.sanitize("a\u{1B}[2Jb") == "a␛[2Jb")
        #expect(TerminalText.sanitize("\u{1B}]52;c;ZXZpbA==\u{07}") == "␛]52;c;ZXZpbA==␇")
        #expect(TerminalText.sanitize("x\u{9B}31m") == "x\u{FFFD}31m")  // C1 CSI
        #expect(TerminalText.sanitize("del\u{7F}") == "del␡")
        #expect(TerminalText.sanitize("tab\tnew\nline") == "tab␉new␊line")
        #expect(TerminalText.sanitize("\u{202E}evil\u{202C}") == "\u{FFFD}evil\u{FFFD}")  // bidi override
        #expect(TerminalText.sanitize("zero\u{200B}width\u{FEFF}") == "zero\u{FFFD}width\u{FFFD}")
        #expect(TerminalText.sanitize("\u{E000}private") == "\u{FFFD}private")
        for unsafe in ["\u{1B}", "\u{9B}", "\u{7}", "\u{8}", "\u{0}", "\u{85}", "\u{2028}", "\u{2066}"] {
            let out = TerminalText.sanitize("a\(unsafe)b")
            #expect(!out.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        }
    }

    @Test func keepsOrdinaryTextOfEveryScript() {
        for text in ["Zoë Ångström", "山田太郎", "Nguyễn Văn An", "Γιώργος", "محمد العلي", "สมชาย ใจดี", "Summer 🌴"] {
            #expect(TerminalText.sanitize(text) == text)
        }
    }

    @Test func combiningMarksAreBoundedAndNeverLeadingAlone() {
        let zalgo = "a" + String(repeating: "\u{0301}", count: 30)
        #expect(TerminalText.sanitize(zalgo).unicodeScalars.count == 1 + TerminalText.maxCombiningMarks)
        #expect(TerminalText.sanitize("\u{0301}x") == "\u{25CC}\u{0301}x")
    }

    @Test func widthsFollowTheTerminal() {
        #expect(TerminalText.width("abc") == 3)
        #expect(TerminalText.width("山田太郎") == 8)
        #expect(TerminalText.width("Zoë") == 3)
        #expect(TerminalText.width("e\u{0301}") == 1)
        #expect(TerminalText.width("🌴") == 2)
        #expect(TerminalText.width("한국") == 4)
    }

    @Test func truncationNeverSplitsAClusterOrAWideCharacter() {
        #expect(TerminalText.truncate("山田太郎", to: 5) == "山田…")
        #expect(TerminalText.truncate("山田太郎", to: 4) == "山…")
        #expect(TerminalText.truncate("山田太郎", to: 8) == "山田太郎")
        #expect(TerminalText.truncate("e\u{0301}e\u{0301}e\u{0301}", to: 2) == "e\u{0301}…")
        #expect(TerminalText.truncate("🌴🌴🌴", to: 4) == "🌴…")
        #expect(TerminalText.width(TerminalText.fit("山田", to: 5)) == 5)
        let long = String(repeating: "x", count: 10_000)
        #expect(TerminalText.truncate(long, to: 20).count == 20)
    }

    @Test func noGraphemeClusterIsWiderThanADoubleWidthCharacter() {
        // Spacing marks join their base and each take a column: found by fuzzing (Tests/Fuzz/sanitize).
        for hostile in [
            "a" + String(repeating: "\u{11441}", count: 6), "\u{1F44D}\u{1F3FB}\u{1F3FB}\u{1F3FB}",
            "\u{0301}\u{0333}" + String(repeating: "\u{11441}", count: 3),
        ] {
            let safe = TerminalText.sanitize(hostile)
            #expect(!safe.isEmpty)
            for character in safe {
                #expect(
                    TerminalText.width(character) <= 2, "\(safe.unicodeScalars.map { String($0.value, radix: 16) })")
            }
            for line in TerminalText.wrap(safe, width: 3) { #expect(TerminalText.width(line) <= 3) }
        }
    }
}
