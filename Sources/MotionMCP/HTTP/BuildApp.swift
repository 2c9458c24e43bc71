public import Hummingbird
public import Logging

/// The Hummingbird application serving `server` at the root of `router`: `setup()` runs before it
/// listens, `teardown()` after it has stopped. Add middleware and routes of your own to `router`
/// before calling this (Hummingbird applies a router's middleware to the routes added after it).
///
/// ```swift
/// let router = Router()
/// router.add(middleware: CORSMiddleware())
/// router.get("healthz") { _, _ in "ok" }
/// let app = try buildApp(NullBackbone(), title: "My models", router: router)
/// try await app.runService()
/// ```
public func buildApp(
    _ server: MMCPServer,
    configuration: ApplicationConfiguration = ApplicationConfiguration(address: .hostname("0.0.0.0", port: 8000)),
    router: Router<BasicRequestContext> = Router(), operationalEndpoints: Bool = false
) -> some ApplicationProtocol {
    router.add(middleware: ClosingConnectionsMiddleware(server: server))
    router.add(middleware: FrameworkErrorMiddleware())
    server.addRoutes(to: router)
    if operationalEndpoints { server.addOperationalRoutes(to: router) }
    var app = Application(
        router: router, server: server.httpServer, configuration: configuration,
        onServerRunning: { await server.listenerGate.bind($0) }, logger: server.logger)
    app.addMMCP(server)
    return app
}

/// The application for one backbone; see ``buildApp(_:configuration:router:)``.
public func buildApp(
    _ backbone: some Backbone, title: String = "MMCP", openAPI: Bool = true,
    configuration: ApplicationConfiguration = ApplicationConfiguration(address: .hostname("0.0.0.0", port: 8000)),
    router: Router<BasicRequestContext> = Router(), logger: Logger = Logger(label: "mmcp")
) throws(RegistrationError) -> some ApplicationProtocol {
    let server = try MMCPServer(backbone, documentation: APIDocumentation(title: title, enabled: openAPI), logger: logger)
    return buildApp(server, configuration: configuration, router: router)
}

/// The application for several backbones, keyed by their model ids; see ``buildApp(_:configuration:router:)``.
public func buildApp(
    _ backbones: [any Backbone], title: String = "MMCP", openAPI: Bool = true,
    configuration: ApplicationConfiguration = ApplicationConfiguration(address: .hostname("0.0.0.0", port: 8000)),
    router: Router<BasicRequestContext> = Router(), logger: Logger = Logger(label: "mmcp")
) throws(RegistrationError) -> some ApplicationProtocol {
    let server = try MMCPServer(
        backbones: backbones, documentation: APIDocumentation(title: title, enabled: openAPI), logger: logger)
    return buildApp(server, configuration: configuration, router: router)
}

/// The application for backbones under explicit ids; see ``buildApp(_:configuration:router:)``.
public func buildApp(
    _ models: KeyValuePairs<String, any Backbone>, title: String = "MMCP", openAPI: Bool = true,
    configuration: ApplicationConfiguration = ApplicationConfiguration(address: .hostname("0.0.0.0", port: 8000)),
    router: Router<BasicRequestContext> = Router(), logger: Logger = Logger(label: "mmcp")
) throws(RegistrationError) -> some ApplicationProtocol {
    let server = try MMCPServer(
        models: models, documentation: APIDocumentation(title: title, enabled: openAPI), logger: logger)
    return buildApp(server, configuration: configuration, router: router)
}

/// Serves `backbone` until SIGINT or SIGTERM, then shuts down gracefully: requests in flight
/// finish, then every model's `teardown()` runs.
public func serve(
    _ backbone: some Backbone, host: String = "0.0.0.0", port: Int = 8000, logLevel: Logger.Level = .info,
    title: String = "MMCP"
) async throws {
    try await serve(MMCPServer(backbone, documentation: APIDocumentation(title: title), logger: serverLogger(logLevel)),
        host: host, port: port)
}

/// Serves several backbones, keyed by their model ids, until SIGINT or SIGTERM.
public func serve(
    _ backbones: [any Backbone], host: String = "0.0.0.0", port: Int = 8000, logLevel: Logger.Level = .info,
    title: String = "MMCP"
) async throws {
    try await serve(
        MMCPServer(backbones: backbones, documentation: APIDocumentation(title: title), logger: serverLogger(logLevel)),
        host: host, port: port)
}

/// Serves backbones under explicit ids until SIGINT or SIGTERM.
public func serve(
    _ models: KeyValuePairs<String, any Backbone>, host: String = "0.0.0.0", port: Int = 8000,
    logLevel: Logger.Level = .info, title: String = "MMCP"
) async throws {
    try await serve(
        MMCPServer(models: models, documentation: APIDocumentation(title: title), logger: serverLogger(logLevel)),
        host: host, port: port)
}

/// Serves an assembled server until SIGINT or SIGTERM.
public func serve(_ server: MMCPServer, host: String = "0.0.0.0", port: Int = 8000) async throws {
    let app = buildApp(server, configuration: ApplicationConfiguration(address: .hostname(host, port: port)))
    try await app.runService()
}

func serverLogger(_ level: Logger.Level) -> Logger {
    var logger = Logger(label: "mmcp")
    logger.logLevel = level
    return logger
}

/// The application an operations runtime serves: the MMCP routes and the operational endpoints,
/// with models set up in the background by `runtime` (requests for a model still setting up get
/// `503 model_unavailable`, and `/readyz` says so) instead of before the server listens.
/// Run it in one service group with `runtime` and a ``ShutdownSequence``, in that order.
public func buildApp(
    _ runtime: MMCPRuntime,
    configuration: ApplicationConfiguration = ApplicationConfiguration(address: .hostname("0.0.0.0", port: 8000))
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: ClosingConnectionsMiddleware(server: runtime.server))
    router.add(middleware: FrameworkErrorMiddleware())
    runtime.server.addRoutes(to: router)
    runtime.server.addOperationalRoutes(to: router)
    return Application(
        router: router, server: runtime.server.httpServer, configuration: configuration,
        onServerRunning: { [server = runtime.server] in await server.listenerGate.bind($0) }, logger: runtime.server.logger)
}
