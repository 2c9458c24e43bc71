import MotionMCPTestSupport
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// docs/extensions.md §3: the store behind `Idempotency-Key` (claims, waiting, conflicts, scopes,
/// release, expiry, capacity, cancellation) and the SHA-256 its fingerprints are made with.
@Suite("The idempotency store", .timeLimit(.minutes(1)))
struct IdempotencyStoreTests {
    /// The fingerprint of a body given as text.
    static func fingerprint(_ body: String) -> [UInt8] { IdempotencyStore.fingerprint(Array(body.utf8)) }

    /// A stored 200 with a glTF body.
    static let gltfAnswer = StoredAnswer(status: 200, contentType: "model/gltf+json", body: Array(#"{"asset":{"version":"2.0"}}"#.utf8))

    /// A stored 202 of an async job, with every header a replay carries.
    static let jobAnswer = StoredAnswer(
        status: 202, contentType: "application/json", location: "/generate/jobs/0123abcd", retryAfter: "2",
        body: Array(#"{"job_id":"0123abcd","submitted_at":"2025-04-25T11:32:18Z"}"#.utf8))

    /// The ticket of a claim that proceeds; records an issue (and returns nil) for any other claim.
    static func ticket(of claim: IdempotencyStore.Claim, sourceLocation: SourceLocation = #_sourceLocation) -> IdempotencyTicket? {
        guard case .proceed(let ticket) = claim else {
            Issue.record("expected .proceed, got \(claim)", sourceLocation: sourceLocation)
            return nil
        }
        return ticket
    }

    @Test("the first claim with a key proceeds")
    func firstClaimProceeds() async {
        let store = IdempotencyStore()
        let claim = await store.claim(authorization: nil, key: "k1", fingerprint: Self.fingerprint("{}"))
        #expect(Self.ticket(of: claim) != nil)
    }

    @Test("the same body after the first finished replays its answer byte for byte, headers included")
    func sameBodyAfterFinishReplays() async throws {
        let store = IdempotencyStore()
        let body = Self.fingerprint(#"{"model":"null"}"#)
        let ticket = try #require(Self.ticket(of: await store.claim(authorization: "Bearer t", key: "k", fingerprint: body)))
        store.finish(ticket, with: Self.jobAnswer)

        for _ in 0..<3 {
            let replay = await store.claim(authorization: "Bearer t", key: "k", fingerprint: body)
            guard case .replay(let answer) = replay else {
                Issue.record("expected .replay, got \(replay)")
                return
            }
            #expect(answer == Self.jobAnswer)
            #expect(answer.body == Self.jobAnswer.body)
            #expect(answer.location == "/generate/jobs/0123abcd" && answer.retryAfter == "2" && answer.contentType == "application/json")
        }
    }

    @Test("the same body while the first is in progress waits for it, then replays its answer")
    func sameBodyInProgressWaitsThenReplays() async throws {
        let store = IdempotencyStore()
        let body = Self.fingerprint("{}")
        let ticket = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "k", fingerprint: body)))
        let events = Mutex<[String]>([])
        let waiter = Task {
            let claim = await store.claim(authorization: nil, key: "k", fingerprint: body)
            events.withLock { $0.append("claim returned") }
            return claim
        }
        // The waiter is registered and has not returned: it waits rather than polls or proceeds.
        try await waitUntil { store.waitingCount(authorization: nil, key: "k") == 1 }
        #expect(events.withLock { $0 }.isEmpty)

        events.withLock { $0.append("finishing") }
        store.finish(ticket, with: Self.gltfAnswer)
        #expect(await waiter.value == .replay(Self.gltfAnswer))
        #expect(events.withLock { $0 } == ["finishing", "claim returned"])
        #expect(store.waitingCount(authorization: nil, key: "k") == 0)
    }

    @Test("of many concurrent claims with one body, exactly one proceeds and all the others replay its answer")
    func concurrentClaimsRunOnce() async throws {
        let store = IdempotencyStore()
        let body = Self.fingerprint("{}")
        let claims = await withTaskGroup(of: IdempotencyStore.Claim.self, returning: [IdempotencyStore.Claim].self) { group in
            for _ in 0..<50 {
                group.addTask {
                    let claim = await store.claim(authorization: nil, key: "k", fingerprint: body)
                    // The one that proceeds stands for the request: it runs, then stores its answer.
                    if case .proceed(let ticket) = claim { store.finish(ticket, with: Self.gltfAnswer) }
                    return claim
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(claims.filter { if case .proceed = $0 { true } else { false } }.count == 1)
        #expect(claims.filter { $0 == .replay(Self.gltfAnswer) }.count == 49)
    }

    @Test("the same key with a different body is a conflict, while the first is in progress and after it finished")
    func differentBodyConflicts() async throws {
        let store = IdempotencyStore()
        let ticket = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("{}"))))
        #expect(await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("{ }")) == .conflict)
        #expect(store.waitingCount(authorization: nil, key: "k") == 0)

        store.finish(ticket, with: Self.gltfAnswer)
        #expect(await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("{ }")) == .conflict)
        // The conflict did not disturb the stored answer.
        #expect(await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("{}")) == .replay(Self.gltfAnswer))
    }

    @Test("another Authorization value, or none, is a scope of its own; an empty one is not the same as none")
    func scopesAreIndependent() async throws {
        let store = IdempotencyStore()
        let body = Self.fingerprint("{}")
        let other = Self.fingerprint("[]")
        let alice = try #require(Self.ticket(of: await store.claim(authorization: "Bearer alice", key: "k", fingerprint: body)))
        store.finish(alice, with: Self.gltfAnswer)

        // The same key and body elsewhere runs again; a different body elsewhere is no conflict.
        #expect(Self.ticket(of: await store.claim(authorization: "Bearer bob", key: "k", fingerprint: body)) != nil)
        #expect(Self.ticket(of: await store.claim(authorization: "bearer alice", key: "k", fingerprint: other)) != nil)
        #expect(Self.ticket(of: await store.claim(authorization: nil, key: "k", fingerprint: body)) != nil)
        #expect(Self.ticket(of: await store.claim(authorization: "", key: "k", fingerprint: other)) != nil)
        // Another key in the same scope is independent too.
        #expect(Self.ticket(of: await store.claim(authorization: "Bearer alice", key: "k2", fingerprint: other)) != nil)
        #expect(await store.claim(authorization: "Bearer alice", key: "k", fingerprint: body) == .replay(Self.gltfAnswer))
    }

    @Test("a released key is free again: the next claim proceeds, even with another body")
    func releasedKeyProceeds() async throws {
        let store = IdempotencyStore()
        let first = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("{}"))))
        store.release(first)
        let second = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("[]"))))
        #expect(second != first)
        // The first ticket no longer holds the key: using it again changes nothing.
        store.finish(first, with: Self.jobAnswer)
        store.release(first)
        #expect(await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("{}")) == .conflict)
        store.finish(second, with: Self.gltfAnswer)
        #expect(await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("[]")) == .replay(Self.gltfAnswer))
    }

    @Test("a release hands the key to the first waiter, which proceeds; the others keep waiting for it")
    func releaseHandsOverToFirstWaiter() async throws {
        let store = IdempotencyStore()
        let body = Self.fingerprint("{}")
        let holder = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "k", fingerprint: body)))
        let firstWaiter = Task { await store.claim(authorization: nil, key: "k", fingerprint: body) }
        try await waitUntil { store.waitingCount(authorization: nil, key: "k") == 1 }
        let secondWaiter = Task { await store.claim(authorization: nil, key: "k", fingerprint: body) }
        try await waitUntil { store.waitingCount(authorization: nil, key: "k") == 2 }

        store.release(holder)
        let successor = try #require(Self.ticket(of: await firstWaiter.value))
        #expect(successor != holder)
        #expect(store.waitingCount(authorization: nil, key: "k") == 1)
        // Still in progress under the successor: another body still conflicts.
        #expect(await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("[]")) == .conflict)

        store.finish(successor, with: Self.gltfAnswer)
        #expect(await secondWaiter.value == .replay(Self.gltfAnswer))
    }

    @Test("a stored answer expires its time to live after it was stored; an entry in progress never does")
    func answersExpire() async throws {
        let clock = TestClock()
        let store = IdempotencyStore(timeToLive: .seconds(60), clock: clock)
        let body = Self.fingerprint("{}")
        let ticket = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "k", fingerprint: body)))
        // The time to live counts from the finish, not from the claim.
        clock.advance(by: .seconds(3600))
        #expect(await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("[]")) == .conflict)
        store.finish(ticket, with: Self.gltfAnswer)

        clock.advance(by: .seconds(59))
        #expect(await store.claim(authorization: nil, key: "k", fingerprint: body) == .replay(Self.gltfAnswer))
        clock.advance(by: .seconds(1))
        // Expired is as if absent: the same body runs again, and another body is no conflict.
        let again = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("[]"))))
        store.finish(again, with: Self.jobAnswer)
        #expect(await store.claim(authorization: nil, key: "k", fingerprint: Self.fingerprint("[]")) == .replay(Self.jobAnswer))
    }

    @Test("a full store evicts the entry finished longest ago, never one in progress")
    func fullStoreEvictsOldestFinished() async throws {
        let clock = TestClock()
        let store = IdempotencyStore(capacity: 3, clock: clock)
        let body = Self.fingerprint("{}")
        let running = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "running", fingerprint: body)))
        for key in ["older", "newer"] {
            let ticket = try #require(Self.ticket(of: await store.claim(authorization: nil, key: key, fingerprint: body)))
            store.finish(ticket, with: Self.gltfAnswer)
            clock.advance(by: .seconds(1))
        }

        // Full: the new entry takes the place of "older".
        #expect(Self.ticket(of: await store.claim(authorization: nil, key: "new", fingerprint: body)) != nil)
        #expect(await store.claim(authorization: nil, key: "newer", fingerprint: body) == .replay(Self.gltfAnswer))
        #expect(await store.claim(authorization: nil, key: "running", fingerprint: Self.fingerprint("[]")) == .conflict)
        // "older" is gone, so it runs again, taking the place of "newer", the only finished entry;
        // "newer" is then gone too, and with every entry in progress it is declined.
        #expect(Self.ticket(of: await store.claim(authorization: nil, key: "older", fingerprint: Self.fingerprint("[]"))) != nil)
        #expect(await store.claim(authorization: nil, key: "newer", fingerprint: body) == .declined)
        store.release(running)
    }

    @Test("a store full of entries in progress declines new keys, but still replays and conflicts")
    func fullOfWorkDeclines() async throws {
        let store = IdempotencyStore(capacity: 2)
        let body = Self.fingerprint("{}")
        let first = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "a", fingerprint: body)))
        let second = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "b", fingerprint: body)))
        #expect(await store.claim(authorization: nil, key: "c", fingerprint: body) == .declined)
        #expect(await store.claim(authorization: nil, key: "a", fingerprint: Self.fingerprint("[]")) == .conflict)

        store.finish(first, with: Self.gltfAnswer)
        // A replay needs no room, and a finished entry can now make room.
        #expect(await store.claim(authorization: nil, key: "a", fingerprint: body) == .replay(Self.gltfAnswer))
        #expect(Self.ticket(of: await store.claim(authorization: nil, key: "c", fingerprint: body)) != nil)
        #expect(await store.claim(authorization: nil, key: "d", fingerprint: body) == .declined)
        store.release(second)
        #expect(Self.ticket(of: await store.claim(authorization: nil, key: "d", fingerprint: body)) != nil)
    }

    @Test("a waiter whose task is cancelled returns .cancelled at once; the holder and the other waiters carry on")
    func cancelledWaiterReturnsPromptly() async throws {
        let store = IdempotencyStore()
        let body = Self.fingerprint("{}")
        let holder = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "k", fingerprint: body)))
        let patient = Task { await store.claim(authorization: nil, key: "k", fingerprint: body) }
        try await waitUntil { store.waitingCount(authorization: nil, key: "k") == 1 }
        let impatient = Task { await store.claim(authorization: nil, key: "k", fingerprint: body) }
        try await waitUntil { store.waitingCount(authorization: nil, key: "k") == 2 }

        let cancelledAt = ContinuousClock.now
        impatient.cancel()
        #expect(await impatient.value == .cancelled)
        #expect(ContinuousClock.now - cancelledAt < .seconds(5))
        #expect(store.waitingCount(authorization: nil, key: "k") == 1)

        store.finish(holder, with: Self.gltfAnswer)
        #expect(await patient.value == .replay(Self.gltfAnswer))
    }

    @Test("a task cancelled before it claims does not wait for the request in progress")
    func alreadyCancelledDoesNotWait() async throws {
        let store = IdempotencyStore()
        let body = Self.fingerprint("{}")
        let holder = try #require(Self.ticket(of: await store.claim(authorization: nil, key: "k", fingerprint: body)))
        let started = Mutex(false)
        let late = Task {
            while !Task.isCancelled { await Task.yield() }
            started.withLock { $0 = true }
            return await store.claim(authorization: nil, key: "k", fingerprint: body)
        }
        late.cancel()
        #expect(await late.value == .cancelled)
        #expect(started.withLock { $0 })
        #expect(store.waitingCount(authorization: nil, key: "k") == 0)
        store.release(holder)
    }

    @Test(
        "the fingerprint is SHA-256 (FIPS 180-4 and NIST vectors, and lengths around the padding boundary)",
        arguments: [
            ("", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ("a", 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
            ("a", 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
            ("a", 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
            ("a", 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
            ("a", 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
            ("a", 1_000_000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
        ])
    func sha256Vectors(unit: String, repeats: Int, expected: String) {
        // The message is `unit` repeated, so that the test's name stays short for a million bytes.
        let message = Array(String(repeating: unit, count: repeats).utf8)
        let digest = IdempotencyStore.fingerprint(message)
        #expect(digest.count == 32)
        let hex = digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(hex == expected, "SHA-256 of \(message.count) bytes")
    }
}
