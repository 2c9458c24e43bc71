import Logging

/// An answer of the protocol, before it becomes an HTTP response.
struct ProtocolResponse: Sendable {
    var status: Int
    var contentType: String
    var body: [UInt8]
    /// The protocol error code, when the answer is an error (for the metrics).
    var errorCode: String?
    /// Seconds a client should wait before retrying (`Retry-After`), for a model not ready.
    var retryAfter: Int?

    static let json = "application/json"
    static let gltf = "model/gltf+json"

    init(status: Int, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// The error envelope; details JSON cannot carry (a backbone's NaN) make it an internal error.
    init(_ error: ProtocolError, retryAfter: Int? = nil) {
        let sendable = JSONValue.object(error.details).isFinite
            ? error : ProtocolError.internalError("\(error.code) error details hold a non-finite number")
        self.init(status: sendable.status, contentType: Self.json, body: sendable.envelopeBytes)
        errorCode = sendable.code.rawValue
        self.retryAfter = retryAfter
    }
}

/// `POST /generate` once the body has been read: parsing, validation, the backbone call and the
/// encoding, for single requests and batches (PROTOCOL.md §4.2–§4.11, §6).
struct GenerateHandler: Sendable {
    let registry: ModelRegistry
    let logger: Logger
    let limits: ServerLimits

    /// The largest body any model accepts: the cap applied before the model is known (§4.1).
    var bodyCap: Int {
        registry.models.map { $0.backbone.capabilities().limits.maxRequestBytes }.max() ?? Limits().maxRequestBytes
    }

    /// The models as the validator sees them, as of now.
    var directory: ModelDirectory {
        let models = registry.models
        return ModelDirectory(keys: models.map(\.key)) { key in
            models.first { $0.key == key }?.backbone.capabilities()
        }
    }

    func handle(body: [UInt8]) async -> ProtocolResponse {
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
        let answer = await handleSingle(document, bodyLength: body.count, started: started)
        answer.model?.recordAnswer(
            status: answer.response.status, errorCode: answer.response.errorCode, total: ContinuousClock.now - started,
            wait: answer.wait, generate: answer.generate)
        return answer.response
    }

    /// A single request's answer, the model it is counted against (when one was named), and how
    /// long it waited before the backbone call and how long the call took (when it was made).
    struct SingleAnswer {
        var response: ProtocolResponse
        var model: ServedModel?
        var wait: Duration?
        var generate: Duration?
    }

    func handleSingle(_ document: JSONValue, bodyLength: Int, started: ContinuousClock.Instant) async -> SingleAnswer {
        let validated: ValidatedRequest
        do throws(ProtocolError) {
            validated = try RequestValidator.validate(document, models: directory)
            let cap = validated.spec.limits.maxRequestBytes
            if bodyLength > cap { throw BodyLimit.tooLarge(bodyLength: bodyLength, cap: cap) }
        } catch {
            return SingleAnswer(response: ProtocolResponse(error), model: namedModel(document))
        }
        guard let model = registry.model(forKey: validated.modelKey) else {
            let available = registry.models.map(\.key).sorted()
            return SingleAnswer(response: ProtocolResponse(ProtocolError.unknownModel(validated.modelKey, available: available)))
        }
        let admission = model.admit(cap: limits.maxInFlightPerModel)
        guard admission == .admitted else {
            let refusal = model.refusal(admission, cap: limits.maxInFlightPerModel)
            return SingleAnswer(response: ProtocolResponse(refusal, retryAfter: Self.retryAfterSeconds), model: model)
        }
        defer { model.release() }
        let called = ContinuousClock.now
        var answer = SingleAnswer(response: ProtocolResponse(status: 200, contentType: ProtocolResponse.gltf, body: []), model: model, wait: called - started)
        do {
            let request = validated.request
            let backbone = model.backbone
            let result = try await withDeadline(limits.generateTimeout) {
                try await model.perform { try await backbone.generate(request) }
            }
            answer.generate = ContinuousClock.now - called
            answer.response.body = try await encode(result, for: validated)
        } catch let error as ProtocolError {
            answer.response = ProtocolResponse(error)
        } catch is DeadlineExceeded {
            answer.response = ProtocolResponse(Self.generateTimedOut(limits.generateTimeout))
        } catch is CancellationError where model.state != .ready {
            // A drain timed out and cancelled the call: the model went away under the request.
            answer.response = ProtocolResponse(model.unavailableError(), retryAfter: Self.retryAfterSeconds)
        } catch {
            logger.error("generate failed", metadata: ["model": "\(validated.modelKey)", "error": "\(error)"])
            answer.response = ProtocolResponse(Self.internalError(error))
        }
        return answer
    }

    /// The `504 timeout` for a backbone call that passed the generate timeout.
    static func generateTimedOut(_ limit: Duration?) -> ProtocolError {
        ProtocolError(.timeout, "the model did not answer within \(limit.map { "\($0)" } ?? "its time limit")")
    }

    /// How long a client is asked to wait when a model is setting up, draining or gone.
    static let retryAfterSeconds = 5

    /// The registered model a request body names, for counting its refusals against it.
    func namedModel(_ document: JSONValue) -> ServedModel? {
        guard case .string(let key)? = document.objectValue?["model"] else { return nil }
        return registry.model(forKey: key)
    }

    /// The glTF document for a result, logging (not failing) when no trajectory could be computed.
    /// A large result is encoded on ``HeavyWork``'s threads.
    func encode(_ result: MotionResult, for validated: ValidatedRequest) async throws(EncodingError) -> [UInt8] {
        let logger = self.logger
        let model = validated.modelKey
        return try await withTaskExecutorPreference(HeavyWork.executor(forEncoding: result)) { () throws(EncodingError) -> [UInt8] in
            try GLTFEncoder.encode(result, for: validated.request, spec: validated.spec) { error in
                logger.info("no trajectory for this response", metadata: ["model": "\(model)", "reason": "\(error)"])
            }
        }
    }

    /// The `internal_error` a non-protocol failure becomes: `"<Type>: <text>"`.
    static func internalError(_ error: any Error) -> ProtocolError {
        if let error = error as? ProtocolError { return error }
        return ProtocolError.internalError("\(type(of: error)): \(error)")
    }
}

/// The body-size refusals of PROTOCOL.md §4.1 and §4.10.
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
