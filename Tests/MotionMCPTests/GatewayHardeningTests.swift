import Foundation
import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// Upstreams that misbehave on purpose (`MisbehavingUpstream`) behind a real gateway: no answer
/// that stalls, drips, breaks off, resets or never comes may hold a place, a drain or a client for
/// longer than its limits, and each failure is counted against its replica under a code. SIGTERM
/// to a real gateway process is `GatewayHardeningProcessTests` (MotionMCPProcessTests).
@Suite("The gateway against misbehaving upstreams", .keepsServerLogs)
struct GatewayHardeningTests {
    static let request = TestRequests.base(model: "walker")

    /// Runs `body` with a healthy upstream serving `walker`, a misbehaving one listing the same
    /// entry, and a gateway in front of `replicas` of them (`.bad`, `.healthy`, in that order), with
    /// `limits` and an idle limit of `idle`; passes the gateway's server and port and the bad upstream.
    func withGateway(
        _ behaviour: MisbehavingUpstream.Behaviour, replicas: [Replica] = [.bad], limits: ServerLimits = ServerLimits(),
        idle: Duration = .seconds(30), drainTimeout: Duration = .seconds(30), announcedLength: Int = 10_000_000,
        _ body: @escaping @Sendable (MMCPServer, Int, MisbehavingUpstream) async throws -> Void
    ) async throws {
        let healthy = try MMCPServer.onLoopback([NullBackbone(modelID: "walker")])
        try await buildApp(healthy).test(.live) { healthyClient in
            let healthyPort = try #require(healthyClient.port)
            let capabilities = try await offPool {
                try RawHTTPClient(port: healthyPort).send(Array("GET /capabilities HTTP/1.1\r\nHost: x\r\n\r\n".utf8)).body
            }
            let bad = try await MisbehavingUpstream.start(capabilities: capabilities, behaviour: behaviour, announcedLength: announcedLength)
            do {
                var options = MMCPOptions.loopback
                options.limits = limits
                options.drainTimeout = drainTimeout
                let gateway = try MMCPServer.fronting(
                    GatewayOptions(
                        upstreams: try replicas.map { try UpstreamAddress(parsing: "http://127.0.0.1:\($0 == .bad ? bad.port : healthyPort)") },
                        probeInterval: .milliseconds(200), idleTimeout: idle), options: options)
                try await buildApp(gateway).test(.live) { client in
                    guard try await waitUntil(attempts: 2000, every: .milliseconds(10), { gateway.registry.model(forKey: "walker") != nil })
                    else { return }
                    try await body(gateway, try #require(client.port), bad)
                }
            } catch {
                await bad.stop()
                throw error
            }
            await bad.stop()
        }
    }

    enum Replica { case bad, healthy }

    @Test("an answer that stalls mid-body is ended by the generate timeout, counted, and its place is free again")
    func stalledAnswerEndsAtTheDeadline() async throws {
        try await withGateway(.stall, limits: ServerLimits(maxInFlightPerModel: 1, generateTimeout: .milliseconds(600))) { gateway, port, _ in
            let answer = try await offPool { try RawHTTPClient(port: port).sendReadingUntilClosed(TestRequests.rawGenerate(Self.request)) }
            #expect(answer?.status == 200)
            #expect(answer?.announcedLength == 10_000_000)
            #expect(answer?.isWhole == false)
            let model = try #require(gateway.registry.model(forKey: "walker"))
            #expect(try await waitUntil { model.inFlight == 0 })
            // The client sees the connection close as the relay ends, a moment before it is counted.
            #expect(try await waitUntil { model.snapshot().errorCounts["upstream_unfinished"] == 1 })
        }
    }

    @Test("an answer that stops moving is ended by the idle limit even without a generate timeout")
    func stalledAnswerEndsAtTheIdleLimit() async throws {
        try await withGateway(.stall, idle: .milliseconds(500)) { gateway, port, _ in
            let answer = try await offPool { try RawHTTPClient(port: port).sendReadingUntilClosed(TestRequests.rawGenerate(Self.request)) }
            #expect(answer?.status == 200)
            #expect(answer?.isWhole == false)
            let model = try #require(gateway.registry.model(forKey: "walker"))
            #expect(try await waitUntil { model.inFlight == 0 })
            #expect(try await waitUntil { model.snapshot().errorCounts["upstream_stalled"] == 1 })
        }
    }

    @Test(
        "a small answer that breaks off or stops is read whole first, so the client gets the gateway's error answer, not a cut one",
        arguments: [(MisbehavingUpstream.Behaviour.cut, 503, "upstream_broke_off"), (.stall, 504, "upstream_stalled")])
    func smallAnswerIsCollected(_ behaviour: MisbehavingUpstream.Behaviour, _ status: Int, _ code: String) async throws {
        // Only the stall is ended by the idle limit; the cut must not be, however loaded the machine.
        let idle: Duration = behaviour == .stall ? .milliseconds(500) : .seconds(30)
        try await withGateway(behaviour, idle: idle, announcedLength: 100_000) { gateway, port, _ in
            let answer = try await offPool { try RawHTTPClient(port: port).send(TestRequests.rawGenerate(Self.request)) }
            #expect(answer.status == status)
            let model = try #require(gateway.registry.model(forKey: "walker"))
            #expect(model.inFlight == 0)
            #expect(model.snapshot().errorCounts[code] == 1, "\(model.snapshot().errorCounts)")
        }
    }

    @Test("an upstream that never answers gets 504 timeout every time, never a 503 a proxy would take for work not started")
    func hangIsAlwaysTimeout() async throws {
        try await withGateway(.hang, limits: ServerLimits(generateTimeout: .milliseconds(200))) { gateway, port, _ in
            for _ in 0..<6 {
                let answer = try await offPool { try RawHTTPClient(port: port).send(TestRequests.rawGenerate(Self.request)) }
                #expect(answer.status == 504)
                #expect(answer.text.contains(#""code":"timeout""#))
            }
            #expect(gateway.registry.model(forKey: "walker")?.snapshot().errorCounts["upstream_timeout"] == 6)
        }
    }

    @Test("a client that leaves while the upstream thinks frees its place at once and cancels the upstream's request")
    func clientLeavingCancels() async throws {
        try await withGateway(.hang) { gateway, port, bad in
            try await offPool { try RawHTTPClient(port: port).sendAndLeave(TestRequests.rawGenerate(Self.request)) }
            let model = try #require(gateway.registry.model(forKey: "walker"))
            #expect(try await waitUntil { bad.generateRequests == 1 })
            #expect(try await waitUntil { model.inFlight == 0 })
            #expect(try await waitUntil { bad.closedGenerateConnections == 1 })
            #expect(try await waitUntil { model.snapshot().errorCounts["client_closed"] == 1 })
        }
    }

    @Test("a drain whose timeout passes ends a stalled forwarded answer instead of waiting for the upstream")
    func drainEndsStalledAnswer() async throws {
        try await withGateway(.stall, drainTimeout: .milliseconds(300)) { gateway, port, _ in
            async let answer = offPool { try RawHTTPClient(port: port).sendReadingUntilClosed(TestRequests.rawGenerate(Self.request)) }
            let model = try #require(gateway.registry.model(forKey: "walker"))
            #expect(try await waitUntil { model.inFlight == 1 })
            let reports = await gateway.registry.drain([model], timeout: .milliseconds(300))
            #expect(reports.first?.outcome == .timedOut(cancelled: 1))
            #expect(try await answer?.isWhole == false)
            #expect(model.inFlight == 0)
        }
    }

    @Test(
        "a replica that breaks its answers beside a healthy twin is ejected, counted under a code, and the twin takes the traffic",
        arguments: [
            (MisbehavingUpstream.Behaviour.cut, "upstream_broke_off"), (.reset, "upstream_reset"), (.hang, "upstream_timeout"),
            (.drip, "upstream_unfinished"), (.stall, "upstream_stalled"),
        ])
    func brokenReplicaIsEjected(_ behaviour: MisbehavingUpstream.Behaviour, _ code: String) async throws {
        // Limits far above what a healthy answer takes on a loaded machine, and only the limit that
        // ends the bad replica's answer short: each failure is counted under its own code.
        let limits = ServerLimits(generateTimeout: .milliseconds(behaviour == .drip || behaviour == .hang ? 1500 : 30_000))
        let idle: Duration = behaviour == .stall ? .seconds(1) : .seconds(30)
        try await withGateway(behaviour, replicas: [.bad, .healthy], limits: limits, idle: idle) { gateway, port, bad in
            let model = try #require(gateway.registry.model(forKey: "walker"))
            // Both replicas up first: with the twin not up yet, the bad one would be the only choice.
            guard
                try await waitUntil(
                    attempts: 2000, every: .milliseconds(10), { model.snapshot().replicas?.filter { $0.state == .up }.count == 2 })
            else { return }
            var statuses: [Int] = []
            for _ in 0..<15 {
                let answer = try await offPool { try RawHTTPClient(port: port).sendReadingUntilClosed(TestRequests.rawGenerate(Self.request)) }
                statuses.append(answer?.isWhole == true ? answer?.status ?? 0 : 0)
            }
            let failures = statuses.filter { $0 != 200 }.count
            // The client may see an answer end a moment before the gateway counts its failure: read
            // the replica once every failure is counted.
            #expect(try await waitUntil { model.snapshot().errorCounts[code] == failures }, "\(model.snapshot().errorCounts)")
            let snapshot = model.snapshot()
            let badReplica = try #require(snapshot.replicas?.first { $0.address.hasSuffix(":\(bad.port)") })
            // Every failed answer came from the bad replica, which was ejected after three of them in
            // a row each time; on a slow machine it may come back once its ejection has passed and
            // fail up to two more times before the next ejection.
            #expect(bad.generateRequests == failures, "\(statuses)")
            #expect(badReplica.ejections >= 1)
            #expect(failures <= 3 * badReplica.ejections + 2, "\(statuses), \(badReplica.ejections) ejections")
        }
    }

    @Test("a burst of failed connections is one ejection, not one per request")
    func burstIsOneEjection() throws {
        let upstream = Upstream(address: try UpstreamAddress(parsing: "http://gpu-1:8000"))
        upstream.record(.passed([]))
        for _ in 0..<8 { upstream.connectionFailed() }
        #expect(upstream.snapshot(for: "walker", entry: .null).ejections == 1)
    }

    @Test("three failed answers in a row eject a replica; a whole answer between them starts the count again")
    func consecutiveFailures() throws {
        let upstream = Upstream(address: try UpstreamAddress(parsing: "http://gpu-1:8000"))
        upstream.record(.passed([]))
        upstream.failed()
        upstream.failed()
        upstream.completed()
        upstream.failed()
        upstream.failed()
        #expect(upstream.snapshot(for: "walker", entry: .null).ejections == 0)
        upstream.failed()
        #expect(upstream.snapshot(for: "walker", entry: .null).ejections == 1)
    }
}

extension ModelSnapshot {
    /// The errors by code, as a dictionary.
    var errorCounts: [String: Int] { Dictionary(errorsByCode.map { ($0.code, $0.count) }, uniquingKeysWith: +) }
}
