/// `HOST:PORT` as command lines write it: a name, an IPv4 address, or an IPv6 address in
/// brackets (`[::1]:9300`), then a port from 0 to 65535. The one parser for `--control-listen`
/// and the targets of `mmcp-console attach`.
public struct HostPort: Sendable, Equatable {
    /// The host, without brackets.
    public var host: String
    /// The port.
    public var port: Int

    /// `text` split at its last colon; `nil` when the host is empty or the port is not a number
    /// from 0 to 65535.
    public init?(_ text: some StringProtocol) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }
}
