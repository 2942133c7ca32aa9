import OpsTUI
import Testing

@Suite struct BufferTests {
    @Test func wideCharactersTakeTwoCellsAndAreNeverSplitAtAnEdge() {
        var buffer = Buffer(size: Size(width: 5, height: 1))
        let used = buffer.put("山田太", x: 0, y: 0, style: .plain)
        #expect(used == 5)
        #expect(buffer.plainText == "山田")
        #expect(buffer[1, 0].isContinuation)
        var narrow = Buffer(size: Size(width: 3, height: 1))
        narrow.put("a山", x: 1, y: 0, style: .plain)
        #expect(narrow.plainText == " a")
    }

    @Test func overwritingHalfOfAWideCharacterBlanksTheOtherHalf() {
        var buffer = Buffer(size: Size(width: 6, height: 1))
        buffer.put("山田", x: 0, y: 0, style: .plain)
        buffer.put("x", x: 1, y: 0, style: .plain)
        #expect(buffer.plainText == " x田")
        buffer.put("y", x: 2, y: 0, style: .plain)
        #expect(buffer.plainText == " xy")
    }

    @Test func writingSanitisesHostileText() {
        var buffer = Buffer(size: Size(width: 30, height: 1))
        buffer.put("A\u{1B}[2J\u{1B}]52;c;eA==\u{7}B", x: 0, y: 0, style: .plain)
        #expect(buffer.plainText == "A␛[2J␛]52;c;eA==␇B")
        #expect(!buffer.cells.contains { $0.text.unicodeScalars.contains { $0.value == 0x1B } })
    }

    @Test func changesListOnlyCellsThatDiffer() {
        var a = Buffer(size: Size(width: 10, height: 2))
        a.put("hello", x: 0, y: 0, style: .plain)
        var b = a
        b.put("J", x: 0, y: 0, style: .plain)
        b.put("!", x: 9, y: 1, style: Style(attributes: .bold))
        let changes = b.changes(since: a)
        #expect(changes.map { "\($0.x),\($0.y)" } == ["0,0", "9,1"])
        #expect(b.changes(since: nil).count == 20)
        #expect(a.changes(since: Buffer(size: Size(width: 9, height: 2))).count == 20)
    }

    @Test func styleTextListsRuns() {
        var buffer = Buffer(size: Size(width: 8, height: 1))
        buffer.put("ab", x: 2, y: 0, style: Style(foreground: .rgb(255, 0, 0), attributes: .bold))
        #expect(buffer.styleText == "row 0 cols 2-3: fg=#ff0000 bold")
    }
}
