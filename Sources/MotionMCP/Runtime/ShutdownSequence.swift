public import ServiceLifecycle

/// The shutdown that loses nothing, as a service: when the service group shuts down (SIGTERM,
/// SIGINT, or the console's quit), `/readyz` turns 503 first; after `grace` (time for a load
/// balancer to notice) every model drains — new requests get a clean 503, requests in flight
/// finish — and is torn down in registration order (``MMCPServer/drainAll()``, the same drain as
/// the console's). The server then keeps answering (503) for another `grace`, so a client whose
/// last request finished during the drain gets a clean refusal for its next one rather than a
/// closed connection.
///
/// Put it after the HTTP application in the group's services, so the group stops it first and the
/// HTTP server keeps answering until the drain is over. Whether a drain timed out is
/// ``ModelRegistry/anyDrainTimedOut``.
public struct ShutdownSequence: Service {
    private let server: MMCPServer
    private let grace: Duration

    /// A shutdown sequence for `server`, waiting `grace` before draining and after it.
    public init(server: MMCPServer, grace: Duration = .zero) {
        self.server = server
        self.grace = grace
    }

    public func run() async {
        try? await gracefulShutdown()
        await shutDown()
    }

    /// Runs the sequence now.
    func shutDown() async {
        server.isShuttingDown = true
        server.logger.info("shutting down", metadata: ["grace": "\(grace)"])
        if grace > .zero { try? await Task.sleep(for: grace.clampedForTimers) }
        await server.drainAll()
        server.logger.info("all models drained and torn down")
        if grace > .zero { try? await Task.sleep(for: grace.clampedForTimers) }
        // Last: the HTTP server closes its listener right after; nothing queued on it may be reset.
        await server.listenerGate.close()
    }
}
