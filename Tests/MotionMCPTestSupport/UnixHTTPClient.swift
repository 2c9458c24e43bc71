import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking HTTP/1.1 client over a Unix domain socket, for the control API: one request per
/// connection, the answer read whole (a `Content-Length` or a chunked body), or a streamed body
/// read line by line (`/v1/events`). Every read gives up after 10 s of silence.
package struct UnixHTTPClient {
    /// The socket's path.
    package let path: String

    package init(path: String) { self.path = path }

    /// Sends `method target` with `body` (JSON, when given) and any extra `headers` (`Name: value`),
    /// and reads the whole answer.
    package func send(_ method: String, _ target: String, body: String? = nil, headers: [String] = []) throws -> RawHTTPClient.Response {
        let socket = try connect()
        defer { close(socket) }
        try sendAll(socket, request(method, target, body: body, headers: headers))
        var reader = Reader(socket: socket)
        let (status, fields) = try reader.head()
        let bytes: [UInt8]
        if let length = fields["content-length"].flatMap(Int.init) {
            bytes = try reader.bytes(length)
        } else if fields["transfer-encoding"]?.lowercased() == "chunked" {
            var collected: [UInt8] = []
            while let chunk = try reader.chunk() { collected += chunk }
            bytes = collected
        } else {
            bytes = try reader.rest()
        }
        return RawHTTPClient.Response(status: status, headers: fields, body: bytes)
    }

    /// Sends `GET target` and hands each line of the streamed (chunked) body to `receive`, without
    /// its newline, until `receive` returns `false`, the server ends the body, or `limit` passes.
    /// Returns the answer's status; a status other than 200 ends it before any line.
    @discardableResult
    package func streamLines(_ target: String, limit: Duration, _ receive: (String) -> Bool) throws -> Int {
        let socket = try connect()
        defer { close(socket) }
        try sendAll(socket, request("GET", target, body: nil, headers: []))
        let deadline = ContinuousClock.now + limit
        var reader = Reader(socket: socket, deadline: deadline)
        let (status, fields) = try reader.head()
        guard status == 200, fields["transfer-encoding"]?.lowercased() == "chunked" else { return status }
        var pending: [UInt8] = []
        while ContinuousClock.now < deadline, let chunk = try reader.chunk() {
            pending += chunk
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if !receive(line) { return status }
            }
        }
        return status
    }

    private func request(_ method: String, _ target: String, body: String?, headers: [String]) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for header in headers { head += header + "\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        return Array((head + "\r\n" + (body ?? "")).utf8)
    }

    /// The address of the socket at `path`.
    package static func address(of path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw ClientError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        return address
    }

    private func connect() throws -> Int32 {
        var address = try Self.address(of: path)
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ClientError("socket() failed") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(socket)
            throw ClientError("connect(\(path)) failed: \(reason)")
        }
        return socket
    }

    /// Reads a response off a socket: the head, then the body by length, by chunk or to the end.
    private struct Reader {
        let socket: Int32
        /// When reading stops even if the server keeps the connection open (a stream).
        var deadline: ContinuousClock.Instant?
        private var buffer: [UInt8] = []
        private var ended = false

        init(socket: Int32, deadline: ContinuousClock.Instant? = nil) {
            self.socket = socket
            self.deadline = deadline
        }

        /// The status and the headers (names lowercased).
        mutating func head() throws -> (Int, [String: String]) {
            let text = String(decoding: try through([13, 10, 13, 10]).dropLast(4), as: UTF8.self)
            let lines = text.components(separatedBy: "\r\n")
            guard let status = lines.first.flatMap({ Int($0.split(separator: " ").dropFirst().first ?? "") }) else {
                throw ClientError("not an HTTP response: \(text.prefix(100))")
            }
            var fields: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return (status, fields)
        }

        /// The next chunk of a chunked body; `nil` after the last (or when the stream stops).
        mutating func chunk() throws -> [UInt8]? {
            guard let sizeLine = try? through([13, 10]),
                let size = Int(String(decoding: sizeLine.dropLast(2), as: UTF8.self).split(separator: ";").first ?? "", radix: 16)
            else { return nil }
            if size == 0 { return nil }
            let data = try bytes(size)
            _ = try bytes(2)
            return data
        }

        /// Exactly `count` bytes.
        mutating func bytes(_ count: Int) throws -> [UInt8] {
            while buffer.count < count {
                guard try fill() else { throw ClientError("the body ended after \(buffer.count) of \(count) bytes") }
            }
            defer { buffer.removeFirst(count) }
            return Array(buffer.prefix(count))
        }

        /// Everything until the server closes the connection.
        mutating func rest() throws -> [UInt8] {
            while try fill() {}
            defer { buffer.removeAll() }
            return buffer
        }

        /// The bytes up to and including `separator`.
        private mutating func through(_ separator: [UInt8]) throws -> [UInt8] {
            var searched = 0
            while true {
                if buffer.count >= separator.count {
                    for start in searched...(buffer.count - separator.count) where buffer[start..<start + separator.count].elementsEqual(separator) {
                        let end = start + separator.count
                        defer { buffer.removeFirst(end) }
                        return Array(buffer.prefix(end))
                    }
                    searched = buffer.count - separator.count + 1
                }
                guard try fill() else { throw ClientError("the connection ended after \(buffer.count) bytes without \(separator)") }
            }
        }

        /// Reads what has arrived; `false` once the server has closed the connection, or past the deadline.
        private mutating func fill() throws -> Bool {
            if ended { return false }
            if let deadline {
                let left = deadline - ContinuousClock.now
                guard left > .zero else { return false }
                var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                let milliseconds = Int32(min(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000, 10_000))
                guard poll(&descriptor, 1, max(milliseconds, 1)) > 0 else { return ContinuousClock.now < deadline }
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = recv(socket, &chunk, chunk.count, 0)
            guard count > 0 else {
                ended = true
                return false
            }
            buffer += chunk[0..<count]
            return true
        }
    }
}

/// A Unix socket bound at a path: listening (a live server's), or bound and never listened on,
/// which refuses connections as a dead server's leftover socket does.
package struct UnixListener {
    package let descriptor: Int32
    package let path: String

    /// Binds `path`, and listens on it when `listening`.
    package init(path: String, listening: Bool) throws {
        self.path = path
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard path.utf8.count < MemoryLayout.size(ofValue: address.sun_path) else { throw ClientError("'\(path)' is too long for a socket") }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let bound = withUnsafePointer(to: &address) { [descriptor] in
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, !listening || listen(descriptor, 1) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            if bound == 0 { unlink(path) }
            throw ClientError("cannot bind '\(path)': \(reason)")
        }
    }

    /// Closes it and removes its file.
    package func close() {
        Glibc.close(descriptor)
        unlink(path)
    }
}
