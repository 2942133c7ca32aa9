import OpsStorePostgres
import Testing

@Suite struct PostgresLocationTests {
    @Test func tcpAndSocketURLs() throws {
        let tcp = try PostgresLocation(url: "postgres://ops@db.internal:6543/popsa", defaultUser: "ana")
        #expect(tcp.endpoint == .tcp(host: "db.internal", port: 6543) && tcp.user == "ops" && tcp.database == "popsa")
        #expect(!tcp.isLocal)
        let socket = try PostgresLocation(url: "postgresql:///popsa?host=/run/postgresql", defaultUser: "ana")
        #expect(socket.endpoint == .socket(directory: "/run/postgresql", port: 5432) && socket.user == "ana")
        #expect(socket.isLocal && socket.description == "postgresql://ana@/popsa?host=/run/postgresql")
        let local = try PostgresLocation(url: "postgres://127.0.0.1/popsa?user=ops&port=5433", defaultUser: "ana")
        #expect(local.endpoint == .tcp(host: "127.0.0.1", port: 5433) && local.isLocal && local.user == "ops")
        let v6 = try PostgresLocation(url: "postgres://ops@[::1]:5432/popsa", defaultUser: "ana")
        #expect(v6.endpoint == .tcp(host: "::1", port: 5432) && v6.isLocal)
    }

    @Test(arguments: [
        ("postgres://ops:hunter2@db/popsa", PostgresLocationError.passwordInURL),
        ("postgres://ops@db/popsa?password=hunter2", .passwordInURL),
        ("postgres://ops@db/", .noDatabase),
        ("postgres://ops@db:99999/popsa", .badParameter("port")),
        ("postgres://ops@db/popsa?colour=blue", .badParameter("colour")),
        ("postgres://ops@db.internal/popsa?sslmode=disable", .tlsRequired),
        ("mysql://ops@db/popsa", .notAURL),
    ])
    func badURLsSayWhatIsWrong(url: String, error: PostgresLocationError) {
        #expect(throws: error) { try PostgresLocation(url: url, defaultUser: "ana") }
        // A password is never repeated back.
        #expect(!error.description.contains("hunter2"))
    }
}
