import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A deliberately dumb HTTP/1.1 client over a blocking loopback socket, for what test clients
/// smooth over: chunked bodies, bodies that stop early, headers written by hand.
package struct RawHTTPClient {
    package struct Response {
        package var status: Int
        package var headers: [String: String]
        package var body: [UInt8]
        package var text: String { String(decoding: body, as: UTF8.self) }

        package init(status: Int, headers: [String: String], body: [UInt8]) {
            (self.status, self.headers, self.body) = (status, headers, body)
        }
    }

    package let port: Int

    package init(port: Int) { self.port = port }

    /// Sends `head` (request line and headers, without the blank line), then each chunk of `chunks`
    /// with chunked transfer encoding, stopping early once the server has answered; returns the
    /// response and how many chunks were written.
    package func sendChunked(head: String, chunks: [[UInt8]]) throws -> (Response, chunksSent: Int) {
        let socket = try connect()
        defer { close(socket) }
        try sendAll(socket, Array((head + "\r\nTransfer-Encoding: chunked\r\n\r\n").utf8))
        var sent = 0
        for chunk in chunks {
            if hasData(socket) { break }
            let frame = Array(String(chunk.count, radix: 16).utf8) + [13, 10] + chunk + [13, 10]
            guard (try? sendAll(socket, frame)) != nil else { break }
            sent += 1
        }
        if sent == chunks.count { _ = try? sendAll(socket, Array("0\r\n\r\n".utf8)) }
        return (try readResponse(socket), sent)
    }

    /// Sends `head`, then `bytes` one at a time with a pause between them (a slow client), stopping
    /// once the server has answered; returns the response.
    package func sendSlowly(head: String, bytes: [UInt8], every pause: Duration) throws -> Response {
        let socket = try connect()
        defer { close(socket) }
        try sendAll(socket, Array((head + "\r\n\r\n").utf8))
        for byte in bytes {
            if hasData(socket) { break }
            guard (try? sendAll(socket, [byte])) != nil else { break }
            usleep(UInt32(pause.components.attoseconds / 1_000_000_000_000))
        }
        return try readResponse(socket)
    }

    /// Opens a connection, sends nothing, and returns how many seconds pass before the server
    /// closes it (or `limit`).
    package func secondsUntilClosed(limit: Double) throws -> Double {
        let socket = try connect()
        defer { close(socket) }
        let start = Date()
        var byte: UInt8 = 0
        while Date().timeIntervalSince(start) < limit {
            if hasData(socket), recv(socket, &byte, 1, 0) <= 0 { return Date().timeIntervalSince(start) }
        }
        return limit
    }

    /// Sends raw request bytes and reads the response.
    package func send(_ request: [UInt8]) throws -> Response {
        let socket = try connect()
        defer { close(socket) }
        try sendAll(socket, request)
        return try readResponse(socket)
    }

    /// What came back for a request whose answer may break off: the status, the length the head
    /// announced, and the body bytes that arrived before the connection closed (or the answer ended).
    package struct PartialResponse {
        package var status: Int
        package var announcedLength: Int?
        package var received: Int
        package var isWhole: Bool { announcedLength == received }
    }

    /// Sends raw request bytes and reads until the answer is whole or the connection closes (or
    /// `limit` seconds pass without a byte); `nil` when no head came.
    package func sendReadingUntilClosed(_ request: [UInt8], limit: Int = 20) throws -> PartialResponse? {
        let socket = try connect(receiveTimeout: limit)
        defer { close(socket) }
        try sendAll(socket, request)
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let response = parse(buffer) {
                return PartialResponse(status: response.status, announcedLength: response.body.count, received: response.body.count)
            }
            let count = recv(socket, &chunk, chunk.count, 0)
            if count <= 0 { break }
            buffer.append(contentsOf: chunk[0..<count])
        }
        guard let head = Self.head(of: buffer) else { return nil }
        return PartialResponse(
            status: head.status, announcedLength: head.headers["content-length"].flatMap(Int.init), received: buffer.count - head.bodyStart)
    }

    /// Sends raw request bytes and closes the connection without waiting for the answer: a client
    /// that gives up.
    package func sendAndLeave(_ request: [UInt8]) throws {
        let socket = try connect()
        defer { close(socket) }
        try sendAll(socket, request)
    }

    /// A connected blocking socket whose reads give up after `receiveTimeout` seconds without a byte.
    package func connect(receiveTimeout: Int = 10) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ClientError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(socket)
            throw ClientError("connect() failed")
        }
        return socket
    }

    private func hasData(_ socket: Int32) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 20) > 0
    }

    private func readResponse(_ socket: Int32) throws -> Response {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socket, &chunk, chunk.count, 0)
            if count <= 0 { break }
            buffer.append(contentsOf: chunk[0..<count])
            if let response = parse(buffer) { return response }
        }
        guard let response = parse(buffer) else { throw ClientError("incomplete response: \(buffer.count) bytes") }
        return response
    }

    private func parse(_ buffer: [UInt8]) -> Response? {
        guard let head = Self.head(of: buffer) else { return nil }
        let body = Array(buffer[head.bodyStart...])
        if let length = head.headers["content-length"].flatMap(Int.init) {
            guard body.count >= length else { return nil }
            return Response(status: head.status, headers: head.headers, body: Array(body.prefix(length)))
        }
        return nil
    }

    /// The status and headers (names lowercased) of a response whose head has arrived whole in
    /// `buffer`, and where its body starts; `nil` before that.
    package static func head(of buffer: [UInt8]) -> (status: Int, headers: [String: String], bodyStart: Int)? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard buffer.count >= 4, let end = (0...(buffer.count - 4)).first(where: { buffer[$0..<$0 + 4].elementsEqual(separator) }) else {
            return nil
        }
        let lines = String(decoding: buffer[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers, end + 4)
    }
}

package struct ClientError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// Writes all of `bytes` to `socket` (without SIGPIPE), for the test clients of either kind of socket.
package func sendAll(_ socket: Int32, _ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard written > 0 else { throw ClientError("send() failed") }
        offset += written
    }
}
