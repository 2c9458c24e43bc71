import Foundation
import MotionMCP
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

extension MMCPOptions {
    /// Options for a server on a free loopback port.
    package static let loopback = MMCPOptions(host: "127.0.0.1", port: 0)
}

extension MMCPServer {
    /// A server of `backbones` on a free loopback port, for a gateway in front of it.
    package static func onLoopback(_ backbones: [any Backbone]) throws -> MMCPServer {
        try MMCPServer(MMCPModels(backbones), options: .loopback)
    }
}

/// The ports ``freePort()`` hands out: below Linux's ephemeral range (32768–60999), where the
/// kernel picks the ports of servers bound to port 0 and of outgoing connections, so a port handed
/// to a child process is not taken by one of those before the child binds it. One counter for the
/// whole test process, starting at a random place so that two runs on one machine rarely meet.
private let nextPort = Atomic<Int>(Int.random(in: 0..<handedPorts.count))
private let handedPorts = 20_000..<32_000

/// A loopback port nothing listens on right now, none handed out before by this process (until
/// the 12,000 of the range have gone round).
package func freePort() throws -> Int {
    for _ in 0..<handedPorts.count {
        let port = handedPorts.lowerBound + nextPort.wrappingAdd(1, ordering: .relaxed).oldValue % handedPorts.count
        if canBind(port) { return port }
    }
    throw POSIXError(.EADDRINUSE)
}

/// Whether a socket can be bound to `port` on loopback now (without `SO_REUSEADDR`, so a port in
/// `TIME_WAIT` counts as taken).
private func canBind(_ port: Int) -> Bool {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { return false }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
