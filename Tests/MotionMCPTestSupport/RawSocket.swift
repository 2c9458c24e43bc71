import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A connected stream socket (TCP on loopback, or Unix), closed when the value goes.
package final class RawSocket: Sendable {
    package let descriptor: Int32

    /// A connection to `port` on 127.0.0.1.
    package init(port: Int) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        descriptor = try Self.connect(AF_INET, &address)
    }

    /// A connection to the Unix socket at `unixPath`.
    package init(unixPath: String) throws {
        var address = try UnixHTTPClient.address(of: unixPath)
        descriptor = try Self.connect(AF_UNIX, &address)
    }

    deinit { close(descriptor) }

    private static func connect<Address>(_ family: Int32, _ address: inout Address) throws -> Int32 {
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ClientError("socket() failed") }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<Address>.size)) }
        }
        guard result == 0 else {
            close(descriptor)
            throw ClientError("connect() failed: \(String(cString: strerror(errno)))")
        }
        return descriptor
    }

    package func send(_ text: String) throws { try sendAll(descriptor, Array(text.utf8)) }
    package func send(_ bytes: [UInt8]) throws { try sendAll(descriptor, bytes) }

    /// Whether the server closes the connection within `seconds` (reading and dropping what it sends).
    package func closesWithin(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var poll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard Glibc.poll(&poll, 1, 50) > 0 else { continue }
            if recv(descriptor, &buffer, buffer.count, 0) <= 0 { return true }
        }
        return false
    }

    /// Whether the connection has been closed by the server by now (nothing to read counts as open).
    package var isClosed: Bool {
        var poll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard Glibc.poll(&poll, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, Int32(MSG_PEEK)) <= 0
    }

    /// Sends `request` and reads until the server closes the connection (at most 20 s).
    package func exchange(_ request: String) throws -> String {
        try? send(request) // the server may answer and close before it has read everything
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            var poll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard Glibc.poll(&poll, 1, 50) > 0 else { continue }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { return String(decoding: received, as: UTF8.self) }
            received += buffer[0..<count]
        }
        throw ClientError("the connection was not closed: \(String(decoding: received, as: UTF8.self))")
    }

    /// Reads until what was received ends with `terminator` (at most 20 s).
    package func receive(until terminator: String) throws -> String {
        var received: [UInt8] = []
        var byte: UInt8 = 0
        let end = Array(terminator.utf8)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !received.ends(with: end) {
            var poll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard Glibc.poll(&poll, 1, 50) > 0 else { continue }
            guard recv(descriptor, &byte, 1, 0) == 1 else { break }
            received.append(byte)
        }
        return String(decoding: received, as: UTF8.self)
    }
}

extension Array where Element: Equatable {
    fileprivate func ends(with suffix: [Element]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
