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

/// docs/extensions.md §6 on a server: `--batch-window` collects single requests into `generateBatch`.
@Suite("The batch window on a server", .keepsServerLogs)
struct BatchWindowServingTests {
    /// A NullBackbone that records the size of every `generateBatch` call and keys requests by
    /// their first segment's prompt.
    final class Recording: Backbone {
        let sizes = Mutex<[Int]>([])
        var modelID: String? { "null" }
        func capabilities() -> ModelSpec { NullBackbone().spec }
        func generate(_ request: GenerateRequest) async throws -> MotionResult {
            sizes.withLock { $0.append(1) }
            return try NullBackbone.restPose(for: request)
        }
        func generateBatch(_ requests: [GenerateRequest]) async throws -> [Result<MotionResult, any Error>] {
            sizes.withLock { $0.append(requests.count) }
            return requests.map { request in Result { try NullBackbone.restPose(for: request) } }
        }
        func batchKey(for request: GenerateRequest) -> BatchKey {
            guard case .text(let segment)? = request.segments.first else { return .modelWide }
            return BatchKey(segment.prompt)
        }
    }

    static func body(prompt: String, frames: Int) -> String {
        TestRequests.base.replacingOccurrences(
            of: #""prompt":"walk","duration_frames":10"#, with: #""prompt":"\#(prompt)","duration_frames":\#(frames)"#)
    }

    @Test("requests that arrive within the window share one generateBatch call per key, and each gets its own answer")
    func sharedCalls() async throws {
        let model = Recording()
        let bodies = [("walk", 3), ("walk", 4), ("run", 5), ("walk", 6)].map { Self.body(prompt: $0.0, frames: $0.1) }
        let app = try buildApp(
            model, options: MMCPOptions(host: "127.0.0.1", port: 0, extensions: ProtocolExtensions(batchWindow: .seconds(1))))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let answers = try await withThrowingTaskGroup(of: (Int, RawHTTPClient.Response).self) { group in
                for (index, body) in bodies.enumerated() {
                    group.addTask {
                        let request = "POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
                        return (index, try await offPool { try RawHTTPClient(port: port).send(Array(request.utf8)) })
                    }
                }
                return try await group.reduce(into: [Int: RawHTTPClient.Response]()) { $0[$1.0] = $1.1 }
            }
            for (index, body) in bodies.enumerated() {
                let answer = try #require(answers[index])
                #expect(answer.status == 200)
                // Its own answer: the frame count it asked for.
                let frames = try #require(body.firstMatch(of: /"duration_frames":(\d+)/)?.1)
                #expect(answer.text.contains(#""num_frames":\#(frames)"#))
            }
        }
        #expect(model.sizes.withLock { $0.sorted() } == [1, 3])
    }

    @Test("without a window every request is its own generate call")
    func noWindow() async throws {
        let model = Recording()
        let app = try buildApp(model, options: MMCPOptions())
        try await app.test(.router) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/generate", method: .post, body: ByteBuffer(string: Self.body(prompt: "walk", frames: 3))) {
                    #expect($0.status == .ok)
                }
            }
        }
        #expect(model.sizes.withLock { $0 } == [1, 1, 1])
    }
}
