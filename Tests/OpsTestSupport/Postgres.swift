import Foundation

// MARK: - The run's PostgreSQL cluster

extension TestSupport {
    /// The cluster scripts/test.sh started for this run (`POPSA_OPS_TEST_POSTGRES`); the tests that need it fail,
    /// naming what to do, when it is not there.
    public static func postgresCluster() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["POPSA_OPS_TEST_POSTGRES"], !url.isEmpty else {
            throw TestFailure(
                "no PostgreSQL for the tests: run scripts/test.sh, or start one with scripts/postgres.sh start DIR "
                    + "and export POPSA_OPS_TEST_POSTGRES=<the URL it prints>")
        }
        return url
    }

    /// A new, empty database on the run's cluster, and its URL: each test has its own.
    public static func postgresDatabase() throws -> String {
        let cluster = try postgresCluster()
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try psql(cluster, "CREATE DATABASE \(name)")
        return cluster.replacingOccurrences(of: "/popsa?", with: "/\(name)?")
    }

    /// Runs SQL on a database with psql; the output, unaligned and without headers; throws on an error.
    @discardableResult
    public static func psql(_ url: String, _ sql: String) throws -> String {
        let result = try run("/usr/bin/env", ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
        guard result.status == 0 else { throw TestFailure("psql \(sql): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

// MARK: - StoreUnderTest

/// A writable copy of the fixture on one of the two stores, for the end-to-end tests run against both: what
/// `--db` takes, and SQL on it (rows one per line, fields separated by `|`, as both shells print them).
public struct StoreUnderTest: Sendable, CustomStringConvertible {
    public enum Kind: String, CaseIterable, Sendable, CustomStringConvertible {
        case sqlite, postgres
        public var description: String { rawValue }
    }

    public let kind: Kind
    public let database: String

    public init(sqlite path: String) {
        kind = .sqlite
        database = path
    }

    public init(postgres url: String) {
        kind = .postgres
        database = url
    }

    /// A fresh copy of the fixture: a file, or a new database on the run's cluster filled by `popsa-ops migrate`.
    public static func fixtureCopy(_ kind: Kind) throws -> StoreUnderTest {
        switch kind {
        case .sqlite: return StoreUnderTest(sqlite: TestSupport.fixtureCopy())
        case .postgres:
            let url = try TestSupport.postgresDatabase()
            let copy = try TestSupport.popsaOps(["migrate", "--from", TestSupport.fixtureDatabase, "--to", url])
            guard copy.status == 0 else { throw TestFailure("migrate into \(url): \(copy.stderr)") }
            return StoreUnderTest(postgres: url)
        }
    }

    public func sql(_ query: String) throws -> String {
        switch kind {
        case .sqlite: try TestSupport.sql(database, query)
        case .postgres: try TestSupport.psql(database, query)
        }
    }

    /// One row's fields (split at `|`).
    public func fields(_ query: String) throws -> [String] {
        try sql(query).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
    }

    /// A screen as it shows on SQLite's fixture copy, whose status bar names the database `copy.sqlite`: the
    /// PostgreSQL database's name put back to that, the gap after it widened or narrowed to keep the line's width.
    public func screenAsOnSQLite(_ screen: String) -> String {
        guard kind == .postgres, let path = database.split(separator: "?").first,
            let name = path.split(separator: "/").last.map(String.init)
        else { return screen }
        let fixture = "copy.sqlite"
        return screen.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let at = line.range(of: " \(name) ") else { return String(line) }
            var rest = String(line[at.upperBound...])
            let grown = name.count - fixture.count
            if let gap = rest.range(of: "  ") {
                if grown > 0 {
                    rest.insert(contentsOf: String(repeating: " ", count: grown), at: gap.lowerBound)
                } else if grown < 0 {
                    rest.removeSubrange(gap.lowerBound..<rest.index(gap.lowerBound, offsetBy: -grown))
                }
            }
            return String(line[..<at.lowerBound]) + " \(fixture) " + rest
        }.joined(separator: "\n")
    }

    public var description: String { kind.rawValue }
}

// MARK: - RestartableCluster

/// A PostgreSQL cluster of one test's own, holding a copy of the fixture, that the test may stop and start under
/// the processes using it (the run's shared cluster must stay up for every other test).
public struct RestartableCluster: Sendable {
    public let url: String
    private let directory: String
    private static let script = TestSupport.packageRoot + "/scripts/postgres.sh"

    /// Starts the cluster, copies the fixture in, runs `body`, and removes the cluster whatever happens.
    public static func with(_ name: String, _ body: (RestartableCluster) throws -> Void) throws {
        let directory = "/tmp/popsa-ops-pg-\(name)-" + UUID().uuidString.prefix(8).lowercased()
        let started = try TestSupport.runDetached("/bin/bash", [script, "start", directory])
        defer {
            do { _ = try TestSupport.runDetached("/bin/bash", [script, "stop", directory]) } catch {
                print("stopping the test cluster \(directory): \(error)")
            }
        }
        guard started.status == 0 else { throw TestFailure("postgres.sh start: \(started.stderr)") }
        let cluster = RestartableCluster(
            url: started.stdout.trimmingCharacters(in: .whitespacesAndNewlines), directory: directory)
        let copy = try TestSupport.popsaOps(["migrate", "--from", TestSupport.fixtureDatabase, "--to", cluster.url])
        guard copy.status == 0 else { throw TestFailure("migrate into \(cluster.url): \(copy.stderr)") }
        try body(cluster)
    }

    /// Stops the server, keeping its data.
    public func pause() throws { try run("pause") }

    /// Starts it again.
    public func resume() throws { try run("resume") }

    private func run(_ action: String) throws {
        let result = try TestSupport.runDetached("/bin/bash", [Self.script, action, directory])
        guard result.status == 0 else { throw TestFailure("postgres.sh \(action): \(result.stderr)") }
    }
}
