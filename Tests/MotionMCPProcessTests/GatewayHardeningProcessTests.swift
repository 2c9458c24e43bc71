import Foundation
import HummingbirdTesting
import MotionMCPTestSupport
import Testing

@testable import MotionMCP

/// `GatewayHardeningTests` on a real gateway process: SIGTERM is not held by an upstream that
/// keeps an answer open.
@Suite("A real gateway against a misbehaving upstream", .keepsServerLogs)
struct GatewayHardeningProcessTests {
    @Test("SIGTERM ends a real gateway within its drain timeout while an upstream holds an answer open")
    func sigtermIsNotHeldByAnUpstream() async throws {
        let healthy = try MMCPServer.onLoopback([NullBackbone(modelID: "walker")])
        try await buildApp(healthy).test(.live) { healthyClient in
            let healthyPort = try #require(healthyClient.port)
            let capabilities = try await offPool {
                try RawHTTPClient(port: healthyPort).send(Array("GET /capabilities HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).body
            }
            let bad = try await MisbehavingUpstream.start(capabilities: capabilities, behaviour: .stall)
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("stalled-gateway-\(UUID().uuidString).log")
            let gateway = try ServerProcess(
                port: try freePort(), arguments: ["--upstream", "http://127.0.0.1:\(bad.port)", "--drain-timeout", "1"], log: log)
            defer {
                gateway.kill()
                try? FileManager.default.removeItem(at: log)
            }
            guard try await gateway.waitUntilReady() else {
                await bad.stop()
                Issue.record("the gateway never became ready: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
                return
            }
            async let answer = offPool {
                try RawHTTPClient(port: gateway.port).sendReadingUntilClosed(TestRequests.rawGenerate(TestRequests.base(model: "walker")))
            }
            #expect(try await waitUntil { bad.generateRequests == 1 })
            let clock = ContinuousClock()
            let signalled = clock.now
            gateway.terminate()
            let exited = try await gateway.waitForExit(timeout: .seconds(15))
            #expect(exited, "still running 15 s after SIGTERM with --drain-timeout 1")
            #expect(clock.now - signalled < .seconds(10))
            #expect(try await answer?.isWhole == false)
            #expect(try await waitUntil { bad.closedGenerateConnections == 1 })
            await bad.stop()
        }
    }
}
