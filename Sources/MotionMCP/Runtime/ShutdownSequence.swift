public import ServiceLifecycle
import Synchronization

/// The shutdown that loses nothing, as a service: when the service group shuts down (SIGTERM,
/// SIGINT, or the console's quit), `/readyz` turns 503 first; after `grace` (time for a load
/// balancer to notice) every model drains in parallel — new requests get a clean 503, requests in
/// flight finish — then every `teardown()` runs in registration order. The server then keeps
/// answering (503) for another `grace`, so a client whose last request finished during the drain
/// gets a clean refusal for its next one rather than a closed connection.
///
/// Put it after the HTTP application in the group's services, so the group stops it first and the
/// HTTP server keeps answering until the drain is over.
public final class ShutdownSequence: Service, Sendable {
    private let server: MMCPServer
    private let grace: Duration
    private let timedOut = Atomic(false)

    /// A shutdown sequence for `server`, waiting `grace` before draining.
    public init(server: MMCPServer, grace: Duration = .zero) {
        self.server = server
        self.grace = grace
    }

    /// Whether a drain ran into the drain timeout (its requests were cancelled).
    public var drainTimedOut: Bool { timedOut.load(ordering: .relaxed) }

    public func run() async {
        try? await gracefulShutdown()
        await shutDown()
    }

    /// Runs the sequence now.
    func shutDown() async {
        server.isShuttingDown = true
        server.logger.info("shutting down", metadata: ["grace": "\(grace)"])
        if grace > .zero { try? await Task.sleep(for: grace) }
        let registry = server.registry
        // A model still setting up is waited for (within the drain timeout), so that it too is
        // drained and torn down rather than left running.
        let clock = ContinuousClock()
        let deadline = clock.now + server.drainTimeout
        while registry.models.contains(where: { $0.state == .settingUp }), clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let models = registry.models
        let outcomes = await withTaskGroup(of: DrainOutcome.self) { group in
            for model in models {
                group.addTask { await registry.quiesce(model, timeout: self.server.drainTimeout) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        if outcomes.contains(where: { if case .timedOut = $0 { true } else { false } }) {
            timedOut.store(true, ordering: .relaxed)
        }
        for model in models where model.state == .draining {
            await registry.lifecycle.tearDown(model)
        }
        server.logger.info("all models drained and torn down")
        if grace > .zero { try? await Task.sleep(for: grace) }
        // Last: the HTTP server closes its listener right after; nothing queued on it may be reset.
        await server.listenerGate.close()
    }
}
