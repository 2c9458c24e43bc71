import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

#if canImport(Glibc)
    import Glibc
#endif

/// What every listener (the MMCP port, the control API's sockets and TCP listener) bounds before
/// and between requests: idle and half-sent connections, TLS handshakes, how many connections it
/// holds, running out of descriptors; and the HTTP/1 details a connection's end depends on.
@Suite("Listener limits", .keepsServerLogs)
struct ListenerLimitsTests {
    typealias Scratch = ControlAPITests.Scratch

    // MARK: Timeouts

    @Test("idle control connections, on the Unix socket and over TCP, are closed after the idle timeout")
    func idleControlConnections() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tokens = try scratch.writeTokens()
        let controlPort = try freePort()
        let server = try scratch.startServer([
            "--idle-timeout", "0.5", "--control-listen", "127.0.0.1:\(controlPort)", "--control-token-file", tokens.file,
        ])
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let tcp = try RawSocket(port: controlPort)
        let unix = try RawSocket(unixPath: scratch.socket)
        // Without the timeout both would stay open for good; 20 s is generous for a loaded machine.
        #expect(try await offPool { tcp.closesWithin(seconds: 20) })
        #expect(try await offPool { unix.closesWithin(seconds: 20) })
    }

    @Test("a request head that stops arriving is closed after --header-timeout, on the MMCP port and the control API, long before the idle timeout")
    func halfSentHead() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tokens = try scratch.writeTokens()
        let controlPort = try freePort()
        let server = try scratch.startServer([
            "--header-timeout", "0.5", "--idle-timeout", "600", "--control-listen", "127.0.0.1:\(controlPort)", "--control-token-file",
            tokens.file,
        ])
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let mmcp = try RawSocket(port: server.port)
        let control = try RawSocket(port: controlPort)
        // A connection that sends nothing is idle (600 s): it stays open while the others close.
        let idle = try RawSocket(port: server.port)
        try mmcp.send("GET /healthz HTTP/1.1\r\nHost: x\r\nAcc")
        try control.send("GET /v1/snapshot HTTP/1.1\r\nHo")
        #expect(try await offPool { mmcp.closesWithin(seconds: 20) })
        #expect(try await offPool { control.closesWithin(seconds: 20) })
        #expect(!idle.isClosed)
    }

    @Test(
        "a TLS client that never completes its handshake is closed after --header-timeout",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs openssl to make the certificates"))
    func stalledTLSHandshake() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try await scratch.makeCertificates()
        let tokens = try scratch.writeTokens()
        let controlPort = try freePort()
        let server = try scratch.startServer([
            "--header-timeout", "0.5", "--idle-timeout", "600", "--control-listen", "127.0.0.1:\(controlPort)", "--control-tls-cert",
            scratch.file("server.pem"), "--control-tls-key", scratch.file("server.key"), "--control-token-file", tokens.file,
        ])
        defer { server.kill() }
        guard try await scratch.isServing(server),
            try await waitUntil({ (try? String(contentsOf: server.log, encoding: .utf8))?.contains("address=https://") == true })
        else { return }
        // The first bytes of a ClientHello's record header, then nothing.
        let stalled = try RawSocket(port: controlPort)
        try stalled.send([0x16, 0x03, 0x01])
        let silent = try RawSocket(port: controlPort)
        #expect(try await offPool { stalled.closesWithin(seconds: 20) })
        #expect(try await offPool { silent.closesWithin(seconds: 20) })
    }

    // MARK: Connection caps

    @Test("with the control connection cap reached, a new control connection is closed at once and the MMCP port still answers")
    func controlConnectionCap() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tokens = try scratch.writeTokens()
        let controlPort = try freePort()
        let server = try scratch.startServer([
            "--control-max-connections", "2", "--control-listen", "127.0.0.1:\(controlPort)", "--control-token-file", tokens.file,
        ])
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let held = try (0..<2).map { _ in try RawSocket(port: controlPort) }
        // The server counts a connection once it has accepted it: retry until the third is refused.
        var refused = false
        for _ in 0..<100 where !refused {
            let extra = try RawSocket(port: controlPort)
            refused = try await offPool { extra.closesWithin(seconds: 0.5) }
        }
        #expect(refused)
        #expect(try await offPool { try RawHTTPClient(port: server.port).send(Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).status } == 200)
        // The connections it holds still work.
        let answer = try await offPool {
            try held[0].exchange(
                "GET /v1/snapshot HTTP/1.1\r\nHost: 127.0.0.1:\(controlPort)\r\nAuthorization: Bearer \(tokens.read)\r\nConnection: close\r\n\r\n")
        }
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer.prefix(200))")
        let log = try String(contentsOf: server.log, encoding: .utf8)
        #expect(log.contains("connection cap reached"), "\(log)")
    }

    @Test("with --max-connections reached, a new connection to the MMCP port is closed at once and those it holds are answered")
    func mmcpConnectionCap() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let server = try scratch.startServer(["--max-connections", "2"])
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        // Connections until one is closed at once: at most two are held (fewer while the server
        // has yet to see the end of the readiness checks' connections).
        var held: [RawSocket] = []
        var refused = false
        for _ in 0..<100 where !refused {
            let socket = try RawSocket(port: server.port)
            if try await offPool({ socket.closesWithin(seconds: 0.5) }) { refused = true } else { held.append(socket) }
        }
        #expect(refused)
        #expect((1...2).contains(held.count), "\(held.count) connections held")
        guard let last = held.last else { return }
        let answer = try await offPool { try last.exchange("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") }
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
    }

    @Test("the MMCP connection cap defaults to three quarters of the descriptor limit less 64, at least 16")
    func defaultConnectionCap() {
        #expect(ServerLimits.defaultMaxConnections(descriptorLimit: 1024) == 704)
        #expect(ServerLimits.defaultMaxConnections(descriptorLimit: 65536) == 49088)
        #expect(ServerLimits.defaultMaxConnections(descriptorLimit: 96) == 16)
        #expect(ServerLimits.defaultMaxConnections(descriptorLimit: nil) == 4096)
        #expect(ServerLimits().effectiveMaxConnections == ServerLimits.defaultMaxConnections(descriptorLimit: descriptorLimit()))
    }

    @Test(
        "a server with few descriptors, its control API flooded, answers on the MMCP port and does not spin",
        arguments: [nil, 1000] as [Int?])
    func floodedWithFewDescriptors(controlCap: Int?) async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tokens = try scratch.writeTokens()
        let (port, controlPort) = (try freePort(), try freePort())
        var arguments = [
            "--headless", "--host", "127.0.0.1", "--port", "\(port)", "--control", scratch.socket, "--control-listen", "127.0.0.1:\(controlPort)",
            "--control-token-file", tokens.file,
        ]
        // 1000 lets the flood reach the descriptor limit: accepting then fails with EMFILE.
        if let controlCap { arguments += ["--control-max-connections", "\(controlCap)"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", "ulimit -n 96 && exec \"$0\" \"$@\"", CommandLineTests.binary.path] + arguments
        process.environment = TestEnvironment.server(controlSocket: scratch.socket)
        let log = URL(fileURLWithPath: scratch.file("server.log"))
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        let healthz = Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let client = RawHTTPClient(port: port)
        guard
            try await waitUntil(
                attempts: 200, every: .milliseconds(50), { (try? await offPool { try client.send(healthz).status }) == 200 })
        else { return }
        var flood: [RawSocket] = []
        for _ in 0..<200 { flood.append(try RawSocket(port: controlPort)) }
        let pid = process.processIdentifier
        let before = try cpuSeconds(of: pid)
        try await Task.sleep(for: .seconds(3))
        let spent = try cpuSeconds(of: pid) - before
        // A spinning accept loop burns the whole 3 s; an idle server a few hundredths.
        #expect(spent < 1, "the server used \(spent) s of CPU in 3 s")
        if controlCap == nil {
            #expect(try await offPool { try client.send(healthz).status } == 200)
        } else {
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(text.contains("out of file descriptors"), "\(text)")
        }
        flood.removeAll()
        #expect(try await waitUntil(attempts: 200, every: .milliseconds(50), { (try? await offPool { try client.send(healthz).status }) == 200 }))
        #expect(process.isRunning)
    }

    // MARK: HTTP/1 details

    @Test("an HTTP/1.0 request without keep-alive is answered with Connection: close and the connection closed")
    func http10() async throws {
        try await withLiveServer { port in
            let socket = try RawSocket(port: port)
            let answer = try await offPool { try socket.exchange("GET /capabilities HTTP/1.0\r\n\r\n") }
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
            #expect(answer.lowercased().contains("connection: close"), "\(answer)")
        }
    }

    @Test("Expect: 100-continue is answered 100 Continue before the client sends its body, as uvicorn does")
    func expectContinue() async throws {
        try await withLiveServer { port in
            let socket = try RawSocket(port: port)
            try socket.send(
                "POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
            let interim = try await offPool { try socket.receive(until: "\r\n\r\n") }
            #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
            try socket.send("{}")
            let final = try await offPool { try socket.receive(until: "}}}") }
            #expect(final.hasPrefix("HTTP/1.1 422"), "\(final)")
        }
    }

    @Test("a body that stops arriving is answered 408 after --body-timeout and the connection closed")
    func stalledBody() async throws {
        let limits = ServerLimits(bodyReadTimeout: .milliseconds(300), idleTimeout: .seconds(600))
        try await withLiveServer(limits: limits) { port in
            let socket = try RawSocket(port: port)
            let answer = try await offPool {
                try socket.exchange("POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\"")
            }
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        }
    }

    @Test("a control body over 256 KiB is refused with 413 JSON before the route runs, and the connection closed")
    func controlBodyCap() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tokens = try scratch.writeTokens()
        let controlPort = try freePort()
        let server = try scratch.startServer(["--control-listen", "127.0.0.1:\(controlPort)", "--control-token-file", tokens.file])
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let body = #"{"pad":""# + String(repeating: "a", count: 300 * 1024) + #""}"#
        let head = "POST /v1/shutdown HTTP/1.1\r\nHost: 127.0.0.1:\(controlPort)\r\nAuthorization: Bearer \(tokens.admin)\r\n"
        for framing in ["Content-Length: \(body.utf8.count)\r\n\r\n\(body)", "Transfer-Encoding: chunked\r\n\r\n" + Self.chunked(body)] {
            let socket = try RawSocket(port: controlPort)
            let answer = try await offPool { try socket.exchange(head + framing) }
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(300))")
            #expect(answer.contains(#"{"error":"bad_request","message":"the body is over 262144 bytes"}"#), "\(answer.prefix(300))")
        }
        // Not shut down: the route never ran.
        #expect(try await offPool { try RawHTTPClient(port: server.port).send(Array("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).status } == 200)
        #expect(server.isRunning)
    }

    @Test("a control body that stops arriving is answered 408 JSON after --body-timeout, and the connection closed")
    func stalledControlBody() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tokens = try scratch.writeTokens()
        let controlPort = try freePort()
        let server = try scratch.startServer([
            "--body-timeout", "0.5", "--idle-timeout", "600", "--control-listen", "127.0.0.1:\(controlPort)", "--control-token-file", tokens.file,
        ])
        defer { server.kill() }
        guard try await scratch.isServing(server) else { return }
        let socket = try RawSocket(port: controlPort)
        let answer = try await offPool {
            try socket.exchange(
                "PUT /v1/openapi HTTP/1.1\r\nHost: 127.0.0.1:\(controlPort)\r\nAuthorization: Bearer \(tokens.admin)\r\nContent-Length: 40\r\n\r\n{\"enab"
            )
        }
        #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer)")
        #expect(answer.contains(#"{"error":"timeout","#), "\(answer)")
    }

    @Test("a token file giving the same token twice is refused at start with one line and status 2")
    func repeatedToken() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = scratch.file("tokens")
        try "read watcher 0123456789abcdef0123\nadmin root 0123456789abcdef0123\n".write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, 0o600)
        let result = try await runToEnd(
            CommandLineTests.binary.path,
            [
                "--headless", "--host", "127.0.0.1", "--port", "\(try freePort())", "--control", scratch.socket, "--control-listen",
                "127.0.0.1:\(try freePort())", "--control-token-file", file,
            ], environment: TestEnvironment.server())
        #expect(result.status == 2, "\(result.errors)")
        #expect(result.errors.split(separator: "\n").count == 1, "\(result.errors)")
        #expect(result.errors.contains("line 2: the same token as line 1"), "\(result.errors)")
    }

    // MARK: Helpers

    /// `body` in chunks of 64 KiB with chunked transfer encoding, the last chunk included.
    static func chunked(_ body: String) -> String {
        let bytes = Array(body.utf8)
        var framed = ""
        for start in stride(from: 0, to: bytes.count, by: 65536) {
            let chunk = bytes[start..<min(start + 65536, bytes.count)]
            framed += String(chunk.count, radix: 16) + "\r\n" + String(decoding: chunk, as: UTF8.self) + "\r\n"
        }
        return framed + "0\r\n\r\n"
    }

    /// Runs `body` with the port of an in-process server of one NullBackbone with `limits`.
    func withLiveServer(limits: ServerLimits = ServerLimits(), _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let server = try MMCPServer(["null": NullBackbone()], options: MMCPOptions(host: "127.0.0.1", port: 0, limits: limits))
        try await buildApp(server).test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    /// The CPU time (user and system) process `pid` has used, from `/proc/PID/stat`.
    func cpuSeconds(of pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (which may hold spaces) start at the state, field 3.
        guard let end = stat.lastIndex(of: ")") else { throw ClientError("cannot read /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw ClientError("cannot read /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// A connected stream socket (TCP on loopback, or Unix), closed when the value goes.
final class RawSocket: Sendable {
    let descriptor: Int32

    /// A connection to `port` on 127.0.0.1.
    init(port: Int) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        descriptor = try Self.connect(AF_INET, &address)
    }

    /// A connection to the Unix socket at `unixPath`.
    init(unixPath: String) throws {
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

    func send(_ text: String) throws { try sendAll(descriptor, Array(text.utf8)) }
    func send(_ bytes: [UInt8]) throws { try sendAll(descriptor, bytes) }

    /// Whether the server closes the connection within `seconds` (reading and dropping what it sends).
    func closesWithin(seconds: Double) -> Bool {
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
    var isClosed: Bool {
        var poll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard Glibc.poll(&poll, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, Int32(MSG_PEEK)) <= 0
    }

    /// Sends `request` and reads until the server closes the connection (at most 20 s).
    func exchange(_ request: String) throws -> String {
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
    func receive(until terminator: String) throws -> String {
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
