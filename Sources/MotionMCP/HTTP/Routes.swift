public import Hummingbird
import HTTPTypes
import NIOCore

extension MMCPServer {
    /// Adds `GET /capabilities`, `POST /generate` and (while switched on) the OpenAPI document and
    /// pages to `router`, relative to wherever `router` is mounted.
    public func addRoutes<Router: RouterMethods>(to router: Router) {
        router.get("capabilities") { _, _ in self.capabilitiesResponse() }
        router.post("generate") { request, _ in await self.generateResponse(request) }
        addMethodNotAllowed(to: router, path: "capabilities", allow: "GET", except: .get)
        addMethodNotAllowed(to: router, path: "generate", allow: "POST", except: .post)
        router.get("openapi.json") { request, _ in
            try self.documentationResponse(contentType: "application/json") { self.openAPIDocument(for: request) }
        }
        router.get("docs") { request, _ in
            try self.documentationResponse(contentType: "text/html; charset=utf-8") { self.swaggerPage(for: request) }
        }
        router.get("docs/oauth2-redirect") { _, _ in
            try self.documentationResponse(contentType: "text/html; charset=utf-8") { Array(oauth2RedirectPage.utf8) }
        }
        router.get("redoc") { request, _ in
            try self.documentationResponse(contentType: "text/html; charset=utf-8") { self.redocPage(for: request) }
        }
    }

    /// The wrong methods on a protocol route answer 405 with `Allow`, as the reference does.
    private func addMethodNotAllowed<Router: RouterMethods>(
        to router: Router, path: RouterPath, allow: String, except method: HTTPRequest.Method
    ) {
        let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch, .options]
        for other in methods where other != method {
            router.on(path, method: other) { _, _ in
                var headers = HTTPFields()
                headers[.allow] = allow
                headers[.contentType] = "application/json"
                return Response(
                    status: .methodNotAllowed, headers: headers,
                    body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"detail":"Method Not Allowed"}"#)))
            }
        }
    }

    func capabilitiesResponse() -> Response {
        var writer = JSONWriter(capacity: 4096)
        writer.raw(#"{"protocol_version":"1.4","rotation_format":"quaternion_xyzw","coordinate_system":"right_handed_y_up","units":"meters","response_formats":["gltf_2.0_json"],"models":["#)
        // Ready models, and draining ones until they are gone, so clients see them leave cleanly.
        let listed = registry.models.filter { $0.state == .ready || $0.state == .draining }
        for (index, model) in listed.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            model.backbone.capabilities().writeCapabilities(to: &writer)
        }
        writer.raw("]}")
        return Self.response(ProtocolResponse(status: 200, contentType: ProtocolResponse.json, body: writer.bytes))
    }

    func generateResponse(_ request: Request) async -> Response {
        let handler = generateHandler
        let body: [UInt8]
        do {
            body = try await readBody(request, cap: handler.bodyCap, within: limits.bodyReadTimeout)
        } catch let error as ProtocolError {
            return Self.response(ProtocolResponse(error))
        } catch is BodyReadTimedOut {
            logger.info("request body too slow; closing the connection", metadata: ["limit": "\(limits.bodyReadTimeout)"])
            var response = Self.response(
                ProtocolResponse(status: 408, contentType: ProtocolResponse.json, body: Array(#"{"detail":"Request Timeout"}"#.utf8)))
            response.headers[.connection] = "close"
            return response
        } catch {
            logger.debug("reading the request body failed", metadata: ["error": "\(error)"])
            return Self.response(ProtocolResponse(ProtocolError(.schemaValidation, "the request body could not be read")))
        }
        return Self.response(await handler.handle(body: body))
    }

    /// Reads the body, refusing it as soon as it is known to pass `cap` (PROTOCOL.md §4.1): from
    /// `Content-Length` before reading anything, else while streaming — never buffering past the cap.
    /// A body still arriving after `limit` is refused at its next chunk (a client that sends
    /// nothing at all is closed by the connection's idle timeout); checking the clock per chunk
    /// costs nothing, where a timer per request would live on for the whole limit.
    private func readBody(_ request: Request, cap: Int, within limit: Duration) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + limit
        var expected: Int?
        if let header = request.headers[.contentLength] {
            guard let length = Int(header.trimmingCharacters(in: " \t")), length >= 0 else { throw BodyLimit.invalidContentLength }
            if length > cap { throw BodyLimit.tooLarge(bodyLength: length, cap: cap) }
            expected = length
        }
        var body: [UInt8] = []
        body.reserveCapacity(expected ?? 16_384)
        for try await chunk in request.body {
            if ContinuousClock.now > deadline { throw BodyReadTimedOut() }
            if body.count + chunk.readableBytes > cap { throw BodyLimit.streamTooLarge(cap: cap) }
            body.append(contentsOf: chunk.readableBytesView)
        }
        return body
    }

    private func documentationResponse(contentType: String, _ body: () -> [UInt8]) throws -> Response {
        guard isOpenAPIEnabled else { throw HTTPError(.notFound) }
        return Self.response(ProtocolResponse(status: 200, contentType: contentType, body: body()))
    }

    static func response(_ answer: ProtocolResponse) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        if let seconds = answer.retryAfter { headers[.retryAfter] = String(seconds) }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var text = Substring(self)
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return text
    }
}
