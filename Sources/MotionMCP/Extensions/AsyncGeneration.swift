import HTTPTypes

extension MMCPServer {
    /// `GET` and `DELETE /generate/jobs/{id}` (docs/extensions.md §1.5–§1.6): a job still queued or
    /// running is `202` with its ticket and `Retry-After`; a finished one its stored answer, the
    /// same bytes on every poll; `DELETE` removes it (`204`); an id not known is the framework's 404.
    /// A finished answer is charged to the ``AnswerBudget`` while it is written (each poll copies
    /// it); when it does not fit at once the poll is `503 resource_exhausted` with `Retry-After`.
    func jobResponse(_ method: HTTPRequest.Method, id: String) throws -> ProtocolResponse {
        guard let jobs else { throw DetailError.notFound }
        if method == .delete {
            guard jobs.cancel(id) else { throw DetailError.notFound }
            return ProtocolResponse(status: 204, contentType: "", body: [])
        }
        switch jobs.status(of: id) {
        case nil:
            throw DetailError.notFound
        case .queued(let ticket)?, .running(let ticket)?:
            return GenerateHandler.accepted(ticket)
        case .finished(_, let result)?:
            guard let charge = answerBudget.charge(now: result.body.count) else {
                return ProtocolResponse(answerBudget.refusal(bytes: result.body.count))
            }
            var response = ProtocolResponse(status: result.status, contentType: result.contentType, body: result.body)
            response.retryAfter = result.retryAfter
            response.charge = charge
            return response
        }
    }
}

extension GenerateHandler {
    /// Seconds a client waits between polls of a job (`Retry-After` on every `202`).
    static let pollInterval = 1

    /// Runs a validated single request as a job and answers `202` at once with where to poll;
    /// `503 resource_exhausted` when the job store is full, in jobs or in bytes (the answer's
    /// estimate). The job is the same model call and encoding as a synchronous request, so its
    /// answer is byte for byte the synchronous one, and it is counted against the model when it
    /// ends. Its model is called once its answer fits in the ``AnswerBudget`` (it waits as long as
    /// that takes: it is queued work already), and the charge is given back once the answer is
    /// in the store, which holds it under its own cap.
    func submitJob(
        _ validated: ValidatedRequest, on model: ServedModel, backbone: any Backbone, format: ResponseFormat, jobs: JobStore,
        started: ContinuousClock.Instant
    ) -> ProtocolResponse {
        let request = validated.request
        let bytes = AnswerEstimate.bytes(for: validated)
        do {
            let ticket = try jobs.submit(model: model.key, bytes: bytes) {
                // Nil only when the job was cancelled while it waited: its answer is discarded.
                guard let charge = await answerBudget.charge(bytes, waitingAtMost: nil) else {
                    return JobResult(status: 503, contentType: ProtocolResponse.json, body: [])
                }
                defer { charge.release() }
                let call = await model.call(limits: limits, logger: logger, since: started) {
                    try await generateOne(request, on: model, backbone: backbone, spec: validated.spec)
                }
                var answer: ProtocolResponse
                switch call.result {
                case .success(let result):
                    do {
                        answer = ProtocolResponse(
                            status: 200, contentType: format.contentType, body: try await encode(result, for: validated, as: format))
                    } catch {
                        logger.error("encoding the result failed", metadata: ["model": "\(model.key)", "error": "\(error)"])
                        answer = ProtocolResponse(ServedModel.internalError(error))
                    }
                case .failure(let failure):
                    answer = ProtocolResponse(extensions.answering(failure))
                }
                model.recordAnswer(status: answer.status, errorCode: answer.errorCode, total: ContinuousClock.now - started, call: call.timing)
                return JobResult(status: answer.status, contentType: answer.contentType, retryAfter: answer.retryAfter, body: answer.body)
            }
            return Self.accepted(ticket)
        } catch {
            var refusal =
                if let maxBytes = error.maxBytes {
                    ProtocolError(
                        .resourceExhausted, "the job store holds as many answer bytes as its limit allows; retry shortly",
                        details: ["job_store_max_bytes": .integer(maxBytes), "answer_bytes": .integer(bytes)])
                } else {
                    ProtocolError(
                        .resourceExhausted, "the server holds \(error.capacity) jobs, its limit; retry shortly",
                        details: ["max_jobs": .integer(error.capacity)])
                }
            refusal.retryAfterSeconds = ServedModel.retryAfterSeconds
            return ProtocolResponse(refusal)
        }
    }

    /// The `202` of a job: `Location` from the MMCP root, `Retry-After`, and the ticket
    /// `{"job_id","submitted_at"}` in this key order.
    static func accepted(_ ticket: JobTicket) -> ProtocolResponse {
        var writer = JSONWriter(capacity: 96)
        writer.raw(#"{"job_id":"#)
        writer.string(ticket.id)
        writer.raw(#","submitted_at":"#)
        writer.string(ticket.submittedAt)
        writer.byte(UInt8(ascii: "}"))
        var response = ProtocolResponse(status: 202, contentType: ProtocolResponse.json, body: writer.bytes)
        response.headers[.location] = "/generate/jobs/\(ticket.id)"
        response.retryAfter = pollInterval
        return response
    }
}
