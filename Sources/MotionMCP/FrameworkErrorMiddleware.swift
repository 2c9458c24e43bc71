public import Hummingbird

/// Answers routing failures the way the reference's framework does (`{"detail":"Not Found"}`),
/// so a client sees the same bodies from both servers for unknown paths.
struct FrameworkErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            return MMCPServer.response(
                ProtocolResponse(status: 404, contentType: ProtocolResponse.json, body: Array(#"{"detail":"Not Found"}"#.utf8)))
        }
    }
}
