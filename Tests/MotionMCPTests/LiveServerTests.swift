import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// Requests over a real loopback connection, for what only a socket shows: streamed bodies, the
/// body cap while streaming, huge nesting.
@Suite("A live server on loopback", .keepsServerLogs)
struct LiveServerTests {
    func withLiveServer(_ server: MMCPServer, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let app = buildApp(server)
        try await app.test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    @Test("a chunked body within the cap is read whole and answered")
    func chunkedWithinCap() async throws {
        try await withLiveServer(try MMCPServer(NullBackbone(), options: .loopback)) { port in
            let body = Array(TestRequests.base.utf8)
            let chunks = stride(from: 0, to: body.count, by: 100).map { Array(body[$0..<min($0 + 100, body.count)]) }
            let (response, _) = try await offPool {
                try RawHTTPClient(port: port).sendChunked(head: "POST /generate HTTP/1.1\r\nHost: localhost", chunks: chunks)
            }
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "model/gltf+json")
        }
    }

    @Test("a chunked body over the cap is refused with 413 before it ends, without request_bytes")
    func chunkedOverCap() async throws {
        var spec = NullBackbone().spec
        spec.limits.maxRequestBytes = 10_000
        try await withLiveServer(try MMCPServer(NullBackbone(modelID: "null", spec: spec), options: .loopback)) { port in
            // Many more chunks than the cap needs, so that even a machine busy with the rest of the
            // suite answers before the client has sent them all.
            let chunks = Array(repeating: [UInt8](repeating: UInt8(ascii: " "), count: 4096), count: 2000)
            let (response, sent) = try await offPool {
                try RawHTTPClient(port: port).sendChunked(head: "POST /generate HTTP/1.1\r\nHost: localhost", chunks: chunks)
            }
            #expect(response.status == 413)
            #expect(
                response.text
                    == #"{"error":{"code":"payload_too_large","message":"request body is more than 10000 bytes; max_request_bytes is 10000","details":{"max_request_bytes":10000}}}"#
            )
            #expect(sent < 2000)
        }
    }

    @Test("a Content-Length over the cap is refused with 413 before the body is read")
    func declaredLengthOverCap() async throws {
        try await withLiveServer(try MMCPServer(NullBackbone(), options: .loopback)) { port in
            let head = "POST /generate HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000000\r\n\r\n"
            let response = try await offPool { try RawHTTPClient(port: port).send(Array(head.utf8) + Array(TestRequests.base.utf8)) }
            #expect(response.status == 413)
            #expect(response.text.contains(#""details":{"max_request_bytes":1048576,"request_bytes":5000000}"#))
        }
    }

    @Test("50 000 levels of nesting get a 422, alone and inside a batch")
    func extremeNesting() async throws {
        try await withLiveServer(try MMCPServer(NullBackbone(), options: .loopback)) { port in
            let nested = String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)
            for body in [nested, #"{"protocol_version":"1.4","requests":["# + nested + "]}"] {
                let head = "POST /generate HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                let response = try await offPool { try RawHTTPClient(port: port).send(Array(head.utf8) + Array(body.utf8)) }
                #expect(response.status == 422)
                #expect(response.text.hasPrefix(#"{"error":{"code":"schema_validation","message":"request body is not valid JSON: "#))
            }
        }
    }

    @Test("a trailing slash is redirected to an absolute URL on the host the client used")
    func trailingSlashRedirect() async throws {
        try await withLiveServer(try MMCPServer(NullBackbone(), options: .loopback)) { port in
            let request = "GET /generate/ HTTP/1.1\r\nHost: motion.example:8000\r\nContent-Length: 0\r\n\r\n"
            let response = try await offPool { try RawHTTPClient(port: port).send(Array(request.utf8)) }
            #expect(response.status == 307)
            #expect(response.headers["location"] == "http://motion.example:8000/generate")
        }
    }

    @Test("the server answers over a real connection with the reference's bytes for /capabilities")
    func capabilitiesOverSocket() async throws {
        try await withLiveServer(try MMCPServer(NullBackbone(), options: .loopback)) { port in
            let response = try await offPool {
                try RawHTTPClient(port: port).send(Array("GET /capabilities HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
            }
            #expect(response.status == 200)
            #expect(response.body.count == 1615)
        }
    }
}
