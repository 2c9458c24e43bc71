public import Hummingbird
import NIOCore

extension MMCPServer {
    /// Adds the endpoints a load balancer and an orchestrator need, relative to `router`:
    /// - `GET /healthz`: 200 while the process serves at all;
    /// - `GET /readyz`: 200 when every model is ready and the server is not shutting down, else
    ///   503 naming the models that are not ready;
    /// - `GET /metrics`: Prometheus text (requests by status and code, in flight, durations, model
    ///   states), labelled `model`.
    ///
    /// `mmcp-console` serves them; ``buildApp(_:configuration:router:operationalEndpoints:)`` adds
    /// them when asked (off by default, so the MMCP routes stay exactly the reference's).
    public func addOperationalRoutes<Router: RouterMethods>(to router: Router) {
        servesOperationalRoutes.store(true, ordering: .relaxed)
        router.get("healthz") { _, _ in
            Self.response(ProtocolResponse(status: 200, contentType: ProtocolResponse.json, body: Array(#"{"status":"ok"}"#.utf8)))
        }
        router.get("readyz") { _, _ in self.readinessResponse() }
        router.get("metrics") { _, _ in
            Self.response(
                ProtocolResponse(
                    status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                    body: self.registry.prometheus?.text() ?? []))
        }
    }

    func readinessResponse() -> Response {
        let notReady = registry.models.filter { $0.state != .ready }
        let shuttingDown = isShuttingDown
        var writer = JSONWriter()
        writer.raw(#"{"status":"#)
        writer.string(notReady.isEmpty && !shuttingDown ? "ready" : "unavailable")
        writer.raw(#","shutting_down":"#)
        writer.bool(shuttingDown)
        writer.raw(#","models":{"#)
        for (index, model) in registry.models.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.string(model.key)
            writer.byte(UInt8(ascii: ":"))
            writer.string(model.state.name)
        }
        writer.raw("}}")
        let status = notReady.isEmpty && !shuttingDown ? 200 : 503
        return Self.response(ProtocolResponse(status: status, contentType: ProtocolResponse.json, body: writer.bytes))
    }
}
