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

/// The gateway in process: upstream servers and the gateway in front of them all on loopback,
/// each over a real connection.
@Suite("The gateway", .keepsServerLogs)
struct GatewayTests {
    @Test(
        "an upstream address is an http(s) URL, optionally with a model id and a path prefix",
        arguments: [
            ("http://gpu-1:8000", "http://gpu-1:8000", nil as String?),
            ("https://gpu-1", "https://gpu-1:443", nil),
            ("http://10.0.0.7", "http://10.0.0.7:80", nil),
            ("walker=http://gpu-1:8000/motion/", "http://gpu-1:8000/motion", "walker"),
            ("http://[::1]:9000", "http://[::1]:9000", nil),
            ("http://[fe80::1]", "http://[fe80::1]:80", nil),
        ])
    func addressParses(_ text: String, _ url: String, _ modelID: String?) throws {
        let address = try UpstreamAddress(parsing: text)
        #expect(address.url == url)
        #expect(address.modelID == modelID)
    }

    @Test(
        "an address that is not an http(s) URL, or that carries credentials, a query or a fragment, is refused with why",
        arguments: [
            ("gpu-1:8000", "must be an http:// or https:// URL"),
            ("ftp://gpu-1", "must be an http:// or https:// URL"),
            ("http://user:secret@gpu-1:8000", "must not carry a user name or password"),
            ("http://gpu-1:8000/?key=secret", "must not carry a query or a fragment"),
            ("http://gpu-1:8000#x", "must not carry a query or a fragment"),
            ("http://:8000", "is not HOST[:PORT]"),
            ("http://gpu-1:99999", "is not HOST[:PORT]"),
            ("http://::1:80", "is not HOST[:PORT]"),
            ("=http://gpu-1", "an empty model id"),
        ])
    func addressRefused(_ text: String, _ reason: String) {
        #expect {
            try UpstreamAddress(parsing: text)
        } throws: { error in
            "\(error)".contains(reason) && !"\(error)".contains("secret")
        }
    }

    @Test("probes: up at the first answer, down after three failures in a row, up again after two passes")
    func probeHealth() throws {
        let upstream = Upstream(address: try UpstreamAddress(parsing: "http://gpu-1:8000"))
        #expect(!upstream.isUp)
        upstream.record(.passed([]))
        #expect(upstream.isUp)
        for _ in 0..<2 { upstream.record(.failed("connection refused", timedOut: false)) }
        #expect(upstream.isUp)
        upstream.record(.failed("connection refused", timedOut: false))
        #expect(!upstream.isUp)
        upstream.record(.passed([]))
        #expect(!upstream.isUp)
        upstream.record(.passed([]))
        #expect(upstream.isUp)
    }

    @Test("a probe that times out while the upstream keeps answering requests does not count: it is busy, not down")
    func busyIsNotDown() throws {
        let upstream = Upstream(address: try UpstreamAddress(parsing: "http://gpu-1:8000"))
        upstream.record(.passed([]))
        upstream.answered(status: 200, errorCode: nil, for: "walker")
        for _ in 0..<5 { upstream.record(.failed("no answer in time", timedOut: true)) }
        #expect(upstream.isUp)
        #expect(upstream.snapshot(for: "walker", entry: .null).lastProbe?.failure?.contains("busy") == true)
        // A refused connection is not busy, whatever was answered before.
        for _ in 0..<3 { upstream.record(.failed("connection refused", timedOut: false)) }
        #expect(!upstream.isUp)
        // Nor is a timeout once nothing has been answered for longer than the evidence lasts.
        let clock = TestClock()
        let hung = Upstream(address: try UpstreamAddress(parsing: "http://gpu-2:8000"), clock: clock)
        hung.record(.passed([]))
        hung.answered(status: 200, errorCode: nil, for: "walker")
        clock.advance(by: Upstream.busyEvidence + .seconds(1))
        for _ in 0..<3 { hung.record(.failed("no answer in time", timedOut: true)) }
        #expect(!hung.isUp)
    }

    /// Runs `body` with a live server for each of `upstreams` and a gateway in front of them
    /// (with `local` models of its own), passing the gateway's server and port.
    /// `expecting` lists the models the gateway serves once its upstreams have answered: a probe
    /// that timed out on a busy machine is repeated, so the test waits for them.
    func withGateway(
        upstreams: [MMCPServer], local: [RegisteredModel] = [], allowedHosts: [String] = [], startWith: Int? = nil,
        clock: TestClock? = nil, expecting: Set<String>, _ body: @escaping @Sendable (MMCPServer, Int, [Int]) async throws -> Void
    ) async throws {
        try await withUpstreams(upstreams, ports: []) { ports in
            var options = MMCPOptions.loopback
            if let clock { options.clock = clock }
            let gateway = try MMCPServer.fronting(
                GatewayOptions(
                    upstreams: try ports.prefix(startWith ?? ports.count).map { try UpstreamAddress(parsing: "http://127.0.0.1:\($0)") },
                    allowedHosts: allowedHosts, probeInterval: Self.probeInterval), local: local, options: options)
            try await buildApp(gateway).test(.live) { client in
                #expect(
                    try await waitUntil(attempts: 2000, every: .milliseconds(10)) {
                        // On a test clock, a probe interval passes at every look, so a probe that
                        // timed out is repeated as on the real clock.
                        clock?.advance(by: Self.probeInterval)
                        return Set(gateway.registry.models.map(\.key)) == expecting
                    })
                try await body(gateway, try #require(client.port), ports)
            }
        }
    }

    /// How often the gateways of these tests probe their upstreams (give or take a fifth).
    static let probeInterval = Duration.milliseconds(200)

    private func withUpstreams(_ servers: [MMCPServer], ports: [Int], _ body: @escaping @Sendable ([Int]) async throws -> Void) async throws {
        guard let first = servers.first else { return try await body(ports) }
        try await buildApp(first).test(.live) { client in
            try await withUpstreams(Array(servers.dropFirst()), ports: ports + [try #require(client.port)], body)
        }
    }

    @Test("a replica whose entry differs from the model's is not used, and shows as a mismatch")
    func mismatchedReplica() async throws {
        let first = try MMCPServer.onLoopback([NullBackbone(modelID: "walker", fps: 30)])
        let second = try MMCPServer.onLoopback([NullBackbone(modelID: "walker", fps: 60)])
        try await withGateway(upstreams: [first, second], expecting: ["walker"]) { gateway, port, _ in
            let model = try #require(gateway.registry.model(forKey: "walker"))
            #expect(try await waitUntil(attempts: 2000, every: .milliseconds(10)) { model.snapshot().replicas?.count == 2 })
            #expect(model.snapshot().replicas?.map(\.state) == [.up, .mismatch])
            let capabilities = try await RawHTTPClient(port: port).get("/capabilities")
            #expect(capabilities.text.contains(#""fps":30.0"#) && !capabilities.text.contains(#""fps":60.0"#))
            for _ in 0..<4 {
                #expect(try await RawHTTPClient(port: port).generate(model: "walker").status == 200)
            }
            #expect(model.snapshot().replicas?.map(\.requests) == [4, 0])
        }
    }

    @Test("an upstream model never takes the id of a model served here")
    func localIDWins() async throws {
        let upstream = try MMCPServer.onLoopback([NullBackbone(modelID: "null", fps: 60), NullBackbone(modelID: "walker")])
        let local = [RegisteredModel(key: "null", backbone: NullBackbone())]
        try await withGateway(upstreams: [upstream], local: local, expecting: ["null", "walker"]) { gateway, port, _ in
            let ids = try await RawHTTPClient(port: port).capabilityIDs()
            #expect(ids == ["null", "walker"])
            #expect(gateway.registry.model(forKey: "null")?.remote == nil)
            #expect(gateway.registry.model(forKey: "walker")?.remote != nil)
        }
    }

    @Test("an upstream added at run time must name an allowed host; its models join; a drained one stays gone until it is added again")
    func addAtRunTime() async throws {
        let first = try MMCPServer.onLoopback([NullBackbone(modelID: "walker")])
        let second = try MMCPServer.onLoopback([NullBackbone(modelID: "dancer")])
        let clock = TestClock()
        try await withGateway(upstreams: [first, second], startWith: 1, clock: clock, expecting: ["walker"]) { gateway, port, ports in
            let runtime = MMCPRuntime(server: gateway, listenAddress: "127.0.0.1:\(port)")
            await #expect {
                try await runtime.addUpstream("http://169.254.169.254/latest")
            } throws: { error in
                "\(error)".contains("not allowed")
            }
            await #expect(throws: ControlError.self) { try await runtime.addUpstream("file:///etc/passwd") }
            try await runtime.addUpstream("http://127.0.0.1:\(ports[1])")
            #expect(try await waitUntil(attempts: 2000, every: .milliseconds(10)) { gateway.registry.model(forKey: "dancer") != nil })
            #expect(try await RawHTTPClient(port: port).capabilityIDs() == ["walker", "dancer"])

            let dancer = try #require(gateway.registry.model(forKey: "dancer"))
            await gateway.registry.drain([dancer], timeout: .seconds(5))
            // Three rounds of probes of both upstreams must not bring the drained model back: each
            // round, both probe loops wait on the clock, which then passes their longest interval.
            for _ in 0..<3 {
                #expect(try await waitUntil { clock.sleeperCount == 2 })
                clock.advance(by: Self.probeInterval * 1.2)
            }
            #expect(try await waitUntil { clock.sleeperCount == 2 })
            #expect(try await RawHTTPClient(port: port).capabilityIDs() == ["walker"])
            try await runtime.addUpstream("http://127.0.0.1:\(ports[1])")
            #expect(try await waitUntil(attempts: 2000, every: .milliseconds(10)) { gateway.registry.model(forKey: "dancer") != nil })
            #expect(try await RawHTTPClient(port: port).capabilityIDs() == ["walker", "dancer"])
        }
    }

    @Test("a gateway whose only upstream has never answered serves no model, and /readyz says it is not ready")
    func notReadyWithoutUpstreams() async throws {
        let options = MMCPOptions(host: "127.0.0.1", port: 0, operationalEndpoints: true)
        let gateway = try MMCPServer.fronting(
            GatewayOptions(upstreams: [try UpstreamAddress(parsing: "http://127.0.0.1:\(try freePort())")]), options: options)
        try await buildApp(gateway).test(.live) { client in
            let port = try #require(client.port)
            let readiness = try await RawHTTPClient(port: port).get("/readyz")
            #expect(readiness.status == 503)
            #expect(readiness.text == #"{"status":"unavailable","shutting_down":false,"models":{}}"#)
        }
    }

    @Test("a body over the upstream model's cap never leaves the gateway, and is answered as the reference answers it")
    func overCapAnsweredHere() async throws {
        var spec = NullBackbone().spec
        spec.limits.maxRequestBytes = 300
        let upstream = try MMCPServer.onLoopback([NullBackbone(modelID: "null", spec: spec)])
        // A local model with the default cap, so the body passes the server-wide cap and reaches the model's.
        let local = [RegisteredModel(key: "big", backbone: NullBackbone(modelID: "big"))]
        try await withGateway(upstreams: [upstream], local: local, expecting: ["big", "null"]) { gateway, port, _ in
            let response = try await RawHTTPClient(port: port).generate(model: "null")
            #expect(response.status == 413)
            #expect(response.text.contains(#""max_request_bytes":300,"request_bytes":"#))
            #expect(gateway.registry.model(forKey: "null")?.snapshot().replicas?.first?.requests == 0)
        }
    }
}
