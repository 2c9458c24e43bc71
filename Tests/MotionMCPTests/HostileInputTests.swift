import Foundation
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// Nothing an upstream, a client or a terminal does wedges, floods or crashes the server: ids and
/// spec values are checked where they enter, every log line is escaped, and the command line's
/// faults are one clear line each (issue 19). The tests that need a real `mmcp-console` are
/// `HostileInputProcessTests` (MotionMCPProcessTests).
@Suite("Hostile ids, values and environments", .keepsServerLogs)
struct HostileInputTests {
    @Test("a gateway model whose only upstream went away reads unreachable in the snapshot, on the wire, in the status line and in /readyz")
    func unreachableEverywhere() async throws {
        var options = MMCPOptions.loopback
        options.operationalEndpoints = true
        let gateway = try MMCPServer.fronting(
            GatewayOptions(allowedHosts: ["127.0.0.1"], probeInterval: .milliseconds(100)), options: options)
        try await buildApp(gateway).test(.live) { client in
            let port = try #require(client.port)
            let runtime = MMCPRuntime(server: gateway, listenAddress: "127.0.0.1:\(port)")
            try await buildApp(try MMCPServer.onLoopback([NullBackbone(modelID: "walker")])).test(.live) { upstream in
                try await runtime.addUpstream("http://127.0.0.1:\(try #require(upstream.port))")
                try await waitUntil { runtime.snapshot().models.first?.readinessName == "ready" }
            }
            guard try await waitUntil({ runtime.snapshot().models.first?.readinessName == "unreachable" }) else { return }
            let model = try #require(runtime.snapshot().models.first)
            #expect(model.state == .ready)
            #expect(StatusLog.line(model).hasPrefix("walker unreachable "))
            let wire = ControlWire.encode(runtime.snapshot())
            let entry = try #require(wire.objectValue?["models"]?.arrayValue?.first?.objectValue)
            #expect(entry["readiness"] == .string("unreachable"))
            #expect(entry["state"] == .string("ready"))
            // What attach --once and --json read back.
            let decoded = try ControlWire.decodeSnapshot(wire)
            #expect(decoded.models.first?.readinessName == "unreachable")
            #expect(decoded.readyCount == 0)
            let readiness = try await RawHTTPClient(port: port).get("/readyz")
            #expect(readiness.text.contains(#""walker":"unreachable""#), "\(readiness.text)")
        }
    }
}
