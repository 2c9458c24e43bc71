public import Hummingbird

extension MMCPServer {
    /// Adds the endpoints a load balancer and an orchestrator need, relative to `router`:
    /// - `GET /healthz`: 200 while the process serves at all;
    /// - `GET /readyz`: 200 when every model is ready and the server is not shutting down, else
    ///   503 naming the models that are not ready;
    /// - `GET /metrics`: Prometheus text (requests by status and code, in flight, durations, model
    ///   states), labelled `model`.
    ///
    /// Other methods on them answer `405` with `Allow: GET`. `mmcp-console` serves them;
    /// ``buildApp(_:router:)`` adds them when ``MMCPOptions/operationalEndpoints`` asks (off by
    /// default, so the MMCP routes stay exactly the reference's).
    public func addOperationalRoutes<Router: RouterMethods>(to router: Router) {
        servesOperationalRoutes.store(true, ordering: .relaxed)
        add(MMCPRoute.all.filter { $0.part == .operational }, to: router)
    }

    func readinessResponse() -> ProtocolResponse {
        let models = registry.models
        // A server with no model serves nothing: a gateway whose upstreams have not answered yet.
        let ready = !models.isEmpty && models.allSatisfy { $0.readinessName == ModelState.ready.name } && !isShuttingDown
        var writer = JSONWriter()
        writer.raw(#"{"status":"#)
        writer.string(ready ? "ready" : "unavailable")
        writer.raw(#","shutting_down":"#)
        writer.bool(isShuttingDown)
        writer.raw(#","models":{"#)
        for (index, model) in models.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.string(model.key)
            writer.byte(UInt8(ascii: ":"))
            writer.string(model.readinessName)
        }
        writer.raw("}}")
        return ProtocolResponse(status: ready ? 200 : 503, contentType: ProtocolResponse.json, body: writer.bytes)
    }
}
