public import Hummingbird
public import Logging
public import ServiceLifecycle
public import HummingbirdCore
import Synchronization

/// An MMCP server: its models, its routes and its lifecycle, ready to mount on a Hummingbird router.
///
/// ``buildApp(_:title:openAPI:configuration:router:logger:)`` and ``serve(_:host:port:logLevel:title:)``
/// are built on it; use it directly to mount the MMCP routes under a prefix of a larger application:
///
/// ```swift
/// let mmcp = try MMCPServer(NullBackbone())
/// let router = Router()
/// mmcp.addRoutes(to: router.group("motion"))
/// var app = Application(router: router)
/// app.addMMCP(mmcp)   // setup() before the server starts, teardown() after it stops
/// try await app.runService()
/// ```
public final class MMCPServer: Sendable {
    /// The models served.
    public let registry: ModelRegistry
    /// How the OpenAPI document and pages present the server.
    public let documentation: APIDocumentation
    let logger: Logger
    /// Whether `/openapi.json`, `/docs` and `/redoc` answer (they can be switched at run time).
    let openAPIEnabled: Atomic<Bool>
    /// Whether every model's `setup()` has run, so `teardown()` is due (not after a failed start).
    private let isSetUp = Mutex(false)
    /// How long a drain waits for requests in flight before cancelling them.
    public let drainTimeout: Duration
    /// What one client or one burst may hold of the server.
    public let limits: ServerLimits
    private let shuttingDown = Atomic(false)
    /// Whether `/healthz`, `/readyz` and `/metrics` were added (the OpenAPI document lists them then).
    let servesOperationalRoutes = Atomic(false)
    /// Closes the listening socket at the end of a shutdown without resetting the connections
    /// queued on it; `buildApp` binds it to the listener, ``ShutdownSequence`` closes it.
    public let listenerGate: ListenerGate

    /// A server for one backbone, keyed by its ``Backbone/modelID`` (else its spec's id).
    public convenience init(
        _ backbone: some Backbone, documentation: APIDocumentation = APIDocumentation(),
        logger: Logger = Logger(label: "mmcp")
    ) throws(RegistrationError) {
        try self.init(backbones: [backbone], documentation: documentation, logger: logger)
    }

    /// A server for several backbones, each keyed by its ``Backbone/modelID`` (else its spec's id);
    /// duplicate ids and an empty list are refused.
    public convenience init(
        backbones: [any Backbone], documentation: APIDocumentation = APIDocumentation(),
        logger: Logger = Logger(label: "mmcp")
    ) throws(RegistrationError) {
        try self.init(
            registry: ModelRegistry(ModelRegistry.keyed(backbones), logger: logger), documentation: documentation,
            logger: logger)
    }

    /// A server for backbones under the given ids, in this order (the ids are used as given, even
    /// when they differ from the specs' ids; an empty list serves no model).
    public convenience init(
        models: KeyValuePairs<String, any Backbone>, documentation: APIDocumentation = APIDocumentation(),
        logger: Logger = Logger(label: "mmcp")
    ) throws(RegistrationError) {
        let registered = models.map { RegisteredModel(key: $0.key, backbone: $0.value) }
        try self.init(registry: ModelRegistry(registered, logger: logger), documentation: documentation, logger: logger)
    }

    /// A server over an existing registry.
    public init(
        registry: ModelRegistry, documentation: APIDocumentation, logger: Logger, drainTimeout: Duration = .seconds(30),
        limits: ServerLimits = ServerLimits()
    ) {
        self.registry = registry
        self.drainTimeout = drainTimeout
        self.limits = limits
        self.documentation = documentation
        self.logger = logger
        self.openAPIEnabled = Atomic(documentation.enabled)
        self.listenerGate = ListenerGate(logger: logger)
    }

    /// Whether the server is shutting down (then `/readyz` answers 503). Set by the shutdown
    /// sequence before it drains, so a load balancer stops sending traffic first.
    public var isShuttingDown: Bool {
        get { shuttingDown.load(ordering: .relaxed) }
        set { shuttingDown.store(newValue, ordering: .relaxed) }
    }

    /// Whether the OpenAPI document and pages are served.
    public var isOpenAPIEnabled: Bool {
        get { openAPIEnabled.load(ordering: .relaxed) }
        set { openAPIEnabled.store(newValue, ordering: .relaxed) }
    }

    /// HTTP/1.1 with the idle timeout of ``limits``; pass it as `server:` when you build the
    /// `Application` yourself.
    public var httpServer: HTTPServerBuilder {
        let idle = limits.idleTimeout.components
        return .http1(configuration: .init(idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000)))
    }

    var generateHandler: GenerateHandler { GenerateHandler(registry: registry, logger: logger, limits: limits) }

    /// Calls every backbone's `setup()` in registration order; the first failure stops and is
    /// thrown with the model's id (that model is then `failed`).
    public func setUp() async throws {
        for model in registry.models {
            do {
                try await registry.lifecycle.setUp(model)
            } catch {
                throw ModelSetupError(modelKey: model.key, underlying: error)
            }
        }
        isSetUp.withLock { $0 = true }
    }

    /// Calls every backbone's `teardown()` in registration order (as the reference does), once,
    /// and only after a successful ``setUp()``; a failure is logged and the others still run.
    public func tearDown() async {
        let due = isSetUp.withLock { wasSetUp in
            defer { wasSetUp = false }
            return wasSetUp
        }
        guard due else { return }
        for model in registry.models {
            await registry.lifecycle.tearDown(model)
        }
    }

    /// Drains every ready model in parallel (see ``ServerControl/drain(_:)``) and returns when all
    /// of them are removed.
    public func drainAll() async {
        await withDiscardingTaskGroup { group in
            for model in registry.models {
                group.addTask { await self.registry.drain(model, timeout: self.drainTimeout) }
            }
        }
    }

    /// A service that tears the models down when the service group shuts down. Add it to the
    /// application's services so it stops after the HTTP server has finished its requests.
    public var lifecycle: some Service { TeardownService(server: self) }
}

/// A backbone's `setup()` failed; start-up stops.
public struct ModelSetupError: Error, CustomStringConvertible {
    /// The registry key of the model whose setup failed.
    public let modelKey: String
    /// What setup threw.
    public let underlying: any Error

    public var description: String { "setup() of model '\(modelKey)' failed: \(underlying)" }
}

private struct TeardownService: Service {
    let server: MMCPServer

    func run() async throws {
        try? await gracefulShutdown()
        await server.tearDown()
    }
}

extension Application {
    /// Runs `server`'s `setup()` before this application starts listening and its `teardown()`
    /// after it has stopped.
    public mutating func addMMCP(_ server: MMCPServer) {
        beforeServerStarts { try await server.setUp() }
        addServices(server.lifecycle)
    }
}
