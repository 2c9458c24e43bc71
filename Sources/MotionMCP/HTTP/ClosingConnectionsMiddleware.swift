import Hummingbird

/// While the server shuts down, answers every request with `Connection: close`.
///
/// When the HTTP server finally stops, it closes every idle keep-alive connection. A client that
/// sends its next request on such a connection just then sees it reset or closed with no answer;
/// nginx, and most clients, then resend the request only if it is idempotent. Told to close after
/// each answer during the shutdown, clients close their connections themselves, and open a new one
/// for the next request, which the draining server refuses cleanly (503) or a load balancer sends
/// elsewhere.
struct ClosingConnectionsMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The server whose ``MMCPServer/isShuttingDown`` decides.
    let server: MMCPServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError where server.isShuttingDown {
            // Made into a response here rather than by the router (as it would be), to carry the
            // header too; only while shutting down, so that middleware outside sees errors as usual.
            response = try error.response(from: request, context: context)
        }
        if server.isShuttingDown { response.headers[.connection] = "close" }
        return response
    }
}
