public import Hummingbird
public import HummingbirdCore
import Logging
import NIOCore
public import ServiceLifecycle
import Synchronization

/// An MMCP server: its models, its routes and its lifecycle, ready to mount on a Hummingbird router.
///
/// ``buildApp(_:router:)`` and ``serve(_:)-(MMCPServer)`` are built on it; use it directly to
/// mount the MMCP routes under a prefix of a larger application:
///
/// ```swift
/// let mmcp = try MMCPServer(NullBackbone())
/// let router = Router()
/// mmcp.addRoutes(to: router.group("motion"))
/// var app = Application(router: router, server: mmcp.httpServer)
/// app.addMMCP(mmcp)   // setup() before the server starts, teardown() after it stops
/// try await app.runService()
/// ```
public final class MMCPServer: Sendable {
    /// The models served.
    public let registry: ModelRegistry
    /// How the server is set up.
    public let options: MMCPOptions
    /// Whether `/openapi.json`, `/docs` and `/redoc` answer (they can be switched at run time).
    let openAPIEnabled: Atomic<Bool>
    /// Whether every model's `setup()` has run, so `teardown()` is due (not after a failed start).
    private let isSetUp = Mutex(false)
    private let shuttingDown = Atomic(false)
    /// Where the shutdown sequence is: not begun, running, or over (it runs once).
    private let shutdownStage = Mutex(ShutdownStage.notBegun)
    private let shutdownChanges = ChangeSignal()
    /// Whether `/healthz`, `/readyz` and `/metrics` were added (the OpenAPI document lists them then).
    let servesOperationalRoutes = Atomic(false)
    /// Closes the listening socket at the end of a shutdown without resetting the connections
    /// queued on it; `buildApp` binds it to the listener, ``ShutdownSequence`` closes it.
    public let listenerGate: ListenerGate
    /// The sources of models served elsewhere (the gateway of `MotionMCPGateway`); every one runs
    /// as a service beside the HTTP server.
    public let providers: [any ModelProvider]
    /// The async jobs (``ProtocolExtensions/asyncJobs``); `nil` when they are off.
    let jobs: JobStore?
    /// The answers kept for `Idempotency-Key` replays; `nil` when idempotency is off.
    let idempotency: IdempotencyStore?
    /// The batch window (``ProtocolExtensions/batchWindow``); `nil` when it is off.
    let batchWindow: BatchWindow?
    /// The bytes of answers held at once (``ServerLimits/answerBudget``).
    let answerBudget: AnswerBudget

    /// A server for one backbone, keyed by its ``Backbone/modelID`` (else its spec's id).
    public convenience init(_ backbone: some Backbone, options: MMCPOptions = MMCPOptions()) throws(RegistrationError) {
        try self.init([backbone], options: options)
    }

    /// A server for `models`: an array of backbones keyed by their ids, or a dictionary of ids to
    /// backbones (see ``MMCPModels``); duplicate ids and an empty array are refused.
    public convenience init(_ models: MMCPModels, options: MMCPOptions = MMCPOptions()) throws(RegistrationError) {
        try self.init(registry: ModelRegistry(models.registered(), logger: options.serverLogger), options: options)
    }

    /// A server over an existing registry, with the `providers` of models served elsewhere that
    /// join it (they hold the same registry).
    public init(registry: ModelRegistry, options: MMCPOptions = MMCPOptions(), providers: [any ModelProvider] = []) {
        self.registry = registry
        self.options = options
        self.openAPIEnabled = Atomic(options.documentation.enabled)
        self.logger = options.serverLogger
        self.listenerGate = ListenerGate(logger: logger)
        self.providers = providers
        self.jobs =
            options.extensions.asyncJobs
            ? JobStore(
                capacity: options.extensions.jobCapacity, retention: options.extensions.jobRetention,
                maxBytes: options.extensions.jobStoreMaxBytes, clock: options.clock) : nil
        self.batchWindow = options.extensions.batchWindow.map { BatchWindow(window: max($0, .zero), clock: options.clock) }
        self.idempotency =
            options.extensions.idempotency
            ? IdempotencyStore(
                timeToLive: max(options.extensions.idempotencyTimeToLive, .seconds(60)),
                maxBytes: options.extensions.idempotencyMaxBytes, clock: options.clock) : nil
        self.answerBudget = AnswerBudget(capacity: options.limits.answerBudget)
    }

    /// The services a server runs beside its HTTP server: its model providers and, when they are
    /// on, the async jobs and the batch window.
    var backgroundServices: [any Service] {
        providers as [any Service] + (jobs.map { [$0] } ?? []) + (batchWindow.map { [$0] } ?? [])
    }

    /// How the OpenAPI document and pages present the server.
    public var documentation: APIDocumentation { options.documentation }
    /// How long a drain waits for requests in flight before stopping them.
    public var drainTimeout: Duration { options.drainTimeout }
    /// What one client or one burst may hold of the server.
    public var limits: ServerLimits { options.limits }
    /// Where the server logs: the options' logger, also feeding the control API's event stream.
    package let logger: Logger

    /// Hummingbird's configuration for the address of ``options``.
    public var applicationConfiguration: ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(options.host, port: options.port))
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

    /// HTTP/1.1 with the idle and header timeouts of ``limits``; pass it as `server:` when you
    /// build the `Application` yourself.
    public var httpServer: HTTPServerBuilder {
        .guardedHTTP1(connectionPolicy)
    }

    var generateHandler: GenerateHandler {
        GenerateHandler(
            registry: registry, logger: logger, limits: limits, extensions: options.extensions, jobs: jobs, batchWindow: batchWindow,
            answerBudget: answerBudget, isShuttingDown: isShuttingDown)
    }

    /// Brings in the models of the providers that answer (``ModelProvider/discover()``), then calls
    /// every backbone's `setup()` in registration order; the first failure stops and is
    /// thrown with the model's id (that model is then `failed`). A model whose setup already ran
    /// (or is running, from another caller) is not set up again.
    public func setUp() async throws {
        for provider in providers { await provider.discover() }
        for model in registry.models {
            do {
                try await registry.lifecycle.setUp(model)
            } catch {
                throw ModelSetupError(modelKey: model.key, underlying: error)
            }
        }
        isSetUp.withLock { $0 = true }
    }

    /// Drains every model (nothing is in flight once the HTTP server has stopped) and tears them
    /// down in registration order, once, and only after a successful ``setUp()``; a failing
    /// teardown is logged and the others still run.
    public func tearDown() async {
        let due = isSetUp.withLock { wasSetUp in
            defer { wasSetUp = false }
            return wasSetUp
        }
        guard due else {
            for provider in providers { await provider.shutDown() }
            return
        }
        await drainAll()
        for provider in providers { await provider.shutDown() }
    }

    /// Drains every model — new requests get 503, requests in flight finish (or are stopped when
    /// ``drainTimeout`` passes) — then tears them down in registration order and removes them;
    /// returns how each drain ended. A model still setting up is waited for, within the timeout.
    @discardableResult
    public func drainAll() async -> [DrainReport] {
        await registry.drain(registry.models, timeout: drainTimeout, clock: options.clock)
    }

    /// The shutdown that loses nothing: `/readyz` turns 503 first; after the options'
    /// `shutdownGrace` (time for a load balancer to notice) every model drains — new requests get a
    /// clean 503, requests in flight finish — and is torn down in registration order
    /// (``drainAll()``); the server then keeps answering (503) for another grace, and last the
    /// listener closes without resetting anything queued on it (``listenerGate``).
    ///
    /// It runs once, whoever asks first (SIGTERM through ``ShutdownSequence``, the console's quit,
    /// the control API's `POST /v1/shutdown`); a later call returns when that one is over.
    public func shutDown() async {
        let first = shutdownStage.withLock { stage in
            guard stage == .notBegun else { return false }
            stage = .running
            return true
        }
        guard first else {
            await shutdownChanges.wait { self.shutdownStage.withLock { $0 == .over } }
            return
        }
        let grace = options.shutdownGrace
        isShuttingDown = true
        logger.info("shutting down", metadata: ["grace": "\(grace)"])
        if grace > .zero { try? await options.clock.sleep(for: grace) }
        await drainAll()
        logger.info("all models drained and torn down")
        if grace > .zero { try? await options.clock.sleep(for: grace) }
        // Last: the HTTP server closes its listener right after; nothing queued on it may be reset.
        await listenerGate.close()
        shutdownStage.withLock { $0 = .over }
        shutdownChanges.notify()
    }

    private enum ShutdownStage { case notBegun, running, over }

    /// A service that tears the models down when the service group shuts down. Add it to the
    /// application's services so it stops after the HTTP server has finished its requests.
    public var teardownService: some Service { TeardownService(server: self) }
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
        addServices(server.teardownService)
        addServices(server.backgroundServices)
    }
}
