import MotionMCPControl
import MotionMCPProtocol

/// Where an upstream MMCP server is, and which of its models to serve: `URL` serves every model
/// it lists, `ID=URL` only its model `ID` (the value of `--upstream`).
public struct UpstreamAddress: Sendable, Hashable, CustomStringConvertible {
    /// `http` or `https`.
    public let scheme: String
    /// The host name or address literal (IPv6 without brackets).
    public let host: String
    /// The port (80 or 443 when the URL names none).
    public let port: Int
    /// The path the MMCP routes are mounted under, without a trailing `/` (empty at the root).
    public let pathPrefix: String
    /// The one model to serve from this upstream; `nil` serves every model it lists.
    public let modelID: String?

    /// Parses `URL` or `ID=URL`. The URL must be `http://` or `https://` with a host, and may
    /// carry a path prefix; user names, passwords, queries and fragments are refused (credentials
    /// in a URL end up in logs and snapshots).
    public init(parsing text: String) throws(UpstreamAddressError) {
        var text = Substring(text)
        var modelID: String?
        if let equals = text.firstIndex(of: "="), !text[..<equals].contains(":") {
            let id = text[..<equals]
            guard !id.isEmpty else { throw UpstreamAddressError("an empty model id before '=' in '\(text)'") }
            modelID = String(id)
            text = text[text.index(after: equals)...]
        }
        let scheme: String
        if text.hasPrefix("http://") {
            scheme = "http"
        } else if text.hasPrefix("https://") {
            scheme = "https"
        } else {
            throw UpstreamAddressError("an upstream must be an http:// or https:// URL; got '\(text)'")
        }
        let rest = text.dropFirst(scheme.count + 3)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = rest[authorityEnd...]
        guard !authority.contains("@") else {
            throw UpstreamAddressError("an upstream URL must not carry a user name or password")
        }
        guard !path.contains("?"), !path.contains("#") else {
            throw UpstreamAddressError("an upstream URL must not carry a query or a fragment")
        }
        while path.hasSuffix("/") { path = path.dropLast() }
        let defaultPort = scheme == "https" ? 443 : 80
        // A port follows the last colon unless that colon is inside an IPv6 literal's brackets.
        let hasPort = authority.hasPrefix("[") ? authority.contains("]:") : authority.contains(":")
        let hostPort = hasPort ? HostPort(authority) : HostPort("\(authority):\(defaultPort)")
        guard let hostPort, !hostPort.host.contains("["), !hostPort.host.contains("]"),
            !authority.hasPrefix("[") ? !hostPort.host.contains(":") : true
        else {
            throw UpstreamAddressError("'\(authority)' is not HOST[:PORT]")
        }
        self.scheme = scheme
        self.host = hostPort.host
        self.port = hostPort.port
        self.pathPrefix = String(path)
        self.modelID = modelID
    }

    /// The base URL, `scheme://host:port/prefix`, as requests are sent and as snapshots show it.
    public var url: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "\(scheme)://\(host):\(port)\(pathPrefix)"
    }

    /// The URL of `path` (`/capabilities`, `/generate`) on this upstream.
    func url(of path: String) -> String { url + path }

    public var description: String { modelID.map { "\($0)=\(url)" } ?? url }
}

/// An `--upstream` value or `POST /v1/upstreams` address that cannot be used.
public struct UpstreamAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with it.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}
