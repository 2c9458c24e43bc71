import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /generate` for a model served upstream: the body goes to a replica unchanged, and the
/// replica's status, meaningful headers and body come back unchanged, the body passed on as it
/// arrives. The call is a model call like any other (``ServedModel/startCall(limits:since:)``):
/// the in-flight cap, the generate timeout, a drain and the metrics apply, and the request stays
/// in flight until the last byte of the answer is sent.
struct UpstreamForwarding: Sendable {
    let generate: GenerateHandler

    func forward(
        _ body: [UInt8], contentType: String?, accept: String?, to model: ServedModel, upstream: UpstreamModel, started: ContinuousClock.Instant
    )
        async -> ProtocolResponse
    {
        let lease: CallLease
        switch model.startCall(limits: generate.limits, since: started) {
        case .success(let admitted): lease = admitted
        case .failure(let refusal):
            let response = ProtocolResponse(refusal.error)
            model.recordAnswer(status: response.status, errorCode: response.errorCode, total: ContinuousClock.now - started)
            return response
        }
        let deadline = generate.limits.deadline(from: started)
        let buffer = ByteBuffer(bytes: body)
        let call = await lease.run(logger: generate.logger) {
            await upstream.forward(body: buffer, contentType: contentType, accept: accept, deadline: deadline)
        }
        let exchange: UpstreamExchange
        switch call.result {
        case .success(.answered(let answer)) where lease.stopReason == nil:
            exchange = .answered(answer)
        case .success(.answered(var answer)):
            answer.finish()
            exchange = .refused(lease.stopped()?.error ?? upstream.noReplica())
        case .success(.refused(let error)):
            exchange = .refused(error)
        case .failure(let failure):
            exchange = .refused(failure.error)
        }
        var answer: UpstreamAnswer
        switch exchange {
        case .answered(let answered):
            answer = answered
        case .refused(let error):
            lease.end()
            let response = ProtocolResponse(error)
            model.recordAnswer(status: response.status, errorCode: response.errorCode, total: ContinuousClock.now - started, call: lease.timing)
            return response
        }
        var headers = HTTPFields()
        for name in UpstreamAnswer.passedHeaders {
            for value in answer.response.headers[name.canonicalName] { headers.append(HTTPField(name: name, value: value)) }
        }
        var response = ProtocolResponse(status: answer.status, contentType: "", body: [])
        response.errorCode = answer.errorCode
        switch answer.body {
        case .collected(let bytes):
            answer.finish()
            lease.end()
            model.recordAnswer(status: answer.status, errorCode: answer.errorCode, total: ContinuousClock.now - started, call: lease.timing)
            response.forwarded = (headers, ResponseBody(byteBuffer: bytes))
        case .stream(let stream):
            let settled = answer
            let logger = generate.logger
            response.forwarded = (
                headers,
                ResponseBody(contentLength: answer.contentLength) { writer in
                    var answer = settled
                    defer {
                        answer.finish()
                        lease.end()
                        model.recordAnswer(status: answer.status, errorCode: nil, total: ContinuousClock.now - started, call: lease.timing)
                    }
                    var iterator = stream.makeAsyncIterator()
                    while true {
                        let chunk: ByteBuffer?
                        do {
                            chunk = try await iterator.next()
                        } catch {
                            logger.warning(
                                "upstream answer broke off", metadata: ["model": "\(model.key)", "error": "\(TransportFailure.describe(error))"])
                            throw error
                        }
                        guard let chunk else { break }
                        // A drain that timed out, or the generate timeout, ends the answer here.
                        if let stopped = lease.stopped() { throw stopped.error }
                        do {
                            try await writer.write(chunk)
                        } catch {
                            // The client went away: nothing is wrong upstream.
                            logger.debug("client left before the answer ended", metadata: ["model": "\(model.key)", "error": "\(error)"])
                            throw error
                        }
                    }
                    try await writer.finish(nil)
                }
            )
        }
        return response
    }
}
