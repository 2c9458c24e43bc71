import ServiceLifecycle
import Synchronization

/// What a backbone says about which of its requests may share one `generateBatch` call
/// (docs/extensions.md §6, upstream's `Backbone.batch_key`): two requests of a model go into the same
/// call only when their keys are equal.
///
/// A key wraps any `Hashable & Sendable` value, so a backbone can name exactly the settings one call
/// fixes: a struct of steps and guidance, an array of segment durations, a string. Two keys are
/// equal when their values are, as `AnyHashable` compares them (values of different types are
/// different keys, except where `AnyHashable` itself bridges them, as it does for numbers).
/// ``modelWide``, the default, wraps no value: every request of the model carries it, so any two
/// may share a call — upstream's `None`.
public struct BatchKey: Hashable, Sendable, CustomStringConvertible {
    /// The backbone's value, or nil for ``modelWide``.
    private let value: (any Hashable & Sendable)?

    /// The default key: any two requests of a model may share a call.
    public static let modelWide = BatchKey(wrapping: nil)

    /// A key that only requests whose key wraps an equal value share.
    public init(_ value: some Hashable & Sendable) {
        self.init(wrapping: value)
    }

    /// The key of `value`, nil being ``modelWide``.
    private init(wrapping value: (any Hashable & Sendable)?) {
        self.value = value
    }

    /// Whether both keys are ``modelWide``, or both wrap values `AnyHashable` finds equal.
    public static func == (lhs: BatchKey, rhs: BatchKey) -> Bool {
        switch (lhs.value, rhs.value) {
        case (nil, nil): true
        case (let left?, let right?): AnyHashable(left) == AnyHashable(right)
        default: false
        }
    }

    /// Hashes the wrapped value as `AnyHashable` does, so equal keys hash alike.
    public func hash(into hasher: inout Hasher) {
        // The marker keeps ``modelWide`` apart from a value that happens to hash like nothing.
        if let value {
            hasher.combine(true)
            hasher.combine(AnyHashable(value))
        } else {
            hasher.combine(false)
        }
    }

    /// The wrapped value as text, or `model-wide` for the default key: for logs.
    public var description: String { value.map { "\($0)" } ?? "model-wide" }
}

/// The batch window (docs/extensions.md §6, upstream's `_batcher.py`): collects single requests for one
/// model that arrive within ``window`` of each other into one `generateBatch` call, so a model that
/// batches well serves a burst in one pass. Each request still gets its own outcome; only its
/// latency changes.
///
/// Requests queue per (model, ``BatchKey``), oldest first. The first request of an idle queue
/// starts the queue's drain: wait ``window``; take the oldest requests up to the cap; run them as a
/// group and hand each its outcome; wait ``window`` again if more are waiting, else end. So one
/// queue's groups run one after another, different queues concurrently, and requests past the cap
/// wait for the next window — they are never refused.
///
/// The drains run as child tasks of ``run()``, so the window must run as a service of the server's
/// `ServiceGroup`, registered before the HTTP server so that it shuts down after it (the group stops
/// services in reverse order): **a request submitted before `run()` starts waits**, and its window
/// starts when `run()` does. At graceful shutdown the window takes no new queue: what is already
/// waiting still runs, and then `run()` returns; a request for an idle queue after that fails at
/// once with `503 model_unavailable`.
final class BatchWindow: Service, Sendable {
    /// One request's outcome: the model's result for it, or why it has none.
    typealias Outcome = Result<MotionResult, any Error>

    /// How a group is run: the model's `generateBatch` for the requests in order, returning one
    /// outcome per request, or a failure that fails every request of the group.
    typealias GroupRunner = @Sendable ([GenerateRequest]) async -> Result<[Outcome], any Error>

    /// How long a queue collects requests before its oldest go to the model, and the pause before
    /// each later group of the same queue.
    let window: Duration
    /// The clock the window is waited on.
    private let clock: any MMCPClock

    private let state = Mutex(State())
    /// The submitters waiting for their outcomes.
    private let submitters = Waiters<Outcome>()
    /// The queues that became busy, for ``run()`` to start their drains. Only the queue's name
    /// travels here: its requests stay in ``State/queues`` so a cancelled submitter can leave.
    private let busyQueues: AsyncStream<QueueName>
    private let busyQueueFeed: AsyncStream<QueueName>.Continuation
    /// Set by the first ``run()``: a stream has one consumer.
    private let runClaimed = Atomic(false)

    /// The queue a request waits in: its model and its backbone's key.
    private struct QueueName: Hashable, Sendable {
        let model: String
        let key: BatchKey
    }

    /// One submitted request, from submission until its group is taken.
    private struct WaitingRequest: Sendable {
        /// The submitter's id in ``State/submitters`` and ``BatchWindow/submitters``.
        let id: UInt64
        let request: GenerateRequest
        let runGroup: GroupRunner
    }

    /// One busy queue: present in ``State/queues`` from its first request until its drain finds it
    /// empty.
    private struct Queue {
        /// Oldest first.
        var waiting: [WaitingRequest] = []
        /// The most requests one group takes: the latest submitter's, as upstream records it.
        var maxBatchSize: Int
        /// Whether ``run()`` has started the queue's drain (false: it is announced on
        /// ``busyQueues`` and waits for `run()` to take it).
        var draining = false
    }

    /// Everything the window knows, behind one lock that no `await` is ever made under.
    private struct State {
        var queues: [QueueName: Queue] = [:]
        /// Every submitter still waiting for its outcome, queued or in a running group. Whoever
        /// removes one resumes it, so each is resumed exactly once.
        var submitters: Set<UInt64> = []
        /// Set when ``run()`` stops taking new queues; an idle queue then takes no request.
        var closed = false
        /// Model → group size → how many groups of that size were run.
        var batchSizes: [String: [Int: Int]] = [:]
    }

    /// What ``submit(model:key:request:maxBatchSize:runBatch:)`` did with a request, decided
    /// under the lock and acted on outside it.
    private enum Admission {
        /// The queue was idle: its drain must be announced to ``run()``.
        case queuedFirst
        /// The queue was busy already: its drain will take the request.
        case queued
        /// Not queued: the submitter gets this failure at once.
        case refused(any Error)
    }

    /// A window that collects each queue's requests for `window` of `clock` before running them.
    init(window: Duration, clock: any MMCPClock = ContinuousClock()) {
        precondition(window >= .zero, "a batch window cannot be negative")
        self.window = window
        self.clock = clock
        (busyQueues, busyQueueFeed) = AsyncStream.makeStream(of: QueueName.self)
    }

    /// Queues `request` for `model` under `key`, waits until the request's group has run, and
    /// returns the request's own outcome.
    ///
    /// Requests with the same model and key that arrive within the window go to `runBatch`
    /// together, oldest first, at most `maxBatchSize` at a time (at least one; the latest
    /// submitter's cap applies to the queue); the rest wait for the next window, never refused.
    /// A group runs through the `runBatch` of its oldest request. When `runBatch` fails, every
    /// request of the group gets its error; when it returns a number of outcomes other than the
    /// group's size, every request gets `internal_error`; otherwise outcomes pair with requests in
    /// order.
    ///
    /// Cancelling the submitter's task returns `CancellationError` at once. A request still queued
    /// is removed and never runs; one already taken into a group still runs with it (the call
    /// cannot be split), and its outcome is dropped.
    func submit(
        model: String, key: BatchKey, request: GenerateRequest, maxBatchSize: Int,
        runBatch: @escaping GroupRunner
    ) async -> Outcome {
        let name = QueueName(model: model, key: key)
        let cap = max(1, maxBatchSize)
        let id = submitters.makeID()
        let admission = state.withLock { state -> Admission in
            // A submitter cancelled already is not queued (nor its queue announced).
            if Task.isCancelled { return .refused(CancellationError()) }
            let idle = state.queues[name] == nil
            if idle && state.closed { return .refused(Self.closedError(model: model)) }
            state.queues[name, default: Queue(maxBatchSize: cap)].maxBatchSize = cap
            state.queues[name]?.waiting.append(WaitingRequest(id: id, request: request, runGroup: runBatch))
            state.submitters.insert(id)
            return idle ? .queuedFirst : .queued
        }
        switch admission {
        case .queuedFirst:
            // Outside the lock: the stream has its own and never blocks (unbounded buffer). If
            // run() closes before taking this, it starts the drain itself.
            busyQueueFeed.yield(name)
        case .queued:
            break
        case .refused(let error):
            return .failure(error)
        }
        return await submitters.wait(id, cancelled: .failure(CancellationError())) {
            self.state.withLock { state in
                guard state.submitters.remove(id) != nil else { return false }
                // Still queued: leave the queue. Already in a group: it runs; delivery skips it.
                state.queues[name]?.waiting.removeAll { $0.id == id }
                return true
            }
        }
    }

    /// Starts each busy queue's drain as a child task of one task group until graceful shutdown;
    /// then takes no new queue, starts the drains of queues that were announced but not yet taken,
    /// and returns once every drain has run what was waiting. Cancelling the task that runs this
    /// cancels the drains: running groups see the cancellation, and waiting requests fail with
    /// `CancellationError` instead of running. Runs once; a second call returns at once.
    func run() async {
        guard runClaimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            assertionFailure("BatchWindow.run() called twice")
            return
        }
        await withDiscardingTaskGroup { group in
            // Only the stream stops at graceful shutdown; the drains run on until their queues empty.
            await busyQueues.forEachUntilGracefulShutdown(finishing: busyQueueFeed) { name in
                let starts = state.withLock { state -> Bool in
                    guard let queue = state.queues[name], !queue.draining else { return false }
                    state.queues[name]?.draining = true
                    return true
                }
                if starts { group.addTask { await self.drain(name) } }
            }
            // A queue announced after the loop stopped would otherwise wait forever: start it here,
            // and from now on refuse requests for idle queues.
            let stranded = state.withLock { state -> [QueueName] in
                state.closed = true
                let names = state.queues.filter { !$0.value.draining }.map(\.key)
                for name in names { state.queues[name]?.draining = true }
                return names
            }
            for name in stranded { group.addTask { await self.drain(name) } }
        }
    }

    /// The sizes of the groups run so far, per model: group size → how many groups of that size.
    /// A group counts when it goes to the model, whatever its outcome. For the console.
    func batchSizes() -> [String: [Int: Int]] {
        state.withLock { $0.batchSizes }
    }

    /// How many requests wait in a queue per model, not yet taken into a group; models with none
    /// are absent. For the console, and for tests to know a request is queued.
    func waitingCounts() -> [String: Int] {
        state.withLock { state in
            var counts: [String: Int] = [:]
            for (name, queue) in state.queues where !queue.waiting.isEmpty {
                counts[name.model, default: 0] += queue.waiting.count
            }
            return counts
        }
    }

    /// One queue's drain: wait the window, run the oldest requests up to the cap, repeat until the
    /// queue is empty, then remove the queue so its next request starts a new drain.
    private func drain(_ name: QueueName) async {
        while true {
            // Cancellation (only run()'s task being cancelled) ends the sleep early; it is then
            // checked below, so a cancelled drain fails what waits instead of running it.
            try? await clock.sleep(for: window)
            let cancelled = Task.isCancelled
            let group = state.withLock { state -> [WaitingRequest]? in
                guard let queue = state.queues[name], !queue.waiting.isEmpty else {
                    state.queues[name] = nil
                    return nil
                }
                let count = cancelled ? queue.waiting.count : min(queue.maxBatchSize, queue.waiting.count)
                let group = Array(queue.waiting.prefix(count))
                state.queues[name]?.waiting.removeFirst(count)
                if !cancelled { state.batchSizes[name.model, default: [:]][count, default: 0] += 1 }
                return group
            }
            guard let group else { return }
            if cancelled {
                deliver(.failure(CancellationError()), to: group)
                continue
            }
            // The oldest request's runner: deterministic, and the one that has waited longest.
            let outcome = await group[0].runGroup(group.map(\.request))
            deliver(outcome, to: group)
        }
    }

    /// Hands each request of `group` its outcome: all the group's failure, all an `internal_error`
    /// when the count is wrong, else the outcomes in order. Submitters that left are skipped.
    private func deliver(_ outcome: Result<[Outcome], any Error>, to group: [WaitingRequest]) {
        let outcomes: [Outcome]
        switch outcome {
        case .failure(let error):
            outcomes = Array(repeating: .failure(error), count: group.count)
        case .success(let results) where results.count != group.count:
            let error = ProtocolError.internalError(
                "generate_batch returned \(results.count) results for \(group.count) requests")
            outcomes = Array(repeating: .failure(error), count: group.count)
        case .success(let results):
            outcomes = results
        }
        let waiting = state.withLock { state in
            group.map { state.submitters.remove($0.id) != nil }
        }
        for ((request, outcome), stillWaiting) in zip(zip(group, outcomes), waiting) where stillWaiting {
            submitters.resume(request.id, returning: outcome)
        }
    }

    /// What a request for an idle queue gets once ``run()`` has stopped: the server is shutting
    /// down, and nothing would run the request.
    private static func closedError(model: String) -> ProtocolError {
        ProtocolError(.modelUnavailable, "the server is shutting down; model '\(model)' takes no new requests")
    }
}
