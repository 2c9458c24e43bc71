public import Logging

/// How an MMCP server is set up: where it listens, how it documents itself, its limits and its
/// logger. Every entry point (``serve(_:options:)-(MMCPModels,_)``,
/// ``buildApp(_:options:router:)-(MMCPModels,_,_)``, ``MMCPServer``) takes one.
public struct MMCPOptions: Sendable {
    /// The address to listen on.
    public var host: String
    /// The port to listen on.
    public var port: Int
    /// The OpenAPI document and pages: title, description, on or off at start-up, asset URLs.
    public var documentation: APIDocumentation
    /// Whether `/healthz`, `/readyz` and `/metrics` are served (off: the routes are exactly the
    /// reference's).
    public var operationalEndpoints: Bool
    /// What one client or one burst may hold of the server.
    public var limits: ServerLimits
    /// How long a drain waits for requests in flight before stopping them.
    public var drainTimeout: Duration
    /// How long a shutdown waits between `/readyz` turning 503 and the drain, and again after it
    /// (time for a load balancer to notice); see ``MMCPServer/shutDown()``.
    public var shutdownGrace: Duration
    /// What runs beside the server for its whole life (``ServerCompanion``): the control API of
    /// `MotionMCPControlServer` (its `ControlOptions`) is one. None by default.
    public var companions: [any ServerCompanion]
    /// The optional features of docs/extensions.md (``ProtocolExtensions``); all off by default.
    public var extensions: ProtocolExtensions
    /// Where the server logs.
    public var logger: Logger
    /// The clock the server's waits and expiries go by (``MMCPClock``): the batch window, the
    /// retention of async jobs and idempotent answers, a drain's timeout and the shutdown grace,
    /// the gateway's probes and ejections. `ContinuousClock` unless a test sets one it moves by
    /// hand.
    public var clock: any MMCPClock = ContinuousClock()

    /// The logger the server logs through: ``logger``, with what its ``companions`` add (the
    /// control API's event stream, `GET /v1/events`). Give it to a ``ModelRegistry`` you build
    /// yourself, so its lines reach attached consoles too.
    public var serverLogger: Logger {
        companions.reduce(logger) { logger, companion in companion.tapping(logger) }
    }

    /// Options with the defaults: `0.0.0.0:8000`, the API docs on, no operational endpoints,
    /// ``ServerLimits``' defaults, a 30 s drain timeout, no shutdown grace, no companions, no protocol extensions, a logger labelled `mmcp` at `logLevel`.
    public init(
        host: String = "0.0.0.0", port: Int = 8000, title: String = "MMCP", openAPI: Bool = true,
        operationalEndpoints: Bool = false, limits: ServerLimits = ServerLimits(), drainTimeout: Duration = .seconds(30),
        shutdownGrace: Duration = .zero, companions: [any ServerCompanion] = [],
        extensions: ProtocolExtensions = ProtocolExtensions(), logLevel: Logger.Level = .info
    ) {
        var logger = Logger(label: "mmcp")
        logger.logLevel = logLevel
        self.init(
            host: host, port: port, documentation: APIDocumentation(title: title, enabled: openAPI),
            operationalEndpoints: operationalEndpoints, limits: limits, drainTimeout: drainTimeout,
            shutdownGrace: shutdownGrace, companions: companions, extensions: extensions, logger: logger)
    }

    /// Options with a documentation value and a logger of your own.
    public init(
        host: String = "0.0.0.0", port: Int = 8000, documentation: APIDocumentation, operationalEndpoints: Bool = false,
        limits: ServerLimits = ServerLimits(), drainTimeout: Duration = .seconds(30), shutdownGrace: Duration = .zero,
        companions: [any ServerCompanion] = [], extensions: ProtocolExtensions = ProtocolExtensions(), logger: Logger
    ) {
        self.host = host
        self.port = port
        self.documentation = documentation
        self.operationalEndpoints = operationalEndpoints
        self.limits = limits
        self.drainTimeout = drainTimeout
        self.shutdownGrace = shutdownGrace
        self.companions = companions
        self.extensions = extensions
        self.logger = logger
    }
}

/// The models a server serves, in registration order: an array literal of backbones, each keyed
/// by its ``Backbone/modelID`` (else its spec's id), or a dictionary literal of ids to backbones,
/// under exactly those ids.
///
/// ```swift
/// try await serve([Walker(), Dancer()])                       // keyed by their ids
/// try await serve(["fast": Walker(.draft), "best": Walker(.final)])
/// try await serve(MMCPModels(backbones))                      // an array you built
/// ```
///
/// Duplicate ids are refused; so is an empty array (a server with no model is a mistake), while
/// an empty dictionary (`[:]`) serves no model, as the reference allows.
public struct MMCPModels: Sendable, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    private enum Source: Sendable {
        case keyedByID([any Backbone])
        case explicit([RegisteredModel])
    }

    private let source: Source

    /// `backbones`, each keyed by its id.
    public init(_ backbones: [any Backbone]) { source = .keyedByID(backbones) }

    /// The backbones listed, each keyed by its id.
    public init(arrayLiteral backbones: any Backbone...) { source = .keyedByID(backbones) }

    /// The backbones under the ids given, in this order.
    public init(dictionaryLiteral models: (String, any Backbone)...) {
        source = .explicit(models.map { RegisteredModel(key: $0.0, backbone: $0.1) })
    }

    /// The models under their registry keys.
    func registered() throws(RegistrationError) -> [RegisteredModel] {
        switch source {
        case .keyedByID(let backbones): try ModelRegistry.keyed(backbones)
        case .explicit(let models): models
        }
    }
}
