public import Hummingbird
import NIOCore

extension MMCPServer {
    /// Adds `GET /capabilities`, `POST /generate` and (while switched on) the OpenAPI document and
    /// pages to `router`, relative to wherever `router` is mounted. Every other method on these
    /// paths is answered `405` with `Allow`, as the reference answers it.
    public func addRoutes<Router: RouterMethods>(to router: Router) {
        add(MMCPRoute.all.filter { $0.part != .operational }, to: router)
    }

    /// Registers `routes` on every method a router can be given: a route of a part not served
    /// now is `404` whatever the method; otherwise the methods it takes are answered and the
    /// others are `405` with its `Allow`.
    func add<Router: RouterMethods>(_ routes: [MMCPRoute], to router: Router) {
        for route in routes {
            for method in MMCPRoute.answeredMethods {
                let takes = route.methods.contains(method)
                router.on(RouterPath(route.path), method: method) { request, context in
                    guard self.serves(route.part) else { throw DetailError.notFound }
                    guard takes else { throw DetailError.methodNotAllowed(allow: route.allow) }
                    let response = try await self.answer(route.endpoint, request, context.parameters.get("id"))
                        .response(from: request, context: context)
                    return method == .head ? response.createHeadResponse() : response
                }
            }
        }
    }

    /// Whether the routes of `part` answer now.
    func serves(_ part: MMCPRoute.Part) -> Bool {
        switch part {
        case .protocolRoutes: true
        case .documentation: isOpenAPIEnabled
        case .operational: servesOperationalRoutes.load(ordering: .relaxed)
        case .jobs: jobs != nil
        }
    }

    /// The answer to a method `endpoint` takes, once its part is known to be served.
    private func answer(_ endpoint: MMCPRoute.Endpoint, _ request: Request, _ id: String?) async throws -> ProtocolResponse {
        switch endpoint {
        case .capabilities: return capabilitiesResponse()
        case .generate: return try await generateResponse(request)
        case .openAPIDocument: return ProtocolResponse(status: 200, contentType: ProtocolResponse.json, body: openAPIDocument(for: request))
        case .docs: return ProtocolResponse(status: 200, contentType: ProtocolResponse.html, body: swaggerPage(for: request))
        case .oauth2Redirect: return ProtocolResponse(status: 200, contentType: ProtocolResponse.html, body: Array(oauth2RedirectPage.utf8))
        case .redoc: return ProtocolResponse(status: 200, contentType: ProtocolResponse.html, body: redocPage(for: request))
        case .healthz: return ProtocolResponse(status: 200, contentType: ProtocolResponse.json, body: Array(#"{"status":"ok"}"#.utf8))
        case .readyz: return readinessResponse()
        case .metrics: return ProtocolResponse(status: 200, contentType: ProtocolResponse.prometheus, body: registry.prometheus?.text() ?? [])
        case .job: return try jobResponse(request.method, id: id ?? "")
        }
    }

    func capabilitiesResponse() -> ProtocolResponse {
        var writer = JSONWriter(capacity: 4096)
        writer.raw(
            #"{"protocol_version":"1.4","rotation_format":"quaternion_xyzw","coordinate_system":"right_handed_y_up","units":"meters","response_formats":"#
        )
        writer.strings(options.extensions.responseFormats.map(\.capabilityName))
        writer.raw(#","models":"#)
        // Ready models, and draining ones until they are gone, so clients see them leave cleanly.
        let listed = registry.models.filter { $0.state == .ready || $0.state == .draining }
        writer.array(listed) { writer, model in
            switch model.source {
            case .backbone(let backbone): backbone.capabilities().writeCapabilities(to: &writer)
            // The remote server's own entry, byte for byte.
            case .remote(let remote): writer.append(remote.entry)
            }
        }
        writer.raw("}")
        return ProtocolResponse(status: 200, contentType: ProtocolResponse.json, body: writer.bytes)
    }

    /// `POST /generate`: the body read within its caps and deadline, then the generate path. A
    /// body that takes too long is `408`, and the connection is closed.
    func generateResponse(_ request: Request) async throws -> ProtocolResponse {
        let handler = generateHandler
        let body: [UInt8]
        do {
            body = try await readBody(request, cap: handler.bodyCap, within: limits.bodyReadTimeout)
        } catch let error as ProtocolError {
            return ProtocolResponse(error)
        } catch is BodyReadTimedOut {
            logger.info("request body too slow; closing the connection", metadata: ["limit": "\(limits.bodyReadTimeout)"])
            throw DetailError.requestTimeout
        } catch {
            logger.debug("reading the request body failed", metadata: ["error": "\(error)"])
            return ProtocolResponse(ProtocolError(.schemaValidation, "the request body could not be read"))
        }
        let generate = { await handler.handle(body: body, contentType: request.headers[.contentType], accept: request.headers[.accept]) }
        var response: ProtocolResponse
        if let idempotency {
            response = try await idempotent(request, body: body, store: idempotency, generate)
        } else {
            response = await generate()
        }
        // The answer depends on Accept once a GLB can be negotiated; caches must know it.
        if options.extensions.binaryGLTF { response.headers[.vary] = "Accept" }
        return response
    }

    /// Reads the body, refusing it as soon as it is known to pass `cap` (docs/protocol.md §4.1): from
    /// `Content-Length` before reading anything, else while streaming — never buffering past the cap.
    /// A body not complete after `limit` is refused, whether it trickles or has stopped: the read
    /// races a timer, and the one that loses is cancelled (which ends the connection's input).
    private func readBody(_ request: Request, cap: Int, within limit: Duration) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + limit.clampedForTimers
        var expected: Int?
        if let header = request.headers[.contentLength] {
            guard let length = Int(header.trimmingCharacters(in: " \t")), length >= 0 else { throw BodyLimit.invalidContentLength }
            if length > cap { throw BodyLimit.tooLarge(bodyLength: length, cap: cap) }
            expected = length
            if length == 0 { return [] }
        }
        let capacity = expected ?? 16_384
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                var body: [UInt8] = []
                body.reserveCapacity(capacity)
                for try await chunk in request.body {
                    if body.count + chunk.readableBytes > cap { throw BodyLimit.streamTooLarge(cap: cap) }
                    body.append(contentsOf: chunk.readableBytesView)
                }
                return body
            }
            group.addTask {
                try await Task.sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            guard case .some(.some(let body)) = try await group.next() else { throw BodyReadTimedOut() }
            return body
        }
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
