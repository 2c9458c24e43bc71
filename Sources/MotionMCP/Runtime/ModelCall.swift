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
    /// Seconds a client should wait before retrying (`Retry-After`), for refusals worth retrying.
    var retryAfter: Int?
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
    /// Every call of this model's backbone, for single requests and batch groups alike: admission
    /// under the in-flight cap, the call, the generate timeout, the stop by a drain that timed out,
    /// and the timings to record. The request stays counted in flight until the backbone has
    /// returned, so a drain waits for calls that ignore cancellation.
    ///
    /// The backbone runs in a task of its own because a drain must be able to stop it from outside
    /// the request; its timeout and the drain stop it the same way, through ``RunningCall``.
    func call<Value: Sendable>(
        limits: ServerLimits, logger: Logger, since arrived: ContinuousClock.Instant,
        _ operation: @escaping @Sendable (any Backbone) async throws -> Value
    ) async -> ModelCall<Value> {
        let admission = admit(cap: limits.maxInFlightPerModel)
        guard admission == .admitted else {
            let refusal = refusal(admission, cap: limits.maxInFlightPerModel)
            return ModelCall(result: .failure(CallFailure(error: refusal, retryAfter: Self.retryAfterSeconds, byServer: true)))
        }
        defer { release() }
        let called = ContinuousClock.now
        let running = RunningCall()
        let id = register(running)
        defer { unregister(id) }
        let backbone = self.backbone
        let task = Task { try await operation(backbone) }
        running.attach { task.cancel() }
        let timer = limits.generateTimeout.map { limit in
            Task {
                try await Task.sleep(for: limit.clampedForTimers)
                running.stop(.deadline)
            }
        }
        let returned = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            task.cancel()
        }
        timer?.cancel()
        let timing = CallTiming(wait: called - arrived, generate: ContinuousClock.now - called)
        switch (running.stopReason, returned) {
        case (.deadline?, _):
            return ModelCall(result: .failure(CallFailure(error: Self.timedOut(limits.generateTimeout), byServer: true)), timing: timing)
        case (.drainTimeout?, _):
            let failure = CallFailure(error: unavailableError(), retryAfter: Self.retryAfterSeconds, byServer: true)
            return ModelCall(result: .failure(failure), timing: timing)
        case (nil, .success(let value)):
            return ModelCall(result: .success(value), timing: timing)
        case (nil, .failure(let error)):
            if !(error is ProtocolError) {
                logger.error("backbone call failed", metadata: ["model": "\(key)", "error": "\(error)"])
            }
            return ModelCall(result: .failure(CallFailure(error: Self.internalError(error), byServer: false)), timing: timing)
        }
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
