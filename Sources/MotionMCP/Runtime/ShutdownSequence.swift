public import ServiceLifecycle

/// The shutdown that loses nothing, as a service: when the service group shuts down (SIGTERM,
/// SIGINT, or the console's quit) it runs ``MMCPServer/shutDown()`` — `/readyz` turns 503, the
/// models drain while the server still answers, then the listener closes.
///
/// Put it after the HTTP application in the group's services, so the group stops it first and the
/// HTTP server keeps answering until the drain is over. Whether a drain timed out is
/// ``ModelRegistry/anyDrainTimedOut``.
public struct ShutdownSequence: Service {
    private let server: MMCPServer

    /// A shutdown sequence for `server`, waiting its options' `shutdownGrace` before draining and after it.
    public init(server: MMCPServer) {
        self.server = server
    }

    public func run() async {
        try? await gracefulShutdown()
        await server.shutDown()
    }
}
