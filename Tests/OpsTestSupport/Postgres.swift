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
