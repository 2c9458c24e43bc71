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

/// docs/extensions.md §4: `X-Request-ID` on every answer and `Retry-After` on the 429s and 503s a
/// model raises, each behind its switch; with both off, no header is added.
@Suite("Request ids and Retry-After", .keepsServerLogs)
struct RequestIDTests {
    /// A NullBackbone that refuses the prompt "busy" with `503 resource_exhausted` (with a
    /// retry hint of 7 s) and "limited" with `429 rate_limited` (without one).
    struct Refusing: Backbone {
        func capabilities() -> ModelSpec { NullBackbone().spec }
        func generate(_ request: GenerateRequest) async throws -> MotionResult {
            guard case .text(let segment)? = request.segments.first else { return try NullBackbone.restPose(for: request) }
            switch segment.prompt {
            case "busy": throw ProtocolError(.resourceExhausted, "busy", retryAfterSeconds: 7)
            case "limited": throw ProtocolError(.rateLimited, "slow down")
            case "invalid": throw ProtocolError(.invalidOptions, "no", retryAfterSeconds: 3)
            default: return try NullBackbone.restPose(for: request)
            }
        }
    }

    func withApp(_ extensions: ProtocolExtensions, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await withInProcessServer(Refusing(), extensions: extensions, body)
    }

    /// Whether `id` is a lowercase UUIDv4.
    static func isUUIDv4(_ id: String) -> Bool {
        id.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/) != nil
    }

    @Test("a request's own id is echoed; none, or one that is not 1–128 visible ASCII characters, gets a new UUIDv4")
    func echoedOrGenerated() async throws {
        try await withApp(ProtocolExtensions(requestIDs: true)) { client in
            let cases: [(sent: String?, echoed: Bool)] = [
                ("abc", true), (String(repeating: "x", count: 128), true), ("a-b_c.d:e/f~!", true), (nil, false), ("", false),
                (String(repeating: "x", count: 129), false), ("has space", false), ("é", false),
            ]
            for (sent, echoed) in cases {
                var headers = HTTPFields()
                if let sent { headers[.requestID] = sent }
                try await client.execute(uri: "/capabilities", method: .get, headers: headers) { response in
                    let id = try #require(response.headers[.requestID], "\(sent ?? "nil")")
                    if echoed {
                        #expect(id == sent)
                    } else {
                        #expect(Self.isUUIDv4(id), "\(sent ?? "nil") → \(id)")
                    }
                }
            }
        }
    }

    @Test("every answer carries an id: a glTF, a protocol error, the framework's 404 and 405, each its own")
    func onEveryAnswer() async throws {
        try await withApp(ProtocolExtensions(requestIDs: true)) { client in
            var ids = Set<String>()
            let requests: [(String, HTTPRequest.Method, ByteBuffer?, Int)] = [
                ("/generate", .post, TestRequests.body(prompt: "walk"), 200), ("/generate", .post, ByteBuffer(string: "{"), 422),
                ("/nowhere", .get, nil, 404), ("/generate", .get, nil, 405), ("/generate", .post, TestRequests.body(prompt: "busy"), 503),
            ]
            for (path, method, body, status) in requests {
                try await client.execute(uri: path, method: method, body: body) { response in
                    #expect(response.status.code == status, "\(method) \(path)")
                    ids.insert(try #require(response.headers[.requestID], "\(method) \(path)"))
                }
            }
            #expect(ids.count == requests.count)
        }
    }

    @Test("with both switches off no header is added, and a model's retry hint is not sent")
    func offAddsNothing() async throws {
        try await withApp(ProtocolExtensions()) { client in
            try await client.execute(uri: "/generate", method: .post, headers: [.requestID: "abc"], body: TestRequests.body(prompt: "busy")) {
                response in
                #expect(response.status.code == 503)
                #expect(response.headers[.requestID] == nil)
                #expect(response.headers[.retryAfter] == nil)
            }
        }
    }

    @Test("with Retry-After on, a 429 or 503 a model raises carries its own hint or the default; other codes never do")
    func retryAfterFromTheError() async throws {
        try await withApp(ProtocolExtensions(retryAfter: true, defaultRetryAfter: 4)) { client in
            for (prompt, status, header) in [("busy", 503, "7"), ("limited", 429, "4"), ("invalid", 400, nil as String?), ("walk", 200, nil)] {
                try await client.execute(uri: "/generate", method: .post, body: TestRequests.body(prompt: prompt)) { response in
                    #expect(response.status.code == status, "\(prompt)")
                    #expect(response.headers[.retryAfter] == header, "\(prompt)")
                    // The hint is a header only, never part of the envelope.
                    #expect(!String(buffer: response.body).contains("retry"), "\(prompt)")
                }
            }
        }
    }
}
