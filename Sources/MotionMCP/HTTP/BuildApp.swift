public import Hummingbird
import ServiceLifecycle
import UnixSignals

/// The Hummingbird application serving `server` at the root of `router`: `setup()` runs before it
/// listens, `teardown()` after it has stopped; it listens where ``MMCPServer/options`` say, with
/// the operational endpoints when they ask for them. Add middleware and routes of your own to
/// `router` before calling this (Hummingbird applies a router's middleware to the routes added
/// after it).
///
/// ```swift
/// let router = Router()
/// router.add(middleware: CORSMiddleware())
/// router.get("hello") { _, _ in "hi" }
/// let app = try buildApp(MyBackbone(), options: MMCPOptions(title: "My models"), router: router)
/// try await app.runService()
/// ```
///
/// With ``MMCPOptions/control`` set, the application also serves the control API
/// (``ControlAPI``) and runs the ``MMCPRuntime`` it drives; a control socket that cannot be made
/// is an error when the application starts.
public func buildApp(_ server: MMCPServer, router: Router<BasicRequestContext> = Router()) -> some ApplicationProtocol {
    var app = application(server, router: router, operationalEndpoints: server.options.operationalEndpoints)
    app.addMMCP(server)
    if let control = server.options.control {
        let runtime = MMCPRuntime(server: server, listenAddress: "\(server.options.host):\(server.options.port)")
        app.addServices(runtime, ControlAPIService(runtime: runtime, options: control))
    }
    return app
}

/// The control API of ``buildApp(_:router:)``, checked when the application starts.
private struct ControlAPIService: Service {
    let runtime: MMCPRuntime
    let options: ControlOptions

    func run() async throws {
        try await ControlAPI(runtime: runtime, options: options).run()
    }
}

/// The application serving `models` (an array of backbones keyed by their ids, or a dictionary
/// of ids to backbones) with `options`; see ``buildApp(_:router:)``.
public func buildApp(
    _ models: MMCPModels, options: MMCPOptions = MMCPOptions(), router: Router<BasicRequestContext> = Router()
) throws(RegistrationError) -> some ApplicationProtocol {
    buildApp(try MMCPServer(models, options: options), router: router)
}

/// The application serving one backbone with `options`; see ``buildApp(_:router:)``.
public func buildApp(
    _ backbone: some Backbone, options: MMCPOptions = MMCPOptions(), router: Router<BasicRequestContext> = Router()
) throws(RegistrationError) -> some ApplicationProtocol {
    buildApp(try MMCPServer(backbone, options: options), router: router)
}

/// Serves `server` where its options say until SIGINT or SIGTERM, then shuts down without
/// losing a request: the models drain while the server still answers (new requests get a clean
/// `503 model_unavailable`, requests in flight finish), every `teardown()` runs in registration
/// order, and the listener closes with nothing queued on it (``ShutdownSequence``). Throws when a
/// backbone's `setup()` fails (``ModelSetupError``).
public func serve(_ server: MMCPServer) async throws {
    try await servingGroup(server, signals: [.sigterm, .sigint]).run()
}

/// What ``serve(_:)-(MMCPServer)`` runs: the application, then a ``ShutdownSequence``, which the
/// group stops first, so the drain happens while the HTTP server still answers.
func servingGroup(_ server: MMCPServer, signals: [UnixSignal]) -> ServiceGroup {
    ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: [buildApp(server), ShutdownSequence(server: server)], gracefulShutdownSignals: signals, logger: server.logger))
}

/// Serves `models` (an array of backbones keyed by their ids, or a dictionary of ids to
/// backbones) with `options` until SIGINT or SIGTERM; see ``serve(_:)-(MMCPServer)``.
public func serve(_ models: MMCPModels, options: MMCPOptions = MMCPOptions()) async throws {
    try await serve(MMCPServer(models, options: options))
}

/// Serves one backbone with `options` until SIGINT or SIGTERM; see ``serve(_:)-(MMCPServer)``.
public func serve(_ backbone: some Backbone, options: MMCPOptions = MMCPOptions()) async throws {
    try await serve(MMCPServer(backbone, options: options))
}

/// The application an operations runtime serves: the MMCP routes and the operational endpoints,
/// with models set up in the background by `runtime` (requests for a model still setting up get
/// `503 model_unavailable`, and `/readyz` says so) instead of before the server listens.
/// Run it in one service group with `runtime` and a ``ShutdownSequence``, in that order.
public func buildApp(_ runtime: MMCPRuntime) -> some ApplicationProtocol {
    let server = runtime.server
    let router = Router()
    var app = application(server, router: router, operationalEndpoints: true)
    app.addServices(server.backgroundServices)
    return app
}

/// The application both `buildApp`s make of `server` on `router`: the framework's answers and
/// `Connection: close` while shutting down (middleware first: it applies to the routes added
/// after it), the MMCP routes and, when asked, the operational ones, and the listener guarded
/// (its connection cap, ``AcceptGuard``) and bound to the server's ``ListenerGate`` so a
/// shutdown resets nothing queued on it.
private func application(
    _ server: MMCPServer, router: Router<BasicRequestContext>, operationalEndpoints: Bool
) -> Application<ConnectionAwareResponder<RouterResponder<BasicRequestContext>>> {
    // Outermost, so that every answer carries the id, the framework's 404 and 405 included.
    if server.options.extensions.requestIDs { router.add(middleware: RequestIDMiddleware()) }
    router.add(middleware: ClosingConnectionsMiddleware(server: server))
    router.add(middleware: FrameworkErrorMiddleware(server: server))
    server.addRoutes(to: router)
    if operationalEndpoints { server.addOperationalRoutes(to: router) }
    return Application(
        responder: ConnectionAwareResponder(inner: router.buildResponder()), server: server.httpServer,
        configuration: server.applicationConfiguration,
        onServerRunning: { listener in
            await AcceptGuard.install(on: listener, policy: server.connectionPolicy, logger: server.logger)
            await server.listenerGate.bind(listener)
        }, logger: server.logger)
}

extension MMCPServer {
    /// How the MMCP port bounds its connections: ``ServerLimits``' idle and header timeouts and
    /// connection cap.
    var connectionPolicy: ConnectionPolicy {
        ConnectionPolicy(
            idleTimeout: limits.idleTimeout, headerTimeout: limits.headerTimeout, maxConnections: limits.effectiveMaxConnections,
            listener: "\(options.host):\(options.port)")
    }
}
