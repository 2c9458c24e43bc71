import Foundation
import Logging
import MotionMCPTestSupport
import ServiceLifecycle
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// A job's work that the test steps through: it counts its starts, runs until the test opens it
/// or its task is cancelled, and records which of the two ended it.
final class SteppedWork: Sendable {
    /// What the work returns.
    let result: JobResult
    private let opened = Atomic(false)
    private let startCount = Atomic(0)
    private let endCount = Atomic(0)
    private let cancellationSeen = Atomic(false)
    /// Wakes the work when it is opened.
    private let changes = ChangeSignal()

    /// Work that will return `result`.
    init(returning result: JobResult = .gltf("{}")) { self.result = result }

    /// How many times the work has started.
    var starts: Int { startCount.load(ordering: .acquiring) }
    /// How many times the work has returned.
    var ends: Int { endCount.load(ordering: .acquiring) }
    /// Whether the work saw its task cancelled before it was opened.
    var sawCancellation: Bool { cancellationSeen.load(ordering: .acquiring) }
    /// Lets the work return.
    func open() {
        opened.store(true, ordering: .releasing)
        changes.notify()
    }

    /// The work itself, as `JobStore.submit` takes it.
    @Sendable func run() async -> JobResult {
        startCount.add(1, ordering: .acquiringAndReleasing)
        defer { endCount.add(1, ordering: .acquiringAndReleasing) }
        // Returns when opened, or when the task is cancelled.
        await changes.wait { self.opened.load(ordering: .acquiring) }
        if !opened.load(ordering: .acquiring) { cancellationSeen.store(true, ordering: .releasing) }
        return result
    }
}

extension JobResult {
    /// A 200 with a glTF JSON body.
    static func gltf(_ text: String) -> JobResult {
        JobResult(status: 200, contentType: "model/gltf+json", retryAfter: nil, body: Array(text.utf8))
    }
}

extension JobStatus {
    /// The finished answer, if the job is finished.
    var result: JobResult? {
        if case .finished(_, let result) = self { return result }
        return nil
    }

    /// Whether the job is queued.
    var isQueued: Bool {
        if case .queued = self { return true }
        return false
    }

    /// Whether the job's work runs.
    var isRunning: Bool {
        if case .running = self { return true }
        return false
    }
}

/// Runs `store` (its `run()` in a task group) while `body` runs, then cancels it.
func whileRunning(_ store: JobStore, _ body: () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await store.run() }
        defer { group.cancelAll() }
        try await body()
    }
}

@Suite("The async job store")
struct JobStoreTests {
    @Test("a job submitted before run() starts is queued, runs once it starts, and finishes with its work's exact result")
    func lifecycle() async throws {
        let store = JobStore()
        let work = SteppedWork(returning: .gltf(#"{"asset":{"version":"2.0"}}"#))
        let ticket = try store.submit(model: "null", work: work.run)
        #expect(store.status(of: ticket.id) == .queued(ticket))
        #expect(work.starts == 0)
        try await whileRunning(store) {
            try await waitUntil { work.starts == 1 }
            #expect(store.status(of: ticket.id) == .running(ticket))
            work.open()
            try await waitUntil { store.status(of: ticket.id)?.result != nil }
            #expect(store.status(of: ticket.id) == .finished(ticket, work.result))
        }
        #expect(work.starts == 1)
        #expect(!work.sawCancellation)
    }

    @Test("a finished answer, success or failure, reads the same on every poll")
    func repeatedReads() async throws {
        let store = JobStore()
        let success = JobResult.gltf(#"{"asset":{"version":"2.0"}}"#)
        let failure = JobResult(
            status: 503, contentType: "application/json", retryAfter: 5,
            body: Array(#"{"error":{"code":"resource_exhausted","message":"busy","details":{}}}"#.utf8))
        try await whileRunning(store) {
            let succeeded = try store.submit(model: "null") { success }
            let failed = try store.submit(model: "null") { failure }
            try await waitUntil { store.status(of: succeeded.id)?.result != nil && store.status(of: failed.id)?.result != nil }
            let first = (store.status(of: succeeded.id), store.status(of: failed.id))
            let second = (store.status(of: succeeded.id), store.status(of: failed.id))
            #expect(first.0 == .finished(succeeded, success))
            #expect(first.1 == .finished(failed, failure))
            #expect(second.0 == first.0)
            #expect(second.1 == first.1)
        }
    }

    @Test(
        "an unknown or malformed id has no status and cannot be cancelled",
        arguments: [
            "", "0123456789abcdef0123456789abcdef", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcde",
            "0123456789abcdef0123456789abcdef0", "../../capabilities", "abc123", String(repeating: "a", count: 129),
            "0123456789abcdef0123456789abcdeg", "é123456789abcdef0123456789abcde",
        ])
    func unknownIDs(id: String) throws {
        let store = JobStore()
        _ = try store.submit(model: "null") { .gltf("{}") }
        #expect(store.status(of: id) == nil)
        #expect(!store.cancel(id))
    }

    @Test("cancelling a running job cancels its work, removes the job for good, and a second cancel finds nothing")
    func cancelRunning() async throws {
        let store = JobStore()
        let work = SteppedWork()
        try await whileRunning(store) {
            let ticket = try store.submit(model: "null", work: work.run)
            try await waitUntil { work.starts == 1 }
            #expect(store.cancel(ticket.id))
            #expect(store.status(of: ticket.id) == nil)
            try await waitUntil { work.ends == 1 }
            #expect(work.sawCancellation)
            // The work returned an answer after its cancellation; it is discarded.
            #expect(store.status(of: ticket.id) == nil)
            #expect(!store.cancel(ticket.id))
            #expect(store.counts().isEmpty)
        }
    }

    @Test("a job cancelled while queued never runs, and a finished job can be cancelled too")
    func cancelQueuedAndFinished() async throws {
        let store = JobStore()
        let cancelledWork = SteppedWork()
        let cancelled = try store.submit(model: "null", work: cancelledWork.run)
        #expect(store.cancel(cancelled.id))
        try await whileRunning(store) {
            // run() starts jobs in submission order, so once the later one has started the
            // cancelled one has been passed over.
            let later = try store.submit(model: "null") { .gltf("{}") }
            try await waitUntil { store.status(of: later.id)?.result != nil }
            #expect(cancelledWork.starts == 0)
            #expect(store.cancel(later.id))
            #expect(store.status(of: later.id) == nil)
            #expect(!store.cancel(later.id))
        }
    }

    @Test("a finished job is kept for its retention, then gone")
    func retention() async throws {
        let clock = TestClock()
        let store = JobStore(capacity: 16, clock: clock)
        try await whileRunning(store) {
            let ticket = try store.submit(model: "null") { .gltf("{}") }
            try await waitUntil { store.status(of: ticket.id)?.result != nil }
            clock.advance(by: store.retention - .seconds(1))
            #expect(store.status(of: ticket.id)?.result != nil)
            clock.advance(by: .seconds(1))
            #expect(store.status(of: ticket.id) == nil)
            #expect(!store.cancel(ticket.id))
            #expect(store.counts().isEmpty)
        }
    }

    @Test("a server's store keeps finished jobs at least 300 seconds, whatever it is given")
    func minimumRetention() {
        #expect(JobStore().retention == .seconds(300))
        #expect(JobStore(retention: .seconds(1)).retention == .seconds(300))
        #expect(JobStore(retention: .seconds(900)).retention == .seconds(900))
    }

    @Test("a full store refuses a submission until a job is cancelled")
    func capacityWithQueuedJobs() throws {
        let store = JobStore(capacity: 3)
        let tickets = try (0..<3).map { _ in try store.submit(model: "null") { .gltf("{}") } }
        #expect(throws: JobStoreFull(capacity: 3)) { try store.submit(model: "null") { .gltf("{}") } }
        #expect(store.cancel(tickets[1].id))
        let replacement = try store.submit(model: "null") { .gltf("{}") }
        #expect(store.status(of: replacement.id) == .queued(replacement))
        #expect(throws: JobStoreFull(capacity: 3)) { try store.submit(model: "other") { .gltf("{}") } }
    }

    @Test("finished jobs count toward the capacity until they expire, and a submission prunes the expired")
    func capacityWithFinishedJobs() async throws {
        let clock = TestClock()
        let store = JobStore(capacity: 1, clock: clock)
        try await whileRunning(store) {
            let first = try store.submit(model: "null") { .gltf("{}") }
            try await waitUntil { store.status(of: first.id)?.result != nil }
            clock.advance(by: store.retention - .seconds(1))
            #expect(throws: JobStoreFull(capacity: 1)) { try store.submit(model: "null") { .gltf("{}") } }
            clock.advance(by: .seconds(1))
            // Not reading the first job: only the submission's own pruning can make room.
            let second = try store.submit(model: "null") { .gltf("{}") }
            #expect(store.status(of: second.id) != nil)
        }
    }

    @Test("counts are kept per model and per state")
    func countsPerModel() async throws {
        let store = JobStore()
        let running = SteppedWork()
        _ = try store.submit(model: "a") { .gltf("{}") }
        _ = try store.submit(model: "a", work: running.run)
        _ = try store.submit(model: "b") { .gltf("{}") }
        #expect(store.counts() == ["a": JobCounts(queued: 2), "b": JobCounts(queued: 1)])
        try await whileRunning(store) {
            try await waitUntil { store.counts() == ["a": JobCounts(running: 1, finished: 1), "b": JobCounts(finished: 1)] }
            running.open()
            try await waitUntil { store.counts() == ["a": JobCounts(finished: 2), "b": JobCounts(finished: 1)] }
        }
    }

    @Test("job ids are 32 lowercase hex digits, distinct over 1000 submissions, and submittedAt is UTC to the second")
    func ids() throws {
        let jobID = try Regex("^[0-9a-f]{32}$")
        let utcSecond = try Regex(#"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"#)
        let store = JobStore(capacity: 1000)
        let tickets = try (0..<1000).map { _ in try store.submit(model: "null") { .gltf("{}") } }
        #expect(tickets.allSatisfy { (try? jobID.wholeMatch(in: $0.id)) != nil })
        #expect(tickets.allSatisfy { JobStore.isJobID($0.id) })
        #expect(Set(tickets.map(\.id)).count == 1000)
        #expect(tickets.allSatisfy { (try? utcSecond.wholeMatch(in: $0.submittedAt)) != nil })
        #expect(tickets.allSatisfy { store.status(of: $0.id) == .queued($0) })
    }

    @Test("submittedAt is the UTC time in the form of docs/extensions.md §1.3")
    func timestamp() {
        #expect(JobStore.timestamp(Date(timeIntervalSince1970: 1_745_580_738.75)) == "2025-04-25T11:32:18Z")
        #expect(JobStore.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
    }

    @Test("graceful shutdown stops starting jobs but lets a running job finish and keeps its answer")
    func gracefulShutdown() async throws {
        let store = JobStore()
        let work = SteppedWork(returning: .gltf(#"{"done":true}"#))
        let logger = Logger(label: "JobStoreTests") { _ in SwiftLogNoOpLogHandler() }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [store], gracefulShutdownSignals: [], logger: logger))
        // Submitted before the group runs: it starts when the store's run() does.
        let ticket = try store.submit(model: "null", work: work.run)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // Whatever happens, the group is shut down and the work opened, so a failed step fails
            // the test instead of hanging it.
            let started = (try? await waitUntil { work.starts == 1 }) ?? false
            await group.triggerGracefulShutdown()
            if started { #expect(store.status(of: ticket.id) == .running(ticket)) }
            work.open()
            // The group ends only after the store's run(), which waits for the running job.
            try await tasks.waitForAll()
        }
        #expect(store.status(of: ticket.id) == .finished(ticket, work.result))
        #expect(!work.sawCancellation)
        // With run() over, a job submitted now is kept but never started.
        let late = SteppedWork()
        let lateTicket = try store.submit(model: "null", work: late.run)
        #expect(store.status(of: lateTicket.id) == .queued(lateTicket))
        #expect(late.starts == 0)
    }
}
