import OpsCore
import Testing

@Suite struct TimeTests {
    @Test func parsesAndFormatsISO8601() throws {
        let t = try Timestamp(iso8601: "2026-11-27T09:30:00Z")
        #expect(t.seconds == 1_795_771_800)
        #expect(t.iso8601 == "2026-11-27T09:30:00Z")
        #expect(try Timestamp(iso8601: "2026-11-27T10:30:00+01:00") == t)
        #expect(try Timestamp(iso8601: "2026-11-27T09:30:00.123Z") == t)
        #expect(try Timestamp(iso8601: "2026-11-27").iso8601 == "2026-11-27T00:00:00Z")
        #expect(try Timestamp(iso8601: "1969-12-31T23:59:59Z").seconds == -1)
        #expect(try Timestamp(iso8601: "2024-02-29T00:00:00Z").dateOnly == "2024-02-29")
    }

    @Test(arguments: [
        "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "yesterday", "2026-11-27T25:00:00Z",
        "2026-11-27T09:30:00", "2026-11-27T09:30:00Zjunk", "",
    ])
    func refusesBadTimes(text: String) {
        #expect(throws: TimestampError.self) { try Timestamp(iso8601: text) }
    }

    @Test func durations() throws {
        #expect(try DurationText.parse("72h") == 259_200)
        #expect(try DurationText.parse("1h30m") == 5400)
        #expect(try DurationText.parse("7d") == 604_800)
        #expect(try DurationText.parse("90s") == 90)
        for bad in ["", "h", "12", "3x", "-1h", "1.5h"] {
            #expect(throws: DurationError.self) { try DurationText.parse(bad) }
        }
        #expect(DurationText.format(0) == "0s")
        #expect(DurationText.format(3 * 86_400 + 4 * 3600 + 5) == "3d 4h")
        #expect(DurationText.format(2 * 3600) == "2h")
        #expect(DurationText.format(125) == "2m 5s")
    }
}
