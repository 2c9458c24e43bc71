import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MotionMCPTestSupport
import NIOCore
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// A backbone whose every call (single or batch) waits for cancellation, counting its setups and
/// teardowns; its setup takes a moment, so two callers overlap.
final class StubbornBackbone: Backbone {
    let id: String
    private let counts = Mutex((setups: 0, teardowns: 0, calls: 0))
    let journal: Journal

    init(id: String, journal: Journal = Journal()) {
        self.id = id
        self.journal = journal
    }

    var modelID: String? { id }
    var setups: Int { counts.withLock { $0.setups } }
    var teardowns: Int { counts.withLock { $0.teardowns } }
    var calls: Int { counts.withLock { $0.calls } }

    func capabilities() -> ModelSpec { NullBackbone(modelID: id).spec }

    func generate(_ request: GenerateRequest) async throws -> MotionResult {
        counts.withLock { $0.calls += 1 }
        try await Task.sleep(for: .seconds(60))
        return try NullBackbone.restPose(for: request)
    }

    func setup() async throws {
        counts.withLock { $0.setups += 1 }
        try await Task.sleep(for: .milliseconds(50))
    }

    func teardown() async throws {
        counts.withLock { $0.teardowns += 1 }
        journal.record("teardown \(id)")
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// A backbone whose batch entry point fails as a whole.
struct FailingBatchBackbone: Backbone {
    func capabilities() -> ModelSpec { NullBackbone().spec }
    func generate(_ request: GenerateRequest) async throws -> MotionResult { try NullBackbone.restPose(for: request) }
    func generateBatch(_ requests: [GenerateRequest]) async throws -> [Result<MotionResult, any Error>] {
        throw ProtocolError(.resourceExhausted, "the GPU is full", details: ["queue": .integer(9)])
    }
}

@Suite("One path for every model call and every drain", .keepsServerLogs)
struct ModelCallTests {
    static let single = TestRequests.base
    static let item = TestRequests.base.replacingOccurrences(of: #""protocol_version":"1.4","#, with: "")
    static func batch(_ count: Int) -> String {
        #"{"protocol_version":"1.4","requests":["# + Array(repeating: item, count: count).joined(separator: ",") + "]}"
    }

    static func server(_ backbones: [any Backbone], drainTimeout: Duration = .seconds(30), limits: ServerLimits = ServerLimits()) throws
        -> MMCPServer
    {
        try MMCPServer(MMCPModels(backbones), options: MMCPOptions(limits: limits, drainTimeout: drainTimeout))
    }

    @Test("a batch stopped by a drain that timed out answers every item 503 model_unavailable, as a single request is answered")
    func batchStoppedByDrain() async throws {
        let backbone = StubbornBackbone(id: "null")
        let server = try Self.server([backbone], drainTimeout: .milliseconds(100))
        try await server.setUp()
        let handler = server.generateHandler
        async let single = handler.handle(body: Array(Self.single.utf8))
        async let batch = handler.handle(body: Array(Self.batch(2).utf8))
        try await waitUntil { backbone.calls == 2 }
        #expect(await server.drainAll() == [DrainReport(key: "null", outcome: .timedOut(cancelled: 2))])
        let (singleAnswer, batchAnswer) = await (single, batch)
        #expect(singleAnswer.status == 503)
        #expect(singleAnswer.errorCode == "model_unavailable")
        #expect(singleAnswer.retryAfter == 5)
        #expect(batchAnswer.status == 200)
        let results = try #require(try JSONParser.parse(batchAnswer.body).objectValue?["results"]?.arrayValue)
        #expect(results.count == 2)
        for result in results {
            #expect(result.objectValue?["error"]?.objectValue?["code"]?.stringValue == "model_unavailable")
        }
    }

    @Test("a batch past the generate timeout answers its items 504 timeout, as a single request is answered")
    func batchPastTimeout() async throws {
        let server = try Self.server([StubbornBackbone(id: "null")], limits: ServerLimits(generateTimeout: .milliseconds(50)))
        try await server.setUp()
        let single = await server.generateHandler.handle(body: Array(Self.single.utf8))
        #expect(single.status == 504)
        let batch = await server.generateHandler.handle(body: Array(Self.batch(2).utf8))
        let results = try #require(try JSONParser.parse(batch.body).objectValue?["results"]?.arrayValue)
        #expect(results.map { $0.objectValue?["error"]?.objectValue?["code"]?.stringValue } == ["timeout", "timeout"])
    }

    @Test("batch items are counted with the queue wait and the generate time, like single requests")
    func batchTimings() async throws {
        let server = try Self.server([NullBackbone()])
        try await server.setUp()
        _ = await server.generateHandler.handle(body: Array(Self.batch(3).utf8))
        let text = String(decoding: try #require(server.registry.prometheus).text(), as: UTF8.self)
        #expect(text.contains(#"mmcp_requests_total{model="null",status="200",code=""} 3"#))
        #expect(text.contains(#"mmcp_queue_wait_seconds_count{model="null"} 3"#))
        #expect(text.contains(#"mmcp_generate_duration_seconds_count{model="null"} 3"#))
    }

    @Test("a batch whose generateBatch fails as a whole is answered with that error and counted against the model")
    func failedBatchIsCounted() async throws {
        let server = try Self.server([FailingBatchBackbone()])
        try await server.setUp()
        let answer = await server.generateHandler.handle(body: Array(Self.batch(2).utf8))
        #expect(answer.status == 503)
        #expect(answer.errorCode == "resource_exhausted")
        let snapshot = try #require(server.registry.model(forKey: "null")).snapshot()
        #expect(snapshot.requests == 2)
        #expect(snapshot.errorsByCode.map(\.code) == ["resource_exhausted"])
    }

    @Test("setup() runs once however many callers ask at once, and teardown() once however many drains")
    func setupAndTeardownRunOnce() async throws {
        let backbone = StubbornBackbone(id: "null")
        let server = try Self.server([backbone])
        let runtime = MMCPRuntime(server: server, listenAddress: "test")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.run() }
            group.addTask { try await server.setUp() }
            group.addTask { try await server.setUp() }
            try await waitUntil { server.registry.model(forKey: "null")?.state == .ready }
            try await group.next()
            try await group.next()
            #expect(backbone.setups == 1)
            let model = try #require(server.registry.model(forKey: "null"))
            async let first = server.registry.drain([model], timeout: .seconds(1))
            async let second = server.drainAll()
            async let third = server.registry.lifecycle.tearDown(model)
            _ = await (first, second, third)
            #expect(backbone.teardowns == 1)
            group.cancelAll()
        }
    }

    @Test("a drain of several models tears them down in registration order and removes them from the registry")
    func drainAllInOrder() async throws {
        let journal = Journal()
        let backbones = ["c", "a", "b"].map { StubbornBackbone(id: $0, journal: journal) }
        let server = try Self.server(backbones)
        try await server.setUp()
        let reports = await server.drainAll()
        #expect(reports.map(\.key) == ["c", "a", "b"])
        #expect(reports.allSatisfy { $0.outcome == .completed })
        #expect(journal.events == ["teardown c", "teardown a", "teardown b"])
        #expect(server.registry.models.isEmpty)
        #expect(!server.registry.anyDrainTimedOut)
    }

    @Test("the server's shutdown drains through the same path: models leave the registry, a timeout is remembered")
    func shutdownUsesTheDrain() async throws {
        let backbone = StubbornBackbone(id: "null")
        let server = try Self.server([backbone, NullBackbone(modelID: "other")], drainTimeout: .milliseconds(100))
        try await server.setUp()
        async let answer = server.generateHandler.handle(body: Array(Self.single.utf8))
        try await waitUntil { backbone.calls == 1 }
        await server.shutDown()
        #expect(await answer.status == 503)
        #expect(server.registry.models.isEmpty)
        #expect(server.registry.anyDrainTimedOut)
    }

    @Test("the shutdown drain waits for a model still setting up, then drains and tears it down")
    func shutdownWaitsForSetup() async throws {
        let backbone = StubbornBackbone(id: "null")
        let server = try Self.server([backbone])
        let model = try #require(server.registry.model(forKey: "null"))
        async let setUp: Void = server.registry.lifecycle.setUp(model)
        try await waitUntil { backbone.setups == 1 }
        let reports = await server.drainAll()
        try await setUp
        #expect(reports == [DrainReport(key: "null", outcome: .completed)])
        #expect(backbone.teardowns == 1)
    }

    @Test("a drain refusal is a ControlError naming the model: unknown, or not ready")
    func drainRefusals() async throws {
        let server = try Self.server([StubbornBackbone(id: "null")])
        let runtime = MMCPRuntime(server: server, listenAddress: "test")
        #expect(throws: ControlError.unknownModel("nope")) { try runtime.drain("nope") }
        #expect(throws: ControlError.notReady("null", .settingUp)) { try runtime.drain("null") }
    }

    @Test("timeouts of any size are accepted: huge limits neither trap nor fire")
    func hugeDurations() async throws {
        let huge = Duration.seconds(Int64.max)
        let server = try Self.server(
            [NullBackbone()], drainTimeout: huge,
            limits: ServerLimits(generateTimeout: huge, bodyReadTimeout: huge, idleTimeout: huge))
        _ = server.httpServer
        try await server.setUp()
        #expect(await server.generateHandler.handle(body: Array(Self.single.utf8)).status == 200)
        #expect(await server.drainAll() == [DrainReport(key: "null", outcome: .completed)])
    }

    @Test("serve() drains before its HTTP server stops: the request in flight gets 200, a new one 503, then one teardown")
    func serveDrainsWhileServing() async throws {
        let gated = GatedBackbone(id: "null")
        let port = try freePort()
        let server = try MMCPServer([gated], options: MMCPOptions(host: "127.0.0.1", port: port))
        let group = try ServerAssembly(server, setUp: .beforeListening).serviceGroup(signals: [])
        let client = RawHTTPClient(port: port)
        let body = TestRequests.base
        let request = Array("POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        // Every way out of the steps opens the gate and shuts the group down, so a failed step
        // fails the test instead of leaving a request or the server waiting forever.
        @Sendable func steps() async throws {
            defer { gated.open() }
            // Listening, not only set up: setup() runs before the server binds.
            let capabilities = Array("GET /capabilities HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            guard try await waitUntil({ (try? await offPool { try client.send(capabilities) })?.status == 200 }) else { return }
            async let first = offPool { try client.send(request) }
            guard try await waitUntil({ gated.callsStarted == 1 }) else { return }
            await group.triggerGracefulShutdown()
            guard try await waitUntil({ server.registry.model(forKey: "null")?.state == .draining }) else { return }
            let refused = try await offPool { try client.send(request) }
            #expect(refused.status == 503)
            #expect(refused.text.contains(#""code":"model_unavailable""#))
            gated.open()
            #expect(try await first.status == 200)
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var failure: (any Error)?
            do { try await steps() } catch { failure = error }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            if let failure { throw failure }
        }
        #expect(gated.journal.events == ["teardown null"])
    }
}
