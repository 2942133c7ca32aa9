import OpsTUI
import Testing

@Suite struct WidgetTests {
    @Test func textFieldEditsLikeAShell() {
        var field = TextField()
        for c in "hello world" { field.handle(.character(c)) }
        #expect(field.text == "hello world" && field.cursor == 11)
        field.handle(.control("w"))
        #expect(field.text == "hello ")
        field.handle(.home)
        field.handle(.delete)
        #expect(field.text == "ello ")
        field.handle(.end)
        field.handle(.backspace)
        #expect(field.text == "ello")
        field.handle(.left); field.handle(.left)
        field.handle(.control("k"))
        #expect(field.text == "el")
        field.handle(.control("u"))
        #expect(field.text == "" && field.cursor == 0)
        let enterHandled = field.handle(.enter)
        let upHandled = field.handle(.up)
        #expect(!enterHandled && !upHandled)
    }

    @Test func aSelectedTextIsReplacedByWhatIsTypedOrPasted() {
        var field = TextField("ord_old", maxLength: 12)
        field.selectAll()
        field.handle(.character("z"))
        #expect(field.text == "z" && !field.allSelected)
        field.selectAll()
        field.handle(.left)
        #expect(field.text == "z" && !field.allSelected, "a movement keeps the text")
        field.selectAll()
        field.handle(.backspace)
        #expect(field.text == "")
        field.set("abc")
        field.selectAll()
        #expect(!field.handle(.enter) && field.allSelected, "enter is not the field's: the selection stays")
        // A paste: line breaks and tabs are spaces, control characters go, the length is capped.
        field.insert("1\u{1b}]52;c;x\u{7}\r\n2\t34567890")
        #expect(field.text == "1]52;c;x 2 3")
        var empty = TextField()
        empty.selectAll()
        #expect(!empty.allSelected)
    }

    @Test func textFieldScrollsToKeepTheCursorVisible() {
        var field = TextField()
        for c in "abcdefghijklmnop" { field.handle(.character(c)) }
        var buffer = Buffer(size: Size(width: 6, height: 1))
        field.render(
            into: &buffer, rect: Rect(x: 0, y: 0, width: 6, height: 1), style: .plain,
            cursorStyle: Style(attributes: .reverse), focused: true)
        #expect(buffer.plainText == "lmnop")
        #expect(buffer[5, 0].style.attributes.contains(.reverse))
    }

    @Test func tableColumnsShareTheWidthAndDropFromTheRightWhenTooNarrow() {
        let columns = [
            TableColumn("A", .fixed(10)), TableColumn("B", .flex(min: 5, weight: 1)),
            TableColumn("C", .flex(min: 5, weight: 3)), TableColumn("D", .fixed(8)),
        ]
        #expect(Table.widths(columns, total: 60) == [10, 11, 25, 8])
        let narrow = Table.widths(columns, total: 24)
        #expect(narrow[3] == 0 && narrow[0] == 10)
    }

    @Test func tableStateKeepsTheSelectionInView() {
        var state = TableState()
        state.move(by: 12, count: 100, viewport: 10)
        #expect(state.selected == 12 && state.offset == 3)
        state.move(by: -5, count: 100, viewport: 10)
        #expect(state.selected == 7 && state.offset == 3)
        state.move(by: -7, count: 100, viewport: 10)
        #expect(state.selected == 0 && state.offset == 0)
        state.move(by: 1000, count: 100, viewport: 10)
        #expect(state.selected == 99 && state.offset == 90)
    }

    @Test func keyNamesRoundTrip() {
        for name in [
            "a", "?", "G", "enter", "esc", "tab", "backtab", "backspace", "delete", "up", "down", "left", "right",
            "home", "end", "pgup", "pgdn", "space", "f1", "f12", "ctrl-a", "ctrl-z",
        ] {
            #expect(Key(name: name)?.name == name, "\(name)")
        }
        for bad in ["", "ctrl-", "ctrl-1", "f13", "enterr", "ab", "\u{1B}"] {
            #expect(Key(name: bad) == nil, "\(bad)")
        }
    }

    @Test func sparklineScalesAndHasAnASCIIForm() {
        #expect(Sparkline.line([0, 4, 8], width: 3) == " ▄█")
        #expect(Sparkline.line([0, 4, 8], width: 5) == "   ▄█")
        // Nine values in three columns: summed in threes (6, 15, 24).
        #expect(Sparkline.line([1, 2, 3, 4, 5, 6, 7, 8, 9], width: 3) == "▂▅█")
        #expect(Sparkline.line([1, 8], width: 2, asciiOnly: true) == ".#")
    }

    @Test func nearestPaletteColour() {
        #expect(ColorPalette.nearest((255, 0, 0), within: 16) == 9)
        #expect(ColorPalette.nearest((0, 0, 0), within: 8) == 0)
        #expect(ColorPalette.nearest((95, 135, 175), within: 256) == 67)
    }
}

@Suite struct TabsTests {
    let titles = ["Prints (3)", "Orders (2)", "Payments & refunds (3)", "Print jobs (2)", "Notes (1)"]

    func strip(active: Int, width: Int) -> String {
        var buffer = Buffer(size: Size(width: width, height: 1))
        Tabs.render(titles, active: active, into: &buffer, rect: buffer.area, theme: .builtIn)
        return buffer.plainText
    }

    @Test func theActiveTabIsAlwaysShownTheOnesBeforeItGivingWay() {
        // Wide enough: every tab, from the left.
        #expect(strip(active: 4, width: 100).hasPrefix(" Prints (3)   Orders (2)"))
        #expect(strip(active: 4, width: 100).hasSuffix(" Notes (1)"))
        // 60 columns: the first tabs while one of them is active, the last ones once it is.
        #expect(strip(active: 0, width: 60) == " Prints (3)   Orders (2)   Payments & refunds (3)")
        let last = strip(active: 4, width: 60)
        #expect(last.hasPrefix("‹ ") && last.hasSuffix(" Notes (1)") && !last.contains("Prints"), "\(last)")
    }
}
