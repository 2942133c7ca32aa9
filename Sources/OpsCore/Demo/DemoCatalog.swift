/// The vocabulary of the demo data: names in many scripts, print titles, partners, carriers and prices.
enum DemoCatalog {
    /// A person's name as written in their script, and the ASCII form their email uses.
    struct Name {
        var native: String
        var ascii: String
    }

    /// (given names, family names, family-name-first, joiner) by language.
    struct NamePool {
        var given: [(String, String)]
        var family: [(String, String)]
        var familyFirst = false
        var joiner = " "
    }

    static let pools: [String: NamePool] = [
        "en": NamePool(
            given: [
                ("Oliver", "oliver"), ("Amelia", "amelia"), ("Harry", "harry"), ("Isla", "isla"),
                ("Zoë", "zoe"), ("Noah", "noah"), ("Chloë", "chloe"), ("Jack", "jack"), ("Siobhán", "siobhan"),
                ("Priya", "priya"), ("Arjun", "arjun"), ("Aoife", "aoife"), ("Grace", "grace"),
                ("Mohammed", "mohammed"), ("Renée", "renee"),
            ],
            family: [
                ("Smith", "smith"), ("Jones", "jones"), ("Taylor", "taylor"), ("Brown", "brown"),
                ("O'Brien", "obrien"), ("Williams", "williams"), ("Patel", "patel"), ("Sharma", "sharma"),
                ("Murphy", "murphy"), ("Nguyen", "nguyen"), ("Martin", "martin"), ("Walsh", "walsh"),
            ]),
        "fr": NamePool(
            given: [
                ("Zoé", "zoe"), ("Léa", "lea"), ("Chloé", "chloe"), ("Raphaël", "raphael"), ("Jérôme", "jerome"),
                ("Inès", "ines"), ("Gabriel", "gabriel"), ("Hélène", "helene"),
            ],
            family: [
                ("Martin", "martin"), ("Bernard", "bernard"), ("Dubois", "dubois"), ("Lefèvre", "lefevre"),
                ("Girard", "girard"), ("Fontaine", "fontaine"),
            ]),
        "de": NamePool(
            given: [
                ("Jürgen", "juergen"), ("Mia", "mia"), ("Lukas", "lukas"), ("Sophie", "sophie"),
                ("Jonas", "jonas"), ("Käthe", "kaethe"),
            ],
            family: [
                ("Müller", "mueller"), ("Schmidt", "schmidt"), ("Weiß", "weiss"), ("Köhler", "koehler"),
                ("Fischer", "fischer"), ("Schäfer", "schaefer"),
            ]),
        "es": NamePool(
            given: [
                ("José", "jose"), ("María", "maria"), ("Lucía", "lucia"), ("Martín", "martin"),
                ("Sofía", "sofia"), ("Íñigo", "inigo"),
            ],
            family: [
                ("García", "garcia"), ("Fernández", "fernandez"), ("López", "lopez"), ("Núñez", "nunez"),
                ("Peña", "pena"), ("Martínez", "martinez"),
            ]),
        "is": NamePool(
            given: [
                ("Ólafur", "olafur"), ("Guðrún", "gudrun"), ("Sigríður", "sigridur"), ("Jón", "jon"),
                ("Björk", "bjork"), ("Þórður", "thordur"),
            ],
            family: [
                ("Arnalds", "arnalds"), ("Jónsdóttir", "jonsdottir"), ("Sigurðsson", "sigurdsson"),
                ("Þórsdóttir", "thorsdottir"),
            ]),
        "ja": NamePool(
            given: [
                ("太郎", "taro"), ("花子", "hanako"), ("一郎", "ichiro"), ("美咲", "misaki"), ("健", "ken"),
                ("さくら", "sakura"),
            ],
            family: [
                ("山田", "yamada"), ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"),
                ("伊藤", "ito"),
            ],
            familyFirst: true, joiner: ""),
        "ko": NamePool(
            given: [("민준", "minjun"), ("서연", "seoyeon"), ("지호", "jiho"), ("수아", "sua")],
            family: [("김", "kim"), ("이", "lee"), ("박", "park"), ("최", "choi")],
            familyFirst: true, joiner: ""),
        "zh": NamePool(
            given: [("大文", "taiman"), ("美玲", "meiling"), ("小明", "xiaoming"), ("家豪", "kahou")],
            family: [("陳", "chan"), ("林", "lin"), ("王", "wang"), ("黃", "wong")],
            familyFirst: true, joiner: ""),
        "vi": NamePool(
            given: [("Văn An", "an"), ("Thị Bích", "bich"), ("Hoàng Nam", "nam"), ("Minh Châu", "chau")],
            family: [("Nguyễn", "nguyen"), ("Trần", "tran"), ("Lê", "le"), ("Phạm", "pham")],
            familyFirst: true),
        "el": NamePool(
            given: [("Γιώργος", "giorgos"), ("Μαρία", "maria"), ("Ελένη", "eleni")],
            family: [("Παπαδόπουλος", "papadopoulos"), ("Νικολάου", "nikolaou"), ("Οικονόμου", "oikonomou")]),
        "bg": NamePool(
            given: [("Иван", "ivan"), ("Мария", "maria"), ("Георги", "georgi")],
            family: [("Петров", "petrov"), ("Георгиева", "georgieva"), ("Димитров", "dimitrov")]),
        "ar": NamePool(
            given: [
                ("محمد", "mohammed"), ("فاطمة", "fatima"), ("أحمد", "ahmed"), ("Layla", "layla"),
                ("Omar", "omar"),
            ],
            family: [("العلي", "alali"), ("الحسن", "alhassan"), ("Haddad", "haddad"), ("Khalil", "khalil")]),
        "he": NamePool(
            given: [("נועה", "noa"), ("דוד", "david"), ("Maya", "maya")],
            family: [("כהן", "cohen"), ("לוי", "levi"), ("Mizrahi", "mizrahi")]),
        "th": NamePool(
            given: [("สมชาย", "somchai"), ("Ploy", "ploy"), ("Niran", "niran")],
            family: [("ใจดี", "jaidee"), ("Srisuk", "srisuk"), ("Wongsa", "wongsa")]),
        "pl": NamePool(
            given: [("Łukasz", "lukasz"), ("Zofia", "zofia"), ("Małgorzata", "malgorzata")],
            family: [("Wójcik", "wojcik"), ("Kowalska", "kowalska"), ("Zieliński", "zielinski")]),
        "cs": NamePool(
            given: [("Jiří", "jiri"), ("Tereza", "tereza")], family: [("Dvořák", "dvorak"), ("Nováková", "novakova")]),
        "hu": NamePool(
            given: [("Ádám", "adam"), ("Réka", "reka")], family: [("Szőke", "szoke"), ("Kovács", "kovacs")]),
        "ro": NamePool(
            given: [("Ștefan", "stefan"), ("Ioana", "ioana")],
            family: [("Popescu", "popescu"), ("Țurcanu", "turcanu")]),
        "pt": NamePool(
            given: [("João", "joao"), ("Inês", "ines")], family: [("Gonçalves", "goncalves"), ("Simões", "simoes")]),
        "nl": NamePool(
            given: [("Daan", "daan"), ("Sanne", "sanne"), ("Anouk", "anouk")],
            family: [("de Vries", "devries"), ("Jansen", "jansen"), ("van Dijk", "vandijk")]),
        "sv": NamePool(
            given: [("Åsa", "asa"), ("Lars", "lars")], family: [("Lindström", "lindstrom"), ("Öberg", "oberg")]),
        "nb": NamePool(
            given: [("Øyvind", "oyvind"), ("Ingrid", "ingrid")],
            family: [("Hansen", "hansen"), ("Bjørnstad", "bjornstad")]),
        "da": NamePool(
            given: [("Søren", "soren"), ("Freja", "freja")],
            family: [("Jørgensen", "jorgensen"), ("Nielsen", "nielsen")]),
        "fi": NamePool(
            given: [("Väinö", "vaino"), ("Aino", "aino")], family: [("Mäkinen", "makinen"), ("Virtanen", "virtanen")]),
        "it": NamePool(
            given: [("Niccolò", "niccolo"), ("Giulia", "giulia"), ("Lorenzo", "lorenzo")],
            family: [("Rossi", "rossi"), ("Esposito", "esposito"), ("Russo", "russo")]),
        "sk": NamePool(
            given: [("Ľubomír", "lubomir"), ("Zuzana", "zuzana")],
            family: [("Horváth", "horvath"), ("Kováč", "kovac")]),
        "sl": NamePool(given: [("Žiga", "ziga"), ("Nika", "nika")], family: [("Novak", "novak"), ("Kržič", "krzic")]),
        "et": NamePool(given: [("Jüri", "juri"), ("Kärt", "kart")], family: [("Tamm", "tamm"), ("Saar", "saar")]),
        "hr": NamePool(
            given: [("Luka", "luka"), ("Ana", "ana")], family: [("Horvat", "horvat"), ("Kovačević", "kovacevic")]),
        "ms": NamePool(
            given: [("Nur Aisyah", "aisyah"), ("Ahmad", "ahmad")],
            family: [("binti Ahmad", "ahmad"), ("Rahman", "rahman")]),
    ]

    static func name(language: String, random: inout DemoRandom) -> Name {
        let pool = pools[language] ?? pools["en"]!
        let given = random.pick(pool.given)
        let family = random.pick(pool.family)
        let native = pool.familyFirst ? family.0 + pool.joiner + given.0 : given.0 + pool.joiner + family.0
        return Name(native: native, ascii: "\(given.1).\(family.1)")
    }

    static let emailDomains = [
        "gmail.com", "icloud.com", "outlook.com", "yahoo.com", "hotmail.co.uk", "web.de",
        "orange.fr", "naver.com", "yahoo.co.jp", "proton.me",
    ]

    static let titles: [Product: [String]] = [
        .photobook: [
            "Summer in Lisbon 🌴", "Our Wedding", "Baby's First Year 👶", "Tokyo 2025 🗼", "Grandma's 80th 🎂",
            "山田家の思い出", "Best of 2026 📸", "Road Trip", "Honeymoon in Bali 🌸", "Ski Week", "Île de Ré",
            "Familienurlaub Kärnten", "Our Year", "Puppy Days 🐶", "Thailand ⭐",
        ],
        .loosePrints: ["Holiday snaps", "Fridge photos", "Uni memories", "Garden 🌸", "Prints for Mum", "Beach day 🏖"],
        .christmasOrnament: ["Christmas 2026 🎄", "Bauble for Nan", "Baby's first Christmas 🎁", "Our first home 🎄"],
        .calendar: ["Family Calendar 2027", "Dog Calendar 🐶", "Kalender 2027", "カレンダー2027"],
        .framedPrint: ["Wedding portrait", "Mountains at dawn", "Kids on the beach", "Sunset over Sydney"],
    ]

    /// Price in GBP pence, before conversion.
    static func basePence(_ product: Product, pages: Int) -> Int64 {
        switch product {
        case .photobook: 2499 + Int64(max(0, pages - 20)) * 50
        case .loosePrints: 25
        case .christmasOrnament: 1299
        case .calendar: 1999
        case .framedPrint: 3499
        }
    }

    /// Units of the currency's minor unit per 1000 GBP pence... expressed as (numerator, denominator) on major
    /// units: one pound buys numerator/denominator major units.
    static let perPound: [String: (Int64, Int64)] = [
        "GBP": (1, 1), "EUR": (117, 100), "USD": (127, 100), "CAD": (174, 100), "AUD": (193, 100),
        "NZD": (211, 100), "SEK": (1350, 100), "NOK": (1370, 100), "DKK": (873, 100), "ISK": (175, 1),
        "CHF": (112, 100), "PLN": (505, 100), "CZK": (2930, 100), "HUF": (460, 1), "RON": (582, 100),
        "BGN": (229, 100), "JPY": (190, 1), "KRW": (1700, 1), "SGD": (170, 100), "HKD": (990, 100),
        "TWD": (4100, 100), "MYR": (590, 100), "THB": (4500, 100), "VND": (32000, 1), "PHP": (7200, 100),
        "INR": (10600, 100), "AED": (466, 100), "SAR": (476, 100), "KWD": (390, 1000), "BHD": (478, 1000),
        "JOD": (900, 1000), "ILS": (470, 100), "ZAR": (2300, 100), "MXN": (2200, 100), "CLP": (1200, 1),
    ]

    /// Converts a GBP price to `currency`, rounded to a price a shop would show.
    static func price(pence: Int64, in currency: Currency) -> Int64 {
        let (num, den) = perPound[currency.code] ?? (1, 1)
        // pence → major units of currency, scaled to its minor unit.
        let minor = pence * num * currency.minorUnitsPerMajor / (den * 100)
        let step: Int64 =
            switch currency.exponent {
            case 0: minor >= 10_000 ? 100 : 10
            case 3: 10
            default: minor >= 10_000 ? 100 : 1
            }
        return max(step, (minor + step / 2) / step * step)
    }

    struct Partner {
        var name: String
        var carrier: String
        var trackingStyle: TrackingStyle
    }

    enum TrackingStyle { case royalMail, ups, dhl, japanPost, usps }

    static func partners(for country: String) -> [Partner] {
        switch country {
        case "GB", "IE":
            [
                Partner(name: "inkworks-uk", carrier: "Royal Mail", trackingStyle: .royalMail),
                Partner(name: "leeds-photolab", carrier: "DPD", trackingStyle: .dhl),
            ]
        case "US", "CA", "MX":
            [
                Partner(name: "maple-press", carrier: "UPS", trackingStyle: .ups),
                Partner(name: "brooklyn-bindery", carrier: "USPS", trackingStyle: .usps),
            ]
        case "AU", "NZ": [Partner(name: "harbour-print", carrier: "Australia Post", trackingStyle: .dhl)]
        case "JP", "KR", "TW", "HK": [Partner(name: "sakura-print", carrier: "Japan Post", trackingStyle: .japanPost)]
        case "SG", "MY", "TH", "VN", "PH", "IN": [Partner(name: "lion-city-print", carrier: "DHL", trackingStyle: .dhl)]
        case "AE", "SA", "KW", "BH", "JO", "IL": [Partner(name: "gulf-print", carrier: "Aramex", trackingStyle: .dhl)]
        case "ZA": [Partner(name: "cape-print", carrier: "DHL", trackingStyle: .dhl)]
        case "CL": [Partner(name: "andes-impresos", carrier: "DHL", trackingStyle: .dhl)]
        default:
            [
                Partner(name: "druckhaus-berlin", carrier: "DHL", trackingStyle: .dhl),
                Partner(name: "atelier-lyon", carrier: "La Poste", trackingStyle: .royalMail),
            ]
        }
    }

    static func trackingNumber(_ style: TrackingStyle, index: UInt64) -> String {
        let digits = String(DemoID.scramble(index, salt: 0x7AC, bits: 30))
        let padded = String(repeating: "0", count: max(0, 9 - digits.count)) + digits
        switch style {
        case .royalMail: return "RM\(padded)GB"
        case .ups: return "1Z999AA1\(padded)"
        case .dhl: return "JD01460\(padded)"
        case .japanPost: return "EJ\(padded)JP"
        case .usps: return "9400111\(padded)"
        }
    }

    static let failureMessages = [
        "Rejected: image resolution too low on page 14",
        "Rejected: cover file could not be read",
        "Printer fault: job abandoned, please resubmit",
        "Rejected: bleed area contains text",
    ]

    static let streets = [
        "High Street", "Station Road", "Rue de la Paix", "Hauptstraße", "Calle Mayor",
        "Main Street", "銀座1丁目", "Đường Lê Lợi", "King Street", "Strandvejen",
    ]
    static let cities: [String: String] = [
        "GB": "Leeds", "IE": "Dublin", "US": "Portland", "CA": "Toronto", "AU": "Sydney", "NZ": "Auckland",
        "FR": "Lyon", "DE": "Berlin", "ES": "Madrid", "IT": "Milano", "JP": "東京", "KR": "서울", "VN": "Hà Nội",
        "IS": "Reykjavík", "GR": "Αθήνα", "BG": "София",
    ]
}
