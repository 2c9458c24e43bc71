import Foundation
import MotionMCPControl
import MotionMCPHTTPClient
import MotionMCPProtocol

/// A server's control API as `mmcp-console attach` is given it: a socket path, `http://HOST:PORT`
/// or `https://HOST:PORT` (with a token), or `dns:NAME:PORT` (every address NAME resolves to).
public enum AttachTarget: Sendable, Hashable, CustomStringConvertible {
    /// A Unix socket at this path.
    case socket(path: String)
    /// The TCP control API at this `http://` or `https://` base URL.
    case network(url: String)
    /// Every A and AAAA record of `name`, each at `port` (a Kubernetes headless Service has one per pod).
    case dns(name: String, port: Int, secure: Bool)

    /// Reads one command-line target; a socket path is anything that is not a URL or `dns:`.
    /// `dns:NAME:PORT` is plain HTTP; `dns+https:NAME:PORT` uses TLS.
    public init(parsing text: String) throws(AttachTargetError) {
        if text.hasPrefix("http://") || text.hasPrefix("https://") {
            let url = text.hasSuffix("/") ? String(text.dropLast()) : text
            let authority = url.drop { $0 != "/" }.dropFirst(2)
            guard !authority.contains("/"), let address = HostPort(authority), address.port > 0 else {
                throw AttachTargetError("'\(text)': expected http(s)://HOST:PORT")
            }
            self = .network(url: url)
        } else if text.hasPrefix("dns:") || text.hasPrefix("dns+https:") {
            guard let address = HostPort(text.drop { $0 != ":" }.dropFirst()), address.port > 0 else {
                throw AttachTargetError("'\(text)': expected dns:NAME:PORT")
            }
            self = .dns(name: address.host, port: address.port, secure: text.hasPrefix("dns+https:"))
        } else {
            guard !text.isEmpty else { throw AttachTargetError("an empty target") }
            self = .socket(path: text)
        }
    }

    public var description: String {
        switch self {
        case .socket(let path): path
        case .network(let url): url
        case .dns(let name, let port, let secure): "\(secure ? "dns+https" : "dns"):\(name):\(port)"
        }
    }

    /// One network target per address `name` resolves to now, each at `port`.
    public static func addresses(of name: String, port: Int, secure: Bool) -> [AttachTarget] {
        resolve(name).map { .network(url: "\(secure ? "https" : "http")://\($0):\(port)") }
    }

    /// The addresses `name` resolves to now (IPv6 ones in brackets), in the resolver's order
    /// without repeats; empty when it does not resolve.
    static func resolve(_ name: String) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &results) == 0, let first = results else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 {
                let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                let address = entry.pointee.ai_family == AF_INET6 ? "[\(text)]" : text
                if !addresses.contains(address) { addresses.append(address) }
            }
            next = entry.pointee.ai_next
        }
        return addresses
    }
}

/// A target that cannot be read.
public struct AttachTargetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with it.
    public var message: String

    /// An error saying `message`.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
