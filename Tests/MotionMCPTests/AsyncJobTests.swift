import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
import NIOCore
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// docs/extensions.md §1 and §7 cases 1–5: async jobs for models that advertise `supports_async`.
@Suite("Async jobs", .keepsServerLogs)
struct AsyncJobTests {
    /// A NullBackbone advertising `supports_async`, refusing the prompt "busy" with
    /// `503 resource_exhausted`, and taking `latency` per call.
    struct AsyncModel: Backbone {
        var modelID: String? { "null" }
        var supportsAsync = true
        var latency = Duration.zero
        func capabilities() -> ModelSpec {
            var spec = NullBackbone().spec
            spec.supportsAsync = supportsAsync
            return spec
        }
        func generate(_ request: GenerateRequest) async throws -> MotionResult {
            if latency > .zero { try await Task.sleep(for: latency) }
            if case .text(let segment)? = request.segments.first, segment.prompt == "busy" {
                throw ProtocolError(.resourceExhausted, "busy", retryAfterSeconds: 7)
            }
            return try NullBackbone.restPose(for: request)
        }
    }

    func withApp(
        _ model: AsyncModel = AsyncModel(), extensions: ProtocolExtensions = ProtocolExtensions(asyncJobs: true),
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withInProcessServer(model, extensions: extensions, body)
    }

    /// Polls `location` until it is no longer 202 (at most 10 s); returns the last answer.
    static func poll(_ client: any TestClientProtocol, _ location: String, headers: HTTPFields = [:]) async throws
        -> (status: Int, headers: HTTPFields, body: [UInt8])
    {
        for _ in 0..<1000 {
            let answer = try await client.execute(uri: location, method: .get, headers: headers) { response in
                (Int(response.status.code), response.headers, Array(response.body.readableBytesView))
            }
            if answer.0 != 202 { return answer }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("the job did not finish in 10 s")
        return (0, [:], [])
    }

    @Test("a valid request is answered 202 with Location, an integer Retry-After and the ticket; polls give 202, then the synchronous answer's bytes")
    func alwaysPolicy() async throws {
        try await withApp(AsyncModel(latency: .milliseconds(200))) { client in
            let (location, ticket) = try await client.execute(uri: "/generate", method: .post, body: TestRequests.body()) { response in
                #expect(response.status.code == 202)
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.headers[.retryAfter]?.wholeMatch(of: /\d+/) != nil)
                return (response.headers[.location] ?? "", String(buffer: response.body))
            }
            let id = try #require(location.wholeMatch(of: /\/generate\/jobs\/([A-Za-z0-9_-]+)/)?.1)
            #expect(ticket.wholeMatch(of: /\{"job_id":"[0-9a-f]{32}","submitted_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"\}/) != nil)
            #expect(ticket.contains(String(id)))
            try await client.execute(uri: location, method: .get) { response in
                #expect(response.status.code == 202)
                #expect(response.headers[.retryAfter] != nil)
                #expect(String(buffer: response.body) == ticket)
            }
            let finished = try await Self.poll(client, location)
            #expect(finished.status == 200)
            #expect(finished.headers[.contentType] == "model/gltf+json")
            let again = try await Self.poll(client, location)
            #expect(again.body == finished.body)

            let syncApp = try buildApp(AsyncModel(supportsAsync: false), options: MMCPOptions())
            let sync: [UInt8] = try await syncApp.test(.router) { other in
                try await other.execute(uri: "/generate", method: .post, body: TestRequests.body()) { Array($0.body.readableBytesView) }
            }
            #expect(finished.body == sync)
        }
    }

    @Test("a model without supports_async, a batch, and an invalid request are answered at once; no job is made")
    func answeredAtOnce() async throws {
        try await withApp(AsyncModel(supportsAsync: false)) { client in
            try await client.execute(uri: "/generate", method: .post, body: TestRequests.body()) { #expect($0.status.code == 200) }
        }
        try await withApp { client in
            let item = TestRequests.base.replacingOccurrences(of: #""protocol_version":"1.4","#, with: "")
            try await client.execute(
                uri: "/generate", method: .post, body: ByteBuffer(string: #"{"protocol_version":"1.4","requests":["# + item + "]}")
            ) {
                #expect($0.status.code == 200)
                #expect($0.headers[.contentType] == "application/json")
            }
            let invalid = TestRequests.base.replacingOccurrences(of: #""parent":"Hips""#, with: #""parent":"Nowhere""#)
            try await client.execute(uri: "/generate", method: .post, body: ByteBuffer(string: invalid)) { response in
                #expect(response.status.code == 400 || response.status.code == 422)
                #expect(response.headers[.location] == nil)
            }
        }
    }

    @Test("a job whose model raises resource_exhausted polls as 503 with the envelope; with --retry-after, its hint")
    func failedJob() async throws {
        try await withApp(extensions: ProtocolExtensions(asyncJobs: true, retryAfter: true)) { client in
            let location = try await client.execute(uri: "/generate", method: .post, body: TestRequests.body(prompt: "busy")) {
                $0.headers[.location] ?? ""
            }
            let failed = try await Self.poll(client, location)
            #expect(failed.status == 503)
            #expect(failed.headers[.retryAfter] == "7")
            #expect(try ConformanceTests.errorCode(failed.body) == "resource_exhausted")
        }
    }

    @Test("unknown ids and deleted jobs are the framework's 404; DELETE is 204 once; other methods are 405 with Allow")
    func jobRoutes() async throws {
        try await withApp(AsyncModel(latency: .seconds(5))) { client in
            try await client.execute(uri: "/generate/jobs/nope", method: .get) { response in
                #expect(response.status.code == 404)
                #expect(String(buffer: response.body) == #"{"detail":"Not Found"}"#)
            }
            let location = try await client.execute(uri: "/generate", method: .post, body: TestRequests.body()) { $0.headers[.location] ?? "" }
            try await client.execute(uri: location, method: .put) { response in
                #expect(response.status.code == 405)
                #expect(response.headers[.allow] == "GET, DELETE")
            }
            try await client.execute(uri: location, method: .delete) { response in
                #expect(response.status.code == 204)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.contentType] == nil)
            }
            try await client.execute(uri: location, method: .delete) { #expect($0.status.code == 404) }
            try await client.execute(uri: location, method: .get) { #expect($0.status.code == 404) }
        }
    }

    @Test("with async jobs off, a supports_async model answers at once and the jobs route is 404")
    func offByDefault() async throws {
        try await withApp(extensions: ProtocolExtensions()) { client in
            try await client.execute(uri: "/generate", method: .post, body: TestRequests.body()) { #expect($0.status.code == 200) }
            try await client.execute(uri: "/generate/jobs/abc", method: .get) { #expect($0.status.code == 404) }
        }
    }

    @Test("a job submitted asking for a GLB is a GLB when polled without Accept")
    func formatChosenAtSubmission() async throws {
        try await withApp(extensions: ProtocolExtensions(asyncJobs: true, binaryGLTF: true)) { client in
            let location = try await client.execute(
                uri: "/generate", method: .post, headers: [.accept: "model/gltf-binary"], body: TestRequests.body()
            ) { $0.headers[.location] ?? "" }
            let finished = try await Self.poll(client, location)
            #expect(finished.headers[.contentType] == "model/gltf-binary")
            #expect(Array(finished.body.prefix(4)) == Array("glTF".utf8))
        }
    }
}
