import Foundation
import HTTPTypes
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

/// docs/extensions.md §3 and §7 case 7 on a server: `Idempotency-Key` on `POST /generate`.
@Suite("Idempotency-Key", .keepsServerLogs)
struct IdempotencyTests {
    /// A NullBackbone that counts its calls, refuses the prompt "busy" with `503
    /// resource_exhausted`, and may advertise `supports_async`.
    final class Counting: Backbone {
        let calls = Atomic(0)
        let supportsAsync: Bool
        init(supportsAsync: Bool = false) { self.supportsAsync = supportsAsync }
        var modelID: String? { "null" }
        func capabilities() -> ModelSpec {
            var spec = NullBackbone().spec
            spec.supportsAsync = supportsAsync
            return spec
        }
        func generate(_ request: GenerateRequest) async throws -> MotionResult {
            calls.add(1, ordering: .relaxed)
            if case .text(let segment)? = request.segments.first, segment.prompt == "busy" {
                throw ProtocolError(.resourceExhausted, "busy")
            }
            return try NullBackbone.restPose(for: request)
        }
        var count: Int { calls.load(ordering: .relaxed) }
    }

    func withApp(
        _ model: Counting, extensions: ProtocolExtensions = ProtocolExtensions(idempotency: true),
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withInProcessServer(model, extensions: extensions, body)
    }

    struct Answer: Equatable {
        var status: Int
        var contentType: String?
        var location: String?
        var body: [UInt8]
    }

    static func post(
        _ client: any TestClientProtocol, key: String?, authorization: String? = nil, body: ByteBuffer = TestRequests.body()
    ) async throws -> Answer {
        var headers = HTTPFields()
        if let key { headers[.idempotencyKey] = key }
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: "/generate", method: .post, headers: headers, body: body) { response in
            Answer(
                status: Int(response.status.code), contentType: response.headers[.contentType], location: response.headers[.location],
                body: Array(response.body.readableBytesView))
        }
    }

    @Test("the same key and body again replay the answer byte for byte without calling the model")
    func replay() async throws {
        let model = Counting()
        try await withApp(model) { client in
            let first = try await Self.post(client, key: "k-1")
            let second = try await Self.post(client, key: "k-1")
            #expect(first.status == 200)
            #expect(second == first)
            #expect(model.count == 1)
            _ = try await Self.post(client, key: nil)
            #expect(model.count == 2)
        }
    }

    @Test("the key with another body is 409 invalid_request naming the key; another Authorization is another scope")
    func conflictAndScope() async throws {
        let model = Counting()
        try await withApp(model) { client in
            _ = try await Self.post(client, key: "k-2")
            let conflict = try await Self.post(client, key: "k-2", body: TestRequests.body(prompt: "run"))
            #expect(conflict.status == 409)
            let error = try JSONParser.parse(conflict.body).objectValue?["error"]?.objectValue
            #expect(error?["code"] == "invalid_request")
            #expect(error?["details"] == .object(["idempotency_key": "k-2"]))
            let other = try await Self.post(client, key: "k-2", authorization: "Bearer other", body: TestRequests.body(prompt: "run"))
            #expect(other.status == 200)
            #expect(model.count == 2)
        }
    }

    @Test(
        "a key that is not 1-255 visible ASCII characters is 400 invalid_request naming the header",
        arguments: [String(repeating: "k", count: 256), "has space", "é"])
    func badKey(_ key: String) async throws {
        let model = Counting()
        try await withApp(model) { client in
            let answer = try await Self.post(client, key: key)
            #expect(answer.status == 400)
            #expect(try JSONParser.parse(answer.body).objectValue?["error"]?.objectValue?["details"] == .object(["header": "Idempotency-Key"]))
            #expect(model.count == 0)
        }
    }

    @Test("a 5xx is not kept: a retry with the key calls the model again")
    func serverErrorsNotStored() async throws {
        let model = Counting()
        try await withApp(model) { client in
            let first = try await Self.post(client, key: "k-3", body: TestRequests.body(prompt: "busy"))
            let retry = try await Self.post(client, key: "k-3", body: TestRequests.body(prompt: "busy"))
            #expect(first.status == 503 && retry.status == 503)
            #expect(model.count == 2)
        }
    }

    @Test("an async model given the same key twice makes one job: the same 202 and Location")
    func oneJob() async throws {
        let model = Counting(supportsAsync: true)
        try await withApp(model, extensions: ProtocolExtensions(asyncJobs: true, idempotency: true)) { client in
            let first = try await Self.post(client, key: "k-4")
            let second = try await Self.post(client, key: "k-4")
            #expect(first.status == 202)
            #expect(second == first)
            #expect(first.location?.hasPrefix("/generate/jobs/") == true)
        }
    }

    @Test("with idempotency off the header is ignored: every request calls the model")
    func offIgnoresTheKey() async throws {
        let model = Counting()
        try await withApp(model, extensions: ProtocolExtensions()) { client in
            _ = try await Self.post(client, key: "k-5")
            _ = try await Self.post(client, key: "k-5", body: TestRequests.body(prompt: "run"))
            #expect(model.count == 2)
        }
    }
}
