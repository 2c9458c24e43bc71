import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// How one backbone call through ``ServedModel/call(limits:logger:since:_:)`` ended.
package struct ModelCall<Value: Sendable>: Sendable {
    /// What the backbone returned, or why there is no value.
    package var result: Result<Value, CallFailure>
    /// How long the request waited before the call, and how long the call took (`nil` when the
    /// model did not admit the request).
    package var timing: CallTiming?
}

/// The two durations a model call records.
package struct CallTiming: Sendable {
    /// From the request's arrival to the backbone call.
    package var wait: Duration
    /// The backbone call itself.
    package var generate: Duration
}

/// Why a model call has no value.
package struct CallFailure: Error, Sendable {
    /// The answer for it.
    package var error: ProtocolError
    /// `true` when the server refused or stopped the call (model not ready, over its in-flight cap,
    /// past the generate timeout, stopped by a drain that timed out); `false` when the backbone
    /// threw. A batch answers the former item by item and the latter for the whole batch, as the
    /// reference answers a `generate_batch` that raises.
    package var byServer: Bool
}

/// Why a running call was stopped before the backbone returned.
package enum CallStopReason: UInt8, Sendable {
    /// The generate timeout passed.
    case deadline = 1
    /// The model's drain timed out.
    case drainTimeout = 2
    /// The client closed its connection (watched for forwarded calls only).
    case clientLeft = 3
    /// A forwarded answer stopped moving for longer than its idle limit.
    case stalled = 4
}

/// What a forwarded call watches besides its generate timeout: whether its client is still
/// connected, and, once its answer streams, that bytes keep moving. A call to an upstream can hang
/// in ways a backbone call cannot (an upstream that stops sending mid-answer, a client that left
/// while the upstream thinks), and each must end the call and free its place at once.
package struct CallWatch: Sendable {
    /// The connection the request arrived on; `nil` when unknown (an in-memory test client).
    package var client: (any Channel)?
    /// How long an answer may go without a byte read from the upstream or written to the client.
    package var idleLimit: Duration
    /// The watcher that looks at the call every tick.
    package var watcher: CallWatcher

    package init(client: (any Channel)?, idleLimit: Duration, watcher: CallWatcher) {
        self.client = client
        self.idleLimit = idleLimit
        self.watcher = watcher
    }
}

/// The watched calls in flight, looked at every ``tick`` by one task (``run()``, a child of the
/// gateway's service) rather than by a timer task of each call's own: a task per forwarded call
/// cost a context switch or two per request, and most calls end long before a tick.
package final class CallWatcher: Sendable {
    /// How often each call's client and progress are looked at.
    package let tick: Duration
    private let calls = Mutex<[ObjectIdentifier: Watched]>([:])

    /// A call as the watcher holds it: weakly, so that a lease nobody ended still goes away.
    private struct Watched: Sendable {
        weak var lease: CallLease?
    }

    package init(tick: Duration = .milliseconds(100)) {
        self.tick = tick
    }

    package func register(_ lease: CallLease) {
        calls.withLock { $0[ObjectIdentifier(lease)] = Watched(lease: lease) }
    }

    package func unregister(_ lease: CallLease) {
        _ = calls.withLock { $0.removeValue(forKey: ObjectIdentifier(lease)) }
    }

    /// Looks at every watched call each tick, until graceful shutdown (the drain that follows is
    /// bounded by its own timeout) or cancellation.
    package func run() async {
        // A race with graceful shutdown in a task group, not `cancelOnGracefulShutdown()`'s merge
        // (see `AsyncStream.forEachUntilGracefulShutdown`).
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: self.tick)
                let now = ContinuousClock.now
                for lease in self.calls.withLock({ $0.values.compactMap(\.lease) }) { await lease.look(at: now) }
            }
        }
    }
}

/// A backbone call in progress, with the one way to stop it early: ``stop(_:)``, whoever asks
/// (the generate timeout, a drain that timed out, or the gateway's ``CallWatcher``). The first
/// reason wins and decides the answer.
package final class RunningCall: Sendable {
    private let reason = Atomic<UInt8>(0)
    private let cancel = Mutex<(@Sendable () -> Void)?>(nil)
    /// Wakes ``waitForStop()``.
    private let stops = ChangeSignal()

    /// Why the call was stopped, if it was.
    package var stopReason: CallStopReason? { CallStopReason(rawValue: reason.load(ordering: .acquiring)) }

    /// Gives the call a way to break off what it waits for besides its task's cancellation (a
    /// forwarded answer's relay); a stop that came before it runs it at once.
    package func attach(_ cancellation: @escaping @Sendable () -> Void) {
        cancel.withLock { $0 = cancellation }
        if stopReason != nil { cancellation() }
    }

    /// Stops the call for `reason` (waking ``waitForStop()`` and running what was attached),
    /// unless it was stopped already.
    package func stop(_ reason: CallStopReason) {
        guard self.reason.compareExchange(expected: 0, desired: reason.rawValue, ordering: .acquiringAndReleasing).exchanged
        else { return }
        stops.notify()
        cancel.withLock { $0 }?()
    }

    /// Returns once the call is stopped, or when the task is cancelled.
    package func waitForStop() async {
        await stops.wait(until: { self.stopReason != nil })
    }
}

extension ServedModel {
    /// Every call of this model, for single requests, batch groups and requests forwarded
    /// upstream alike: admission under the in-flight cap, the call, the generate timeout, the stop
    /// by a drain that timed out, and the timings to record. The request stays counted in flight
    /// until the operation has returned, so a drain waits for calls that ignore cancellation.
    package func call<Value: Sendable>(
        limits: ServerLimits, logger: Logger, since arrived: ContinuousClock.Instant,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async -> ModelCall<Value> {
        await call(limits: limits, logger: logger, since: arrived, watch: nil) { _ in try await operation() }
    }

    /// A call as above that hands `operation` its lease (for a forwarded call to mark its answer's
    /// progress), watched as `watch` says.
    package func call<Value: Sendable>(
        limits: ServerLimits, logger: Logger, since arrived: ContinuousClock.Instant, watch: CallWatch?,
        _ operation: @escaping @Sendable (CallLease) async throws -> Value
    ) async -> ModelCall<Value> {
        let lease: CallLease
        switch startCall(limits: limits, since: arrived, watch: watch) {
        case .success(let started): lease = started
        case .failure(let refusal): return ModelCall(result: .failure(refusal))
        }
        defer { lease.end() }
        return await lease.run(logger: logger) { try await operation(lease) }
    }

    /// Admits a call under the in-flight cap; the request stays counted in flight until the lease
    /// ends (``CallLease/end()``), which may be after ``CallLease/run(logger:_:)`` returned: a
    /// forwarded answer ends it once its body is sent.
    /// With `watch`, the call also ends when its client leaves or its answer stops moving.
    package func startCall(limits: ServerLimits, since arrived: ContinuousClock.Instant, watch: CallWatch? = nil) -> Result<CallLease, CallFailure> {
        let admission = admit(cap: limits.maxInFlightPerModel)
        guard admission == .admitted else {
            let refusal = refusal(admission, cap: limits.maxInFlightPerModel)
            return .failure(CallFailure(error: refusal, byServer: true))
        }
        return .success(CallLease(model: self, limits: limits, arrived: arrived, watch: watch))
    }

    /// How long a client is asked to wait when a model is setting up, draining, gone or full.
    package static let retryAfterSeconds = 5

    /// The `504 timeout` for a backbone call that passed the generate timeout.
    package static func timedOut(_ limit: Duration?) -> ProtocolError {
        ProtocolError(.timeout, "the model did not answer within \(limit.map { "\($0)" } ?? "its time limit")")
    }

    /// What a backbone's error is answered with: a ``ProtocolError`` as it is, anything else as
    /// `internal_error` `"<Type>: <text>"`.
    package static func internalError(_ error: any Error) -> ProtocolError {
        if let error = error as? ProtocolError { return error }
        return ProtocolError.internalError("\(type(of: error)): \(error)")
    }
}

/// One admitted call of a model, from its admission to its ``end()``: the one place a request is
/// counted in flight, stoppable (by the generate timeout, or a drain that timed out) and timed.
/// The generate timeout runs from the call's start and is enforced wherever the call waits:
/// in ``run(logger:_:)``, and in a forwarded answer's relay (``enforceDeadline()``).
package final class CallLease: Sendable {
    package let model: ServedModel
    package let limits: ServerLimits
    package let arrived: ContinuousClock.Instant
    /// When the call began (the end of the wait).
    package let called = ContinuousClock.now
    /// When the generate timeout passes; `nil` without one.
    package let deadline: ContinuousClock.Instant?
    package let running = RunningCall()
    /// What a forwarded call watches; `nil` for a backbone call.
    package let watch: CallWatch?
    private let handle: Int
    private let ended = Atomic(false)
    /// When the answer last moved, in nanoseconds after ``called``; negative until it streams.
    private let lastProgress = AtomicBox<Int64>(-1)
    /// The client's departure flag (``ClientDepartureHandler``), once looked up.
    private let departure = Mutex<AtomicBox<Bool>?>(nil)

    fileprivate init(model: ServedModel, limits: ServerLimits, arrived: ContinuousClock.Instant, watch: CallWatch?) {
        self.model = model
        self.limits = limits
        self.arrived = arrived
        self.watch = watch
        deadline = limits.generateTimeout.map { [called] in called + $0.clampedForTimers }
        handle = model.register(running)
        watch?.watcher.register(self)
    }

    /// Stops the call when its client has gone or its answer has not moved for the idle limit;
    /// called by its ``CallWatcher`` every tick. The client's departure flag is looked up once,
    /// at the first tick the call is still in flight: most end before one.
    package func look(at now: ContinuousClock.Instant) async {
        guard let watch, running.stopReason == nil else { return }
        if let client = watch.client {
            if !client.isActive { return running.stop(.clientLeft) }
            let known = departure.withLock { $0 }
            let flag: AtomicBox<Bool>?
            if let known {
                flag = known
            } else {
                flag = await ClientDepartureHandler.departure(of: client) ?? AtomicBox(false)
                departure.withLock { $0 = flag }
            }
            if flag?.value.load(ordering: .relaxed) == true { return running.stop(.clientLeft) }
        }
        let progress = lastProgress.value.load(ordering: .relaxed)
        if progress >= 0, now - (called + .nanoseconds(progress)) > watch.idleLimit { running.stop(.stalled) }
    }

    /// The answer moved: a byte came from the upstream or went to the client. From the first call
    /// on, the answer must keep moving within the watch's idle limit.
    package func markProgress() {
        let elapsed = ContinuousClock.now - called
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        lastProgress.value.store(nanoseconds, ordering: .relaxed)
    }

    /// Why the call was stopped, if it was.
    package var stopReason: CallStopReason? { running.stopReason }

    /// The wait before the call and the call so far.
    package var timing: CallTiming { CallTiming(wait: called - arrived, generate: ContinuousClock.now - called) }

    /// Stops the call with ``CallStopReason/deadline`` once its generate timeout passes; returns
    /// at once without one, and early when its task is cancelled (what it watched has ended).
    package func enforceDeadline() async {
        guard let deadline else { return }
        do {
            try await Task.sleep(until: deadline, clock: .continuous)
        } catch {
            return
        }
        running.stop(.deadline)
    }

    /// Runs `operation` in a child task raced against the call's stops, as
    /// `cancelWhenGracefulShutdown` races an operation against shutdown: the generate timeout, a
    /// drain that timed out, or the call's watcher stop it (``RunningCall``) by cancelling that
    /// child, and the call returns once the operation has, so a drain waits for a backbone that
    /// ignores cancellation. Cancelling the caller's task cancels the operation too.
    package func run<Value: Sendable>(logger: Logger, _ operation: @escaping @Sendable () async throws -> Value) async -> ModelCall<Value> {
        let returned = await withTaskGroup(of: Result<Value, any Error>?.self) { group -> Result<Value, any Error> in
            group.addTask {
                do {
                    return .success(try await operation())
                } catch {
                    return .failure(error)
                }
            }
            // Most calls have no generate timeout: no timer child for them (one task less per request).
            if deadline != nil {
                group.addTask {
                    await self.enforceDeadline()
                    return nil
                }
            }
            group.addTask {
                await self.running.waitForStop()
                return nil
            }
            // The watching children return nil: when the call was stopped, the operation is
            // cancelled and its result is awaited; otherwise (no generate timeout) the race goes on.
            while let next = await group.next() {
                if let returned = next {
                    group.cancelAll()
                    return returned
                }
                if running.stopReason != nil { group.cancelAll() }
            }
            preconditionFailure("the operation's child task always returns a result")
        }
        let timing = self.timing
        if let failure = stopped() { return ModelCall(result: .failure(failure), timing: timing) }
        switch returned {
        case .success(let value):
            return ModelCall(result: .success(value), timing: timing)
        case .failure(let error):
            if !(error is ProtocolError) {
                logger.error("backbone call failed", metadata: ["model": "\(model.key)", "error": "\(error)"])
            }
            return ModelCall(result: .failure(CallFailure(error: ServedModel.internalError(error), byServer: false)), timing: timing)
        }
    }

    /// The answer for a call that was stopped: `504 timeout` past the generate timeout or when a
    /// forwarded answer stalled, `503 model_unavailable` when a drain timed out (no client sees
    /// the answer for one whose client left); `nil` while it runs on.
    package func stopped() -> CallFailure? {
        switch running.stopReason {
        case .deadline?: CallFailure(error: ServedModel.timedOut(limits.generateTimeout), byServer: true)
        case .drainTimeout?: CallFailure(error: model.unavailableError(), byServer: true)
        case .clientLeft?: CallFailure(error: ProtocolError(.internalError, "the client closed the connection"), byServer: true)
        case .stalled?:
            CallFailure(
                error: ProtocolError(.timeout, "the upstream stopped sending its answer for \(watch?.idleLimit ?? .zero)"), byServer: true)
        case nil: nil
        }
    }

    /// Ends the call once, whoever comes first: the request is no longer in flight (a drain
    /// waiting for it may go on), and its watcher forgets it.
    package func end() {
        guard ended.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        watch?.watcher.unregister(self)
        model.unregister(handle)
        model.release()
    }

    /// A lease nobody ended (an answer whose body was never sent) must not hold a drain for ever.
    deinit { end() }
}

/// An atomic value that closures can share by reference (an `Atomic` itself cannot be captured).
package final class AtomicBox<Value: AtomicRepresentable>: Sendable where Value: Sendable {
    package let value: Atomic<Value>

    package init(_ initial: Value) { value = Atomic(initial) }
}
