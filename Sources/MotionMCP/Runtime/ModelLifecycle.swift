import Logging

/// The one owner of every model's state transitions:
/// `settingUp → ready → draining → tearingDown → removed`, or `settingUp → failed(reason)`.
///
/// Being an actor, it never runs two transitions of the registry at once; a transition that finds
/// its model in the wrong state is refused instead of racing another.
actor ModelLifecycle {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Runs the model's `setup()`; the model becomes ready, or failed with the reason (rethrown).
    func setUp(_ model: ServedModel) async throws {
        guard model.state == .settingUp else { return }
        let clock = ContinuousClock()
        let started = clock.now
        logger.info("setting up model", metadata: ["model": "\(model.key)"])
        do {
            try await model.backbone.setup()
        } catch {
            logger.error("setup failed", metadata: ["model": "\(model.key)", "error": "\(error)"])
            model.record(.failed(reason: "\(error)"), setupTook: clock.now - started)
            throw error
        }
        model.record(.ready, setupTook: clock.now - started)
        logger.info("model ready", metadata: ["model": "\(model.key)"])
    }

    /// Marks a ready model as draining, so it admits no new request. Returns `false` if it was not ready.
    func beginDrain(_ model: ServedModel, timeout: Duration) -> Bool {
        guard model.state == .ready else { return false }
        model.record(.draining, drainTimeout: timeout)
        logger.info("draining model", metadata: ["model": "\(model.key)", "in_flight": "\(model.inFlight)"])
        return true
    }

    /// Runs the model's `teardown()` and marks it removed.
    func tearDown(_ model: ServedModel) async {
        guard model.state != .removed, model.state != .tearingDown else { return }
        let clock = ContinuousClock()
        let started = clock.now
        model.record(.tearingDown)
        do {
            try await model.backbone.teardown()
        } catch {
            logger.error("teardown failed", metadata: ["model": "\(model.key)", "error": "\(error)"])
        }
        model.record(.removed, teardownTook: clock.now - started)
        logger.info("model removed", metadata: ["model": "\(model.key)"])
    }
}

/// How a drain ended.
public enum DrainOutcome: Sendable, Equatable {
    /// The model was not ready (setting up, failed, or already draining): nothing was done.
    case notReady
    /// Every request in flight finished.
    case completed
    /// The timeout passed; this many calls still running were cancelled.
    case timedOut(cancelled: Int)
}

extension ModelRegistry {
    /// Drains `model`: no new requests; those in flight finish (or are cancelled when `timeout`
    /// passes, which is logged); then `teardown()` runs and the model leaves the registry.
    @discardableResult
    func drain(_ model: ServedModel, timeout: Duration) async -> DrainOutcome {
        let outcome = await quiesce(model, timeout: timeout)
        guard outcome != .notReady else { return outcome }
        await lifecycle.tearDown(model)
        remove(model)
        return outcome
    }

    /// Stops admitting requests to `model` and waits for those in flight, cancelling them when
    /// `timeout` passes. The model is left draining, ready for its teardown.
    func quiesce(_ model: ServedModel, timeout: Duration) async -> DrainOutcome {
        guard await lifecycle.beginDrain(model, timeout: timeout) else { return .notReady }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while model.inFlight > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let left = model.inFlight
        guard left > 0 else { return .completed }
        let cancelled = model.cancelRunning()
        lifecycle.logger.warning(
            "drain timeout: cancelling requests still running",
            metadata: ["model": "\(model.key)", "in_flight": "\(left)", "cancelled": "\(cancelled)"])
        return .timedOut(cancelled: cancelled)
    }
}
