import MotionMCPControl
import Synchronization

/// What answers a model's requests.
package enum ModelSource: Sendable {
    /// A backbone in this process.
    case backbone(any Backbone)
    /// Another server (a ``ModelProvider`` such as the gateway brought it in).
    case remote(any RemoteModel)
}

/// A model as the server holds it: its key, what answers it, its lifecycle state, its traffic.
///
/// Requests are admitted without waiting on anything: a request first counts itself in flight,
/// then checks that the model is ready, and backs out if not. A drain sets the state first and
/// then waits for the in-flight count to reach zero, so no request can slip past it.
public final class ServedModel: Sendable {
    /// The registry key requests use.
    public let key: String
    /// What answers the model's requests.
    package let source: ModelSource
    /// The model's place in registration order (teardowns run in it).
    package let registrationIndex: Int
    let metrics: ModelMetrics
    /// The model's Prometheus series; `nil` when metrics are off (then nothing is recorded).
    private let instruments: ModelInstruments?
    private let inFlightCount = Atomic<Int>(0)
    private let admitting = Atomic<Bool>(false)
    private let status: Mutex<Status>
    /// The backbone calls running now, for a drain that times out.
    private let running = Mutex<[Int: RunningCall]>([:])
    private let nextCall = Atomic<Int>(0)
    /// Wakes whoever waits for this model's state or in-flight count to change.
    package let changes = ChangeSignal()
    /// Set by the first caller of `setup()` and of `teardown()`, so each runs at most once.
    private let setupClaimed = Atomic(false)
    private let teardownClaimed = Atomic(false)
    private let clock = ContinuousClock()
    private let epoch: ContinuousClock.Instant

    private struct Status {
        var state: ModelState = .settingUp
        var transitions: [ModelTransition] = []
        var setupDuration: Duration?
        var teardownDuration: Duration?
        var drainStarted: ContinuousClock.Instant?
        var drainTimeout: Duration = .seconds(30)
    }

    init(
        key: String, source: ModelSource, registrationIndex: Int, epoch: ContinuousClock.Instant,
        instruments: ModelInstruments?
    ) {
        self.key = key
        self.source = source
        self.registrationIndex = registrationIndex
        self.epoch = epoch
        self.instruments = instruments
        metrics = ModelMetrics(epoch: epoch)
        status = Mutex(Status())
        record(.settingUp)
    }

    /// The backbone in this process, `nil` for a model served upstream.
    public var backbone: (any Backbone)? {
        if case .backbone(let backbone) = source { return backbone }
        return nil
    }

    /// The model on another server, `nil` for a model served in this process.
    package var remote: (any RemoteModel)? {
        if case .remote(let remote) = source { return remote }
        return nil
    }

    /// The model's spec as of now: its backbone's, or the entry its upstreams advertise.
    public var spec: ModelSpec {
        switch source {
        case .backbone(let backbone): backbone.capabilities()
        case .remote(let remote): remote.spec
        }
    }

    /// The model's state as `/readyz` reports it: its lifecycle state, or `unreachable` for a
    /// ready upstream model none of whose replicas takes requests.
    package var readinessName: String {
        ModelSnapshot.readinessName(state: state, replicas: remote?.replicaSnapshots().map(\.state))
    }

    /// The model's state now.
    public var state: ModelState { status.withLock { $0.state } }

    /// Requests being processed now.
    public var inFlight: Int { inFlightCount.load(ordering: .sequentiallyConsistent) }

    /// Whether a request may start.
    package enum Admission {
        case admitted
        /// The model is not ready (setting up, draining, gone, failed).
        case notReady
        /// The model already works on its cap of requests.
        case overloaded
    }

    /// Counts a request in flight if the model is ready and under `cap`; nothing is counted otherwise.
    package func admit(cap: Int? = nil) -> Admission {
        let count = inFlightCount.add(1, ordering: .sequentiallyConsistent).newValue
        guard admitting.load(ordering: .sequentiallyConsistent) else {
            inFlightCount.subtract(1, ordering: .sequentiallyConsistent)
            return .notReady
        }
        if let cap, count > cap {
            inFlightCount.subtract(1, ordering: .sequentiallyConsistent)
            return .overloaded
        }
        instruments?.requestStarted()
        return .admitted
    }

    /// The `503 resource_exhausted` a request gets beyond the in-flight cap.
    package func overloadedError(cap: Int) -> ProtocolError {
        ProtocolError(
            .resourceExhausted, "model '\(key)' is working on \(cap) requests, its limit; retry shortly",
            details: ["model": .string(key), "max_in_flight": .integer(cap)], retryAfterSeconds: Self.retryAfterSeconds)
    }

    /// The answer for a request that could not be admitted.
    package func refusal(_ admission: Admission, cap: Int?) -> ProtocolError {
        if admission == .overloaded, let cap { return overloadedError(cap: cap) }
        return unavailableError()
    }

    /// Ends a request counted by ``admit()``; the last one out wakes a drain waiting for it.
    package func release() {
        instruments?.requestEnded()
        if inFlightCount.subtract(1, ordering: .sequentiallyConsistent).newValue == 0 { changes.notify() }
    }

    /// Waits until no request is in flight; `false` if `timeout` passed on `clock` first.
    package func waitUntilIdle(timeout: Duration, clock: any MMCPClock) async -> Bool {
        await changes.wait(until: { self.inFlight == 0 }, timeout: timeout, clock: clock)
    }

    /// Whether this caller is the first to ask to run `setup()` (only the first may).
    package func claimSetup() -> Bool {
        setupClaimed.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
    }

    /// Whether this caller is the first to ask to run `teardown()` (only the first may).
    package func claimTeardown() -> Bool {
        teardownClaimed.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
    }

    /// Counts one answered request against the model: its status and error code, its total time,
    /// and, when the backbone was called, the wait before the call and the call itself.
    package func recordAnswer(status: Int, errorCode: String?, total: Duration, call timing: CallTiming? = nil) {
        guard let instruments else { return }
        metrics.record(latency: total, errorCode: errorCode)
        instruments.record(status: status, errorCode: errorCode, total: total, wait: timing?.wait, generate: timing?.generate)
    }

    /// Keeps `call` where a drain that times out can stop it; returns the handle for ``unregister(_:)``.
    package func register(_ call: RunningCall) -> Int {
        let id = nextCall.add(1, ordering: .relaxed).newValue
        running.withLock { $0[id] = call }
        return id
    }

    /// Forgets a call that has returned.
    package func unregister(_ id: Int) {
        _ = running.withLock { $0.removeValue(forKey: id) }
    }

    /// Stops every backbone call running now (a drain timed out); returns how many there were.
    package func stopRunning() -> Int {
        let calls = running.withLock { Array($0.values) }
        for call in calls { call.stop(.drainTimeout) }
        return calls.count
    }

    /// Enters `state`, timestamped, and wakes whoever waits for a change. Only ``ModelLifecycle``
    /// calls this.
    package func record(_ state: ModelState, setupTook: Duration? = nil, teardownTook: Duration? = nil, drainTimeout: Duration? = nil) {
        let at = clock.now - epoch
        status.withLock { status in
            status.state = state
            status.transitions.append(ModelTransition(state: state, at: at))
            if let setupTook { status.setupDuration = setupTook }
            if let teardownTook { status.teardownDuration = teardownTook }
            if state == .draining {
                status.drainStarted = clock.now
                if let drainTimeout { status.drainTimeout = drainTimeout }
            }
        }
        admitting.store(state == .ready, ordering: .sequentiallyConsistent)
        instruments?.setState(state)
        if let setupTook { instruments?.recordSetup(setupTook) }
        if let teardownTook { instruments?.recordTeardown(teardownTook) }
        changes.notify()
    }

    /// The `503 model_unavailable` a request gets while the model is not ready.
    package func unavailableError() -> ProtocolError { Self.unavailable(key, state) }

    /// The `503 model_unavailable` for the model `key` in `state`.
    package static func unavailable(_ key: String, _ state: ModelState) -> ProtocolError {
        ProtocolError(
            .modelUnavailable, "model '\(key)' is \(state.name); it cannot take requests now",
            details: ["model": .string(key), "state": .string(state.name)], retryAfterSeconds: retryAfterSeconds)
    }

    /// A picture of the model for the console.
    package func snapshot(at now: ContinuousClock.Instant = .now) -> ModelSnapshot {
        let reading = metrics.read(at: now)
        let status = self.status.withLock { $0 }
        let inFlight = self.inFlight
        let spec: ModelSpec? = status.state == .removed ? nil : self.spec
        let drain = status.drainStarted.flatMap { started -> DrainProgress? in
            guard status.state == .draining else { return nil }
            return DrainProgress(inFlightLeft: inFlight, waited: now - started, timeout: status.drainTimeout)
        }
        return ModelSnapshot(
            key: key, state: status.state, spec: spec, requests: reading.requests, rate1s: reading.rate1s,
            rate10s: reading.rate10s, rate60s: reading.rate60s, rateHistory: reading.history,
            latencyHistogram: reading.histogram, inFlight: inFlight, errorsByCode: reading.errorsByCode,
            setupDuration: status.setupDuration, teardownDuration: status.teardownDuration, drain: drain,
            transitions: status.transitions, replicas: remote?.replicaSnapshots())
    }
}
