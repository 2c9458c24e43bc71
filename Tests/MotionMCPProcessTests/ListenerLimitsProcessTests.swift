import Foundation
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

#if canImport(Glibc)
    import Glibc
#endif

/// `ListenerLimitsTests` on a real `mmcp-console`: idle and half-sent connections, TLS
/// handshakes, connection caps and running out of descriptors, on the MMCP port and the control
/// API's sockets and TCP listener.
@Suite("Listener limits of a real server", .keepsServerLogs)
struct ListenerLimitsProcessTests {
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
        process.arguments = ["-c", "ulimit -n 96 && exec \"$0\" \"$@\"", TestPaths.mmcpConsole.path] + arguments
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
            TestPaths.mmcpConsole.path,
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
