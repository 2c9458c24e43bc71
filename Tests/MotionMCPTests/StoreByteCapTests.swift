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

/// Issue 19: the idempotency and job stores are capped in bytes as well as in entries.
@Suite("The stores' byte caps", .timeLimit(.minutes(1)), .keepsServerLogs)
struct StoreByteCapTests {
    /// A 200 whose body is `count` bytes.
    static func answer(_ count: Int) -> StoredAnswer {
        StoredAnswer(status: 200, contentType: "model/gltf+json", body: [UInt8](repeating: 0x20, count: count))
    }

    static func fingerprint(_ text: String) -> [UInt8] { IdempotencyStore.fingerprint(Array(text.utf8)) }

    /// Claims `key` with a body of its own name and finishes it with `answer`; returns whether it was kept.
    static func run(_ store: IdempotencyStore, key: String, _ answer: StoredAnswer) async throws -> Bool {
        let claim = await store.claim(authorization: nil, key: key, fingerprint: fingerprint(key))
        guard case .proceed(let ticket) = claim else { throw ClientError("expected .proceed, got \(claim)") }
        return store.finish(ticket, with: answer)
    }

    @Test("answers are kept up to the byte cap; one past it is not kept, and its key runs again")
    func idempotencyDeclinesPastTheCap() async throws {
        let size = Self.answer(400).size
        let store = IdempotencyStore(maxBytes: 2 * size + 100)
        #expect(try await Self.run(store, key: "a", Self.answer(400)))
        #expect(try await Self.run(store, key: "b", Self.answer(400)))
        #expect(store.storedBytes == 2 * size)
        #expect(try await !Self.run(store, key: "c", Self.answer(400)))
        #expect(store.storedBytes == 2 * size)
        // Not kept: the same key and body run again, while the kept ones replay.
        let again = await store.claim(authorization: nil, key: "c", fingerprint: Self.fingerprint("c"))
        guard case .proceed = again else {
            Issue.record("expected .proceed, got \(again)")
            return
        }
        let replay = await store.claim(authorization: nil, key: "a", fingerprint: Self.fingerprint("a"))
        #expect(replay == .replay(Self.answer(400)))
        // A small answer still fits beside them.
        #expect(try await Self.run(store, key: "d", Self.answer(5)))
    }

    @Test("an answer not kept is still handed to the requests waiting for it")
    func declinedAnswerReachesWaiters() async throws {
        let store = IdempotencyStore(maxBytes: 100)
        let claim = await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("k"))
        guard case .proceed(let ticket) = claim else {
            Issue.record("expected .proceed, got \(claim)")
            return
        }
        async let waiter = store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("k"))
        try await waitUntil { store.waitingCount(authorization: nil, key: "k") == 1 }
        #expect(!store.finish(ticket, with: Self.answer(1000)))
        #expect(await waiter == .replay(Self.answer(1000)))
        #expect(store.storedBytes == 0)
    }

    @Test("expired answers give their bytes back")
    func expiryFreesBytes() async throws {
        let clock = TestClock()
        let size = Self.answer(400).size
        let store = IdempotencyStore(timeToLive: .seconds(60), maxBytes: size, clock: clock)
        #expect(try await Self.run(store, key: "a", Self.answer(400)))
        #expect(try await !Self.run(store, key: "b", Self.answer(400)))
        clock.advance(by: .seconds(61))
        #expect(try await Self.run(store, key: "b", Self.answer(400)))
        #expect(store.storedBytes == size)
    }

    @Test("a server answers Idempotency-Status: declined when its store has no room, and runs the key again")
    func serverDeclines() async throws {
        let model = IdempotencyTests.Counting()
        var extensions = ProtocolExtensions(idempotency: true)
        extensions.idempotencyMaxBytes = 100
        try await withInProcessServer(model, extensions: extensions) { client in
            var headers = HTTPFields()
            headers[.idempotencyKey] = "big"
            for call in 1...2 {
                let declined = try await client.execute(uri: "/generate", method: .post, headers: headers, body: TestRequests.body()) {
                    response in (Int(response.status.code), response.headers[.idempotencyStatus])
                }
                #expect(declined.0 == 200)
                #expect(declined.1 == "declined")
                #expect(model.count == call)
            }
        }
    }

    @Test("the job store refuses a submission whose estimated answer would pass its byte cap, unless it holds none")
    func jobStoreBytes() async throws {
        let store = JobStore(capacity: 10, maxBytes: 1000)
        let result = JobResult(status: 200, contentType: "model/gltf+json", body: [UInt8](repeating: 0x20, count: 300))
        try await whileRunning(store) {
            let first = try store.submit(model: "null", bytes: 600) { result }
            #expect(throws: JobStoreFull(capacity: 10, maxBytes: 1000)) { try store.submit(model: "null", bytes: 600) { result } }
            // Finished, the job holds its answer's real size, smaller than the estimate.
            try await waitUntil { store.status(of: first.id)?.result != nil }
            #expect(store.heldBytes == 300)
            let second = try store.submit(model: "null", bytes: 600) { result }
            try await waitUntil { store.status(of: second.id)?.result != nil }
            #expect(store.heldBytes == 600)
            #expect(store.cancel(first.id))
            #expect(store.cancel(second.id))
            #expect(store.heldBytes == 0)
            // Larger than the whole cap: accepted into an empty store, so it can run at all.
            let alone = try store.submit(model: "null", bytes: 5000) { result }
            #expect(throws: JobStoreFull(capacity: 10, maxBytes: 1000)) { try store.submit(model: "null", bytes: 1) { result } }
            try await waitUntil { store.status(of: alone.id)?.result != nil }
        }
    }

    @Test("an async submission over the job store's byte cap is 503 resource_exhausted with Retry-After")
    func asyncSubmissionRefused() async throws {
        let model = IdempotencyTests.Counting(supportsAsync: true)
        var extensions = ProtocolExtensions(asyncJobs: true)
        extensions.jobStoreMaxBytes = 1
        try await buildApp(model, options: MMCPOptions(extensions: extensions)).test(.router) { client in
            let first = try await client.execute(uri: "/generate", method: .post, body: TestRequests.body()) { Int($0.status.code) }
            #expect(first == 202)
            let refused = try await client.execute(uri: "/generate", method: .post, body: TestRequests.body()) { response in
                (Int(response.status.code), response.headers[.retryAfter], String(buffer: response.body))
            }
            #expect(refused.0 == 503)
            #expect(refused.1 != nil)
            #expect(refused.2.contains(#""job_store_max_bytes":1"#))
        }
    }
}
