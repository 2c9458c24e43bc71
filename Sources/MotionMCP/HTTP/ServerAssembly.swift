public import Hummingbird
public import Logging
public import ServiceLifecycle
public import UnixSignals

/// One way to assemble and run a server, for `serve()` and for `mmcp-console`: the HTTP
/// application, the ``MMCPRuntime`` that drives it, the server's companions (the control API), the
/// ``ShutdownSequence`` and, in front, whatever shows the server (a console, a status log), in one
/// service group.
///
/// The group stops its services in reverse order: the front first, then the shutdown sequence,
/// which drains every model while the HTTP server and the companions still answer (attached
/// consoles watch the drain), then the rest. A shutdown asked through the runtime (the control
/// API's `POST /v1/shutdown`, the console's quit) drains the same way and then ends the group by
/// returning from the runtime's `run()`: no signal is sent.
public struct ServerAssembly {
    /// When the models' `setup()`s run.
    public enum SetUp: Sendable {
        /// Before the server listens: start-up fails when one fails (``serve(_:)-(MMCPServer)``).
        case beforeListening
        /// In the background once the server listens: a model setting up answers 503, and one whose
        /// setup fails is `failed` while the others serve (`mmcp-console`).
        case inBackground
    }

    /// The server assembled.
    public let server: MMCPServer
    /// The runtime that drives it: a console's or the control API's `ServerControl`.
    public let runtime: MMCPRuntime
    /// The companions' services, made (and checked) when the assembly is.
    public let companions: [any CompanionService]
    private let setUp: SetUp
    private let router: Router<BasicRequestContext>

    /// Assembles `server` on `router` (add middleware and routes of your own to it first); a
    /// companion that cannot start (``ServerCompanion/service(for:)``) throws here, before
    /// anything listens or is set up.
    public init(_ server: MMCPServer, setUp: SetUp, router: Router<BasicRequestContext> = Router()) throws {
        self.server = server
        self.setUp = setUp
        self.router = router
        runtime = MMCPRuntime(server: server, listenAddress: server.listenAddress)
        let runtime = self.runtime
        companions = try server.options.companions.map { try $0.service(for: runtime) }
    }

    /// Where the companions listen, for a `serving` line.
    public var companionAddresses: [String] { companions.flatMap(\.addresses) }

    /// The service group that runs the assembly, with `front` last (stopped first) and `signals`
    /// starting the graceful shutdown.
    public func serviceGroup(
        front: ServiceGroupConfiguration.ServiceConfiguration? = nil, signals: [UnixSignal], logger: Logger? = nil
    ) -> ServiceGroup {
        var app = application(server, router: router, operationalEndpoints: server.options.operationalEndpoints)
        switch setUp {
        case .beforeListening: app.addMMCP(server)
        case .inBackground: app.addServices(server.backgroundServices)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: app), .init(service: runtime, successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        services += companions.map { .init(service: $0) }
        services.append(.init(service: ShutdownSequence(server: server)))
        if let front { services.append(front) }
        return ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services, gracefulShutdownSignals: signals, logger: logger ?? server.logger))
    }
}
