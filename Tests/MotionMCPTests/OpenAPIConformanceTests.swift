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

/// With every protocol extension on, the server's answers conform to the OpenAPI document it
/// serves: a client generated from `/openapi.json` accepts them (issue 19).
@Suite("OpenAPI conformance", .keepsServerLogs)
struct OpenAPIConformanceTests {
    static let everything = ProtocolExtensions(
        asyncJobs: true, idempotency: true, binaryGLTF: true, requestIDs: true, retryAfter: true, batchWindow: .milliseconds(1))

    /// One answer: status, headers and body bytes.
    typealias Answer = (status: Int, headers: HTTPFields, body: [UInt8])

    static func send(
        _ client: any TestClientProtocol, _ uri: String, _ method: HTTPRequest.Method = .get, headers: HTTPFields = [:],
        body: ByteBuffer? = nil
    ) async throws -> Answer {
        try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            (Int(response.status.code), response.headers, Array(response.body.readableBytesView))
        }
    }

    /// Serves `model` with every extension on and hands `body` the client and the served document's check.
    func withServer(
        _ model: AsyncJobTests.AsyncModel, _ body: @escaping @Sendable (any TestClientProtocol, SchemaCheck) async throws -> Void
    ) async throws {
        try await withInProcessServer(model, extensions: Self.everything) { client in
            let document = try await Self.send(client, "/openapi.json")
            #expect(document.status == 200)
            try await body(client, SchemaCheck(document: try JSONParser.parse(document.body)))
        }
    }

    @Test("with every extension on, /capabilities (listing gltf_2.0_binary) conforms to the served document")
    func capabilities() async throws {
        try await withServer(AsyncJobTests.AsyncModel()) { client, check in
            let answer = try await Self.send(client, "/capabilities")
            #expect(String(decoding: answer.body, as: UTF8.self).contains(#""response_formats":["gltf_2.0_json","gltf_2.0_binary"]"#))
            #expect(check.problems(answer: answer.status, headers: answer.headers, body: answer.body, path: "/capabilities", method: "get") == [])
            // The same answer against the document without the extensions: the check can fail.
            let plain = SchemaCheck(document: try JSONParser.parse(OpenAPIDocument.render(title: "MMCP", description: "d", pathPrefix: "")))
            let problems = plain.problems(answer: answer.status, headers: answer.headers, body: answer.body, path: "/capabilities", method: "get")
            #expect(problems.contains { $0.contains("/response_formats/1") })
        }
    }

    @Test("an async job's 202, its poll's 202 or glTF, its DELETE's 204 and the 404 after it conform to the served document")
    func asyncJob() async throws {
        try await withServer(AsyncJobTests.AsyncModel(latency: .milliseconds(100))) { client, check in
            let accepted = try await Self.send(client, "/generate", .post, body: TestRequests.body())
            #expect(accepted.status == 202)
            #expect(check.problems(answer: accepted.status, headers: accepted.headers, body: accepted.body, path: "/generate", method: "post") == [])
            let location = try #require(accepted.headers[.location])
            let jobs = "/generate/jobs/{id}"
            let running = try await Self.send(client, location)
            #expect(check.problems(answer: running.status, headers: running.headers, body: running.body, path: jobs, method: "get") == [])
            let finished = try await AsyncJobTests.poll(client, location)
            #expect(finished.status == 200)
            #expect(finished.headers[.contentType] == "model/gltf+json")
            #expect(check.problems(answer: finished.status, headers: finished.headers, body: finished.body, path: jobs, method: "get") == [])
            let deleted = try await Self.send(client, location, .delete)
            #expect(deleted.status == 204)
            #expect(check.problems(answer: deleted.status, headers: deleted.headers, body: deleted.body, path: jobs, method: "delete") == [])
            let gone = try await Self.send(client, location)
            #expect(gone.status == 404)
            #expect(check.problems(answer: gone.status, headers: gone.headers, body: gone.body, path: jobs, method: "get") == [])
        }
    }

    @Test("a GLB answer, a JSON answer and a batch conform to the served document, Vary and X-Request-ID included")
    func binaryAndJSON() async throws {
        try await withServer(AsyncJobTests.AsyncModel(supportsAsync: false)) { client, check in
            let glb = try await Self.send(client, "/generate", .post, headers: [.accept: "model/gltf-binary"], body: TestRequests.body())
            #expect(glb.status == 200)
            #expect(glb.headers[.contentType] == "model/gltf-binary")
            #expect(check.problems(answer: glb.status, headers: glb.headers, body: glb.body, path: "/generate", method: "post") == [])
            let json = try await Self.send(client, "/generate", .post, headers: [.requestID: "trace-1"], body: TestRequests.body())
            #expect(json.headers[.contentType] == "model/gltf+json")
            #expect(json.headers[.requestID] == "trace-1")
            #expect(check.problems(answer: json.status, headers: json.headers, body: json.body, path: "/generate", method: "post") == [])
            let batch = try await Self.send(
                client, "/generate", .post, body: ByteBuffer(string: #"{"protocol_version":"1.4","requests":[\#(TestRequests.base)]}"#))
            #expect(batch.status == 200)
            #expect(check.problems(answer: batch.status, headers: batch.headers, body: batch.body, path: "/generate", method: "post") == [])
        }
    }

    @Test("an idempotency conflict's 409, a model's 503 with Retry-After and a 422 conform to the served document")
    func refusals() async throws {
        try await withServer(AsyncJobTests.AsyncModel(supportsAsync: false)) { client, check in
            let first = try await Self.send(client, "/generate", .post, headers: [.idempotencyKey: "k1"], body: TestRequests.body())
            #expect(first.status == 200)
            let conflict = try await Self.send(
                client, "/generate", .post, headers: [.idempotencyKey: "k1"], body: TestRequests.body(prompt: "run"))
            #expect(conflict.status == 409)
            #expect(check.problems(answer: conflict.status, headers: conflict.headers, body: conflict.body, path: "/generate", method: "post") == [])
            let busy = try await Self.send(client, "/generate", .post, body: TestRequests.body(prompt: "busy"))
            #expect(busy.status == 503)
            #expect(busy.headers[.retryAfter] == "7")
            #expect(check.problems(answer: busy.status, headers: busy.headers, body: busy.body, path: "/generate", method: "post") == [])
            let malformed = try await Self.send(client, "/generate", .post, body: ByteBuffer(string: "{"))
            #expect(malformed.status == 422)
            #expect(
                check.problems(answer: malformed.status, headers: malformed.headers, body: malformed.body, path: "/generate", method: "post") == [])
        }
    }
}
