import Logging

/// The one owner of every model's state transitions:
/// `settingUp → ready → draining → tearingDown → removed`, or `settingUp → failed(reason)`.
///
/// Its synchronous steps (check a model's state, enter the next one) never interleave. It is
/// reentrant across the `await` of `setup()` and `teardown()`, as every actor is, so those are
/// claimed once per model (``ServedModel/claimSetup()``, ``ServedModel/claimTeardown()``): whoever
/// asks again while one runs waits for its outcome, and neither ever runs twice.
package actor ModelLifecycle {
    package let logger: Logger

    package init(logger: Logger) {
        self.logger = logger
    }

    /// Runs the model's `setup()` once; the model becomes ready, or failed with the reason
    /// (rethrown). A caller that finds the setup already claimed waits for it to end and throws
    /// ``SetupFailed`` when it failed.
    package func setUp(_ model: ServedModel) async throws {
        guard model.claimSetup() else {
            await model.changes.wait { model.state != .settingUp }
            if case .failed(let reason) = model.state { throw SetupFailed(reason: reason) }
            return
        }
        guard model.state == .settingUp else { return }
        let clock = ContinuousClock()
        let started = clock.now
        logger.info("setting up model", metadata: ["model": "\(model.key)"])
        do {
            try await model.backbone?.setup()
        } catch {
            logger.error("setup failed", metadata: ["model": "\(model.key)", "error": "\(error)"])
            model.record(.failed(reason: "\(error)"), setupTook: clock.now - started)
            throw error
        }
        model.record(.ready, setupTook: clock.now - started)
        logger.info("model ready", metadata: ["model": "\(model.key)"])
    }

    /// Marks a ready model as draining, so it admits no new request. Returns `false` if it was not ready.
    package func beginDrain(_ model: ServedModel, timeout: Duration) -> Bool {
        guard model.state == .ready else { return false }
        model.record(.draining, drainTimeout: timeout)
        logger.info("draining model", metadata: ["model": "\(model.key)", "in_flight": "\(model.inFlight)"])
        return true
    }

    /// Runs the model's `teardown()` once and marks it removed; a caller that finds the teardown
    /// already claimed waits for the model to be removed.
    package func tearDown(_ model: ServedModel) async {
        guard model.claimTeardown() else {
            await model.changes.wait { model.state == .removed }
            return
        }
        let clock = ContinuousClock()
        let started = clock.now
        model.record(.tearingDown)
        do {
            try await model.backbone?.teardown()
            model.remote?.withdraw()
        } catch {
            logger.error("teardown failed", metadata: ["model": "\(model.key)", "error": "\(error)"])
        }
        model.record(.removed, teardownTook: clock.now - started)
        logger.info("model removed", metadata: ["model": "\(model.key)"])
    }
}

/// A model's `setup()` had failed when another caller asked for it.
public struct SetupFailed: Error, Sendable, Equatable, CustomStringConvertible {
    /// What the failed setup threw, as text.
    public let reason: String

    public var description: String { reason }
}

/// How a drain ended.
public enum DrainOutcome: Sendable, Equatable {
    /// The model was not ready (failed, or already draining elsewhere): nothing was done.
    case notReady
    /// Every request in flight finished.
    case completed
    /// The timeout passed; this many calls still running were stopped (their requests got 503).
    case timedOut(cancelled: Int)
}

/// How one model's drain ended.
public struct DrainReport: Sendable, Equatable {
    /// The model's registry key.
    public let key: String
    /// What the drain did.
    public let outcome: DrainOutcome
}

extension ModelRegistry {
    /// The one way models leave the registry, whoever asks (a drain from the console, its quit,
    /// the shutdown sequence): each of `models` stops admitting requests — one still setting up
    /// is first waited for, within `timeout` — and its requests in flight finish, all models in
    /// parallel; calls still running when `timeout` passes are stopped (answered
    /// `503 model_unavailable`) and the timeout is logged. Then every drained model's
    /// `teardown()` runs, one after another in registration order, and it leaves the registry.
    /// The timeouts are waited on `clock` (the server's ``MMCPOptions/clock``).
    @discardableResult
    package func drain(_ models: [ServedModel], timeout: Duration, clock: any MMCPClock = ContinuousClock()) async -> [DrainReport] {
        let outcomes = await withTaskGroup(of: (String, DrainOutcome).self) { group in
            for model in models {
                group.addTask {
                    _ = await model.changes.wait(until: { model.state != .settingUp }, timeout: timeout, clock: clock)
                    return (model.key, await self.quiesce(model, timeout: timeout, clock: clock))
                }
            }
            return await group.reduce(into: [String: DrainOutcome]()) { $0[$1.0] = $1.1 }
        }
        if outcomes.values.contains(where: { if case .timedOut = $0 { true } else { false } }) {
            drainTimedOut.store(true, ordering: .relaxed)
        }
        let order = self.order(of: models)
        for model in order where outcomes[model.key] != .notReady {
            await lifecycle.tearDown(model)
            remove(model)
        }
        return order.map { DrainReport(key: $0.key, outcome: outcomes[$0.key] ?? .notReady) }
    }

    /// Stops admitting requests to `model` and waits for those in flight, stopping them when
    /// `timeout` passes. The model is left draining, ready for its teardown.
    private func quiesce(_ model: ServedModel, timeout: Duration, clock: any MMCPClock) async -> DrainOutcome {
        guard await lifecycle.beginDrain(model, timeout: timeout) else { return .notReady }
        guard await !model.waitUntilIdle(timeout: timeout, clock: clock) else { return .completed }
        let left = model.inFlight
        let stopped = model.stopRunning()
        lifecycle.logger.warning(
            "drain timeout: stopping requests still running",
            metadata: ["model": "\(model.key)", "in_flight": "\(left)", "stopped": "\(stopped)"])
        // A backbone that honours cancellation returns at once, and its requests get their 503
        // before the teardown; one that ignores it must not hold the teardown (or a shutdown) for long.
        _ = await model.waitUntilIdle(timeout: Self.stoppedCallsGrace, clock: clock)
        return .timedOut(cancelled: stopped)
    }

    /// How long a drain that timed out waits for the calls it stopped to return before the teardown.
    package static let stoppedCallsGrace = Duration.seconds(1)

    /// `models` in registration order.
    private func order(of models: [ServedModel]) -> [ServedModel] {
        models.sorted { $0.registrationIndex < $1.registrationIndex }
    }
}
