import Logging
import MotionMCPTestSupport
import ServiceLifecycle
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// A model's `generateBatch` as the batch window calls it: records every group it is given and
/// answers each request with a result whose frame count is the request's, so a test can tell whose
/// result a submitter got. A request of `failingFrames` frames fails on its own.
private final class RecordingModel: Sendable {
    /// The frame count of a request that fails alone, with ``RequestFailed``.
    let failingFrames: Int?
    private let groups = Mutex<[[GenerateRequest]]>([])

    /// A model whose requests all succeed, except those of `failingFrames` frames.
    init(failingFrames: Int? = nil) { self.failingFrames = failingFrames }

    /// Every group it was called with, in call order.
    var calls: [[GenerateRequest]] { groups.withLock { $0 } }
    /// The size of every group it was called with, in call order.
    var sizes: [Int] { calls.map(\.count) }

    /// The runner to pass to `BatchWindow.submit`.
    @Sendable func runBatch(_ requests: [GenerateRequest]) async -> Result<[BatchWindow.Outcome], any Error> {
        groups.withLock { $0.append(requests) }
        return .success(
            requests.map { request -> BatchWindow.Outcome in
                if request.totalFrames == failingFrames { return .failure(RequestFailed(frames: request.totalFrames)) }
                return Result { try motion(frames: request.totalFrames) }
            })
    }
}

/// The error a ``RecordingModel`` fails one request with.
private struct RequestFailed: Error, Equatable {
    /// The failed request's frame count.
    let frames: Int
}

/// The error a whole group fails with in the tests of failing groups.
private struct GroupFailed: Error, Equatable {}

/// Something a test opens once: whoever waits before resumes then, whoever waits after goes on.
private final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Returns once the gate is open.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let proceed = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if proceed { continuation.resume() }
        }
    }

    /// Opens the gate for every waiter, present and future.
    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Numbers a test's runner appends to from its tasks (a `Mutex` alone cannot be captured by an
/// escaping closure).
private final class NumberLog: Sendable {
    private let numbers = Mutex<[Int]>([])

    /// What was appended, in order.
    var values: [Int] { numbers.withLock { $0 } }
    /// Appends `new`.
    func append(_ new: [Int]) { numbers.withLock { $0.append(contentsOf: new) } }
}

/// A one-joint motion of `frames` frames, one sample.
private func motion(frames: Int) throws -> MotionResult {
    var rotations = [Float](repeating: 0, count: frames * 4)
    for w in stride(from: 3, to: rotations.count, by: 4) { rotations[w] = 1 }
    return try MotionResult(
        sampleCount: 1, frameCount: frames, jointCount: 1, rotations: rotations,
        rootTranslations: [Float](repeating: 0, count: frames * 3))
}

/// A valid single request for the model `null`: one text segment of `frames` frames.
private func request(frames: Int) -> GenerateRequest {
    GenerateRequest(
        model: "null", skeleton: Skeleton(joints: [Joint(name: "root", restTranslation: SIMD3(0, 1, 0))]),
        segments: [.text(TextSegment(prompt: "walk", durationFrames: frames))])
}

/// The frame count of a successful outcome, nil for a failure.
private func frames(of outcome: BatchWindow.Outcome) -> Int? {
    try? outcome.get().frameCount
}

/// The error of a failed outcome, nil for a success.
private func failure(of outcome: BatchWindow.Outcome) -> (any Error)? {
    if case .failure(let error) = outcome { return error }
    return nil
}

/// Runs `window` (its `run()` in a task group) while `body` runs, then cancels it.
@discardableResult
private func whileWindowRuns<T: Sendable>(_ window: BatchWindow, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await window.run() }
        defer { group.cancelAll() }
        return try await body()
    }
}

/// Submits one request per entry of `frames` at once, each under the key its `key` gives, and
/// returns the outcomes in the order of `frames`.
private func submitTogether(
    _ window: BatchWindow, frames: [Int], maxBatchSize: Int = 8, key: @escaping @Sendable (Int) -> BatchKey = { _ in .modelWide },
    runBatch: @escaping BatchWindow.GroupRunner
) async -> [BatchWindow.Outcome] {
    await withTaskGroup(of: (Int, BatchWindow.Outcome).self) { group in
        for (index, count) in frames.enumerated() {
            group.addTask {
                let outcome = await window.submit(
                    model: "null", key: key(count), request: request(frames: count), maxBatchSize: maxBatchSize,
                    runBatch: runBatch)
                return (index, outcome)
            }
        }
        var outcomes: [BatchWindow.Outcome?] = Array(repeating: nil, count: frames.count)
        for await (index, outcome) in group { outcomes[index] = outcome }
        return outcomes.map { $0! }
    }
}

@Suite("The batch window", .timeLimit(.minutes(1)))
struct BatchWindowTests {
    @Test("three requests arriving within a 40 ms window go to the model as one call of three")
    func oneCallForABurst() async throws {
        let window = BatchWindow(window: .milliseconds(40))
        let model = RecordingModel()
        let outcomes = try await whileWindowRuns(window) {
            await submitTogether(window, frames: [10, 11, 12], runBatch: model.runBatch)
        }
        #expect(model.sizes == [3])
        #expect(outcomes.map(frames(of:)) == [10, 11, 12])
    }

    @Test("with a cap of two, three requests in a 20 ms window run as calls of two then one, and all succeed")
    func capLeavesTheRestForTheNextWindow() async throws {
        let window = BatchWindow(window: .milliseconds(20))
        let model = RecordingModel()
        let outcomes = try await whileWindowRuns(window) {
            await submitTogether(window, frames: [10, 11, 12], maxBatchSize: 2, runBatch: model.runBatch)
        }
        #expect(model.sizes == [2, 1])
        #expect(outcomes.map(frames(of:)) == [10, 11, 12])
        // Oldest first: the leftover is one of the three, and the groups hold each request once.
        #expect(model.calls.flatMap { $0.map(\.totalFrames) }.sorted() == [10, 11, 12])
    }

    @Test("requests whose keys differ never share a call: keys 10, 24, 10 run as calls of two and one")
    func keysSeparateGroups() async throws {
        let window = BatchWindow(window: .milliseconds(40))
        let model = RecordingModel()
        let outcomes = try await whileWindowRuns(window) {
            await submitTogether(window, frames: [10, 24, 10], key: { BatchKey([$0]) }, runBatch: model.runBatch)
        }
        #expect(model.sizes.sorted() == [1, 2])
        #expect(Set(model.calls.map { $0.map(\.totalFrames) }) == [[10, 10], [24]])
        #expect(outcomes.map(frames(of:)) == [10, 24, 10])
    }

    @Test("every request of a group gets the error of a runBatch that fails")
    func failingGroup() async throws {
        let window = BatchWindow(window: .milliseconds(40))
        let outcomes = try await whileWindowRuns(window) {
            await submitTogether(window, frames: [10, 11, 12]) { _ in .failure(GroupFailed()) }
        }
        #expect(outcomes.count == 3)
        for outcome in outcomes { #expect(failure(of: outcome) as? GroupFailed == GroupFailed()) }
    }

    @Test("every request of a group fails with internal_error when runBatch returns the wrong number of results")
    func wrongResultCount() async throws {
        let window = BatchWindow(window: .milliseconds(40))
        let outcomes = try await whileWindowRuns(window) {
            await submitTogether(window, frames: [10, 11]) { requests in
                .success([Result { try motion(frames: requests[0].totalFrames) }])
            }
        }
        #expect(outcomes.count == 2)
        for outcome in outcomes {
            let error = failure(of: outcome) as? ProtocolError
            #expect(error?.code == .internalError)
            #expect(error?.message == "generate_batch returned 1 results for 2 requests")
        }
    }

    @Test("each request gets its own outcome, paired with the requests in order, failures included")
    func pairing() async throws {
        let window = BatchWindow(window: .milliseconds(40))
        let model = RecordingModel(failingFrames: 13)
        let outcomes = try await whileWindowRuns(window) {
            await submitTogether(window, frames: [10, 13, 11, 12], runBatch: model.runBatch)
        }
        #expect(model.sizes == [4])
        #expect(outcomes.map(frames(of:)) == [10, nil, 11, 12])
        #expect(failure(of: outcomes[1]) as? RequestFailed == RequestFailed(frames: 13))
    }

    @Test("a submitter cancelled while its request waits returns at once with a cancellation, and the request is not run")
    func cancelledWhileQueued() async throws {
        let window = BatchWindow(window: .seconds(3))
        let model = RecordingModel()
        try await whileWindowRuns(window) {
            async let kept = window.submit(
                model: "null", key: .modelWide, request: request(frames: 10), maxBatchSize: 8, runBatch: model.runBatch)
            let leaving = Task {
                await window.submit(
                    model: "null", key: .modelWide, request: request(frames: 11), maxBatchSize: 8, runBatch: model.runBatch)
            }
            try await waitUntil { window.waitingCounts()["null"] == 2 }
            leaving.cancel()
            let left = await leaving.value
            #expect(failure(of: left) is CancellationError)
            // The other request still waits: the window has not run, so the cancelled submitter
            // did not wait for its group.
            #expect(window.waitingCounts()["null"] == 1)
            #expect(frames(of: await kept) == 10)
        }
        #expect(model.calls.map { $0.map(\.totalFrames) } == [[10]])
    }

    @Test("a submitter whose task is already cancelled gets a cancellation and queues nothing")
    func cancelledBeforeSubmitting() async throws {
        let clock = TestClock()
        let window = BatchWindow(window: .milliseconds(20), clock: clock)
        let model = RecordingModel()
        let outcome = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await window.submit(
                model: "null", key: .modelWide, request: request(frames: 10), maxBatchSize: 8, runBatch: model.runBatch)
        }.value
        #expect(failure(of: outcome) is CancellationError)
        #expect(window.waitingCounts().isEmpty)
        try await whileWindowRuns(window) {
            // The next request's group is the model's only call: the cancelled one never joined it.
            async let next = window.submit(
                model: "null", key: .modelWide, request: request(frames: 11), maxBatchSize: 8, runBatch: model.runBatch)
            try await waitUntil { clock.sleeperCount == 1 }
            clock.advance(by: window.window)
            #expect(frames(of: await next) == 11)
        }
        #expect(model.calls.map { $0.map(\.totalFrames) } == [[11]])
    }

    @Test("a submitter cancelled after its request went into a group returns at once; the group still runs with it")
    func cancelledWhileRunning() async throws {
        let window = BatchWindow(window: .milliseconds(10))
        let gate = Gate()
        let calls = NumberLog()
        try await whileWindowRuns(window) {
            let leaving = Task {
                await window.submit(model: "null", key: .modelWide, request: request(frames: 10), maxBatchSize: 8) { requests in
                    calls.append([requests.count])
                    await gate.wait()
                    return .success(requests.map { request in Result { try motion(frames: request.totalFrames) } })
                }
            }
            try await waitUntil { calls.values == [1] }
            leaving.cancel()
            #expect(failure(of: await leaving.value) is CancellationError)
            gate.open()
        }
        #expect(calls.values == [1])
    }

    @Test("one key's groups run one after another while another key's group runs meanwhile")
    func sequentialPerKeyConcurrentAcrossKeys() async throws {
        let window = BatchWindow(window: .milliseconds(10))
        let gate = Gate()
        let started = NumberLog()
        let blockingRunner: BatchWindow.GroupRunner = { requests in
            started.append(requests.map(\.totalFrames))
            // The requests of 10 frames wait for the gate; any other runs through.
            if requests.contains(where: { $0.totalFrames == 10 }) { await gate.wait() }
            return .success(requests.map { request in Result { try motion(frames: request.totalFrames) } })
        }
        try await whileWindowRuns(window) {
            async let first = window.submit(
                model: "null", key: BatchKey("slow"), request: request(frames: 10), maxBatchSize: 1, runBatch: blockingRunner)
            try await waitUntil { started.values == [10] }
            // Same key, cap one: queued behind the blocked group.
            async let second = window.submit(
                model: "null", key: BatchKey("slow"), request: request(frames: 11), maxBatchSize: 1, runBatch: blockingRunner)
            // Another key runs at once.
            let other = await window.submit(
                model: "null", key: BatchKey("fast"), request: request(frames: 12), maxBatchSize: 1, runBatch: blockingRunner)
            #expect(frames(of: other) == 12)
            try await waitUntil { window.waitingCounts()["null"] == 1 }
            #expect(started.values == [10, 12])
            gate.open()
            #expect(frames(of: await first) == 10)
            #expect(frames(of: await second) == 11)
        }
        #expect(started.values == [10, 12, 11])
    }

    @Test("a request submitted before run() starts waits, and runs once it does")
    func waitsForRun() async throws {
        let clock = TestClock()
        let window = BatchWindow(window: .milliseconds(10), clock: clock)
        let model = RecordingModel()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let outcome = await window.submit(
                    model: "null", key: .modelWide, request: request(frames: 10), maxBatchSize: 8, runBatch: model.runBatch)
                #expect(frames(of: outcome) == 10)
            }
            try await waitUntil { window.waitingCounts()["null"] == 1 }
            // Its window passes, and nothing runs it: no drain waits on the clock.
            clock.advance(by: window.window)
            #expect(clock.sleeperCount == 0)
            #expect(model.calls.isEmpty)
            try await whileWindowRuns(window) {
                try await waitUntil { clock.sleeperCount == 1 }
                clock.advance(by: window.window)
                try await waitUntil { model.sizes == [1] }
            }
            try await group.waitForAll()
        }
    }

    @Test("graceful shutdown runs the requests already waiting, then run() ends and idle queues refuse with 503")
    func gracefulShutdown() async throws {
        let window = BatchWindow(window: .milliseconds(100))
        let model = RecordingModel()
        let logger = Logger(label: "BatchWindowTests") { _ in SwiftLogNoOpLogHandler() }
        let services = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [window], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await services.run() }
            async let outcomes = submitTogether(window, frames: [10, 11], runBatch: model.runBatch)
            try await waitUntil { window.waitingCounts()["null"] == 2 }
            await services.triggerGracefulShutdown()
            let finished = await outcomes
            #expect(finished.map(frames(of:)) == [10, 11])
            try await tasks.waitForAll()
        }
        #expect(model.sizes == [2])
        let late = await window.submit(
            model: "null", key: .modelWide, request: request(frames: 12), maxBatchSize: 8, runBatch: model.runBatch)
        #expect((failure(of: late) as? ProtocolError)?.code == .modelUnavailable)
        #expect(model.sizes == [2])
    }

    @Test("cancelling run() fails the requests still waiting instead of running them")
    func hardCancellation() async throws {
        let window = BatchWindow(window: .seconds(30))
        let model = RecordingModel()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await window.run() }
            async let outcome = window.submit(
                model: "null", key: .modelWide, request: request(frames: 10), maxBatchSize: 8, runBatch: model.runBatch)
            try await waitUntil { window.waitingCounts()["null"] == 1 }
            tasks.cancelAll()
            #expect(failure(of: await outcome) is CancellationError)
        }
        #expect(model.calls.isEmpty)
    }

    @Test("the batch-size histogram counts the groups run per model and size")
    func histogram() async throws {
        let window = BatchWindow(window: .milliseconds(20))
        let model = RecordingModel()
        try await whileWindowRuns(window) {
            _ = await submitTogether(window, frames: [10, 11, 12], maxBatchSize: 2, runBatch: model.runBatch)
            _ = await window.submit(
                model: "other", key: .modelWide, request: request(frames: 10), maxBatchSize: 2, runBatch: model.runBatch)
        }
        #expect(window.batchSizes() == ["null": [2: 1, 1: 1], "other": [1: 1]])
    }

    @Test("batch keys are equal exactly when their values are, and the model-wide key equals only itself")
    func keyEquality() {
        #expect(BatchKey([10]) == BatchKey([10]))
        #expect(BatchKey([10]) != BatchKey([24]))
        #expect(BatchKey("10") != BatchKey([10]))
        #expect(BatchKey.modelWide == .modelWide)
        #expect(BatchKey.modelWide != BatchKey(""))
        #expect(Set([BatchKey([10]), BatchKey([10]), .modelWide]).count == 2)
    }
}
