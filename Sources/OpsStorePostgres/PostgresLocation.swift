import Foundation
import OpsCore

// MARK: - Where the shared store is

/// A PostgreSQL database named by a URL, as `--db` takes it: `postgres://USER@HOST[:PORT]/DB` over TCP,
/// `postgresql:///DB?host=/run/postgresql` (or `postgresql://USER@/DB?host=…`) over a unix socket.
///
/// A password is never part of the URL (anyone on the box can read argv and configuration files): it comes from
/// the environment (`POPSA_OPS_DATABASE_PASSWORD`). TLS is required whenever the server is not on this machine.
public struct PostgresLocation: Hashable, Sendable, CustomStringConvertible {
    public enum Endpoint: Hashable, Sendable {
        case tcp(host: String, port: Int)
        /// The folder holding the server's socket (`.s.PGSQL.PORT`).
        case socket(directory: String, port: Int)
    }

    public var endpoint: Endpoint
    public var user: String
    public var database: String

    /// The environment variable a password comes from.
    public static let passwordVariable = "POPSA_OPS_DATABASE_PASSWORD"

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a URL; the error says what is wrong with it (and never repeats a password it contained).
    public init(url text: String, defaultUser: String) throws(PostgresLocationError) {
        guard Self.isURL(text), let schemeEnd = text.range(of: "://") else { throw .notAURL }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, let key = parts[0].removingPercentEncoding,
                    let value = parts[1].removingPercentEncoding
                else { throw .badParameter(String(pair.prefix { $0 != "=" })) }
                query[key] = value
            }
            rest = rest[..<mark]
        }
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count).dropFirst()
        var userPart: Substring?
        var hostPart = authority
        if let at = authority.lastIndex(of: "@") {
            userPart = authority[..<at]
            hostPart = authority[authority.index(after: at)...]
        }
        if let userPart, userPart.contains(":") { throw .passwordInURL }
        for key in query.keys where !["host", "port", "user", "sslmode"].contains(key) {
            throw key == "password" ? .passwordInURL : .badParameter(key)
        }
        let named = userPart.flatMap { String($0).removingPercentEncoding }.flatMap { $0.isEmpty ? nil : $0 }
        user = named ?? query["user"] ?? defaultUser
        guard let database = String(path).removingPercentEncoding, !database.isEmpty, !database.contains("/") else {
            throw .noDatabase
        }
        self.database = database
        var port = 5432
        var host = String(hostPart)
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            guard let p = Int(host[host.index(after: colon)...]), (1...65_535).contains(p) else {
                throw .badParameter("port")
            }
            port = p
            host = String(host[..<colon])
        }
        if let portText = query["port"] {
            guard let p = Int(portText), (1...65_535).contains(p) else { throw .badParameter("port") }
            port = p
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let socketHost = query["host"] {
            guard socketHost.hasPrefix("/") else { throw .badParameter("host") }
            endpoint = .socket(directory: socketHost, port: port)
        } else if host.isEmpty {
            endpoint = .socket(directory: "/run/postgresql", port: port)
        } else {
            endpoint = .tcp(host: host, port: port)
        }
        if let mode = query["sslmode"], !["require", "verify-ca", "verify-full"].contains(mode), !isLocal {
            throw .tlsRequired
        }
    }

    /// A socket or a loopback address: TLS is not needed to reach it.
    public var isLocal: Bool {
        switch endpoint {
        case .socket: true
        case .tcp(let host, _): host == "localhost" || host == "::1" || host.hasPrefix("127.")
        }
    }

    /// The URL without anything secret, for messages and the status bar.
    public var description: String {
        switch endpoint {
        case .tcp(let host, let port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "postgres://\(user)@\(shownHost)\(port == 5432 ? "" : ":\(port)")/\(database)"
        case .socket(let directory, let port):
            return "postgresql://\(user)@/\(database)?host=\(directory)\(port == 5432 ? "" : "&port=\(port)")"
        }
    }
}

// MARK: - PostgresLocationError

public enum PostgresLocationError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAURL
    case passwordInURL
    case noDatabase
    case badParameter(String)
    case tlsRequired

    public var description: String {
        switch self {
        case .notAURL:
            "not a PostgreSQL URL (expected postgres://USER@HOST/DB or postgresql:///DB?host=/run/postgresql)"
        case .passwordInURL:
            "a password does not belong in the URL (anyone on the box can read argv and the configuration): "
                + "put it in \(PostgresLocation.passwordVariable)"
        case .noDatabase:
            "the URL names no database (postgres://USER@HOST/DB)"
        case .badParameter(let name):
            "the URL's \"\(name)\" is not understood (host=/socket/folder, port=N, user=NAME, sslmode=require)"
        case .tlsRequired:
            "a server on another machine is reached over TLS only: drop sslmode or set sslmode=require"
        }
    }
}
