import Hummingbird
import NIOCore

/// An answer of the protocol, before it becomes an HTTP response.
struct ProtocolResponse: Sendable {
    var status: Int
    var contentType: String
    var body: [UInt8]
    /// The protocol error code, when the answer is an error (for the metrics).
    var errorCode: String?
    /// Seconds a client should wait before retrying (`Retry-After`): the error's
    /// ``ProtocolError/retryAfterSeconds``.
    var retryAfter: Int?
    /// Headers an extension adds (`Vary`, `Location`, `Idempotency-Status`).
    var headers = HTTPFields()
    /// An upstream's answer passed on (the gateway): its headers that carry meaning, and its
    /// body as it arrives; `body` and ``contentType`` are then unused.
    var forwarded: (headers: HTTPFields, body: ResponseBody)?
    /// The answer's share of the server's ``AnswerBudget``, given back once ``body`` has been
    /// written to the client (or dropped unwritten).
    var charge: AnswerCharge?

    static let json = "application/json"
    static let gltf = "model/gltf+json"
    static let html = "text/html; charset=utf-8"
    static let prometheus = "text/plain; version=0.0.4; charset=utf-8"

    init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// The error envelope; details JSON cannot carry (a backbone's NaN) make it an internal error.
    init(_ error: ProtocolError) {
        let sendable =
            JSONValue.object(error.details).isFinite
            ? error : ProtocolError.internalError("\(error.code) error details hold a non-finite number")
        self.init(status: sendable.status, contentType: Self.json, body: sendable.envelopeBytes)
        errorCode = sendable.code.rawValue
        retryAfter = sendable.retryAfterSeconds
    }
}

extension ProtocolResponse: ResponseGenerator {
    /// The HTTP response: the status, `Content-Type`, `Retry-After` when set, and the body.
    func response(from request: Request, context: some RequestContext) -> Response {
        if let forwarded {
            return Response(status: HTTPResponse.Status(code: status), headers: forwarded.headers + self.headers, body: forwarded.body)
        }
        var headers = self.headers
        if !contentType.isEmpty { headers[.contentType] = contentType }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let charge {
            return Response(status: HTTPResponse.Status(code: status), headers: headers, body: Self.charged(body, charge))
        }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `body` written a megabyte at a time (never copied whole), its charge given back once the
    /// last byte was handed to the connection, or the write failed.
    private static func charged(_ body: [UInt8], _ charge: AnswerCharge) -> ResponseBody {
        ResponseBody(contentLength: body.count) { writer in
            defer { charge.release() }
            var start = 0
            while start < body.count {
                let end = min(start + (1 << 20), body.count)
                try await writer.write(ByteBuffer(bytes: body[start..<end]))
                start = end
            }
            try await writer.finish(nil)
        }
    }
}
