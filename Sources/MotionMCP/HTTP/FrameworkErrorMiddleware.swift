import Hummingbird

/// Answers what the reference's web framework answers before the protocol is involved, for a
/// server at the root of an application: an unknown path is `{"detail":"Not Found"}`, a method
/// no router can be given (`FOO`) on one of the server's routes is `405` with its `Allow`, and a
/// route the server answers now, spelled with a trailing slash, is redirected (307) to the route
/// without it. The routes come from ``MMCPRoute/all``.
struct FrameworkErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let server: MMCPServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path.count > 1, path.hasSuffix("/"), servedRoute(at: path.dropLast()) != nil {
            let host = request.head.authority ?? "localhost"
            let query = request.uri.query.map { "?\($0)" } ?? ""
            return Response(status: .temporaryRedirect, headers: [.location: "http://\(host)\(path.dropLast())\(query)"])
        }
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            // The router has a handler for every method it can be given on the server's routes;
            // a route it still did not find was asked with another method, which the reference
            // answers 405 as well.
            let answer = servedRoute(at: Substring(path)).map { DetailError.methodNotAllowed(allow: $0.allow) } ?? .notFound
            return answer.response(from: request, context: context)
        }
    }

    /// The route at `path` (from the root) while the server answers it.
    private func servedRoute(at path: Substring) -> MMCPRoute? {
        MMCPRoute.all.first { "/" + $0.path == path && server.serves($0.part) }
    }
}
