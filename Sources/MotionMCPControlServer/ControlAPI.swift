import Foundation
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
public import MotionMCP
import MotionMCPControl
import MotionMCPProtocol
import NIOCore
import NIOSSL
public import ServiceLifecycle

/// The control API as a service: HTTP/1.1 + JSON under `/v1/`, on the Unix sockets and the TCP
/// listener ``ControlOptions`` name, driving an `MMCPRuntime`. Run it in the server's service
/// group before the `ShutdownSequence` (so it still answers while the models drain); `serve()`
/// and `buildApp` run it when `MMCPOptions.companions` holds its ``ControlOptions``.
///
/// | Route | Level | |
/// |---|---|---|
/// | `GET /v1/snapshot` | read | the server and its models, as `ControlWire` encodes them |
/// | `GET /v1/events` | read | newline-delimited JSON: a snapshot every second, every log line |
/// | `POST /v1/models/{id}/drain` | operate | starts a drain |
/// | `PUT /v1/openapi` | operate | `{"enabled": true\|false}` |
/// | `POST /v1/models` | admin | `{"id": …, "spec": {…}}` hot-adds a NullBackbone |
/// | `POST /v1/upstreams` | admin | `{"url": "[ID=]URL"}` adds an upstream MMCP server (its host must be allowed) |
/// | `POST /v1/shutdown` | admin | starts the SIGTERM sequence |
///
/// Errors are `{"error": CODE, "message": …}`: 400 bad body, 401 no or unknown token, 403 not
/// permitted (level, `Host`, `Origin`), 404 unknown model or route, 405 wrong method, 409 not ready,
/// 408 a body slower than ``ControlOptions/bodyTimeout``, 413 a body over 256 KiB (both close
/// the connection).
///
/// Every listener has ``ControlOptions``' idle and header timeouts (the header timeout also bounds
/// a TLS handshake) and its connection cap.
public struct ControlAPI: Service {
    private let runtime: MMCPRuntime
    private let logs: LogBroadcast
    private let listeners: [Listener]
    private let logger: Logger
    private let options: ControlOptions

    /// How one listener admits callers.
    enum Admission: Sendable {
        /// A Unix socket: whoever can open it has `level`; callers are named by `SO_PEERCRED`.
        case socket(level: AccessLevel)
        /// TCP: a bearer token per caller, `Host` checked against `allowedHosts`, no `Origin`.
        case tokens([ControlToken], allowedHosts: Set<String>)
    }

    private struct Listener: Sendable {
        var address: BindAddress
        var socketFile: ControlSocketFile?
        var tls: TLSConfiguration?
        var admission: Admission
        var description: String
    }

    /// The control API `options` describe over `runtime`, streaming the lines of the options'
    /// `MMCPOptions.serverLogger` to `/v1/events`.
    /// Everything that can be checked before listening is checked here: a live socket at a path,
    /// a token file others can read, a non-loopback address without TLS, unreadable certificates.
    public init(runtime: MMCPRuntime, options: ControlOptions) throws(ControlConfigurationError) {
        self.runtime = runtime
        self.logs = options.logs
        self.logger = runtime.server.logger
        self.options = options
        var listeners: [Listener] = []
        var checked = false
        // A refusal leaves nothing behind: the bind folders of the sockets made so far are removed.
        defer { if !checked { for listener in listeners { listener.socketFile?.remove() } } }
        let adminPath = options.adminSocketPath(port: runtime.server.options.port)
        for (path, level) in [(adminPath, AccessLevel.admin), (options.readOnlySocketPath, .read)] {
            guard let path else { continue }
            let file = try ControlSocketFile(path: path, mode: options.socketMode, group: options.socketGroup)
            listeners.append(
                Listener(
                    address: .unixDomainSocket(path: file.bindPath), socketFile: file, admission: .socket(level: level),
                    description: "unix:\(path) (\(level))"))
        }
        if let network = options.network {
            guard network.tls != nil || NetworkControl.isLoopback(network.host) else {
                throw ControlConfigurationError(
                    "--control-listen \(network.host):\(network.port) is not a loopback address: it needs --control-tls-cert and --control-tls-key")
            }
            guard !network.tokens.isEmpty else { throw ControlConfigurationError("--control-listen needs --control-token-file") }
            guard Set(network.tokens.map(\.secret)).count == network.tokens.count else {
                throw ControlConfigurationError("the control API's tokens repeat a token (each token must be unique)")
            }
            var tls: TLSConfiguration?
            if let files = network.tls {
                do {
                    tls = TLSConfiguration.makeServerConfiguration(
                        certificateChain: try NIOSSLCertificate.fromPEMFile(files.certificatePath).map { .certificate($0) },
                        privateKey: .privateKey(try NIOSSLPrivateKey(file: files.keyPath, format: .pem)))
                } catch {
                    throw ControlConfigurationError("cannot load the control API's TLS certificate or key: \(error)")
                }
            }
            let port = network.port
            var hosts: Set<String> = ["localhost", "localhost:\(port)", network.host, "\(network.host):\(port)"]
            if network.host.contains(":") { hosts.formUnion(["[\(network.host)]", "[\(network.host)]:\(port)"]) }
            for name in network.allowedHosts { hosts.formUnion([name, "\(name):\(port)"]) }
            listeners.append(
                Listener(
                    address: .hostname(network.host, port: port), tls: tls,
                    admission: .tokens(network.tokens, allowedHosts: hosts),
                    description: "\(tls == nil ? "http" : "https")://\(network.host):\(port)"))
        }
        self.listeners = listeners
        checked = true
    }

    /// Where the API listens, as the start-up log line names it.
    public var addresses: [String] { listeners.map(\.description) }

    public func run() async throws {
        defer { for listener in listeners { listener.socketFile?.remove() } }
        // A socket that cannot be published once bound (its mode, group or final name) ends the
        // control API with that error, and the service group with it.
        let (failures, report) = AsyncStream.makeStream(of: ControlConfigurationError.self)
        let applications = try listeners.map { try application(for: $0, reportingTo: report) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { report.finish() }
                try await withThrowingDiscardingTaskGroup { running in
                    for app in applications { running.addTask { try await app.run() } }
                }
            }
            group.addTask {
                for await failure in failures { throw failure }
            }
            try await group.waitForAll()
        }
    }

    private func application(
        for listener: Listener, reportingTo report: AsyncStream<ControlConfigurationError>.Continuation
    ) throws -> some ApplicationProtocol {
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: ControlErrorMiddleware())
        router.add(middleware: ControlBodyCapMiddleware(timeout: options.bodyTimeout))
        router.add(middleware: ControlAdmissionMiddleware(admission: listener.admission))
        ControlRoutes(runtime: runtime, logs: logs, logger: logger).add(to: router)
        let policy = ConnectionPolicy(
            idleTimeout: options.idleTimeout, headerTimeout: options.headerTimeout, maxConnections: options.maxConnections,
            listener: "control \(listener.description)")
        let file = listener.socketFile
        let logger = self.logger
        var quiet = logger
        quiet.logLevel = .warning
        return Application(
            router: router, server: .guardedHTTP1(policy, tls: listener.tls),
            configuration: ApplicationConfiguration(address: listener.address, serverName: "mmcp-control"),
            onServerRunning: { channel in
                await policy.guardAccepts(on: channel, logger: logger)
                do throws(ControlConfigurationError) {
                    try file?.publish()
                    logger.info("control API listening", metadata: ["address": "\(listener.description)"])
                } catch {
                    logger.error("\(error)")
                    report.yield(error)
                }
            }, logger: quiet)
    }
}

/// A control API request's context: the connection (for the peer's credentials) and, once
/// admitted, what the caller may do and how the log names them.
public struct ControlRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    /// What the caller may do; set by the admission middleware.
    var level = AccessLevel.read
    /// How the log names the caller: `uid 1000 pid 4242`, or `token alice`.
    var caller = "unknown"

    /// The context of a request arriving on `source`'s connection, before admission.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The peer's uid, gid and pid, on a Unix socket.
    func peerCredentials() async -> PeerCredentials? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        return try? await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
        ).get()
    }
}

/// A refusal of the control API, answered as `{"error": code, "message": …}`.
struct ControlFailure: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var headers: HTTPFields = [:]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        ControlRoutes.json(status, ["error": .string(code), "message": .string(message)], headers: headers)
    }

    static func forbidden(_ message: String) -> ControlFailure { ControlFailure(status: .forbidden, code: "forbidden", message: message) }

    /// The answer for a ``ControlError`` an action threw.
    init(_ error: ControlError) {
        switch error {
        case .unknownModel: self.init(status: .notFound, code: "unknown_model", message: error.description)
        case .notReady: self.init(status: .conflict, code: "not_ready", message: error.description)
        case .badRequest, .unreachable: self.init(status: .badRequest, code: "bad_request", message: error.description)
        }
    }

    init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }
}

/// Every error as the control API's JSON: its own refusals as they are, the router's (no such
/// route) as 404, anything else as 500.
private struct ControlErrorMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as ControlFailure {
            return try failure.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            return try ControlFailure(status: .notFound, code: "not_found", message: "no such route: \(request.method) \(request.uri.path)")
                .response(from: request, context: context)
        } catch let error as HTTPError {
            return try ControlFailure(status: error.status, code: "error", message: error.body ?? error.status.reasonPhrase)
                .response(from: request, context: context)
        } catch {
            context.logger.error("control API request failed: \(error)")
            return try ControlFailure(status: .internalServerError, code: "internal", message: "\(error)")
                .response(from: request, context: context)
        }
    }
}

/// A body over ``ControlRoutes/maxBody`` is refused before anything runs, whatever the route
/// (one that reads no body would run otherwise): `413` at once on its `Content-Length`, else once
/// that much has arrived; a body not complete within `timeout` is refused with `408`. Either way
/// the connection closes (the rest of the body is not read).
private struct ControlBodyCapMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    /// How long the whole body may take to arrive (``ControlOptions/bodyTimeout``).
    let timeout: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let tooLarge = ControlFailure(
            status: .contentTooLarge, code: "bad_request", message: "the body is over \(ControlRoutes.maxBody) bytes",
            headers: [.connection: "close"])
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > ControlRoutes.maxBody { throw tooLarge }
        guard request.headers[.contentLength] != nil || request.headers[.transferEncoding] != nil else {
            return try await next(request, context)
        }
        let body = request.body
        let deadline = ContinuousClock.now + timeout.clampedForTimers
        let collected = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                do {
                    return try await body.collect(upTo: ControlRoutes.maxBody)
                } catch is NIOTooManyBytesError {
                    throw tooLarge
                }
            }
            group.addTask {
                try await Task.sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let collected else {
            throw ControlFailure(
                status: .requestTimeout, code: "timeout", message: "the body did not arrive within \(timeout)", headers: [.connection: "close"])
        }
        var request = request
        request.body = RequestBody(buffer: collected)
        return try await next(request, context)
    }
}

/// Who the caller is and what they may do: the socket's level (the file's permissions decided who
/// got this far), or over TCP a token, after refusing browsers (an `Origin` header, a `Host` not
/// allowed: the DNS-rebinding and cross-site requests that reached Caddy's and Docker's admin
/// endpoints).
private struct ControlAdmissionMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let admission: ControlAPI.Admission

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        do {
            try await admit(request, &context)
            return try await next(request, context)
        } catch let failure as ControlFailure where failure.status == .unauthorized || failure.status == .forbidden {
            // Refusals are part of the audit trail too: who tried what.
            context.logger.warning(
                "control: refused",
                metadata: [
                    "caller": "\(context.caller)", "request": "\(request.method) \(request.uri.path)", "status": "\(failure.status.code)",
                    "reason": "\(failure.message)",
                ])
            throw failure
        }
    }

    /// Names the caller and sets its level, or throws the refusal.
    private func admit(_ request: Request, _ context: inout Context) async throws {
        switch admission {
        case .socket(let level):
            context.level = level
            if let peer = await context.peerCredentials() { context.caller = "uid \(peer.uid) pid \(peer.pid)" }
        case .tokens(let tokens, let allowedHosts):
            context.caller = context.channel.remoteAddress.map { "\($0)" } ?? "unknown"
            guard request.headers[.origin] == nil else {
                throw ControlFailure.forbidden("requests with an Origin header are refused (no browser may reach the control API)")
            }
            let host = (request.head.authority ?? "").lowercased()
            guard allowedHosts.contains(host) || Self.namesLocalAddress(host, of: context.channel) else {
                throw ControlFailure.forbidden("Host '\(host)' is not allowed (add it with --control-allow-host)")
            }
            let authorization = request.headers[.authorization] ?? ""
            // The scheme is case-insensitive (RFC 9110 §11.1); the token is not.
            guard authorization.count > 7, authorization.prefix(7).lowercased() == "bearer ",
                let token = Self.token(String(authorization.dropFirst(7)), in: tokens)
            else {
                throw ControlFailure(
                    status: .unauthorized, code: "unauthorized", message: "a valid Authorization: Bearer token is required",
                    headers: [.wwwAuthenticate: "Bearer"])
            }
            context.level = token.level
            context.caller = "token \(token.name)"
        }
    }

    /// Whether `host` is the address the connection arrived on (`IP`, `IP:PORT`, `[IPv6]:PORT`):
    /// a client that connected to an address literal, as a console does to each address of a
    /// `dns:` target. A DNS-rebinding page always sends its own name, never an address literal,
    /// so this admits no browser (and any `Origin` is refused before).
    static func namesLocalAddress(_ host: String, of channel: any Channel) -> Bool {
        guard let local = channel.localAddress, let ip = local.ipAddress, let port = local.port else { return false }
        let literal = ip.contains(":") ? "[\(ip)]" : ip
        return host == literal || host == "\(literal):\(port)"
    }

    /// The token whose secret is `presented`, compared in time independent of where they differ.
    private static func token(_ presented: String, in tokens: [ControlToken]) -> ControlToken? {
        let given = Array(presented.utf8)
        return tokens.first { token in
            let secret = Array(token.secret.utf8)
            var difference = UInt8(given.count == secret.count ? 0 : 1)
            for index in secret.indices { difference |= secret[index] ^ (index < given.count ? given[index] : 0) }
            return difference == 0
        }
    }
}

extension ControlOptions: ServerCompanion {
    /// `logger`, its lines also streamed to attached consoles (`GET /v1/events`).
    public func tapping(_ logger: Logger) -> Logger { logs.tapping(logger) }

    /// The control API over `runtime`: ``ControlAPI/init(runtime:options:)``.
    public func service(for runtime: MMCPRuntime) throws -> any CompanionService {
        try ControlAPI(runtime: runtime, options: self)
    }
}

extension ControlAPI: CompanionService {}
