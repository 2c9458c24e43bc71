import Foundation
import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
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
/// holds, running out of descriptors; and the HTTP/1 details a connection's end depends on. The
/// tests that need a real `mmcp-console` are `ListenerLimitsProcessTests` (MotionMCPProcessTests).
@Suite("Listener limits", .keepsServerLogs)
struct ListenerLimitsTests {
    // MARK: Connection caps

    @Test("the MMCP connection cap defaults to three quarters of the descriptor limit less 64, at least 16")
    func defaultConnectionCap() {
        #expect(ServerLimits.defaultMaxConnections(descriptorLimit: 1024) == 704)
        #expect(ServerLimits.defaultMaxConnections(descriptorLimit: 65536) == 49088)
        #expect(ServerLimits.defaultMaxConnections(descriptorLimit: 96) == 16)
        #expect(ServerLimits.defaultMaxConnections(descriptorLimit: nil) == 4096)
        #expect(ServerLimits().effectiveMaxConnections == ServerLimits.defaultMaxConnections(descriptorLimit: descriptorLimit()))
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

    // MARK: Helpers

    /// Runs `body` with the port of an in-process server of one NullBackbone with `limits`.
    func withLiveServer(limits: ServerLimits = ServerLimits(), _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let server = try MMCPServer(["null": NullBackbone()], options: MMCPOptions(host: "127.0.0.1", port: 0, limits: limits))
        try await buildApp(server).test(.live) { client in
            try await body(try #require(client.port))
        }
    }
}
