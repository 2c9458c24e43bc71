import Foundation
import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
import NIOCore
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// A backbone whose `generate` waits until the test opens a gate, so requests can be held in flight.
final class GatedBackbone: Backbone {
    let id: String
    private let gate = TestGate()
    private let started = Atomic<Int>(0)
    let journal = Journal()

    init(id: String) { self.id = id }

    var modelID: String? { id }
    func capabilities() -> ModelSpec { NullBackbone(modelID: id).spec }
    var callsStarted: Int { started.load(ordering: .relaxed) }
    func open() { gate.open() }

    func generate(_ request: GenerateRequest) async throws -> MotionResult {
        started.add(1, ordering: .relaxed)
        try await gate.wait()
        return try NullBackbone.restPose(for: request)
    }

    func teardown() async throws { journal.record("teardown \(id)") }
}

@Suite("The runtime: hot-add, drain, states, metrics", .keepsServerLogs)
struct RuntimeTests {
    static let base = TestRequests.base

    func generate(_ client: some TestClientProtocol, model: String = "null") async throws -> (Int, String, String?) {
        let body = Self.base.replacingOccurrences(of: #""model":"null""#, with: #""model":"\#(model)""#)
        return try await client.execute(uri: "/generate", method: .post, body: ByteBuffer(string: body)) { response in
            (Int(response.status.code), String(buffer: response.body), response.headers[.retryAfter])
        }
    }

    @Test("a drain lets every request in flight finish with 200 while new ones get 503 with Retry-After, then tears down once")
    func drainWithRequestsInFlight() async throws {
        let gated = GatedBackbone(id: "null")
        let server = try MMCPServer([gated, NullBackbone(modelID: "other")])
        let runtime = MMCPRuntime(server: server, listenAddress: "test")
        var app = Application(
            router: {
                let router = Router()
                server.addRoutes(to: router)
                return router
            }())
        app.addServices(runtime)
        try await app.test(.router) { client in
            try await waitUntil { runtime.snapshot().readyCount == 2 }
            try await withThrowingTaskGroup(of: (Int, String, String?).self) { group in
                for _ in 0..<5 { group.addTask { try await self.generate(client) } }
                try await waitUntil { gated.callsStarted == 5 }
                try runtime.drain("null")
                try await waitUntil { server.registry.model(forKey: "null")?.state == .draining }
                let refused = try await generate(client)
                #expect(refused.0 == 503)
                #expect(refused.1.contains(#""code":"model_unavailable""#))
                #expect(refused.1.contains(#""state":"draining""#))
                #expect(refused.2 == "5")
                let listed = try await client.execute(uri: "/capabilities", method: .get) { String(buffer: $0.body) }
                #expect(listed.contains(#""id":"null""#), "a draining model is still listed")
                #expect(try await generate(client, model: "other").0 == 200, "draining one model never touches another")
                gated.open()
                for try await answer in group { #expect(answer.0 == 200) }
            }
            try await waitUntil { server.registry.model(forKey: "null") == nil }
            #expect(gated.journal.events == ["teardown null"])
            let listed = try await client.execute(uri: "/capabilities", method: .get) { String(buffer: $0.body) }
            #expect(!listed.contains(#""id":"null""#))
            #expect(try await generate(client).0 == 400, "a removed model is unknown")
        }
    }

    @Test("a drain that times out cancels what is still running and removes the model")
    func drainTimeout() async throws {
        let gated = GatedBackbone(id: "null")
        let clock = TestClock()
        var options = MMCPOptions(drainTimeout: .seconds(30))
        options.clock = clock
        let server = MMCPServer(registry: try ModelRegistry([RegisteredModel(key: "null", backbone: gated)]), options: options)
        try await server.setUp()
        let handler = server.generateHandler
        async let answer = handler.handle(body: Array(Self.base.utf8))
        try await waitUntil { gated.callsStarted == 1 }
        let model = try #require(server.registry.model(forKey: "null"))
        async let report = server.registry.drain([model], timeout: server.drainTimeout, clock: clock)
        // The drain waits for the request on the clock until its timeout passes.
        try await waitUntil { clock.sleeperCount == 1 }
        clock.advance(by: server.drainTimeout)
        #expect(await report == [DrainReport(key: "null", outcome: .timedOut(cancelled: 1))])
        #expect(server.registry.model(forKey: "null") == nil)
        let response = await answer
        #expect(response.status == 503)
        #expect(response.errorCode == "model_unavailable")
    }

    @Test("a hot-added model shows as settingUp, then ready and listed; a duplicate id is refused")
    func hotAdd() async throws {
        let server = try MMCPServer(NullBackbone())
        let runtime = MMCPRuntime(server: server, listenAddress: "test")
        var app = Application(
            router: {
                let router = Router()
                server.addRoutes(to: router)
                return router
            }())
        app.addServices(runtime)
        try await app.test(.router) { client in
            try runtime.addNullModel(id: "walker", overlay: nil)
            #expect(throws: ControlError.self) { try runtime.addNullModel(id: "walker", overlay: nil) }
            try await waitUntil { server.registry.model(forKey: "walker")?.state == .ready }
            let listed = try await client.execute(uri: "/capabilities", method: .get) { String(buffer: $0.body) }
            #expect(listed.contains(#""id":"walker""#))
            #expect(try await generate(client, model: "walker").0 == 200)
            let states = runtime.snapshot().models.first { $0.key == "walker" }?.transitions.map(\.state)
            #expect(states == [.settingUp, .ready])
        }
    }

    @Test("a model whose setup fails is failed with the reason; the others carry on")
    func failedSetup() async throws {
        let journal = Journal()
        let server = try MMCPServer([RecordingBackbone(id: "broken", journal: journal, failsSetup: true), NullBackbone()])
        let runtime = MMCPRuntime(server: server, listenAddress: "test")
        var app = Application(
            router: {
                let router = Router()
                server.addRoutes(to: router)
                return router
            }())
        app.addServices(runtime)
        try await app.test(.router) { client in
            try await waitUntil { runtime.snapshot().models.allSatisfy { $0.state != .settingUp } }
            #expect(server.registry.model(forKey: "broken")?.state == .failed(reason: "no weights for broken"))
            let refused = try await generate(client, model: "broken")
            #expect(refused.0 == 503)
            #expect(refused.1.contains(#""state":"failed""#))
            #expect(try await generate(client).0 == 200)
        }
    }

    @Test("metrics count requests, errors by code, latency percentiles and in-flight")
    func metrics() async throws {
        let server = try MMCPServer(NullBackbone())
        try await buildApp(server).test(.router) { client in
            for _ in 0..<3 { #expect(try await generate(client).0 == 200) }
            let invalid = Self.base.replacingOccurrences(of: #""duration_frames":10"#, with: #""duration_frames":0"#)
            try await client.execute(uri: "/generate", method: .post, body: ByteBuffer(string: invalid)) { #expect($0.status.code == 422) }
            let snapshot = try #require(server.registry.model(forKey: "null")?.snapshot())
            #expect(snapshot.requests == 4)
            #expect(snapshot.errorsByCode.map(\.code) == ["schema_validation"])
            #expect(snapshot.errors == 1)
            #expect(snapshot.latencyP50 != nil)
            #expect(snapshot.inFlight == 0)
            #expect(snapshot.latencyHistogram.total == 4)
            #expect(snapshot.latencyHistogram.bands.reduce(0) { $0 + $1.count } == 4)
        }
    }

    @Test("rates count whole seconds and the history keeps the last sixty")
    func rates() {
        let epoch = ContinuousClock.now
        let metrics = ModelMetrics(epoch: epoch)
        for second in 0..<70 {
            for _ in 0..<(second % 3 + 1) {
                metrics.record(latency: .milliseconds(2), errorCode: nil, at: epoch + .seconds(second) + .milliseconds(500))
            }
        }
        let reading = metrics.read(at: epoch + .seconds(70) + .milliseconds(10))
        #expect(reading.history.count == 60)
        #expect(reading.history.last == 69 % 3 + 1)
        #expect(reading.rate1s == Double(69 % 3 + 1))
        #expect(reading.rate60s == Double((10..<70).reduce(0) { $0 + $1 % 3 + 1 }) / 60)
        #expect(reading.requests == (0..<70).reduce(0) { $0 + $1 % 3 + 1 })
    }
}

/// A backbone whose `setup()` waits for the test, so a model can be held in `settingUp`.
final class SlowStartBackbone: Backbone {
    private let gate = TestGate()
    var modelID: String? { "slow" }
    func capabilities() -> ModelSpec { NullBackbone(modelID: "slow").spec }
    func generate(_ request: GenerateRequest) async throws -> MotionResult { try NullBackbone.restPose(for: request) }
    func open() { gate.open() }
    func setup() async throws { try await gate.wait() }
}

@Suite("Operational endpoints", .keepsServerLogs)
struct OperationalEndpointTests {
    @Test("/readyz is 503 naming the model still setting up, 200 once all are ready, 503 again when shutting down")
    func readiness() async throws {
        let slow = SlowStartBackbone()
        let server = try MMCPServer([NullBackbone(), slow])
        let runtime = MMCPRuntime(server: server, listenAddress: "test")
        var app = Application(
            router: {
                let router = Router()
                server.addOperationalRoutes(to: router)
                return router
            }())
        app.addServices(runtime)
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains(#""slow":"settingUp""#))
            }
            slow.open()
            #expect(try await waitUntil { server.registry.model(forKey: "slow")?.state == .ready })
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ready","shutting_down":false,"models":{"null":"ready","slow":"ready"}}"#)
            }
            server.isShuttingDown = true
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
        }
    }

    @Test("/metrics exports requests by status and code, durations and states, labelled by model")
    func prometheus() async throws {
        let server = try MMCPServer(NullBackbone())
        let router = Router()
        server.addRoutes(to: router)
        server.addOperationalRoutes(to: router)
        var app = Application(router: router)
        app.addMMCP(server)
        try await app.test(.router) { client in
            try await client.execute(uri: "/generate", method: .post, body: ByteBuffer(string: TestRequests.base)) { #expect($0.status == .ok) }
            let invalid = TestRequests.base.replacingOccurrences(of: #""duration_frames":10"#, with: #""duration_frames":0"#)
            try await client.execute(uri: "/generate", method: .post, body: ByteBuffer(string: invalid)) { #expect($0.status.code == 422) }
            try await client.execute(uri: "/generate", method: .post, body: ByteBuffer(string: "{}")) { #expect($0.status.code == 422) }
            let text = try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            #expect(text.contains(#"mmcp_requests_total{model="null",status="200",code=""} 1"#))
            #expect(text.contains(#"mmcp_requests_total{model="null",status="422",code="schema_validation"} 1"#))
            #expect(text.contains(#"mmcp_request_duration_seconds_count{model="null"} 2"#))
            #expect(text.contains(#"mmcp_generate_duration_seconds_count{model="null"} 1"#))
            #expect(text.contains(#"mmcp_queue_wait_seconds_bucket{model="null",le="#))
            #expect(text.contains(#"mmcp_model_state{model="null",state="ready"} 1.0"#))
            #expect(text.contains(#"mmcp_requests_in_flight{model="null"} 0.0"#))
            let document = try await client.execute(uri: "/openapi.json", method: .get) { String(buffer: $0.body) }
            #expect(document.contains(#""/readyz""#))
        }
    }

    @Test("with metrics off, nothing is recorded")
    func metricsOff() async throws {
        let server = MMCPServer(
            registry: try ModelRegistry([RegisteredModel(key: "null", backbone: NullBackbone())], recordsMetrics: false))
        try await server.setUp()
        _ = await server.generateHandler.handle(body: Array(TestRequests.base.utf8))
        #expect(server.registry.prometheus == nil)
        #expect(server.registry.model(forKey: "null")?.snapshot().requests == 0)
    }
}
