import Foundation
import MotionMCP

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

/// A port nothing listens on right now.
package func freePort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
