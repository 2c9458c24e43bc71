import Hummingbird
import NIOCore

/// An answer the reference's web framework gives before the protocol is involved — an unknown
/// path, a method a route does not take, a body that never finished arriving — as
/// `{"detail": "…"}`. Thrown where the problem is found; it renders itself (Hummingbird's
/// `HTTPResponseError`), wherever the routes are mounted.
struct DetailError: HTTPResponseError {
    /// The status.
    var status: HTTPResponse.Status
    /// The text of `detail`.
    var detail: String
    /// Headers the answer carries (`Allow`, `Connection`).
    var headers: HTTPFields = [:]

    /// `404 {"detail":"Not Found"}`.
    static let notFound = DetailError(status: .notFound, detail: "Not Found")

    /// `405 {"detail":"Method Not Allowed"}` with the route's `Allow`.
    static func methodNotAllowed(allow: String) -> DetailError {
        DetailError(status: .methodNotAllowed, detail: "Method Not Allowed", headers: [.allow: allow])
    }

    /// `408 {"detail":"Request Timeout"}`, closing the connection (the body never finished).
    static let requestTimeout = DetailError(status: .requestTimeout, detail: "Request Timeout", headers: [.connection: "close"])

    func response(from request: Request, context: some RequestContext) -> Response {
        var writer = JSONWriter()
        writer.raw(#"{"detail":"#)
        writer.string(detail)
        writer.raw("}")
        var headers = self.headers
        headers[.contentType] = ProtocolResponse.json
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }
}
