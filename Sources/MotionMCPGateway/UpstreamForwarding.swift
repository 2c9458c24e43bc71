import AsyncAlgorithms
import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import Logging
import MotionMCP
import MotionMCPProtocol
import NIOCore

/// `POST /generate` for a model served upstream: the body goes to a replica unchanged, and the
/// replica's status, meaningful headers and body come back unchanged, the body passed on as it
/// arrives. The call is a model call like any other (``ServedModel/startCall(limits:since:watch:)``):
/// the in-flight cap, the generate timeout, a drain and the metrics apply, and the request stays
/// in flight until the last byte of the answer is sent.
///
/// The whole exchange is bounded, the answer's body included: the generate timeout, a drain that
/// timed out, the client closing its connection, or an answer that stops moving for the gateway's
/// idle limit each end it at once, wherever it waits (for the upstream, or for the client to take
/// bytes). A failure on the upstream's side is counted against the replica and under its
/// ``UpstreamFailure`` code.
struct UpstreamForwarding: Sendable {
    let context: GenerateContext

    /// The answer to `body` for `model`: the exchange with a replica, then, when one answered,
    /// that answer passed on (``respond(with:lease:)``).
    func forward(_ body: [UInt8], contentType: String?, accept: String?, to model: ServedModel, upstream: UpstreamModel) async
        -> ProtocolResponse
    {
        let lease: CallLease
        switch model.startCall(limits: context.limits, since: context.started, watch: upstream.watch) {
        case .success(let admitted): lease = admitted
        case .failure(let refusal):
            let response = ProtocolResponse(refusal.error)
            model.recordAnswer(status: response.status, errorCode: response.errorCode, total: ContinuousClock.now - context.started)
            return response
        }
        switch await exchange(body, contentType: contentType, accept: accept, upstream: upstream, lease: lease) {
        case .success(let answer): return respond(with: answer, lease: lease)
        case .failure(let refusal): return refusal.response
        }
    }

    /// Sends `body` to a replica within `lease` and returns its answer, or the gateway's own
    /// refusal (already counted) when none came or the call was stopped meanwhile.
    private func exchange(_ body: [UInt8], contentType: String?, accept: String?, upstream: UpstreamModel, lease: CallLease) async
        -> Result<UpstreamAnswer, Refusal>
    {
        let buffer = ByteBuffer(bytes: body)
        let call = await lease.run(logger: context.logger) {
            await upstream.forward(body: buffer, contentType: contentType, accept: accept, lease: lease)
        }
        switch call.result {
        case .success(.answered(let answered)) where lease.stopReason == nil:
            return .success(answered)
        case .success(.answered(var answered)):
            answered.finish()
            return .failure(refuse(lease.stopped()?.error ?? upstream.noReplica(), failure: nil, lease: lease))
        case .success(.refused(let error, let failure)):
            return .failure(refuse(error, failure: failure, lease: lease))
        case .failure(let failure):
            return .failure(refuse(failure.error, failure: lease.stopReason == .deadline ? .timeout : nil, lease: lease))
        }
    }

    /// A refusal the gateway answers itself.
    private struct Refusal: Error {
        let response: ProtocolResponse
    }

    /// `answer` passed on to the client: its status, meaningful headers and body. A collected body
    /// ends the call at once; a streamed one is relayed (``relay(_:to:lease:)``) and ends it,
    /// counted by how the relay ended, once its last byte is written or it broke off.
    private func respond(with answer: UpstreamAnswer, lease: CallLease) -> ProtocolResponse {
        var answer = answer
        let model = lease.model
        let started = context.started
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
            let logger = context.logger
            response.forwarded = (
                headers,
                ResponseBody(contentLength: answer.contentLength) { writer in
                    var answer = settled
                    lease.markProgress()
                    let end = await Self.relay(stream, to: &writer, lease: lease)
                    answer.finish()
                    lease.end()
                    try await Self.settle(end, of: answer, lease: lease, since: started, logger: logger, writer: &writer)
                }
            )
        }
        return response
    }

    /// Counts a relayed answer by how it ended, against the replica and the model, and finishes
    /// the client's body when it arrived whole; otherwise throws ``RelayEnded`` so the connection
    /// closes short of its `Content-Length`.
    private static func settle(
        _ end: RelayEnd, of answer: UpstreamAnswer, lease: CallLease, since started: ContinuousClock.Instant, logger: Logger,
        writer: inout any ResponseBodyWriter
    ) async throws {
        let model = lease.model
        let total = ContinuousClock.now - started
        switch end {
        case .complete:
            answer.replica.completed()
            model.recordAnswer(status: answer.status, errorCode: nil, total: total, call: lease.timing)
            try await writer.finish(nil)
        case .upstreamFailed(let failure):
            answer.replica.failed()
            logger.warning(
                "upstream answer did not finish",
                metadata: ["model": "\(model.key)", "upstream": "\(answer.replica.address.url)", "failure": "\(failure.code)"])
            model.recordAnswer(status: 502, errorCode: failure.code, total: total, call: lease.timing)
            throw RelayEnded()
        case .stopped(let reason):
            // A drain that timed out, or a client that went away: nothing is wrong upstream.
            logger.debug("forwarded answer stopped", metadata: ["model": "\(model.key)", "reason": "\(reason)"])
            let (status, code) = recorded(reason, model: model)
            model.recordAnswer(status: status, errorCode: code, total: total, call: lease.timing)
            throw RelayEnded()
        }
    }

    /// The gateway's own answer for a call that got no answer to pass on, counted under the
    /// failure's code when an upstream failed, or under the stop's when this side ended it.
    private func refuse(_ error: ProtocolError, failure: UpstreamFailure?, lease: CallLease) -> Refusal {
        lease.end()
        let response = ProtocolResponse(error)
        var (status, code) = (response.status, response.errorCode)
        if let failure {
            code = failure.code
        } else if let reason = lease.stopReason {
            (status, code) = Self.recorded(reason, model: lease.model)
        }
        lease.model.recordAnswer(status: status, errorCode: code, total: ContinuousClock.now - context.started, call: lease.timing)
        return Refusal(response: response)
    }

    /// The status and code a call stopped by this side is counted under: a client that left as
    /// nginx logs it (499 `client_closed`), the others as their answers say.
    private static func recorded(_ reason: CallStopReason, model: ServedModel) -> (Int, String?) {
        switch reason {
        case .clientLeft: (499, "client_closed")
        case .drainTimeout: (503, ErrorCode.modelUnavailable.rawValue)
        case .deadline: (504, UpstreamFailure.unfinished.code)
        case .stalled: (504, UpstreamFailure.stalled.code)
        }
    }

    /// How a relay ended.
    enum RelayEnd: Equatable {
        /// The upstream's body arrived whole and was passed on.
        case complete
        /// The upstream's body broke off, stopped arriving, or did not finish in time.
        case upstreamFailed(UpstreamFailure)
        /// This side stopped it: a drain that timed out, or the client went away.
        case stopped(CallStopReason)
    }

    /// Passes `body` on to `writer` as it arrives. The upstream is read on a child task that hands
    /// each chunk over when the writer takes it (so a slow client slows the upstream, and nothing
    /// is held but one chunk), so that a stop of the call (``RunningCall``) can end the relay
    /// wherever it waits: the hand-over fails, and the client's connection is closed under a write
    /// that waits for it. Leaving cancels the upstream's request.
    static func relay(_ body: HTTPClientResponse.Body, to writer: inout any ResponseBodyWriter, lease: CallLease) async -> RelayEnd {
        let chunks = AsyncThrowingChannel<ByteBuffer, any Error>()
        return await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await chunk in body {
                        lease.markProgress()
                        await chunks.send(chunk)
                    }
                    chunks.finish()
                } catch {
                    chunks.fail(error)
                }
            }
            // The generate timeout counts the relay in: past it, the stop fails the hand-over.
            if lease.deadline != nil { group.addTask { await lease.enforceDeadline() } }
            defer { group.cancelAll() }
            let client = lease.watch?.client
            lease.running.attach {
                chunks.fail(CancellationError())
                client?.close(promise: nil)
            }
            var iterator = chunks.makeAsyncIterator()
            while true {
                let chunk: ByteBuffer?
                do {
                    chunk = try await iterator.next()
                } catch {
                    return end(lease.stopReason, otherwise: .upstreamFailed(.brokeOff))
                }
                guard let chunk else { return .complete }
                do {
                    try await writer.write(chunk)
                } catch {
                    return end(lease.stopReason, otherwise: .stopped(.clientLeft))
                }
                lease.markProgress()
            }
        }
    }

    /// How a relay ended when the call was stopped for `reason` (which decides, whatever error the
    /// stop caused), else `otherwise`.
    private static func end(_ reason: CallStopReason?, otherwise: RelayEnd) -> RelayEnd {
        switch reason {
        case nil: otherwise
        case .deadline?: .upstreamFailed(.unfinished)
        case .stalled?: .upstreamFailed(.stalled)
        case let reason?: .stopped(reason)
        }
    }
}

/// Thrown by a forwarded answer's body that did not end whole, so that the server closes the
/// connection: the head has gone out, and a client can tell a broken answer only by the
/// connection closing before its `Content-Length`.
struct RelayEnded: Error {}
