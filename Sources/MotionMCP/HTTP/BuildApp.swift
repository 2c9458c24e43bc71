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
/// With ``MMCPOptions/companions`` set (the control API), the application also runs them and the
/// ``MMCPRuntime`` they drive; a companion that cannot start (a control socket that cannot be
/// made) is an error when the application starts. ``serve(_:)-(MMCPServer)`` runs the same
/// pieces as one service group (``ServerAssembly``).
public func buildApp(_ server: MMCPServer, router: Router<BasicRequestContext> = Router()) -> some ApplicationProtocol {
    var app = application(server, router: router, operationalEndpoints: server.options.operationalEndpoints)
    app.addMMCP(server)
    if !server.options.companions.isEmpty {
        let runtime = MMCPRuntime(server: server, listenAddress: server.listenAddress)
        app.addServices(runtime)
        app.addServices(server.options.companions.map { CompanionStarter(companion: $0, runtime: runtime) })
    }
    return app
}

/// A companion of ``buildApp(_:router:)``, made when the application starts.
private struct CompanionStarter: Service {
    let companion: any ServerCompanion
    let runtime: MMCPRuntime

    func run() async throws {
        try await companion.service(for: runtime).run()
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
    try await ServerAssembly(server, setUp: .beforeListening).serviceGroup(signals: [.sigterm, .sigint]).run()
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

/// The application ``buildApp(_:router:)`` and ``ServerAssembly`` make of `server` on `router`: the framework's answers and
/// `Connection: close` while shutting down (middleware first: it applies to the routes added
/// after it), the MMCP routes and, when asked, the operational ones, and the listener guarded
/// (its connection cap, ``AcceptGuard``) and bound to the server's ``ListenerGate`` so a
/// shutdown resets nothing queued on it.
func application(
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
    /// Where the server listens, as `HOST:PORT`.
    var listenAddress: String { "\(options.host):\(options.port)" }

    /// How the MMCP port bounds its connections: ``ServerLimits``' idle and header timeouts and
    /// connection cap.
    var connectionPolicy: ConnectionPolicy {
        ConnectionPolicy(
            idleTimeout: limits.idleTimeout, headerTimeout: limits.headerTimeout, maxConnections: limits.effectiveMaxConnections,
            listener: "\(options.host):\(options.port)")
    }
}
