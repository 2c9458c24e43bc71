import Logging

/// `POST /generate` once the body has been read: parsing, validation, the backbone call and the
/// encoding, for single requests and batches (docs/protocol.md §4.2–§4.11, §6).
struct GenerateHandler: Sendable {
    let registry: ModelRegistry
    let logger: Logger
    let limits: ServerLimits
    /// The optional features switched on.
    let extensions: ProtocolExtensions
    /// The async jobs, when they are on.
    let jobs: JobStore?
    /// The batch window, when it is on.
    let batchWindow: BatchWindow?
    /// The server's budget for answers in flight: every local answer is charged its estimated
    /// size before its model is called, until it has been written.
    let answerBudget: AnswerBudget
    /// Whether the server was shutting down when the request arrived.
    var isShuttingDown = false

    /// The largest body any model accepts: the cap applied before the model is known (§4.1).
    var bodyCap: Int {
        registry.models.map { $0.spec.limits.maxRequestBytes }.max() ?? Limits().maxRequestBytes
    }

    /// The models as the validator sees them, as of now.
    var directory: ModelDirectory {
        let models = registry.models
        return ModelDirectory(keys: models.map(\.key)) { key in
            models.first { $0.key == key }?.spec
        }
    }

    /// The answer to a `/generate` body; `contentType` is the request's, passed on to an upstream.
    func handle(body: [UInt8], contentType: String? = nil, accept: String? = nil) async -> ProtocolResponse {
        let started = ContinuousClock.now
        let document: JSONValue
        do {
            document = try JSONParser.parse(body)
        } catch {
            let message = String("request body is not valid JSON: \(error)".prefix(500))
            return ProtocolResponse(ProtocolError(.schemaValidation, message))
        }
        if case .object(let object) = document, object.contains("requests") {
            return await BatchHandler(generate: self).handle(object, started: started)
        }
        // A model served elsewhere gets the body unchanged; its server validates it. One over the
        // model's cap never leaves: the validator answers it here, as the reference would.
        if let model = namedModel(document), let remote = model.remote, body.count <= remote.spec.limits.maxRequestBytes {
            return await remote.answer(
                body, contentType: contentType, accept: accept, for: model,
                context: GenerateContext(limits: limits, logger: logger, started: started))
        }
        let answer = await handleSingle(document, bodyLength: body.count, format: extensions.format(accepting: accept), started: started)
        answer.model?.recordAnswer(
            status: answer.response.status, errorCode: answer.response.errorCode, total: ContinuousClock.now - started,
            call: answer.timing)
        return answer.response
    }

    /// A single request's answer, the model it is counted against (when one was named), and the
    /// timings of its backbone call (when one was made).
    struct SingleAnswer {
        var response: ProtocolResponse
        var model: ServedModel?
        var timing: CallTiming?
    }

    func handleSingle(_ document: JSONValue, bodyLength: Int, format: ResponseFormat, started: ContinuousClock.Instant) async -> SingleAnswer {
        let validated: ValidatedRequest
        do throws(ProtocolError) {
            validated = try RequestValidator.validate(document, models: directory)
            let cap = validated.spec.limits.maxRequestBytes
            if bodyLength > cap { throw BodyLimit.tooLarge(bodyLength: bodyLength, cap: cap) }
        } catch {
            let refusal = self.refusal(error, model: Self.modelName(document))
            return SingleAnswer(response: ProtocolResponse(refusal), model: namedModel(document))
        }
        guard let model = registry.model(forKey: validated.modelKey) else {
            let refusal = self.refusal(directory.unknownModel(validated.modelKey), model: validated.modelKey)
            return SingleAnswer(response: ProtocolResponse(refusal))
        }
        guard let backbone = model.backbone else {
            // Served elsewhere since the body was read (a replica came back under this id).
            let unavailable = ServedModel.unavailable(model.key, model.state)
            return SingleAnswer(response: ProtocolResponse(unavailable), model: model)
        }
        if let jobs, validated.spec.supportsAsync {
            // Counted against the model when the job ends, not now.
            return SingleAnswer(response: submitJob(validated, on: model, backbone: backbone, format: format, jobs: jobs, started: started))
        }
        let bytes = AnswerEstimate.bytes(for: validated)
        guard let charge = await answerBudget.charge(bytes, waitingAtMost: limits.answerBudgetWait) else {
            return SingleAnswer(response: ProtocolResponse(answerBudget.refusal(bytes: bytes)), model: model)
        }
        let request = validated.request
        let call = await model.call(limits: limits, logger: logger, since: started) {
            try await generateOne(request, on: model, backbone: backbone, spec: validated.spec)
        }
        var answer = SingleAnswer(
            response: ProtocolResponse(status: 200, contentType: format.contentType, body: []), model: model, timing: call.timing)
        // Held by the answer until it has been written, whatever it turns out to be.
        answer.response.charge = charge
        switch call.result {
        case .success(let result):
            do {
                answer.response.body = try await encode(result, for: validated, as: format)
            } catch {
                logger.error("encoding the result failed", metadata: ["model": "\(validated.modelKey)", "error": "\(error)"])
                answer.response = ProtocolResponse(ServedModel.internalError(error))
            }
        case .failure(let failure):
            answer.response = ProtocolResponse(extensions.answering(failure))
        }
        return answer
    }

    /// One request's motion: alone, or with the batch window on, in one `generateBatch` call with
    /// the requests for the same model and batch key that arrive within the window.
    func generateOne(_ request: GenerateRequest, on model: ServedModel, backbone: any Backbone, spec: ModelSpec) async throws
        -> MotionResult
    {
        guard let batchWindow else { return try await backbone.generate(request) }
        return try await batchWindow.submit(
            model: model.key, key: backbone.batchKey(for: request), request: request, maxBatchSize: spec.limits.maxBatchSize
        ) { requests in
            do {
                return .success(try await backbone.generateBatch(requests))
            } catch {
                return .failure(error)
            }
        }.get()
    }

    /// A request refused before its model was called, as this server answers it: while the server
    /// shuts down, a model it no longer serves (its drain removed it) is `503 model_unavailable`
    /// rather than `unknown_model`, so a load balancer passes the request to another instance
    /// instead of handing the client a 400.
    func refusal(_ error: ProtocolError, model key: String?) -> ProtocolError {
        guard isShuttingDown, error.code == .unknownModel, let key else { return error }
        return ServedModel.unavailable(key, .removed)
    }

    /// The `model` string a request body holds, if any.
    static func modelName(_ document: JSONValue) -> String? {
        guard case .string(let key)? = document.objectValue?["model"] else { return nil }
        return key
    }

    /// The registered model a request body names, for counting its refusals against it.
    func namedModel(_ document: JSONValue) -> ServedModel? {
        Self.modelName(document).flatMap(registry.model(forKey:))
    }

    /// The glTF document for a result, logging (not failing) when no trajectory could be computed.
    /// A large result is encoded on ``HeavyWork``'s threads.
    /// A GLB is the JSON document with its buffer moved to the binary chunk (docs/extensions.md §2.3).
    func encode(_ result: MotionResult, for validated: ValidatedRequest, as format: ResponseFormat = .json) async throws -> [UInt8] {
        let logger = self.logger
        let model = validated.modelKey
        return try await withTaskExecutorPreference(HeavyWork.executor(forEncoding: result)) { () throws -> [UInt8] in
            let json = try GLTFEncoder.encode(result, for: validated.request, spec: validated.spec) { error in
                logger.info("no trajectory for this response", metadata: ["model": "\(model)", "reason": "\(error)"])
            }
            return format == .binary ? try GLBContainer.binary(fromJSONDocument: json) : json
        }
    }
}

/// The body-size refusals of docs/protocol.md §4.1 and §4.10.
enum BodyLimit {
    /// A body (or batch item) of known length over a cap.
    static func tooLarge(bodyLength: Int, cap: Int) -> ProtocolError {
        ProtocolError(
            .payloadTooLarge, "request body is \(bodyLength) bytes; max_request_bytes is \(cap)",
            details: ["max_request_bytes": .integer(cap), "request_bytes": .integer(bodyLength)])
    }

    /// A streamed body that passed the cap before it ended.
    static func streamTooLarge(cap: Int) -> ProtocolError {
        ProtocolError(
            .payloadTooLarge, "request body is more than \(cap) bytes; max_request_bytes is \(cap)",
            details: ["max_request_bytes": .integer(cap)])
    }

    /// A `Content-Length` header that is not a number.
    static let invalidContentLength = ProtocolError(.schemaValidation, "invalid Content-Length")
}
