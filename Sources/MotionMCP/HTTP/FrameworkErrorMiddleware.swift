public import Hummingbird

/// Answers what the reference's web framework answers before the protocol is involved: unknown
/// paths get `{"detail":"Not Found"}`, and a known route spelled with a trailing slash is
/// redirected (307) to the route without it.
struct FrameworkErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The routes a trailing slash is redirected for.
    static var routes: Set<String> { ["/capabilities", "/generate", "/openapi.json", "/docs", "/redoc"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path.count > 1, path.hasSuffix("/"), Self.routes.contains(String(path.dropLast())) {
            let host = request.head.authority ?? "localhost"
            let query = request.uri.query.map { "?\($0)" } ?? ""
            return Response(status: .temporaryRedirect, headers: [.location: "http://\(host)\(path.dropLast())\(query)"])
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return MMCPServer.response(
                ProtocolResponse(status: 404, contentType: ProtocolResponse.json, body: Array(#"{"detail":"Not Found"}"#.utf8)))
        }
    }
}
