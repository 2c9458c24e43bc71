import Foundation
public import Hummingbird
import Logging
import MotionMCP
import MotionMCPControl
import MotionMCPProtocol
import NIOCore
import ServiceLifecycle

/// One endpoint of the control API and the level a caller needs for it. ``all`` is the one table
/// the routes, their level checks and their `405 Allow` answers are built from, so what is
/// enforced cannot drift from what is listed (the docs' table is checked against it by a test).
public struct ControlEndpoint: Sendable, Equatable {
    /// What the endpoint does.
    public enum Action: Sendable, Equatable {
        case snapshot, events, drain, openAPI, addModel, addUpstream, shutdown
    }

    /// The HTTP method.
    public var method: HTTPRequest.Method
    /// The path, with `{id}` for a model id (percent-encoded, as a path segment is).
    public var path: String
    /// The least level that may call it.
    public var level: AccessLevel
    /// What it does.
    public var action: Action

    /// Every endpoint, as the control API serves them.
    public static let all: [ControlEndpoint] = [
        ControlEndpoint(method: .get, path: "/v1/snapshot", level: .read, action: .snapshot),
        ControlEndpoint(method: .get, path: "/v1/events", level: .read, action: .events),
        ControlEndpoint(method: .post, path: "/v1/models/{id}/drain", level: .operate, action: .drain),
        ControlEndpoint(method: .put, path: "/v1/openapi", level: .operate, action: .openAPI),
        ControlEndpoint(method: .post, path: "/v1/models", level: .admin, action: .addModel),
        ControlEndpoint(method: .post, path: "/v1/upstreams", level: .admin, action: .addUpstream),
        ControlEndpoint(method: .post, path: "/v1/shutdown", level: .admin, action: .shutdown),
    ]
}

/// The control API's routes (see ``ControlAPI``), built from ``ControlEndpoint/all``: each checks
/// the caller's level first; every action that changes the server is logged with its caller.
struct ControlRoutes: Sendable {
    let runtime: MMCPRuntime
    let logs: LogBroadcast
    let logger: Logger

    /// The largest request body read (a spec overlay is a few kilobytes).
    static let maxBody = 256 * 1024
    /// How often `/v1/events` sends a snapshot.
    static let snapshotInterval = Duration.seconds(1)

    func add(to router: Router<ControlRequestContext>) {
        for endpoint in ControlEndpoint.all {
            router.on(RouterPath(endpoint.path), method: endpoint.method) { request, context in
                guard context.level >= endpoint.level else {
                    throw ControlFailure.forbidden(
                        "this needs the \(endpoint.level) level; the caller (\(context.caller)) has \(context.level)")
                }
                return try await handle(endpoint.action, request, context)
            }
        }
        // Every other method on a known path: 405 with what it allows.
        for path in Set(ControlEndpoint.all.map(\.path)) {
            let allowed = ControlEndpoint.all.filter { $0.path == path }.map(\.method)
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            for method in [HTTPRequest.Method.get, .head, .post, .put, .delete, .patch, .options] where !allowed.contains(method) {
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw ControlFailure(
                        status: .methodNotAllowed, code: "method_not_allowed",
                        message: "\(request.method) is not allowed on \(request.uri.path); use \(allow)", headers: [.allow: allow])
                }
            }
        }
    }

    private func handle(_ action: ControlEndpoint.Action, _ request: Request, _ context: ControlRequestContext) async throws -> Response {
        switch action {
        case .snapshot:
            return Self.json(.ok, ControlWire.encode(runtime.snapshot()))
        case .events:
            return events()
        case .drain:
            // The id arrives percent-encoded (an id may hold `/`, a space, `%`…): decoded once here.
            guard let id = try context.parameters.require("id").removingPercentEncoding else {
                throw ControlFailure(
                    status: .badRequest, code: "bad_request", message: "the model id in the path is not valid percent-encoding")
            }
            try await perform("drain", id, context) { try runtime.drain(id) }
            return Self.json(.accepted, ["draining": .string(id)])
        case .openAPI:
            let body = try await Self.body(of: request, context)
            guard case .bool(let enabled) = body["enabled"] else {
                throw ControlFailure(status: .badRequest, code: "bad_request", message: "expected {\"enabled\": true|false}")
            }
            try await perform("openapi", enabled ? "on" : "off", context) { runtime.setOpenAPIEnabled(enabled) }
            return Self.json(.ok, ["openapi_enabled": .bool(enabled)])
        case .addModel:
            let body = try await Self.body(of: request, context)
            guard case .string(let id) = body["id"], !id.isEmpty else {
                throw ControlFailure(status: .badRequest, code: "bad_request", message: "expected {\"id\": \"…\", \"spec\": {…}} (spec optional)")
            }
            let overlay: JSONObject?
            switch body["spec"] {
            case nil, .null?: overlay = nil
            case .object(let object)?: overlay = object
            default: throw ControlFailure(status: .badRequest, code: "bad_request", message: "spec must be an object (one /capabilities model entry)")
            }
            try await perform("add", id, context) { try runtime.addNullModel(id: id, overlay: overlay) }
            return Self.json(.created, ["added": .string(id)])
        case .addUpstream:
            let body = try await Self.body(of: request, context)
            guard case .string(let url) = body["url"], !url.isEmpty else {
                throw ControlFailure(status: .badRequest, code: "bad_request", message: "expected {\"url\": \"[ID=]URL\"}")
            }
            try await perform("add upstream", url, context) { try await runtime.addUpstream(url) }
            return Self.json(.accepted, ["upstream": .string(url)])
        case .shutdown:
            try await perform("shutdown", "", context) { runtime.startShutdown() }
            return Self.json(.accepted, ["shutting_down": true])
        }
    }

    /// Runs an action, logging it with its caller, and turns a ``ControlError`` into its answer.
    private func perform(
        _ action: String, _ subject: String, _ context: ControlRequestContext, _ body: () async throws -> Void
    ) async throws {
        do {
            try await body()
            logger.notice(
                "control: \(action)", metadata: ["subject": "\(subject)", "caller": "\(context.caller)", "result": "ok"])
        } catch let error as ControlError {
            logger.notice(
                "control: \(action)", metadata: ["subject": "\(subject)", "caller": "\(context.caller)", "result": "\(error)"])
            throw ControlFailure(error)
        }
    }

    /// `GET /v1/events`: a snapshot at once and every second, each log line as it is logged, one
    /// JSON object per line, until the client goes away or the server shuts down.
    private func events() -> Response {
        let runtime = self.runtime
        let logs = self.logs
        let body = ResponseBody { writer in
            let (lines, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(4096))
            let subscription = logs.subscribe { continuation.yield(Self.line($0)) }
            defer {
                logs.unsubscribe(subscription)
                continuation.finish()
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        continuation.yield(Self.line(["type": "snapshot", "snapshot": ControlWire.encode(runtime.snapshot())]))
                        try await Task.sleep(for: Self.snapshotInterval)
                    }
                }
                defer { group.cancelAll() }
                // Ends at a graceful shutdown: a stream that never ends would hold the server open.
                // (Finishing the stream, not `cancelOnGracefulShutdown()`, whose merge can deadlock:
                // see `AsyncStream.forEachUntilGracefulShutdown`.)
                try await withGracefulShutdownHandler {
                    try await writer.write(lines)
                } onGracefulShutdown: {
                    continuation.finish()
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"], body: body)
    }

    /// The request's JSON object body; 400 otherwise.
    private static func body(of request: Request, _ context: ControlRequestContext) async throws -> JSONObject {
        var request = request
        let bytes: ByteBuffer
        do {
            bytes = try await request.collectBody(upTo: maxBody)
        } catch {
            throw ControlFailure(status: .contentTooLarge, code: "bad_request", message: "the body is over \(maxBody) bytes")
        }
        guard case .object(let object)? = try? JSONParser.parse(bytes.readableBytesView) else {
            throw ControlFailure(status: .badRequest, code: "bad_request", message: "the body must be a JSON object")
        }
        return object
    }

    /// `value` as a JSON answer.
    static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: line(value)))
    }

    /// `value` written compactly, with a newline.
    private static func line(_ value: JSONValue) -> ByteBuffer {
        var writer = JSONWriter(capacity: 4096)
        writer.value(value)
        writer.byte(UInt8(ascii: "\n"))
        return ByteBuffer(bytes: writer.bytes)
    }
}
