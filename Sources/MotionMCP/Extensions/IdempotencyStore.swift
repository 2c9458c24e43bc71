import NIOCore
import Synchronization

/// The answers given to `POST /generate` requests that carried an `Idempotency-Key`, kept so that a
/// retry with the same key and body is answered again without running the request again
/// (docs/extensions.md §3).
///
/// An entry is keyed by its scope: the exact `Authorization` value (or none, which is its own
/// scope) and the key, so two principals never see each other's answers. It holds the SHA-256
/// fingerprint of the raw body (``fingerprint(_:)``) and is either in progress (a request holds its
/// ``IdempotencyTicket``) or finished (it holds a ``StoredAnswer``). ``claim(authorization:key:fingerprint:)``
/// tells a request what to do:
/// - no entry (or an expired one): it gets the ticket and runs; it then calls ``finish(_:with:)``
///   with an answer worth keeping (200, 202, 400, 413, 422) or ``release(_:)`` when a retry should
///   run again (401, 403, 429, 5xx);
/// - the same fingerprint, finished: it replays the stored answer;
/// - the same fingerprint, in progress: it waits for the holder, then replays its answer, or, if
///   the holder released the key, the first of the waiters proceeds in its place and the others
///   keep waiting for that one;
/// - another fingerprint: a conflict (409), whether the entry is in progress or finished.
///
/// Decisions the spec leaves open:
/// - **The original's client goes away.** The store cannot tell and does not need to: the caller
///   runs the original work to its end whatever happens to its client (the integration's job), so
///   every ticket is finished or released, and the waiters behind it are always answered. A ticket
///   never finished nor released would leave its waiters waiting until they are cancelled and its
///   entry occupying a place that is never evicted, so it must not happen.
/// - **A waiter's task is cancelled** (its client went away): it stops waiting at once and gets
///   ``Claim/cancelled``; it claimed nothing, so it neither runs the request nor has anything to
///   finish or release. It does not get ``Claim/declined``, which would run the request a second
///   time (the backbone called twice for one key) for a client that is no longer there. A claim
///   that does not have to wait ignores cancellation, and a waiter handed ``Claim/proceed(_:)`` at
///   the moment it was cancelled keeps the ticket: every `.proceed` is finished or released.
/// - **Expiry** is lazy, with no timer task: an entry is looked at against the clock when it is
///   claimed (expired = absent), and the expired ones are pruned whenever a new entry is inserted.
///   Only finished entries expire, ``timeToLive`` after they were stored; an entry in progress
///   lives until its ticket is finished or released.
/// - **Full store** (``capacity`` entries, in progress ones included): inserting evicts the entry
///   finished longest ago; when every entry is in progress, the claim is ``Claim/declined`` (the
///   request runs without an entry and answers `Idempotency-Status: declined`). Replays and
///   conflicts never need room, so they are never declined.
/// - **Full bytes** (``maxBytes`` of finished answers, expired ones pruned first): an answer that
///   would pass it is not kept. ``finish(_:with:)`` then hands it to the requests waiting for it,
///   removes the entry (a retry runs again) and returns false, and the request that ran answers
///   `Idempotency-Status: declined`. Nothing is evicted to make room: the answers kept stay
///   replayable for their whole time to live, and one client's large answers cannot push out
///   everyone else's.
///
/// No lock is held across an `await`: a waiter registers its id under the lock and is resumed
/// (``Waiters``), with its claim already decided, after the lock is let go. Handing the decision over
/// (instead of waking every waiter to look again, as ``ChangeSignal`` does) is what lets exactly
/// the first waiter take over a released key.
final class IdempotencyStore: Sendable {
    /// What a request with an `Idempotency-Key` should do.
    enum Claim: Sendable, Equatable {
        /// The first request with this scope and body: run it, then ``IdempotencyStore/finish(_:with:)``
        /// or ``IdempotencyStore/release(_:)`` the ticket.
        case proceed(IdempotencyTicket)
        /// The same body was answered before (or just now, while this request waited): send this.
        case replay(StoredAnswer)
        /// The key was used with another body in this scope: answer 409.
        case conflict
        /// The store is full of entries still in progress: run the request without storing its
        /// answer and send `Idempotency-Status: declined`.
        case declined
        /// The task was cancelled while it waited for the request holding the key: nothing was
        /// claimed, so run nothing and finish or release nothing; its client is gone.
        case cancelled
    }

    /// How long a finished answer is replayed, counted from ``finish(_:with:)``.
    let timeToLive: Duration
    /// The most entries held at once, in progress and finished together.
    let capacity: Int
    /// The most bytes of finished answers held at once (``StoredAnswer/size`` each).
    let maxBytes: Int

    /// The clock entries are stored at and checked against.
    private let clock: any MMCPClock
    /// Every entry and the order they finished in.
    private let table: Mutex<IdempotencyTable>
    /// The requests waiting for the one that holds their key.
    private let waiters = Waiters<Claim>()

    /// A store that replays answers for `timeToLive` after they are stored and holds at most
    /// `capacity` entries and `maxBytes` bytes of answers, on `clock`.
    init(
        timeToLive: Duration = .seconds(300), capacity: Int = 10_000, maxBytes: Int = 256 << 20,
        clock: any MMCPClock = ContinuousClock()
    ) {
        precondition(timeToLive > .zero, "an idempotency time to live must be positive")
        precondition(capacity > 0, "an idempotency store must hold at least one entry")
        self.timeToLive = timeToLive
        self.capacity = capacity
        self.maxBytes = maxBytes
        self.clock = clock
        self.table = Mutex(IdempotencyTable())
    }

    /// Decides what the request with `key`, sent with `authorization` (nil: none), whose body has
    /// `fingerprint`, should do; waits while the same body is in progress under the same scope.
    func claim(authorization: String?, key: String, fingerprint: [UInt8]) async -> Claim {
        let scope = IdempotencyScope(authorization: authorization, key: key)
        let waiterID = waiters.makeID()
        let at = clock.now
        let decided = table.withLock { table in
            table.claim(scope, fingerprint: fingerprint, waiter: waiterID, at: at, capacity: capacity)
        }
        if let decided { return decided }
        // Registered as a waiter: `finish`, `release` or its cancellation resumes it.
        return await waiters.wait(waiterID, cancelled: .cancelled) {
            self.table.withLock { $0.removeWaiter(waiterID, from: scope) }
        }
    }

    /// Stores `answer` for the ticket's scope (replayed for ``timeToLive`` from now) and hands it
    /// to every request waiting for it. When it would pass ``maxBytes`` it is handed on but not
    /// kept: the entry goes, so a retry runs again, and the result is false. A ticket already
    /// finished or released is ignored (true: nothing to decline).
    @discardableResult
    func finish(_ ticket: IdempotencyTicket, with answer: StoredAnswer) -> Bool {
        let at = clock.now
        let (waiters, kept) = table.withLock { table in
            table.finish(ticket, with: answer, at: at, expiresAt: at.advanced(by: timeToLive), maxBytes: maxBytes)
        }
        for waiter in waiters { self.waiters.resume(waiter, returning: .replay(answer)) }
        return kept
    }

    /// The bytes of finished answers held now, expired ones not yet pruned included (for tests).
    var storedBytes: Int { table.withLock { $0.storedBytes } }

    /// Frees the ticket's key without storing an answer, so that a retry runs again: the first
    /// request waiting for it proceeds with a new ticket, the others wait for that one; with none
    /// waiting the entry is gone. A ticket already finished or released is ignored.
    func release(_ ticket: IdempotencyTicket) {
        let successor = table.withLock { $0.release(ticket) }
        if let successor { waiters.resume(successor.waiter, returning: .proceed(successor.ticket)) }
    }

    /// How many requests wait for the one in progress under this scope (for tests and metrics).
    func waitingCount(authorization: String?, key: String) -> Int {
        let scope = IdempotencyScope(authorization: authorization, key: key)
        return table.withLock { table in
            guard case .inProgress(let work) = table.entries[scope] else { return 0 }
            return work.waiters.count
        }
    }

    /// The fingerprint of a request body: its SHA-256 digest (32 bytes).
    static func fingerprint(_ body: [UInt8]) -> [UInt8] {
        SHA256.digest(body)
    }
}

/// The right to run the request that holds an idempotency key; it ends with
/// ``IdempotencyStore/finish(_:with:)`` or ``IdempotencyStore/release(_:)``.
struct IdempotencyTicket: Sendable, Hashable {
    /// Whose key it is.
    fileprivate let scope: IdempotencyScope
    /// Tells this holder from a later one of the same key (after a release or an expiry), so that
    /// a ticket used twice cannot end another holder's entry.
    fileprivate let serial: UInt64
}

/// An answer replayed for an idempotency key: what docs/extensions.md §3 says is replayed byte for byte.
struct StoredAnswer: Sendable, Equatable {
    /// The HTTP status.
    var status: Int
    /// The `Content-Type` header, as sent.
    var contentType: String?
    /// The `Location` header (an async job's), as sent.
    var location: String?
    /// The `Retry-After` header, as sent.
    var retryAfter: String?
    /// The body.
    var body: [UInt8]

    /// What it takes of ``IdempotencyStore/maxBytes``: the body and its headers.
    var size: Int {
        body.count + (contentType?.utf8.count ?? 0) + (location?.utf8.count ?? 0) + (retryAfter?.utf8.count ?? 0)
    }

    /// An answer of `status` with these headers (nil: not sent) and `body`.
    init(status: Int, contentType: String? = nil, location: String? = nil, retryAfter: String? = nil, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.location = location
        self.retryAfter = retryAfter
        self.body = body
    }
}

/// Whose key an entry is: the exact `Authorization` value (nil when there was none, which no
/// header value can be mistaken for) and the `Idempotency-Key`.
private struct IdempotencyScope: Hashable, Sendable {
    /// The exact `Authorization` value, or nil for anonymous requests.
    let authorization: String?
    /// The `Idempotency-Key` value.
    let key: String
}

/// An idempotency entry.
private enum IdempotencyEntry: Sendable {
    /// A request holds the key and runs.
    case inProgress(Work)
    /// The answer is stored.
    case finished(Finished)

    /// The request running under a key and the ones waiting for it.
    struct Work: Sendable {
        /// The SHA-256 of the body.
        let fingerprint: [UInt8]
        /// The serial of the ticket the running request holds.
        var serial: UInt64
        /// The ids (in ``IdempotencyStore``'s waiters) of the requests with the same body waiting
        /// for it, first come first.
        var waiters: [UInt64]
    }

    /// An answer stored under a key.
    struct Finished: Sendable {
        /// The SHA-256 of the body.
        let fingerprint: [UInt8]
        /// What is replayed.
        let answer: StoredAnswer
        /// When it stops being replayed.
        let expiresAt: ContinuousClock.Instant
        /// Its place in the order entries finished in, matching its record in
        /// ``IdempotencyTable/finishedOrder``.
        let serial: UInt64
    }

    /// The SHA-256 of the entry's body.
    var fingerprint: [UInt8] {
        switch self {
        case .inProgress(let work): work.fingerprint
        case .finished(let finished): finished.fingerprint
        }
    }
}

/// The store's state, changed only under its lock; every method is quick and never suspends.
private struct IdempotencyTable: Sendable {
    /// A finished entry's record in ``finishedOrder``.
    struct FinishRecord: Sendable {
        /// Whose entry.
        let scope: IdempotencyScope
        /// The entry's ``IdempotencyEntry/Finished/serial``; a record whose entry has since gone or been
        /// replaced no longer matches and is skipped.
        let serial: UInt64
    }

    /// Every entry, expired ones not yet pruned included.
    var entries: [IdempotencyScope: IdempotencyEntry] = [:]
    /// The finished entries, the one finished longest ago first. With one time to live for all
    /// and a clock that only moves forward, that is also the order they expire in, so pruning and
    /// eviction look only at the front instead of scanning every entry.
    var finishedOrder = CircularBuffer<FinishRecord>()
    /// The last serial given to a ticket or a finished entry.
    var lastSerial: UInt64 = 0
    /// The ``StoredAnswer/size`` of every finished entry added up.
    var storedBytes = 0

    /// A serial never given before.
    mutating func nextSerial() -> UInt64 {
        lastSerial += 1
        return lastSerial
    }

    /// The claim for `scope` and `fingerprint` at `now`, or nil when `waiter` was registered to wait
    /// for the request in progress.
    mutating func claim(
        _ scope: IdempotencyScope, fingerprint: [UInt8], waiter: UInt64, at now: ContinuousClock.Instant, capacity: Int
    ) -> IdempotencyStore.Claim? {
        if case .finished(let finished) = entries[scope], finished.expiresAt <= now {
            removeFinished(scope, finished)
        }
        switch entries[scope] {
        case .some(let entry) where entry.fingerprint != fingerprint:
            return .conflict
        case .finished(let finished):
            return .replay(finished.answer)
        case .inProgress(var work):
            // A task cancelled already does not wait: ``Waiters`` would withdraw it at once.
            if Task.isCancelled { return .cancelled }
            work.waiters.append(waiter)
            entries[scope] = .inProgress(work)
            return nil
        case nil:
            pruneExpired(at: now)
            if entries.count >= capacity, !evictOldestFinished() { return .declined }
            let serial = nextSerial()
            entries[scope] = .inProgress(IdempotencyEntry.Work(fingerprint: fingerprint, serial: serial, waiters: []))
            return .proceed(IdempotencyTicket(scope: scope, serial: serial))
        }
    }

    /// Stores `answer` for the ticket's entry if the ticket still holds it and it fits in
    /// `maxBytes` (else removes the entry), and returns the waiters to hand it to and whether it
    /// was kept.
    mutating func finish(
        _ ticket: IdempotencyTicket, with answer: StoredAnswer, at now: ContinuousClock.Instant, expiresAt: ContinuousClock.Instant,
        maxBytes: Int
    ) -> (waiters: [UInt64], kept: Bool) {
        guard case .inProgress(let work) = entries[ticket.scope], work.serial == ticket.serial else { return ([], true) }
        pruneExpired(at: now)
        guard storedBytes + answer.size <= maxBytes else {
            entries[ticket.scope] = nil
            return (work.waiters, false)
        }
        storedBytes += answer.size
        let serial = nextSerial()
        entries[ticket.scope] = .finished(
            IdempotencyEntry.Finished(fingerprint: work.fingerprint, answer: answer, expiresAt: expiresAt, serial: serial))
        finishedOrder.append(FinishRecord(scope: ticket.scope, serial: serial))
        return (work.waiters, true)
    }

    /// Frees the ticket's entry if the ticket still holds it: the first waiter gets a new ticket
    /// (returned, to be resumed with it), or the entry goes when nobody waits.
    mutating func release(_ ticket: IdempotencyTicket) -> (waiter: UInt64, ticket: IdempotencyTicket)? {
        guard case .inProgress(var work) = entries[ticket.scope], work.serial == ticket.serial else { return nil }
        guard !work.waiters.isEmpty else {
            entries[ticket.scope] = nil
            return nil
        }
        let first = work.waiters.removeFirst()
        work.serial = nextSerial()
        entries[ticket.scope] = .inProgress(work)
        return (first, IdempotencyTicket(scope: ticket.scope, serial: work.serial))
    }

    /// Removes the waiter `id` from the entry of `scope`; false when it was taken out already (it
    /// then has its claim).
    mutating func removeWaiter(_ id: UInt64, from scope: IdempotencyScope) -> Bool {
        guard case .inProgress(var work) = entries[scope], let index = work.waiters.firstIndex(of: id) else { return false }
        work.waiters.remove(at: index)
        entries[scope] = .inProgress(work)
        return true
    }

    /// Removes the finished entries expired at `now`, and the records of entries already gone.
    mutating func pruneExpired(at now: ContinuousClock.Instant) {
        while let record = finishedOrder.first {
            if let finished = currentFinished(record) {
                guard finished.expiresAt <= now else { return }
                removeFinished(record.scope, finished)
            }
            finishedOrder.removeFirst()
        }
    }

    /// Removes the entry finished longest ago; false when no entry is finished.
    mutating func evictOldestFinished() -> Bool {
        while let record = finishedOrder.popFirst() {
            if let finished = currentFinished(record) {
                removeFinished(record.scope, finished)
                return true
            }
        }
        return false
    }

    /// Removes the finished entry of `scope` and gives its bytes back.
    private mutating func removeFinished(_ scope: IdempotencyScope, _ finished: IdempotencyEntry.Finished) {
        entries[scope] = nil
        storedBytes -= finished.answer.size
    }

    /// The finished entry `record` stands for, if it is still there and still that one.
    private func currentFinished(_ record: FinishRecord) -> IdempotencyEntry.Finished? {
        guard case .finished(let finished) = entries[record.scope], finished.serial == record.serial else { return nil }
        return finished
    }
}
