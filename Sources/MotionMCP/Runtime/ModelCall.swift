import Logging
import Synchronization

/// How one backbone call through ``ServedModel/call(limits:logger:since:_:)`` ended.
struct ModelCall<Value: Sendable>: Sendable {
    /// What the backbone returned, or why there is no value.
    var result: Result<Value, CallFailure>
    /// How long the request waited before the call, and how long the call took (`nil` when the
    /// model did not admit the request).
    var timing: CallTiming?
}

/// The two durations a model call records.
struct CallTiming: Sendable {
    /// From the request's arrival to the backbone call.
    var wait: Duration
    /// The backbone call itself.
    var generate: Duration
}

/// Why a model call has no value.
struct CallFailure: Error, Sendable {
    /// The answer for it.
    var error: ProtocolError
    /// `true` when the server refused or stopped the call (model not ready, over its in-flight cap,
    /// past the generate timeout, stopped by a drain that timed out); `false` when the backbone
    /// threw. A batch answers the former item by item and the latter for the whole batch, as the
    /// reference answers a `generate_batch` that raises.
    var byServer: Bool
}

/// Why a running call was stopped before the backbone returned.
enum CallStopReason: UInt8, Sendable {
    /// The generate timeout passed.
    case deadline = 1
    /// The model's drain timed out.
    case drainTimeout = 2
}

/// A backbone call in progress, with the one way to stop it early: ``stop(_:)``, whoever asks
/// (the generate timeout or a drain that timed out). The first reason wins and decides the answer.
final class RunningCall: Sendable {
    private let reason = Atomic<UInt8>(0)
    private let cancel = Mutex<(@Sendable () -> Void)?>(nil)

    /// Why the call was stopped, if it was.
    var stopReason: CallStopReason? { CallStopReason(rawValue: reason.load(ordering: .acquiring)) }

    /// Gives the call its cancellation; a stop that came before it cancels at once.
    func attach(_ cancellation: @escaping @Sendable () -> Void) {
        cancel.withLock { $0 = cancellation }
        if stopReason != nil { cancellation() }
    }

    /// Stops the call for `reason` (cancelling the backbone's task), unless it was stopped already.
    func stop(_ reason: CallStopReason) {
        guard self.reason.compareExchange(expected: 0, desired: reason.rawValue, ordering: .acquiringAndReleasing).exchanged
        else { return }
        cancel.withLock { $0 }?()
    }
}

extension ServedModel {
    /// Every call of this model, for single requests, batch groups and requests forwarded
    /// upstream alike: admission under the in-flight cap, the call, the generate timeout, the stop
    /// by a drain that timed out, and the timings to record. The request stays counted in flight
    /// until the operation has returned, so a drain waits for calls that ignore cancellation.
    func call<Value: Sendable>(
        limits: ServerLimits, logger: Logger, since arrived: ContinuousClock.Instant,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async -> ModelCall<Value> {
        let lease: CallLease
        switch startCall(limits: limits, since: arrived) {
        case .success(let started): lease = started
        case .failure(let refusal): return ModelCall(result: .failure(refusal))
        }
        defer { lease.end() }
        return await lease.run(logger: logger, operation)
    }

    /// Admits a call under the in-flight cap and starts its generate timeout; the request stays
    /// counted in flight until the lease ends (``CallLease/end()``), which may be after
    /// ``CallLease/run(logger:_:)`` returned: a forwarded answer ends it once its body is sent.
    func startCall(limits: ServerLimits, since arrived: ContinuousClock.Instant) -> Result<CallLease, CallFailure> {
        let admission = admit(cap: limits.maxInFlightPerModel)
        guard admission == .admitted else {
            let refusal = refusal(admission, cap: limits.maxInFlightPerModel)
            return .failure(CallFailure(error: refusal, byServer: true))
        }
        return .success(CallLease(model: self, limits: limits, arrived: arrived))
    }

    /// How long a client is asked to wait when a model is setting up, draining, gone or full.
    static let retryAfterSeconds = 5

    /// The `504 timeout` for a backbone call that passed the generate timeout.
    static func timedOut(_ limit: Duration?) -> ProtocolError {
        ProtocolError(.timeout, "the model did not answer within \(limit.map { "\($0)" } ?? "its time limit")")
    }

    /// What a backbone's error is answered with: a ``ProtocolError`` as it is, anything else as
    /// `internal_error` `"<Type>: <text>"`.
    static func internalError(_ error: any Error) -> ProtocolError {
        if let error = error as? ProtocolError { return error }
        return ProtocolError.internalError("\(type(of: error)): \(error)")
    }
}

/// One admitted call of a model, from its admission to its ``end()``: the one place a request is
/// counted in flight, stoppable (by the generate timeout, or a drain that timed out) and timed.
final class CallLease: Sendable {
    let model: ServedModel
    let limits: ServerLimits
    let arrived: ContinuousClock.Instant
    /// When the call began (the end of the wait).
    let called = ContinuousClock.now
    let running = RunningCall()
    private let handle: Int
    private let timer: Task<Void, any Error>?
    private let ended = Atomic(false)

    fileprivate init(model: ServedModel, limits: ServerLimits, arrived: ContinuousClock.Instant) {
        self.model = model
        self.limits = limits
        self.arrived = arrived
        handle = model.register(running)
        let running = self.running
        timer = limits.generateTimeout.map { limit in
            Task {
                try await Task.sleep(for: limit.clampedForTimers)
                running.stop(.deadline)
            }
        }
    }

    /// Why the call was stopped, if it was.
    var stopReason: CallStopReason? { running.stopReason }

    /// The wait before the call and the call so far.
    var timing: CallTiming { CallTiming(wait: called - arrived, generate: ContinuousClock.now - called) }

    /// Runs `operation` in a task of its own, because a drain must be able to stop it from outside
    /// the request; its timeout and the drain stop it the same way, through ``RunningCall``.
    func run<Value: Sendable>(logger: Logger, _ operation: @escaping @Sendable () async throws -> Value) async -> ModelCall<Value> {
        let task = Task { try await operation() }
        running.attach { task.cancel() }
        let returned = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            task.cancel()
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

    /// The answer for a call that was stopped: `504 timeout` past the generate timeout, `503
    /// model_unavailable` when a drain timed out; `nil` while it runs on.
    func stopped() -> CallFailure? {
        switch running.stopReason {
        case .deadline?: CallFailure(error: ServedModel.timedOut(limits.generateTimeout), byServer: true)
        case .drainTimeout?: CallFailure(error: model.unavailableError(), byServer: true)
        case nil: nil
        }
    }

    /// Ends the call once, whoever comes first: the request is no longer in flight (a drain
    /// waiting for it may go on), and its timeout is cancelled.
    func end() {
        guard ended.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        timer?.cancel()
        model.unregister(handle)
        model.release()
    }

    /// A lease nobody ended (an answer whose body was never sent) must not hold a drain for ever.
    deinit { end() }
}
