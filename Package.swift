// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

// Release binaries start faster (docs/benchmarks.md, "Whole processes"): lld packs the 129,000 relative relocations
// of a position-independent executable (DT_RELR, glibc 2.36+), and only the symbols libraries need are exported
// (SwiftPM exports all 40,000, which the dynamic loader and dladdr then search). Still PIE: address-space layout
// randomisation stays.
let releaseLinking: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
            "-Xlinker", "--no-export-dynamic",
        ],
        .when(platforms: [.linux], configuration: .release))
]

let package = Package(
    name: "popsa-ops",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "popsa-ops", targets: ["popsa-ops"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", exact: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
    ],
    targets: [
        // Domain values and rules. No I/O, no dependencies.
        .target(name: "OpsCore", swiftSettings: swiftSettings),
        // SQLite through GRDB: the only module that imports GRDB.
        .target(
            name: "OpsStore",
            dependencies: [
                "OpsCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // PostgreSQL through postgres-nio: the store many ops boxes share; the only module importing PostgresNIO.
        .target(
            name: "OpsStorePostgres",
            dependencies: [
                "OpsCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Payment facades: Stripe (REST), Braintree (GraphQL), in-process sandbox twins.
        .target(
            name: "OpsPayments",
            dependencies: [
                "OpsCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // In-process metrics registry behind swift-metrics, Prometheus exposition.
        .target(
            name: "OpsMetrics",
            dependencies: [
                "OpsCore",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Use cases over the store and gateway interfaces.
        .target(
            name: "OpsEngine",
            dependencies: [
                "OpsCore", "OpsPayments", "OpsMetrics",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Terminal UI kit with no terminal and no app knowledge.
        .target(name: "OpsTUI", dependencies: ["CTermText"], swiftSettings: swiftSettings),
        // wcwidth(3) and the locale's codeset, which Swift's Glibc module does not export.
        .target(name: "CTermText"),
        // The app: screens, state, actions, effects, headless runner.
        .target(
            name: "OpsConsole",
            dependencies: [
                "OpsCore", "OpsEngine", "OpsTUI", "OpsMetrics",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(name: "CNCurses", path: "Sources/CNCurses"),
        // The ncurses backend: draws buffer diffs, reads keys. No UI logic.
        .target(name: "OpsCurses", dependencies: ["CNCurses", "OpsTUI"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "popsa-ops",
            dependencies: [
                "OpsCore", "OpsStore", "OpsStorePostgres", "OpsEngine", "OpsPayments", "OpsMetrics", "OpsTUI",
                "OpsConsole", "OpsCurses",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: releaseLinking
        ),
        // Fuzz targets for the parsers of untrusted input (scripts/fuzz.sh builds them with libFuzzer); built
        // normally, a replayer of the committed corpora, which the tests run.
        .executableTarget(
            name: "popsa-fuzz", dependencies: ["OpsCore", "OpsTUI", "OpsConsole"], swiftSettings: swiftSettings),
        // Shared by every test target: temporary folders, the built binary, golden files, fixtures.
        .target(
            name: "OpsTestSupport", dependencies: ["OpsCore"], path: "Tests/OpsTestSupport",
            swiftSettings: swiftSettings),
        .testTarget(name: "OpsCoreTests", dependencies: ["OpsCore", "OpsTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "OpsStoreTests",
            dependencies: ["OpsCore", "OpsStore", "OpsStorePostgres", "OpsEngine", "OpsTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OpsStorePostgresTests",
            dependencies: [
                "OpsCore", "OpsStore", "OpsStorePostgres", "OpsEngine", "OpsPayments", "OpsTestSupport",
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "OpsTUITests", dependencies: ["OpsTUI"], swiftSettings: swiftSettings),
        .testTarget(
            name: "OpsCursesTests", dependencies: ["OpsCurses", "OpsTUI", "CNCurses"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PopsaOpsTests",
            dependencies: [
                "popsa-ops", "OpsConsole", "OpsCore", "OpsStore",
                "OpsTestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OpsMetricsTests",
            dependencies: ["OpsMetrics", "OpsCore", .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OpsConsoleTests",
            dependencies: ["OpsConsole", "OpsCore", "OpsEngine", "OpsStore", "OpsTUI", "OpsTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OpsEngineTests",
            dependencies: [
                "OpsEngine", "OpsPayments", "OpsCore", "OpsStore", "OpsStorePostgres", "OpsTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "OpsPaymentsTests",
            dependencies: [
                "OpsPayments", "OpsCore", "OpsEngine", "OpsStore", "OpsTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(name: "EndToEndTests", dependencies: ["OpsCore", "OpsTestSupport"], swiftSettings: swiftSettings),
    ]
)
