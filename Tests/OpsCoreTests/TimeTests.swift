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

@Suite struct DisplayZoneTests {
    /// London's 2026 rules by hand: BST from 2026-03-29T01:00Z to 2026-10-25T01:00Z.
    static let london = DisplayZone(
        identifier: "Europe/London",
        periods: [
            .init(start: .min, offset: 0, abbreviation: "GMT"),
            .init(start: 1_774_746_000, offset: 3600, abbreviation: "BST"),
            .init(start: 1_792_890_000, offset: 0, abbreviation: "GMT"),
        ])

    @Test func timesAreShownInTheZoneWithItsName() throws {
        let summer = try Timestamp(iso8601: "2026-08-10T14:43:00Z")
        let winter = try Timestamp(iso8601: "2026-11-27T23:30:00Z")
        #expect(summer.display(in: .utc) == "2026-08-10 14:43 UTC")
        #expect(summer.display(in: Self.london) == "2026-08-10 15:43 BST")
        #expect(winter.display(in: Self.london) == "2026-11-27 23:30 GMT")
        #expect(summer.timeOfDay(in: Self.london) == "15:43:00 BST")
        let kolkata = DisplayZone(
            identifier: "Asia/Kolkata", periods: [.init(start: .min, offset: 19_800, abbreviation: "IST")])
        // Late in the evening in London is already tomorrow in India.
        #expect(winter.date(in: kolkata) == "2026-11-28")
        #expect(winter.display(in: kolkata) == "2026-11-28 05:00 IST")
        #expect(Self.london.displayWidth == "2026-08-10 15:43 BST".count)
    }

    @Test func theDayStartsAtTheZonesMidnightAcrossSummerTimeChanges() throws {
        func start(_ iso: String, _ zone: DisplayZone) throws -> String {
            zone.startOfDay(containing: try Timestamp(iso8601: iso)).iso8601
        }
        #expect(try start("2026-11-27T09:00:00Z", .utc) == "2026-11-27T00:00:00Z")
        #expect(try start("2026-07-01T12:00:00Z", Self.london) == "2026-06-30T23:00:00Z")
        // The day summer time starts: midnight was still GMT.
        #expect(try start("2026-03-29T12:00:00Z", Self.london) == "2026-03-29T00:00:00Z")
        // The day it ends: midnight was BST, an hour before midnight UTC.
        #expect(try start("2026-10-25T12:00:00Z", Self.london) == "2026-10-24T23:00:00Z")
        #expect(try start("2026-10-24T23:30:00Z", Self.london) == "2026-10-24T23:00:00Z")
        let pacific = DisplayZone(identifier: "X", periods: [.init(start: .min, offset: -28_800, abbreviation: "PST")])
        #expect(try start("2026-11-27T07:59:59Z", pacific) == "2026-11-26T08:00:00Z")
        #expect(try start("2026-11-27T08:00:00Z", pacific) == "2026-11-27T08:00:00Z")
    }

    @Test func todaysWindowStartsAtMidnightInsideAnHourWhenTheZoneIsHalfAnHourOff() throws {
        let now = try Timestamp(iso8601: "2026-11-27T09:10:00Z")
        let kolkata = DisplayZone(
            identifier: "Asia/Kolkata", periods: [.init(start: .min, offset: 19_800, abbreviation: "IST")])
        let span = MetricsWindow.today.span(now: now, zone: kolkata)
        #expect(try span.from == Timestamp(iso8601: "2026-11-26T18:30:00Z").seconds)
        #expect(try span.firstBucket == Timestamp(iso8601: "2026-11-26T18:00:00Z").seconds)
        #expect(span.clipped && span.count == 16 && span.bucketSeconds == 3600)
        let utc = MetricsWindow.today.span(now: now, zone: .utc)
        let midnight = try Timestamp(iso8601: "2026-11-27").seconds
        #expect(!utc.clipped && utc.count == 10 && utc.from == midnight)
        let day = MetricsWindow.day.span(now: now, zone: kolkata)
        let nine = try Timestamp(iso8601: "2026-11-27T09:00:00Z").seconds
        #expect(day.count == 24 && !day.clipped && day.lastBucket == nine)
    }
}
