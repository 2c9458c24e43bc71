import Hummingbird

/// Answers what the reference's web framework answers before the protocol is involved, for a
/// server at the root of an application: an unknown path is `{"detail":"Not Found"}`, and a
/// route the server answers now, spelled with a trailing slash, is redirected (307) to the route
/// without it. The routes come from ``MMCPRoute/all``.
struct FrameworkErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let server: MMCPServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path.count > 1, path.hasSuffix("/"),
            let route = MMCPRoute.all.first(where: { "/" + $0.path == path.dropLast() }), server.serves(route.part)
        {
            let host = request.head.authority ?? "localhost"
            let query = request.uri.query.map { "?\($0)" } ?? ""
            return Response(status: .temporaryRedirect, headers: [.location: "http://\(host)\(path.dropLast())\(query)"])
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return DetailError.notFound.response(from: request, context: context)
        }
    }
}
