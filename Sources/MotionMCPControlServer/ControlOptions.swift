import Foundation
import MotionMCP
import MotionMCPControl
import MotionMCPProtocol

/// Where a server serves its control API, the HTTP/1.1 + JSON interface an operations console
/// attaches to (`mmcp-console attach`). It is never served on the MMCP port.
///
/// The defaults are the safe ones: one Unix socket, mode 0600, so only the server's own user (and
/// root) can connect, and whoever can connect may do everything (`AccessLevel.admin`), as with
/// the Docker socket. Its default path holds the server's MMCP port (as PostgreSQL's
/// `.s.PGSQL.5432` does), so servers on one host never meet at one path. Share it with a group through ``socketMode`` and ``socketGroup``, give
/// watchers a ``readOnlySocketPath``, or open it to the network with ``network`` (a token per
/// caller, TLS off loopback).
///
/// ```swift
/// try await serve(MyBackbone(), options: MMCPOptions(control: ControlOptions()))
/// ```
public struct ControlOptions: Sendable {
    /// The socket whoever can open is `AccessLevel.admin` (by default the one for the server's
    /// MMCP port); `nil` serves none.
    public var socketPath: ControlSocketPath?
    /// A second socket that only reads (snapshot, events), for people who may watch but not drain.
    public var readOnlySocketPath: String?
    /// The sockets' file mode (0600 by default; 0660 with ``socketGroup`` shares them with a group).
    public var socketMode: UInt16
    /// The group the sockets belong to, by name; `nil` keeps the server's own.
    public var socketGroup: String?
    /// The control API over TCP, with tokens; `nil` (the default) serves none.
    public var network: NetworkControl?
    /// The server's log lines, for `/v1/events` (`MMCPOptions.serverLogger` writes into it).
    let logs = LogBroadcast()

    // Connection limits of every control listener (socket or TCP), before and between requests.

    /// How long a control connection may sit idle between requests; 60 s. A `/v1/events` stream
    /// is a request in progress, never idle.
    public var idleTimeout: Duration = .seconds(60)
    /// How long a request head may take once its first byte has arrived, and a TLS handshake
    /// from the connection's start; 10 s.
    public var headerTimeout: Duration = .seconds(10)
    /// How long a request body may take to arrive; a slower one is answered `408` and the
    /// connection closed. 30 s.
    public var bodyTimeout: Duration = .seconds(30)
    /// Connections each control listener holds at once; the next is closed as soon as it is
    /// accepted. 32: well below any descriptor limit, so a flood of the control API leaves the
    /// MMCP port its descriptors.
    public var maxConnections = 32

    /// A control API on the socket at `socketPath` (by default the one for the server's MMCP
    /// port, `ControlSockets.defaultPath(port:environment:userID:)`).
    public init(
        socketPath: ControlSocketPath? = .defaultForPort, readOnlySocketPath: String? = nil, socketMode: UInt16 = 0o600,
        socketGroup: String? = nil, network: NetworkControl? = nil
    ) {
        self.socketPath = socketPath
        self.readOnlySocketPath = readOnlySocketPath
        self.socketMode = socketMode
        self.socketGroup = socketGroup
        self.network = network
    }

    /// The admin socket's path for a server whose MMCP port is `port`; `nil` when there is none.
    func adminSocketPath(port: Int) -> String? {
        switch socketPath {
        case nil: nil
        case .defaultForPort: ControlSockets.defaultPath(port: port)
        case .path(let path): path
        }
    }
}

/// Where ``ControlOptions/socketPath`` is.
public enum ControlSocketPath: Sendable, Hashable {
    /// The default for the server's MMCP port, `ControlSockets.defaultPath(port:environment:userID:)`,
    /// worked out when the control API starts.
    case defaultForPort
    /// This path, as given.
    case path(String)
}

/// A caller's credential on the TCP control API: `Authorization: Bearer SECRET` grants `level`,
/// and the caller is logged as `name`.
public struct ControlToken: Sendable, Equatable {
    /// What the token allows.
    public var level: AccessLevel
    /// Who holds it, as the log names the caller.
    public var name: String
    /// The token itself.
    public var secret: String

    /// A token granting `level` to the caller `name`.
    public init(level: AccessLevel, name: String, secret: String) {
        self.level = level
        self.name = name
        self.secret = secret
    }
}

/// The control API over TCP. Off by default; when on, every request needs a token, requests from
/// browsers are refused (any `Origin` header, a `Host` not in ``allowedHosts``), and an address
/// other than loopback needs TLS.
public struct NetworkControl: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port to listen on.
    public var port: Int
    /// The tokens that are accepted.
    public var tokens: [ControlToken]
    /// The certificate chain and private key files (PEM); `nil` serves plain HTTP, on loopback only.
    public var tls: (certificatePath: String, keyPath: String)?
    /// Host names a request's `Host` header may carry besides the listen address and `localhost`.
    public var allowedHosts: [String]

    /// The control API on `host:port`, admitting `tokens`, with TLS from the `tls` files.
    public init(
        host: String, port: Int, tokens: [ControlToken], tls: (certificatePath: String, keyPath: String)? = nil,
        allowedHosts: [String] = []
    ) {
        self.host = host
        self.port = port
        self.tokens = tokens
        self.tls = tls
        self.allowedHosts = allowedHosts
    }

    /// The tokens in the file at `path`, one per line as `LEVEL NAME TOKEN` (blank lines and lines
    /// starting with `#` are skipped). Refused when the file can be read or written by its group
    /// or others, when a line does not fit, or when it holds no token.
    public static func tokens(fromFile path: String) throws(ControlConfigurationError) -> [ControlToken] {
        var status = stat()
        guard stat(path, &status) == 0 else { throw ControlConfigurationError("cannot read the token file '\(path)'") }
        guard status.st_mode & 0o077 == 0 else {
            throw ControlConfigurationError(
                "the token file '\(path)' can be read by its group or others (mode \(String(status.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ControlConfigurationError("cannot read the token file '\(path)'")
        }
        var tokens: [ControlToken] = []
        var lineNumbers: [Int] = []
        // Split on Character.isNewline: "\r\n" is one Character, which a split on "\n" never finds.
        let lines = String(decoding: data, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (number, line) in lines.enumerated() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.isEmpty || words[0].hasPrefix("#") { continue }
            guard words.count == 3, let level = AccessLevel(name: String(words[0])) else {
                throw ControlConfigurationError(
                    "the token file '\(path)', line \(number + 1): expected LEVEL NAME TOKEN, LEVEL one of read, operate, admin")
            }
            guard words[2].count >= 16 else {
                throw ControlConfigurationError("the token file '\(path)', line \(number + 1): a token needs at least 16 characters")
            }
            let token = ControlToken(level: level, name: String(words[1]), secret: String(words[2]))
            if let earlier = tokens.firstIndex(where: { $0.secret == token.secret }) {
                // Which level would the secret get? The first line's, silently; refused instead.
                throw ControlConfigurationError(
                    "the token file '\(path)', line \(number + 1): the same token as line \(lineNumbers[earlier]) (each token must be unique)")
            }
            tokens.append(token)
            lineNumbers.append(number + 1)
        }
        guard !tokens.isEmpty else { throw ControlConfigurationError("the token file '\(path)' holds no token") }
        return tokens
    }

    /// Whether `host` is a loopback address (`127.0.0.0/8`, `::1`) or `localhost`.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}

/// The control API cannot start as configured: one line saying why (`mmcp-console` prints it and
/// exits with status 2).
public struct ControlConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// A refusal saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
