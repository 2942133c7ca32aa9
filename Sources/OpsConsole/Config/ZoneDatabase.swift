import Foundation
import OpsCore

// MARK: - Zones from the system's database

extension DisplayZone {
    /// The IANA zone `identifier` (`Europe/London`, `America/New_York`, `UTC`) from the system's zone database,
    /// its periods from 1900 to 30 years after `now`; nil when the database does not know the name.
    ///
    /// Abbreviations: Foundation on Linux names summer time by offset ("GMT+1"); the names agents know ("BST",
    /// "CEST", "EDT", "AEDT") come from the English locale of the zone's own region, when one has a name of letters.
    public static func named(
        _ identifier: String, now: Timestamp = Timestamp(seconds: Int64(Date().timeIntervalSince1970))
    )
        -> DisplayZone?
    {
        if ["UTC", "Etc/UTC", "Z", "Zulu", "Etc/Zulu", "Universal", "Etc/Universal"].contains(identifier) {
            return .utc
        }
        // Foundation also takes abbreviations and offsets ("EST", "GMT+2"): the configuration names a region.
        guard identifier.contains("/") || identifier == "GMT", let zone = TimeZone(identifier: identifier) else {
            return nil
        }
        let names = Self.names(for: zone)
        func period(at date: Date, start: Int64) -> Period {
            let dst = zone.isDaylightSavingTime(for: date)
            let offset = Int64(zone.secondsFromGMT(for: date))
            let name = (dst ? names.daylight : names.standard) ?? zone.abbreviation(for: date) ?? identifier
            return Period(start: start, offset: offset, abbreviation: name)
        }
        let first = Date(timeIntervalSince1970: -2_208_988_800)  // 1900-01-01
        let last = Date(timeIntervalSince1970: Double(now.seconds + 30 * 366 * 86_400))
        var periods = [period(at: first, start: .min)]
        var cursor = first
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < last {
            let p = period(at: next, start: Int64(next.timeIntervalSince1970.rounded()))
            if p.offset != periods[periods.count - 1].offset
                || p.abbreviation != periods[periods.count - 1].abbreviation
            {
                periods.append(p)
            }
            cursor = next
        }
        return DisplayZone(identifier: identifier, periods: periods)
    }

    /// The zone's standard and summer names from English locales, when they are made of letters.
    private static func names(for zone: TimeZone) -> (standard: String?, daylight: String?) {
        let locales = ["en_GB", "en_US", "en_AU", "en_NZ", "en_IE", "en_IN", "en_CA", "en_ZA", "en_SG"]
        func pick(_ style: NSTimeZone.NameStyle) -> String? {
            for id in locales {
                guard let name = zone.localizedName(for: style, locale: Locale(identifier: id)) else { continue }
                if !name.isEmpty, name.count <= 6, name.allSatisfy({ $0.isASCII && $0.isUppercase }) { return name }
            }
            return nil
        }
        return (pick(.shortStandard), pick(.shortDaylightSaving))
    }
}
