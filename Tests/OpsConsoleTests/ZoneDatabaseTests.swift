import OpsConsole
import OpsCore
import Testing

/// The configuration's `timezone` read from the system's zone database.
@Suite struct ZoneDatabaseTests {
    @Test func aRegionHasItsOffsetsAndTheNamesAgentsKnow() throws {
        let now = try Timestamp(iso8601: "2026-11-27T09:00:00Z")
        let london = try #require(DisplayZone.named("Europe/London", now: now))
        #expect(try Timestamp(iso8601: "2026-08-10T14:43:00Z").display(in: london) == "2026-08-10 15:43 BST")
        #expect(try Timestamp(iso8601: "2026-11-27T09:00:00Z").display(in: london) == "2026-11-27 09:00 GMT")
        // The change itself, to the second.
        #expect(try Timestamp(iso8601: "2026-10-25T00:59:59Z").display(in: london) == "2026-10-25 01:59 BST")
        #expect(try Timestamp(iso8601: "2026-10-25T01:00:00Z").display(in: london) == "2026-10-25 01:00 GMT")
        let newYork = try #require(DisplayZone.named("America/New_York", now: now))
        #expect(try Timestamp(iso8601: "2026-07-04T16:00:00Z").display(in: newYork) == "2026-07-04 12:00 EDT")
        let kolkata = try #require(DisplayZone.named("Asia/Kolkata", now: now))
        #expect(now.display(in: kolkata) == "2026-11-27 14:30 IST")
        // Summer times decades ahead are still known.
        #expect(try Timestamp(iso8601: "2050-07-01T12:00:00Z").display(in: london) == "2050-07-01 13:00 BST")
        // A zone with no name of letters in English keeps its offset as the name.
        let tokyo = try #require(DisplayZone.named("Asia/Tokyo", now: now))
        #expect(now.display(in: tokyo).hasPrefix("2026-11-27 18:00 "))
    }

    @Test func onlyRegionsAndUTCAreZones() {
        #expect(DisplayZone.named("UTC") == .utc)
        #expect(DisplayZone.named("Etc/UTC") == .utc)
        for bad in ["Mars/Olympus_Mons", "EST", "GMT+2", "", "Europe/", "london"] {
            #expect(DisplayZone.named(bad) == nil, "\(bad)")
        }
    }
}
