import ArgumentParser
import Foundation
import Logging
import MotionMCP
import MotionMCPConsole
import MotionMCPControlServer
import MotionMCPGateway

/// The flags every mode of `mmcp-console` shares: where to listen and what to serve.
struct ServeOptions: ParsableArguments {
    @Option(help: "The address to listen on.")
    var host = "0.0.0.0"

    @Option(help: "The port to listen on.")
    var port = 8000

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: LogLevel = .info

    @Option(
        name: .customLong("null"),
        help: ArgumentHelp(
            "Serve a NullBackbone under ID; with =SPEC.json, its capabilities are the default NullBackbone's with the fields of that file (one /capabilities model entry) laid over them. Repeatable; default: one NullBackbone 'null'.",
            valueName: "ID[=SPEC.json]"))
    var nullModels: [NullModelArgument] = []

    @Option(
        name: .customLong("upstream"),
        help: ArgumentHelp(
            "Also serve the models of the MMCP server at URL (every model it lists, or with ID= only its model ID); the same id on several upstreams makes them replicas of one model. Repeatable; with --upstream and no --null, no NullBackbone is added.",
            valueName: "[ID=]URL"))
    var upstreams: [String] = []

    @Option(
        name: .customLong("upstream-allow-host"),
        help: ArgumentHelp(
            "A host an upstream added at run time (the console's :add upstream, POST /v1/upstreams) may name, besides the hosts of --upstream. Repeatable.",
            valueName: "HOST"))
    var upstreamAllowedHosts: [String] = []

    @Option(
        name: .customLong("upstream-idle-timeout"),
        help:
            "Seconds a forwarded answer may stop moving (no byte from the upstream, none taken by the client) before the gateway ends it and counts it against the replica."
    )
    var upstreamIdleTimeout: Double = 30

    @Flag(
        name: .customLong("async"),
        help: "Answer every valid single request for a model whose spec says supports_async with 202 and a job to poll at /generate/jobs/{id}.")
    var asyncJobs = false

    @Flag(
        name: .customLong("idempotency"),
        help:
            "Honour Idempotency-Key on POST /generate: the same key and body again replay the first answer without calling the model; the key with another body is 409."
    )
    var idempotency = false

    @Option(
        help: "Milliseconds single requests for one model wait for others to share a generateBatch call with (the batch window). Default: off.")
    var batchWindow: Double?

    // Memory caps (issue 19).

    @Option(
        help:
            "Megabytes of answers held at once, server-wide: each answer is charged its estimated size before its model is called, until it has been written. Default: a quarter of the machine's memory (or of the cgroup limit), at least 256."
    )
    var answerBudget: Int?

    @Option(help: "Seconds a request whose answer does not fit in the answer budget waits before it is refused 503 resource_exhausted.")
    var answerBudgetWait: Double = 2

    @Option(name: .customLong("idempotency-max-mb"), help: "Megabytes of answers the idempotency store keeps; past it an answer is declined.")
    var idempotencyMaxMB = 256

    @Option(name: .customLong("job-store-max-mb"), help: "Megabytes of answers the async job store holds; past it a submission is refused 503.")
    var jobStoreMaxMB = 256

    @Flag(
        name: .customLong("glb"),
        help: "Answer a single request whose Accept prefers model/gltf-binary with a GLB, and list gltf_2.0_binary in /capabilities.")
    var binaryGLTF = false

    @Flag(
        name: .customLong("request-id"),
        help: "Send X-Request-ID on every answer: the request's own when it is 1–128 visible ASCII characters, else a new UUID.")
    var requestIDs = false

    @Flag(
        name: .customLong("retry-after"),
        help: "Send Retry-After on 429 and 503 answers a model raises: its own hint, else 5 seconds.")
    var retryAfter = false

    @Flag(name: .customLong("no-openapi"), help: "Do not serve /openapi.json, /docs and /redoc.")
    var noOpenAPI = false

    @Option(help: "Seconds a drain waits for requests in flight before cancelling them.")
    var drainTimeout: Double = 30

    @Option(help: "Seconds between /readyz turning 503 and the drain, on SIGTERM or SIGINT (for a load balancer to notice).")
    var shutdownGrace: Double = 0

    @Option(help: "Milliseconds each NullBackbone takes to generate, to stand in for a real model's latency.")
    var latency: Double = 0

    @Option(
        help:
            "Calls each NullBackbone runs at once, like a GPU: the others wait their turn (not refused: that is --max-in-flight). Default: no limit.")
    var modelConcurrency: Int?

    @Option(help: "Requests one model works on at once; more get 503 resource_exhausted. Default: no cap.")
    var maxInFlight: Int?

    @Option(help: "Seconds a generate call may take before the request gets 504 timeout. Default: no limit.")
    var generateTimeout: Double?

    @Option(help: "Seconds a client may take to send a request body before it gets 408.")
    var bodyTimeout: Double = 30

    @Option(help: "Seconds an idle connection stays open.")
    var idleTimeout: Double = 60

    @Flag(name: .customLong("no-metrics"), help: ArgumentHelp("Record no metrics (to measure what they cost).", visibility: .hidden))
    var noMetrics = false

    // Listener limits: every listener (the MMCP port and the control API's) bounds what a
    // connection holds before and between requests.

    @Option(help: "Seconds a request head (and a control TLS handshake) may take before the connection is closed.")
    var headerTimeout: Double = 10

    @Option(help: "Connections the MMCP port holds at once; more are closed at once. Default: 3/4 of the descriptor limit less 64.")
    var maxConnections: Int?

    /// `authored` (a model author's own backbones), then the NullBackbones the flags ask for, in
    /// order; with neither (and no upstream), one NullBackbone `null`. `--latency` applies to the NullBackbones.
    func backbones(_ authored: [any Backbone] = []) throws -> [any Backbone] {
        let plain =
            nullModels.isEmpty && authored.isEmpty && upstreams.isEmpty ? [NullBackbone()] : try nullModels.map { try $0.backbone() }
        return authored
            + plain.map { backbone -> any Backbone in
                var backbone = backbone
                backbone.simulatedLatency = Self.duration(seconds: latency / 1000)
                backbone.callLimit = modelConcurrency.map { ConcurrencyLimit(limit: $0) }
                return backbone
            }
    }

    /// The `--upstream` values; a bad one is a `ValidationError` saying what is wrong with it.
    func upstreamAddresses() throws -> [UpstreamAddress] {
        try upstreams.map { text in
            do {
                return try UpstreamAddress(parsing: text)
            } catch {
                throw ValidationError("--upstream \(text): \(error)")
            }
        }
    }

    /// Checks the numbers and the upstream addresses, before anything starts.
    func validate() throws {
        _ = try upstreamAddresses()
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard drainTimeout >= 0, shutdownGrace >= 0, latency >= 0, (batchWindow ?? 0) >= 0 else {
            throw ValidationError("--drain-timeout, --shutdown-grace, --latency and --batch-window must not be negative")
        }
        guard bodyTimeout > 0, idleTimeout > 0, (generateTimeout ?? 1) > 0, (maxInFlight ?? 1) > 0, (modelConcurrency ?? 1) > 0 else {
            throw ValidationError(
                "--body-timeout, --idle-timeout, --generate-timeout, --max-in-flight and --model-concurrency must be positive")
        }
        guard upstreamIdleTimeout > 0 else { throw ValidationError("--upstream-idle-timeout must be positive") }
        guard headerTimeout > 0, (maxConnections ?? 1) > 0 else { throw ValidationError("--header-timeout and --max-connections must be positive") }
        let megabytes = 1...Self.maximumMegabytes
        guard megabytes.contains(answerBudget ?? 1), megabytes.contains(idempotencyMaxMB), megabytes.contains(jobStoreMaxMB) else {
            throw ValidationError("--answer-budget, --idempotency-max-mb and --job-store-max-mb must be between 1 and \(Self.maximumMegabytes)")
        }
        guard answerBudgetWait >= 0 else { throw ValidationError("--answer-budget-wait must not be negative") }
    }

    /// The largest megabyte count a memory flag takes (16 TB): its bytes fit any `Int`.
    static let maximumMegabytes = 16 << 20

    /// `options` with the memory caps of the flags.
    func memoryCapped(_ options: MMCPOptions) -> MMCPOptions {
        var options = options
        if let answerBudget { options.limits.answerBudget = answerBudget << 20 }
        options.limits.answerBudgetWait = Self.duration(seconds: answerBudgetWait)
        options.extensions.idempotencyMaxBytes = idempotencyMaxMB << 20
        options.extensions.jobStoreMaxBytes = jobStoreMaxMB << 20
        return options
    }

    /// The server the flags describe, with the control API `control` describes; a duplicate id
    /// is a `ValidationError`.
    func makeServer(_ authored: [any Backbone] = [], logger: Logger, control: ControlOptions?) throws -> MMCPServer {
        do {
            let backbones = try backbones(authored)
            let registered = backbones.isEmpty ? [] : try ModelRegistry.keyed(backbones)
            var limits = ServerLimits(
                maxInFlightPerModel: maxInFlight, generateTimeout: generateTimeout.map { Self.duration(seconds: $0) },
                bodyReadTimeout: Self.duration(seconds: bodyTimeout), idleTimeout: Self.duration(seconds: idleTimeout))
            limits.headerTimeout = Self.duration(seconds: headerTimeout)
            limits.maxConnections = maxConnections
            // The control API's listeners keep the same idle, header and body timeouts.
            var control = control
            control?.idleTimeout = limits.idleTimeout
            control?.headerTimeout = limits.headerTimeout
            control?.bodyTimeout = limits.bodyReadTimeout
            let options = MMCPOptions(
                host: host, port: port, documentation: APIDocumentation(enabled: !noOpenAPI), operationalEndpoints: true,
                limits: limits, drainTimeout: Self.duration(seconds: drainTimeout), shutdownGrace: Self.duration(seconds: shutdownGrace),
                companions: control.map { [$0] } ?? [],
                extensions: ProtocolExtensions(
                    asyncJobs: asyncJobs, idempotency: idempotency, binaryGLTF: binaryGLTF, requestIDs: requestIDs, retryAfter: retryAfter,
                    batchWindow: batchWindow.map { Self.duration(seconds: $0 / 1000) }),
                logger: logger)
            let registry = try ModelRegistry(registered, logger: options.serverLogger, recordsMetrics: !noMetrics)
            // Always a gateway, with no upstream when none is given: the control API may add one.
            let gateway = Gateway(
                registry: registry,
                options: GatewayOptions(
                    upstreams: try upstreamAddresses(), allowedHosts: upstreamAllowedHosts, idleTimeout: Self.duration(seconds: upstreamIdleTimeout)),
                clock: options.clock, logger: options.serverLogger)
            return MMCPServer(registry: registry, options: memoryCapped(options), providers: [gateway])
        } catch let error as RegistrationError {
            throw ValidationError(error.description)
        }
    }

    /// A duration flag's value, at most a billion seconds (about 31 years): `Duration.seconds`
    /// traps on a `Double` past what it can hold, and no timeout needs more.
    static func duration(seconds: Double) -> Duration {
        .seconds(min(seconds, 1_000_000_000))
    }
}

/// `ID` or `ID=SPEC.json`.
struct NullModelArgument: ExpressibleByArgument {
    var id: String
    var specPath: String?

    init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard let id = parts.first, !id.isEmpty else { return nil }
        self.id = String(id)
        self.specPath = parts.count == 2 ? String(parts[1]) : nil
        if specPath?.isEmpty == true { return nil }
    }

    /// The NullBackbone this argument describes; a bad spec file is a `ValidationError` naming it.
    func backbone() throws -> NullBackbone {
        guard let specPath else { return NullBackbone(modelID: id) }
        do {
            return try NullBackbone(modelID: id, specFile: specPath)
        } catch {
            throw ValidationError("--null \(id): \(error)")
        }
    }
}

/// swift-log's levels as a command-line value.
enum LogLevel: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .info }
}

/// Where the server serves its control API: the flags of `mmcp-console serve`.
struct ControlFlags: ParsableArguments {
    @Option(
        name: .customLong("control"),
        help: ArgumentHelp(
            "The control API's Unix socket, for `mmcp-console attach` (default: $MMCP_CONTROL_SOCKET, else control-PORT.sock in \(ControlSockets.folder()), PORT the --port).",
            valueName: "PATH"))
    var socketPath: String?

    @Flag(name: .customLong("no-control"), help: "Serve no control API socket.")
    var noControl = false

    @Option(name: .customLong("control-mode"), help: ArgumentHelp("The control sockets' file mode, in octal.", valueName: "MODE"))
    var mode = "600"

    @Option(
        name: .customLong("control-group"),
        help: ArgumentHelp("The group the control sockets belong to (with --control-mode 660, to share them).", valueName: "GROUP"))
    var group: String?

    @Option(
        name: .customLong("control-read-only"),
        help: ArgumentHelp("A second control socket that can only watch (snapshot, events).", valueName: "PATH"))
    var readOnlyPath: String?

    @Option(
        name: .customLong("control-listen"),
        help: ArgumentHelp("Also serve the control API over TCP (needs --control-token-file; TLS off loopback).", valueName: "HOST:PORT"))
    var listen: String?

    @Option(
        name: .customLong("control-token-file"),
        help: ArgumentHelp("Tokens for --control-listen, one per line: LEVEL NAME TOKEN (LEVEL: read, operate, admin); mode 600.", valueName: "FILE"))
    var tokenFile: String?

    @Option(name: .customLong("control-tls-cert"), help: ArgumentHelp("The certificate chain (PEM) for --control-listen.", valueName: "FILE"))
    var tlsCertificate: String?

    @Option(name: .customLong("control-tls-key"), help: ArgumentHelp("The private key (PEM) for --control-listen.", valueName: "FILE"))
    var tlsKey: String?

    @Option(
        name: .customLong("control-allow-host"),
        help: ArgumentHelp("A Host name TCP control requests may carry besides the listen address and localhost (repeatable).", valueName: "NAME"))
    var allowedHosts: [String] = []

    @Option(
        name: .customLong("control-max-connections"),
        help: ArgumentHelp("Connections each control listener holds at once; more are closed at once.", valueName: "N"))
    var maxConnections = 32

    func validate() throws {
        guard maxConnections > 0 else { throw ValidationError("--control-max-connections must be positive") }
        guard UInt16(mode, radix: 8).map({ $0 <= 0o777 }) == true else {
            throw ValidationError("--control-mode must be an octal mode such as 600 or 660")
        }
        guard (tlsCertificate == nil) == (tlsKey == nil) else { throw ValidationError("--control-tls-cert and --control-tls-key go together") }
        if listen == nil, tokenFile != nil || tlsCertificate != nil || !allowedHosts.isEmpty {
            throw ValidationError("--control-token-file, --control-tls-* and --control-allow-host need --control-listen")
        }
        if listen != nil, tokenFile == nil { throw ValidationError("--control-listen needs --control-token-file") }
        if noControl, socketPath != nil || readOnlyPath != nil {
            throw ValidationError("--no-control and --control/--control-read-only contradict each other")
        }
    }

    /// The control API the flags ask for; `nil` when nothing is served.
    func options() throws -> ControlOptions? {
        var network: NetworkControl?
        if let listen, let tokenFile {
            guard let address = HostPort(listen) else { throw ValidationError("--control-listen must be HOST:PORT") }
            network = NetworkControl(
                host: address.host, port: address.port, tokens: try NetworkControl.tokens(fromFile: tokenFile),
                tls: tlsCertificate.flatMap { certificate in tlsKey.map { (certificate, $0) } }, allowedHosts: allowedHosts)
        }
        let socket: ControlSocketPath? = noControl ? nil : socketPath.map(ControlSocketPath.path) ?? .defaultForPort
        guard socket != nil || readOnlyPath != nil || network != nil else { return nil }
        var options = ControlOptions(
            socketPath: socket, readOnlySocketPath: readOnlyPath, socketMode: UInt16(mode, radix: 8) ?? 0o600, socketGroup: group,
            network: network)
        options.maxConnections = maxConnections
        return options
    }
}

/// How the console looks and what it may do: the flags `serve` and `attach` share.
struct ConsoleFlags: ParsableArguments {
    @Option(help: "The console's colour theme: a file name in the themes folder without .toml (dark, light, mono).")
    var theme: String?

    @Option(help: "The folder of theme files.")
    var themesDirectory = "themes"

    @Flag(help: "Refuse every console key and command that changes a server (add, drain, OpenAPI switch, shutdown).")
    var readOnly = false

    /// The themes in ``themesDirectory`` (and the built-in ones).
    func themes() -> ThemeCatalog {
        ThemeCatalog.load(directory: themesDirectory, environment: ProcessInfo.processInfo.environment)
    }
}
