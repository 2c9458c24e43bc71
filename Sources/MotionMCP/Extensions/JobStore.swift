import Foundation
import ServiceLifecycle
import Synchronization

/// The async jobs of a server (docs/extensions.md §1): what `POST /generate` submits when it answers
/// 202, and what `GET` and `DELETE /generate/jobs/{id}` read and remove.
///
/// The store holds every job from submission until it is cancelled or its result has been kept for
/// ``retention`` after finishing. The work of a job runs as a child task of ``run()``, so the
/// store must run as a service of the server's `ServiceGroup`: a job submitted before `run()`
/// starts is queued and starts when it does, and **a job submitted while `run()` is not running
/// (never started, or over after a graceful shutdown) stays queued** until it is cancelled or the
/// process ends — the same as a restart, which loses every job.
///
/// Expiry is lazy: a finished job past its retention is removed when it is next looked at, and
/// every ``submit(model:bytes:work:)`` prunes those it finds, so no timer runs per job.
///
/// Its memory is capped in bytes as well as in jobs (``maxBytes``): a queued or running job holds
/// its answer's estimated size, a finished one its answer's real size, until it is removed. A
/// submission that would pass the cap is refused like one past ``capacity``, unless the store
/// holds no bytes at all (an answer larger than the whole cap still runs, alone).
final class JobStore: Service, Sendable {
    /// The shortest retention a server may be configured with: docs/extensions.md §1.7 keeps finished
    /// jobs at least 5 minutes, and a poller resuming a job (C2's `poll_job`) relies on it.
    static let minimumRetention = Duration.seconds(300)

    /// How many jobs the store keeps at most, queued, running and finished alike: a finished job
    /// holds its whole answer, so this bounds the memory the store can take.
    let capacity: Int
    /// How long a finished job (success or failure) is kept after it finished.
    let retention: Duration
    /// The most bytes of answers the store holds at once, estimated for unfinished jobs.
    let maxBytes: Int
    /// The clock retention is counted on.
    private let clock: any MMCPClock

    private let state = Mutex(State())
    /// The ids of submitted jobs, in submission order, for ``run()`` to start. Only an id travels
    /// here: the work stays in ``State/jobs`` so that cancelling a queued job releases it at once.
    private let submissions: AsyncStream<String>
    private let submissionQueue: AsyncStream<String>.Continuation
    /// Set by the first ``run()``: a stream has one consumer.
    private let runClaimed = Atomic(false)

    /// Everything the store knows, behind one lock.
    private struct State {
        var jobs: [String: Job] = [:]
        /// Every job's ``Job/bytes`` added up.
        var bytes = 0
        /// The earliest expiry among finished jobs, or nil when none is finished: pruning skips its
        /// scan until then, so most submissions cost no pass over the jobs. May be earlier than the
        /// real earliest after a lazy removal, which only costs one needless scan.
        var nextExpiry: ContinuousClock.Instant?

        /// Removes every finished job whose retention is over at `now`.
        mutating func pruneExpired(at now: ContinuousClock.Instant) {
            guard let nextExpiry, nextExpiry <= now else { return }
            var earliestKept: ContinuousClock.Instant?
            for (id, job) in jobs {
                guard case .finished(_, let expiresAt) = job.phase else { continue }
                if expiresAt <= now {
                    remove(id)
                } else if earliestKept.map({ expiresAt < $0 }) ?? true {
                    earliestKept = expiresAt
                }
            }
            self.nextExpiry = earliestKept
        }

        /// The job with this id unless its retention is over at `now` (it is then removed).
        mutating func liveJob(_ id: String, at now: ContinuousClock.Instant) -> Job? {
            guard let job = jobs[id] else { return nil }
            if case .finished(_, let expiresAt) = job.phase, expiresAt <= now {
                remove(id)
                return nil
            }
            return job
        }

        /// Removes the job `id`, giving its bytes back; returns it.
        @discardableResult
        mutating func remove(_ id: String) -> Job? {
            guard let job = jobs.removeValue(forKey: id) else { return nil }
            bytes -= job.bytes
            return job
        }
    }

    /// One job as the store keeps it.
    private struct Job {
        let ticket: JobTicket
        let model: String
        var phase: Phase
        /// What it holds of ``JobStore/maxBytes``: its answer's estimate, then its answer's size.
        var bytes: Int
    }

    /// Where a job is between submission and removal.
    private enum Phase {
        /// Submitted, its work not started yet.
        case queued(work: @Sendable () async -> JobResult)
        /// Its work runs; finishing `cancellation` makes the job's task cancel it.
        case running(cancellation: AsyncStream<Never>.Continuation)
        /// Its answer, kept until `expiresAt`.
        case finished(JobResult, expiresAt: ContinuousClock.Instant)
    }

    /// A store of at most `capacity` jobs and `maxBytes` bytes of answers keeping finished ones
    /// for `retention` of `clock`, raised to ``minimumRetention`` when shorter.
    init(capacity: Int = 1024, retention: Duration = .seconds(300), maxBytes: Int = 256 << 20, clock: any MMCPClock = ContinuousClock()) {
        precondition(capacity > 0, "a job store holds at least one job")
        self.capacity = capacity
        self.retention = max(retention, Self.minimumRetention)
        self.maxBytes = maxBytes
        self.clock = clock
        (submissions, submissionQueue) = AsyncStream.makeStream(of: String.self)
    }

    /// Starts `work` as a job for `model` whose answer is estimated at `bytes`, and returns its
    /// ticket at once; the work runs in ``run()``'s task group. Throws ``JobStoreFull`` when
    /// ``capacity`` jobs are queued, running or finished and not yet expired, or when `bytes`
    /// more would pass ``maxBytes`` (unless the store holds none).
    ///
    /// `work` is cancelled when the job is (its answer is then discarded), so it should return
    /// soon after it sees cancellation; it reports failures as a ``JobResult`` of its own.
    func submit(model: String, bytes: Int = 0, work: @escaping @Sendable () async -> JobResult) throws(JobStoreFull) -> JobTicket {
        let now = clock.now
        let submittedAt = Self.timestamp(Date())
        let ticket = try state.withLock { state throws(JobStoreFull) -> JobTicket in
            state.pruneExpired(at: now)
            guard state.jobs.count < capacity else { throw JobStoreFull(capacity: capacity) }
            guard state.bytes == 0 || state.bytes + bytes <= maxBytes else {
                throw JobStoreFull(capacity: capacity, maxBytes: maxBytes)
            }
            var id = Self.newJobID()
            // 128 random bits do not collide in practice; checking costs one lookup.
            while state.jobs[id] != nil { id = Self.newJobID() }
            let ticket = JobTicket(id: id, submittedAt: submittedAt)
            state.jobs[id] = Job(ticket: ticket, model: model, phase: .queued(work: work), bytes: bytes)
            state.bytes += bytes
            return ticket
        }
        // Outside the lock: the stream has its own, and never blocks (unbounded buffer). When
        // run() is over the id is refused and the job stays queued, as documented on the type.
        submissionQueue.yield(ticket.id)
        return ticket
    }

    /// The job's state and, once finished, its answer; nil for an id that is unknown, malformed,
    /// expired or cancelled. Reading never removes a job (a poll may be retried, docs/extensions.md
    /// §1.5), except one found expired.
    func status(of id: String) -> JobStatus? {
        guard Self.isJobID(id) else { return nil }
        let now = clock.now
        return state.withLock { state -> JobStatus? in
            guard let job = state.liveJob(id, at: now) else { return nil }
            switch job.phase {
            case .queued: return .queued(job.ticket)
            case .running: return .running(job.ticket)
            case .finished(let result, _): return .finished(job.ticket, result)
            }
        }
    }

    /// Removes the job, whatever its state, and cancels its work if it runs (its answer is then
    /// discarded); later ``status(of:)`` and `cancel` calls find nothing. False when no job has
    /// this id (unknown, malformed, expired or already cancelled).
    func cancel(_ id: String) -> Bool {
        guard Self.isJobID(id) else { return false }
        let now = clock.now
        let removed = state.withLock { state -> Job? in
            guard state.liveJob(id, at: now) != nil else { return nil }
            return state.remove(id)
        }
        guard let removed else { return false }
        if case .running(let cancellation) = removed.phase { cancellation.finish() }
        return true
    }

    /// The bytes the jobs hold now (for tests).
    var heldBytes: Int { state.withLock { $0.bytes } }

    /// How many jobs each model has kept, by state, for the console and the snapshot. A model with
    /// no job kept is absent.
    func counts() -> [String: JobCounts] {
        let now = clock.now
        return state.withLock { state in
            state.pruneExpired(at: now)
            var counts: [String: JobCounts] = [:]
            for job in state.jobs.values {
                switch job.phase {
                case .queued: counts[job.model, default: JobCounts()].queued += 1
                case .running: counts[job.model, default: JobCounts()].running += 1
                case .finished: counts[job.model, default: JobCounts()].finished += 1
                }
            }
            return counts
        }
    }

    /// Starts every submitted job, each as a child task of one task group, until graceful
    /// shutdown; then stops starting jobs and returns once the running ones have finished (their
    /// work is not cancelled: a graceful shutdown lets them end). Cancelling the task that runs
    /// this cancels the running work too. Runs once; a second call returns at once.
    func run() async {
        guard runClaimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            assertionFailure("JobStore.run() called twice")
            return
        }
        await withDiscardingTaskGroup { group in
            // Only the stream stops at graceful shutdown; the jobs' tasks run on to the end.
            await submissions.forEachUntilGracefulShutdown(finishing: submissionQueue) { id in
                // Claimed here, in submission order, so a job cancelled while queued never starts.
                let (cancellationSignal, cancellationTrigger) = AsyncStream.makeStream(of: Never.self)
                let work = state.withLock { state -> (@Sendable () async -> JobResult)? in
                    guard let job = state.jobs[id], case .queued(let work) = job.phase else { return nil }
                    state.jobs[id]?.phase = .running(cancellation: cancellationTrigger)
                    return work
                }
                guard let work else { return }
                group.addTask { await self.perform(id, work: work, cancellation: cancellationSignal) }
            }
        }
    }

    /// Runs one job's work and keeps its answer, unless the job was cancelled meanwhile. The work
    /// races a task that waits for ``cancel(_:)`` to finish `cancellation`: a task group cannot
    /// cancel one of its children from outside, but a child can cancel its own children.
    private func perform(_ id: String, work: @escaping @Sendable () async -> JobResult, cancellation: AsyncStream<Never>) async {
        let answer = await withTaskGroup(of: JobResult?.self) { race in
            race.addTask { await work() }
            race.addTask {
                // Ends when cancel() finishes the stream, or when this task is cancelled (the
                // work finished first, or run()'s task was cancelled).
                for await _ in cancellation {}
                return nil
            }
            var answer: JobResult?
            for await finished in race {
                // Whichever ends first ends the other; the work still returns an answer.
                race.cancelAll()
                if let finished { answer = finished }
            }
            return answer
        }
        guard let answer else { return }
        let expiresAt = clock.now + retention
        state.withLock { state in
            // A job cancelled while it ran is gone: its answer is discarded.
            guard let job = state.jobs[id], case .running = job.phase else { return }
            state.jobs[id]?.phase = .finished(answer, expiresAt: expiresAt)
            state.jobs[id]?.bytes = answer.body.count
            state.bytes += answer.body.count - job.bytes
            state.nextExpiry = state.nextExpiry.map { min($0, expiresAt) } ?? expiresAt
        }
    }

    /// Whether `id` has the form of a job id: 32 lowercase hexadecimal digits. Anything else is no
    /// job (a 404), whatever a client put in the path.
    static func isJobID(_ id: String) -> Bool {
        id.utf8.count == 32
            && id.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// A new job id: 128 bits from the system's secure generator as 32 lowercase hex digits, so an
    /// id cannot be guessed from another (a poll carries no other proof of who submitted the job).
    static func newJobID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(32)
        for word in [generator.next() as UInt64, generator.next() as UInt64] {
            for shift in stride(from: 60, through: 0, by: -4) {
                text.append(digits[Int((word >> UInt64(shift)) & 0xF)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `date` in UTC as `YYYY-MM-DDTHH:MM:SSZ`, the form of `submitted_at` (docs/extensions.md §1.3).
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }
}

/// What a submission returns and every poll of an unfinished job repeats: the body of the 202
/// (`{"job_id":…,"submitted_at":…}`) and the `Location` it names.
struct JobTicket: Sendable, Hashable {
    /// The job's id: 32 lowercase hexadecimal digits, 128 random bits.
    let id: String
    /// When the job was submitted, in UTC as `YYYY-MM-DDTHH:MM:SSZ`.
    let submittedAt: String
}

/// The state of a kept job, as a poll reports it.
enum JobStatus: Sendable, Equatable {
    /// Submitted, its work not started yet (a 202).
    case queued(JobTicket)
    /// Its work runs (a 202).
    case running(JobTicket)
    /// Its work returned this answer, success or failure, which every poll repeats.
    case finished(JobTicket, JobResult)
}

/// A finished job's answer, exactly as a poll returns it: the same status, headers and bytes the
/// synchronous request would have got.
struct JobResult: Sendable, Equatable {
    /// The HTTP status: 200, or an error's status (docs/protocol.md §5.2).
    var status: Int
    /// The `Content-Type`: the format negotiated at submission, or `application/json` for an
    /// error envelope.
    var contentType: String
    /// The `Retry-After` seconds, for the 429s and 503s that carry one (docs/extensions.md §4).
    var retryAfter: Int?
    /// The body: the glTF document (JSON or GLB) or the error envelope.
    var body: [UInt8]
}

/// Refuses a submission when the job store holds ``JobStore/capacity`` jobs already, or its answer
/// would pass ``JobStore/maxBytes``: the server answers `503 resource_exhausted` with
/// `Retry-After` instead of a 202 (docs/extensions.md §1.7).
struct JobStoreFull: Error, Sendable, Equatable {
    /// The capacity in jobs.
    let capacity: Int
    /// The cap in bytes, when it is the bytes that were full; nil when it was the jobs.
    var maxBytes: Int?
}
