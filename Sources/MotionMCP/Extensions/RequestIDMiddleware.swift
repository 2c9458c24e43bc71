import Foundation
import HTTPTypes
import Hummingbird

/// `X-Request-ID` on every answer, errors and the framework's 404 and 405 included (docs/extensions.md
/// §4.1): the request's own when it is 1–128 visible ASCII characters (so a client's or a load
/// balancer's id follows the request through), else a lowercase UUIDv4. The id is never put into
/// an error envelope.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = Self.id(echoing: request.headers[.requestID])
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.requestID] = id
        return response
    }

    /// `offered` when it may be echoed, else a new id.
    static func id(echoing offered: String?) -> String {
        if let offered, (1...128).contains(offered.utf8.count), offered.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) {
            return offered
        }
        return UUID().uuidString.lowercased()
    }
}

extension HTTPField.Name {
    /// `X-Request-ID`.
    static let requestID = HTTPField.Name("X-Request-ID")!
}
