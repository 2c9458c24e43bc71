import Foundation
import MotionMCPTestSupport
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// The gateway (`mmcp-console --upstream`) with real processes on loopback: upstream servers and
/// the gateway in front of them are all headless `mmcp-console`s, each on a port of its own with a
/// control socket of its own, stopped (SIGTERM) or killed (SIGKILL) as a deployment's would be.
@Suite("The gateway in front of upstream servers", .serialized, .keepsServerLogs)
struct GatewayEndToEndTests {
    /// The processes one test starts: every one is killed when the test ends, however it ends,
    /// and their logs go into the message of any expectation that fails.
    final class Fleet: Sendable {
        private let started = Mutex<[(name: String, server: ServerProcess)]>([])
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        /// Starts `mmcp-console --headless` on `port` (a free one when `nil`) with `arguments`,
        /// named `name` in the logs; does not wait for it.
        func start(_ name: String, port: Int? = nil, _ arguments: [String]) throws -> ServerProcess {
            let count = started.withLock { $0.count }
            let log = directory.appendingPathComponent("\(count)-\(name).log")
            let server = try ServerProcess(port: try port ?? freePort(), arguments: arguments, log: log)
            started.withLock { $0.append((name, server)) }
            return server
        }

        /// A gateway over `upstreams` (each `--upstream` value), with `arguments` besides.
        func gateway(_ upstreams: [String], _ arguments: [String] = []) throws -> ServerProcess {
            try start("gateway", upstreams.flatMap { ["--upstream", $0] } + arguments)
        }

        /// Kills every process still running and removes the logs.
        func killAll() {
            for (_, server) in started.withLock({ $0 }) { server.kill() }
            try? FileManager.default.removeItem(at: directory)
        }

        /// The end of every process's log, named.
        var logs: String {
            started.withLock { $0 }.map { name, server in
                let text = (try? String(contentsOf: server.log, encoding: .utf8)) ?? "(no log)"
                return "--- \(name) (port \(server.port), pid \(server.processIdentifier)):\n\(text.suffix(4000))"
            }.joined(separator: "\n")
        }
    }

    /// The base URL of `server`, for `--upstream`.
    static func url(_ server: ServerProcess) -> String { "http://127.0.0.1:\(server.port)" }

    /// The body of `TestRequests.base` for `model`, asking for `frames` frames; without
    /// `protocol_version` when it is a batch item.
    static func body(model: String, frames: Int = 10, item: Bool = false) -> String {
        var body = TestRequests.base
            .replacingOccurrences(of: #""model":"null""#, with: #""model":"\#(model)""#)
            .replacingOccurrences(of: #""duration_frames":10"#, with: #""duration_frames":\#(frames)"#)
        if item { body = body.replacingOccurrences(of: #""protocol_version":"1.4","#, with: "") }
        return body
    }

    /// `POST /generate` with `body`, as raw bytes.
    static func post(_ body: String) -> [UInt8] {
        Array("POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
    }

    /// How many requests the model `model` of `server` has answered, from its control API's snapshot.
    static func requests(_ server: ServerProcess, model: String) async throws -> Int? {
        let response = try await offPool { try UnixHTTPClient(path: server.controlSocket).send("GET", "/v1/snapshot") }
        guard response.status == 200 else { return nil }
        let models = try JSONParser.parse(response.body).objectValue?["models"]?.arrayValue ?? []
        return models.compactMap(\.objectValue).first { $0["id"]?.stringValue == model }?["requests"]?.numberValue.map { Int($0) }
    }

    /// The `error.code` of an error envelope.
    static func errorCode(_ response: RawHTTPClient.Response) -> String? {
        (try? JSONParser.parse(response.body))?.objectValue?["error"]?.objectValue?["code"]?.stringValue
    }

    /// Waits until every server of `servers` answers `/readyz` 200; records an issue with the logs
    /// and returns `false` otherwise.
    static func ready(_ servers: [ServerProcess], fleet: Fleet, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Bool {
        for server in servers where !(try await server.waitUntilReady()) {
            Issue.record("the server on port \(server.port) never became ready\n\(fleet.logs)", sourceLocation: sourceLocation)
            return false
        }
        return true
    }

    /// Clients sending `POST /generate` for one model to one port, each its requests one after
    /// another, until told to stop (or a count or a time runs out); every answer is tallied.
    final class Load: Sendable {
        private struct Tally {
            var statuses: [String: Int] = [:]
            var samples: [String] = []
            var completed = 0
        }
        private let tally = Mutex(Tally())
        private let sent = Atomic(0)
        let stop = StopFlag()

        /// Every outcome and how often: `200`, `503 model_unavailable`, `400 unknown_model`, …,
        /// or `no answer` when the connection failed or the answer was incomplete.
        var counts: [String: Int] { tally.withLock { $0.statuses } }
        /// Requests answered (or failed) so far.
        var completed: Int { tally.withLock { $0.completed } }
        /// The first few answers other than 200, as they came.
        var samples: [String] { tally.withLock { $0.samples } }

        /// Runs `workers` clients until ``stop`` is raised, `total` requests were sent, or `limit`
        /// passed (once for each load).
        func run(port: Int, model: String, workers: Int, total: Int = .max, limit: Duration = .seconds(40)) async throws {
            let request = GatewayEndToEndTests.post(GatewayEndToEndTests.body(model: model))
            let deadline = Date().addingTimeInterval(Double(limit.components.seconds))
            try await withThrowingDiscardingTaskGroup { group in
                for _ in 0..<workers {
                    group.addTask {
                        try await offPool {
                            let client = RawHTTPClient(port: port)
                            while !self.stop.isRaised, Date() < deadline, self.sent.add(1, ordering: .relaxed).newValue <= total {
                                self.record(Result { try client.send(request) })
                            }
                        }
                    }
                }
            }
        }

        private func record(_ result: Result<RawHTTPClient.Response, any Error>) {
            let outcome: String
            let sample: String?
            switch result {
            case .success(let response) where response.status == 200:
                outcome = "200"
                sample = nil
            case .success(let response):
                outcome = "\(response.status) \(GatewayEndToEndTests.errorCode(response) ?? "(no error code)")"
                sample = "\(response.status) \(response.text.prefix(300))"
            case .failure(let error):
                outcome = "no answer"
                sample = "no answer: \(error)"
            }
            tally.withLock { tally in
                tally.statuses[outcome, default: 0] += 1
                tally.completed += 1
                if let sample, tally.samples.count < 10 { tally.samples.append(sample) }
            }
        }
    }

    @Test("two replicas of one model share the load", .timeLimit(.minutes(1)))
    func replicasShareTheLoad() async throws {
        let fleet = try Fleet()
        defer { fleet.killAll() }
        let upstreams = try ["A", "B"].map { try fleet.start($0, ["--null", "shared", "--latency", "20"]) }
        guard try await Self.ready(upstreams, fleet: fleet) else { return }
        let gateway = try fleet.gateway(upstreams.map(Self.url))
        guard try await Self.ready([gateway], fleet: fleet) else { return }
        #expect(try await RawHTTPClient(port: gateway.port).capabilityIDs() == ["shared"], "\(fleet.logs)")

        let load = Load()
        try await load.run(port: gateway.port, model: "shared", workers: 8, total: 64)
        #expect(load.counts == ["200": 64], "\(load.counts) \(load.samples)\n\(fleet.logs)")
        let served = try await upstreams.asyncMap { try await Self.requests($0, model: "shared") ?? 0 }
        // Every request reached exactly one replica, and each got at least a quarter of them.
        #expect(served.reduce(0, +) == 64, "A and B answered \(served)\n\(fleet.logs)")
        #expect(served.allSatisfy { $0 >= 16 }, "A and B answered \(served)\n\(fleet.logs)")
    }

    @Test("an upstream killed with SIGKILL is ejected, and comes back once its probes pass", .timeLimit(.minutes(1)))
    func killedReplicaEjectedAndBack() async throws {
        let fleet = try Fleet()
        defer { fleet.killAll() }
        let a = try fleet.start("A", ["--null", "shared", "--latency", "10"])
        let b = try fleet.start("B", ["--null", "shared", "--latency", "10"])
        guard try await Self.ready([a, b], fleet: fleet) else { return }
        let gateway = try fleet.gateway([Self.url(a), Self.url(b)])
        guard try await Self.ready([gateway], fleet: fleet) else { return }
        // Both replicas serve before B dies.
        let warmUp = Load()
        try await warmUp.run(port: gateway.port, model: "shared", workers: 4, total: 24)
        #expect(warmUp.counts == ["200": 24], "\(warmUp.counts) \(warmUp.samples)\n\(fleet.logs)")
        #expect(try await Self.requests(b, model: "shared") ?? 0 > 0, "\(fleet.logs)")

        // SIGKILL, with nothing in flight: B's connections are refused from now on, which proves
        // a request sent there was not processed, so the gateway sends it to A instead. Three
        // clients: never more retries at once than the gateway's retry budget always allows.
        b.kill()
        let whileDead = Load()
        try await whileDead.run(port: gateway.port, model: "shared", workers: 3, total: 45)
        #expect(whileDead.counts == ["200": 45], "\(whileDead.counts) \(whileDead.samples)\n\(fleet.logs)")

        // B again, on the same port: the gateway sends it requests again once its ejection has
        // passed and a probe has passed after it (one probe interval or two after the restart).
        let restarted = try fleet.start("B restarted", port: b.port, ["--null", "shared", "--latency", "10"])
        guard try await Self.ready([restarted], fleet: fleet) else { return }
        let back = Load()
        var reached = false
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { back.stop.raise() }
            group.addTask { try await back.run(port: gateway.port, model: "shared", workers: 3, limit: .seconds(40)) }
            reached = try await waitUntil(attempts: 100, every: .milliseconds(250)) {
                try await Self.requests(restarted, model: "shared") ?? 0 > 0
            }
            back.stop.raise()
            try await group.waitForAll()
        }
        #expect(reached, "the restarted B got no request within 25 s\n\(fleet.logs)")
        #expect(back.counts.keys.sorted() == ["200"], "\(back.counts) \(back.samples)\n\(fleet.logs)")
    }

    @Test("a replica shut down with SIGTERM under load costs no request", .timeLimit(.minutes(1)))
    func replicaStoppedUnderLoad() async throws {
        let fleet = try Fleet()
        defer { fleet.killAll() }
        let arguments = ["--null", "shared", "--latency", "10", "--shutdown-grace", "1"]
        let a = try fleet.start("A", arguments)
        let b = try fleet.start("B", arguments)
        guard try await Self.ready([a, b], fleet: fleet) else { return }
        let gateway = try fleet.gateway([Self.url(a), Self.url(b)])
        guard try await Self.ready([gateway], fleet: fleet) else { return }

        let load = Load()
        var exited = false
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { load.stop.raise() }
            group.addTask { try await load.run(port: gateway.port, model: "shared", workers: 8, limit: .seconds(40)) }
            // B takes part in the load before it is stopped.
            guard try await waitUntil(attempts: 100, every: .milliseconds(50), { try await Self.requests(b, model: "shared") ?? 0 >= 5 })
            else { return }
            b.terminate()
            exited = try await b.waitForExit(timeout: .seconds(20))
            let atExit = load.completed
            let wentOn = try await waitUntil(attempts: 400, every: .milliseconds(50)) { load.completed >= atExit + 16 }
            load.stop.raise()
            try await group.waitForAll()
            #expect(wentOn, "the load went on after B exited")
        }
        #expect(exited, "B did not exit within 20 s of SIGTERM\n\(fleet.logs)")
        #expect(!exited || b.terminationStatus == 0, "B exited with \(b.terminationStatus)\n\(fleet.logs)")
        #expect(load.counts.keys.sorted() == ["200"], "\(load.counts) \(load.samples)\n\(fleet.logs)")
        #expect(try await Self.requests(a, model: "shared") ?? 0 > 0, "\(fleet.logs)")
    }

    @Test("a gateway model drained under load loses no request", .timeLimit(.minutes(1)))
    func gatewayModelDrainedUnderLoad() async throws {
        let fleet = try Fleet()
        defer { fleet.killAll() }
        let a = try fleet.start("A", ["--null", "shared", "--latency", "20"])
        guard try await Self.ready([a], fleet: fleet) else { return }
        let gateway = try fleet.gateway([Self.url(a)])
        guard try await Self.ready([gateway], fleet: fleet) else { return }
        let front = RawHTTPClient(port: gateway.port)

        let load = Load()
        var drain: RawHTTPClient.Response?
        try await withThrowingTaskGroup(of: Void.self) { group in
            defer { load.stop.raise() }
            group.addTask { try await load.run(port: gateway.port, model: "shared", workers: 8, limit: .seconds(40)) }
            guard try await waitUntil(attempts: 100, every: .milliseconds(50), { load.completed >= 16 }) else { return }
            drain = try await offPool { try UnixHTTPClient(path: gateway.controlSocket).send("POST", "/v1/models/shared/drain") }
            let gone = try await waitUntil(attempts: 100, every: .milliseconds(100)) { try await front.capabilityIDs().isEmpty }
            #expect(gone, "\(fleet.logs)")
            // Requests go on a little after the model is gone.
            let atRemoval = load.completed
            _ = try await waitUntil(attempts: 100, every: .milliseconds(20)) { load.completed >= atRemoval + 16 }
            load.stop.raise()
            try await group.waitForAll()
        }
        #expect(drain?.status == 202, "\(drain.map { "\($0.status) \($0.text)" } ?? "no answer")\n\(fleet.logs)")
        // Every request was answered: 200, the clean refusal while the model drains, or (once it
        // is gone) the protocol's unknown_model. None was reset, none was a 500.
        let counts = load.counts
        #expect(Set(counts.keys).isSubset(of: ["200", "503 model_unavailable", "400 unknown_model"]), "\(counts) \(load.samples)\n\(fleet.logs)")
        #expect(counts["200", default: 0] >= 16, "\(counts)")
        #expect(counts["400 unknown_model", default: 0] > 0, "\(counts)")
        #expect(try await front.capabilityIDs() == [], "\(fleet.logs)")
        #expect(try await RawHTTPClient(port: a.port).capabilityIDs() == ["shared"], "\(fleet.logs)")
        // A drained model stays gone: the next probe of A, which still lists it, does not bring it back.
        try await Task.sleep(for: .milliseconds(6500))
        #expect(try await front.capabilityIDs() == [], "\(fleet.logs)")
        #expect(try await front.generate(model: "shared").status == 400)
        #expect(a.isRunning)
    }

    @Test("a batch split across two upstreams keeps its order", .timeLimit(.minutes(1)))
    func batchAcrossUpstreams() async throws {
        let fleet = try Fleet()
        defer { fleet.killAll() }
        let a = try fleet.start("A", ["--null", "a"])
        let b = try fleet.start("B", ["--null", "b"])
        guard try await Self.ready([a, b], fleet: fleet) else { return }
        let gateway = try fleet.gateway([Self.url(a), Self.url(b)], ["--null", "local"])
        guard try await Self.ready([gateway], fleet: fleet) else { return }
        #expect(Set(try await RawHTTPClient(port: gateway.port).capabilityIDs()) == ["a", "b", "local"], "\(fleet.logs)")

        // Each item asks for its own number of frames, so every document differs from the others.
        let items: [(model: String, frames: Int, server: ServerProcess?)] = [
            ("b", 10, b), ("a", 11, a), ("local", 12, gateway), ("b", 13, b), ("nope", 14, nil),
        ]
        let batch =
            #"{"protocol_version":"1.4","requests":["#
            + items.map { Self.body(model: $0.model, frames: $0.frames, item: true) }.joined(separator: ",") + "]}"
        let answer = try await offPool { try RawHTTPClient(port: gateway.port).send(Self.post(batch)) }
        #expect(answer.status == 200, "\(answer.status) \(answer.text.prefix(500))\n\(fleet.logs)")
        let results = try #require(try JSONParser.parse(answer.body).objectValue?["results"]?.arrayValue, "\(answer.text.prefix(500))\n\(fleet.logs)")
        try #require(results.count == items.count, "\(results.count) results for \(items.count) requests\n\(fleet.logs)")

        var documents: [JSONValue] = []
        for (index, item) in items.enumerated() {
            let entry = results[index].objectValue
            guard let server = item.server else {
                let error = entry?["error"]?.objectValue
                #expect(error?["code"]?.stringValue == "unknown_model", "result \(index): \(results[index])\n\(fleet.logs)")
                continue
            }
            let direct = try await offPool {
                try RawHTTPClient(port: server.port).send(Self.post(Self.body(model: item.model, frames: item.frames)))
            }
            try #require(direct.status == 200, "\(item.model) directly: \(direct.status) \(direct.text.prefix(300))")
            let document = try JSONParser.parse(direct.body)
            #expect(
                entry?["gltf"] == document, "result \(index) (\(item.model), \(item.frames) frames) is not its own server's answer\n\(fleet.logs)")
            documents.append(document)
        }
        #expect(Set(documents).count == documents.count, "the items' documents should all differ")
        // The upstream items went to their upstreams (besides the direct requests above): B got
        // both of its items, A its one.
        #expect(try await Self.requests(b, model: "b") == 2 + 2, "\(fleet.logs)")
        #expect(try await Self.requests(a, model: "a") == 1 + 1, "\(fleet.logs)")
    }

    @Test("an upstream model with no replica up answers 503 model_unavailable with Retry-After", .timeLimit(.minutes(1)))
    func noReplicaUp() async throws {
        let fleet = try Fleet()
        defer { fleet.killAll() }
        let a = try fleet.start("A", ["--null", "solo"])
        guard try await Self.ready([a], fleet: fleet) else { return }
        let gateway = try fleet.gateway([Self.url(a)])
        guard try await Self.ready([gateway], fleet: fleet) else { return }
        let front = RawHTTPClient(port: gateway.port)
        #expect(try await front.generate(model: "solo").status == 200, "\(fleet.logs)")

        a.kill()
        // At once: the connection is refused and there is no other replica to try.
        let refused = try await front.generate(model: "solo")
        #expect(refused.status == 503 && Self.errorCode(refused) == "model_unavailable", "\(refused.status) \(refused.text)\n\(fleet.logs)")

        // Three failed probes (about 15 s) later the upstream is down, and the gateway not ready.
        let down = try await waitUntil(attempts: 120, every: .milliseconds(250)) { try await front.get("/readyz").status == 503 }
        #expect(down, "/readyz still answers 200 30 s after the only upstream died\n\(fleet.logs)")
        let readiness = try await front.get("/readyz")
        #expect(readiness.status == 503 && readiness.text.contains("solo"), "\(readiness.status) \(readiness.text)\n\(fleet.logs)")

        let answer = try await front.generate(model: "solo")
        let error = try JSONParser.parse(answer.body).objectValue?["error"]?.objectValue
        #expect(answer.status == 503, "\(answer.status) \(answer.text)\n\(fleet.logs)")
        #expect(error?["code"]?.stringValue == "model_unavailable", "\(answer.text)")
        #expect(answer.headers["retry-after"] != nil, "\(answer.headers)")
        #expect(error?["details"]?.objectValue?["state"]?.stringValue == "unreachable", "\(answer.text)")
        #expect(gateway.isRunning)
    }
}

extension Array {
    /// The elements transformed one after another by an async function.
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
