import Foundation
import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
import NIOCore
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// What one client, or one burst, may hold of the server.
@Suite("Limits on what a client can hold", .keepsServerLogs)
struct HardeningTests {
    func server(_ backbone: any Backbone, limits: ServerLimits) throws -> MMCPServer {
        try MMCPServer(["null": backbone], options: MMCPOptions(host: "127.0.0.1", port: 0, limits: limits))
    }

    @Test("beyond the in-flight cap a request is refused at once with 503 resource_exhausted and Retry-After")
    func inFlightCap() async throws {
        let gated = GatedBackbone(id: "null")
        let server = try server(gated, limits: ServerLimits(maxInFlightPerModel: 2))
        try await server.setUp()
        let handler = server.generateHandler
        async let first = handler.handle(body: Array(TestRequests.base.utf8))
        async let second = handler.handle(body: Array(TestRequests.base.utf8))
        try await waitUntil { gated.callsStarted >= 2 }
        let third = await handler.handle(body: Array(TestRequests.base.utf8))
        #expect(third.status == 503)
        #expect(third.errorCode == "resource_exhausted")
        #expect(third.retryAfter == 5)
        gated.open()
        #expect(await first.status == 200)
        #expect(await second.status == 200)
    }

    @Test("a generate call past the timeout is answered 504 timeout and cancelled")
    func generateTimeout() async throws {
        let gated = GatedBackbone(id: "null")
        let server = try server(gated, limits: ServerLimits(generateTimeout: .milliseconds(100)))
        try await server.setUp()
        let answer = await server.generateHandler.handle(body: Array(TestRequests.base.utf8))
        #expect(answer.status == 504)
        #expect(answer.errorCode == "timeout")
        #expect(server.registry.model(forKey: "null")?.inFlight == 0)
    }

    @Test("a client that trickles its body is answered 408 and cut off")
    func slowClients() async throws {
        // A long idle timeout: only the body deadline may end this connection, even on a busy machine.
        let server = try server(NullBackbone(), limits: ServerLimits(bodyReadTimeout: .milliseconds(300), idleTimeout: .seconds(30)))
        let app = buildApp(server)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let trickle = try await offPool {
                try RawHTTPClient(port: port).sendSlowly(
                    head: "POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000", bytes: Array(repeating: UInt8(ascii: " "), count: 40),
                    every: .milliseconds(50))
            }
            #expect(trickle.status == 408)
        }
    }
}
