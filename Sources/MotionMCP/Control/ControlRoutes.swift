import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The control API's routes (see ``ControlAPI``). Each checks the caller's level first; every
/// action that changes the server is logged with its caller.
struct ControlRoutes: Sendable {
    let runtime: MMCPRuntime
    let logs: LogBroadcast
    let logger: Logger

    /// The largest request body read (a spec overlay is a few kilobytes).
    static let maxBody = 256 * 1024
    /// How often `/v1/events` sends a snapshot.
    static let snapshotInterval = Duration.seconds(1)

    func add(to router: Router<ControlRequestContext>) {
        let v1 = router.group("v1")
        v1.get("snapshot") { _, context in
            try Self.require(.read, context)
            return Self.json(.ok, ControlWire.encode(runtime.snapshot()))
        }
        v1.get("events") { _, context in
            try Self.require(.read, context)
            return events()
        }
        v1.post("models/{id}/drain") { _, context in
            try Self.require(.operate, context)
            let id = try context.parameters.require("id")
            try await perform("drain", id, context) { try await runtime.drain(id) }
            return Self.json(.accepted, ["draining": .string(id)])
        }
        v1.put("openapi") { request, context in
            try Self.require(.operate, context)
            let body = try await Self.body(of: request, context)
            guard case .bool(let enabled) = body["enabled"] else {
                throw ControlFailure(status: .badRequest, code: "bad_request", message: "expected {\"enabled\": true|false}")
            }
            try await perform("openapi", enabled ? "on" : "off", context) { runtime.setOpenAPIEnabled(enabled) }
            return Self.json(.ok, ["openapi_enabled": .bool(enabled)])
        }
        v1.post("models") { request, context in
            try Self.require(.admin, context)
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
        }
        v1.post("shutdown") { _, context in
            try Self.require(.admin, context)
            try await perform("shutdown", "", context) { runtime.startShutdown() }
            return Self.json(.accepted, ["shutting_down": true])
        }
        for (path, allowed) in [
            ("snapshot", "GET"), ("events", "GET"), ("models/{id}/drain", "POST"), ("openapi", "PUT"), ("models", "POST"),
            ("shutdown", "POST"),
        ] {
            for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] where method.rawValue != allowed {
                v1.on(RouterPath(path), method: method) { request, _ -> Response in
                    throw ControlFailure(
                        status: .methodNotAllowed, code: "method_not_allowed",
                        message: "\(request.method) is not allowed on \(request.uri.path); use \(allowed)", headers: [.allow: allowed])
                }
            }
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
                try await writer.write(lines.cancelOnGracefulShutdown())
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson", .cacheControl: "no-store"], body: body)
    }

    /// Refuses a caller below `level`.
    private static func require(_ level: AccessLevel, _ context: ControlRequestContext) throws {
        guard context.level >= level else {
            throw ControlFailure.forbidden("this needs the \(level) level; the caller (\(context.caller)) has \(context.level)")
        }
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
