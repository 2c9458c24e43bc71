import Hummingbird
import NIOCore

/// An answer of the protocol, before it becomes an HTTP response.
package struct ProtocolResponse: Sendable {
    package var status: Int
    package var contentType: String
    package var body: [UInt8]
    /// The protocol error code, when the answer is an error (for the metrics).
    package var errorCode: String?
    /// Seconds a client should wait before retrying (`Retry-After`): the error's
    /// ``ProtocolError/retryAfterSeconds``.
    package var retryAfter: Int?
    /// Headers an extension adds (`Vary`, `Location`, `Idempotency-Status`).
    package var headers = HTTPFields()
    /// An upstream's answer passed on (the gateway): its headers that carry meaning, and its
    /// body as it arrives; `body` and ``contentType`` are then unused.
    package var forwarded: (headers: HTTPFields, body: ResponseBody)?
    /// The answer's share of the server's ``AnswerBudget``, given back once ``body`` has been
    /// written to the client (or dropped unwritten).
    var charge: AnswerCharge?

    package static let json = "application/json"
    package static let gltf = "model/gltf+json"
    package static let html = "text/html; charset=utf-8"
    package static let prometheus = "text/plain; version=0.0.4; charset=utf-8"

    package init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// The error envelope; details JSON cannot carry (a backbone's NaN) make it an internal error.
    package init(_ error: ProtocolError) {
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
    package func response(from request: Request, context: some RequestContext) -> Response {
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
