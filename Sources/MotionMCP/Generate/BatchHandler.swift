/// One entry of a batch's `results`: a finished document, an error, or a remote model's entry as
/// its server wrote it (`{"gltf":…}` or `{"error":…}`, with the error's code for the metrics).
package enum BatchOutcome: Sendable {
    case gltf([UInt8])
    case error(ProtocolError)
    case remote([UInt8], errorCode: String?)

    /// The status and error code the item is counted with.
    var counted: (status: Int, code: String?) {
        switch self {
        case .gltf: (200, nil)
        case .error(let error): (error.status, error.code.rawValue)
        case .remote(_, let code?): (ErrorCode(rawValue: code)?.status ?? 500, code)
        case .remote(_, nil): (200, nil)
        }
    }
}

/// A batch body (`{"protocol_version", "requests": [...]}`): the batch-level checks, each item
/// validated on its own, items grouped by model, one result per item in order (docs/protocol.md §6).
struct BatchHandler: Sendable {
    let generate: GenerateHandler

    /// One item's fate: refused during validation, or waiting for its model.
    private enum Item {
        case refused(ProtocolError)
        case pending(ValidatedRequest)
    }

    func handle(_ batch: JSONObject, started: ContinuousClock.Instant) async -> ProtocolResponse {
        let requests: [JSONValue]
        let version: String
        do {
            (version, requests) = try checkBatch(batch)
        } catch {
            return ProtocolResponse(error)
        }
        let directory = generate.directory
        let items = requests.map { item in validate(item, version: version, directory: directory) }
        // The answer budget is charged the sum of the valid items' answers, local or upstream
        // (an upstream's batch answer is collected whole too), until the batch has been written.
        let bytes = items.reduce(0) { total, item in
            guard case .pending(let validated) = item else { return total }
            return total + AnswerEstimate.bytes(for: validated)
        }
        let budget = generate.answerBudget
        let charge = await budget.charge(bytes, waitingAtMost: generate.limits.answerBudgetWait)
        let run =
            if charge != nil {
                await self.run(items, requests: requests, version: version, directory: directory, started: started)
            } else {
                Run(outcome: .failure(budget.refusal(bytes: bytes)), timings: [CallTiming?](repeating: nil, count: requests.count))
            }
        let total = ContinuousClock.now - started
        for (index, item) in requests.enumerated() {
            guard let model = generate.namedModel(item) else { continue }
            let counted: (status: Int, code: String?) =
                switch run.outcome {
                case .success(let outcomes): outcomes[index].counted
                case .failure(let error): (error.status, error.code.rawValue)
                }
            model.recordAnswer(status: counted.status, errorCode: counted.code, total: total, call: run.timings[index])
        }
        switch run.outcome {
        case .success(let outcomes):
            var response = ProtocolResponse(status: 200, contentType: ProtocolResponse.json, body: serialize(outcomes))
            response.charge = charge
            return response
        case .failure(let error):
            return ProtocolResponse(error)
        }
    }

    /// The batch-level checks of §6.1, in order; returns the version items inherit and the items.
    private func checkBatch(_ batch: JSONObject) throws(ProtocolError) -> (String, [JSONValue]) {
        guard case .string(let version)? = batch["protocol_version"] else {
            throw ProtocolError(.schemaValidation, "a batch needs a protocol_version string")
        }
        guard Self.batchMajor(version) == 1 else { throw ProtocolError.versionUnsupported(version) }
        guard case .array(let requests)? = batch["requests"], !requests.isEmpty else {
            throw ProtocolError(.schemaValidation, "requests must be a non-empty list")
        }
        let limit = generate.registry.models.map { $0.spec.limits.maxBatchSize }.min() ?? Limits().maxBatchSize
        if requests.count > limit {
            throw ProtocolError(
                .invalidOptions, "a batch holds at most \(limit) requests; got \(requests.count)",
                details: ["max_batch_size": .integer(limit), "requests": .integer(requests.count)])
        }
        return (version, requests)
    }

    /// The batch's major version read as loosely as the reference reads it: the text before the
    /// first `.` as an integer, allowing surrounding whitespace, a sign and digit-separating `_`.
    static func batchMajor(_ version: String) -> Int? {
        let head = version.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var text = Substring(head).trimmingPythonWhitespace()
        var sign = 1
        if let first = text.first, first == "+" || first == "-" {
            sign = first == "-" ? -1 : 1
            text = text.dropFirst()
        }
        guard let first = text.first, let last = text.last, first.isASCIIDigit, last.isASCIIDigit,
            !text.contains("__"), text.allSatisfy({ $0.isASCIIDigit || $0 == "_" })
        else { return nil }
        return Int(text.filter { $0 != "_" }).map { $0 * sign }
    }

    private func validate(_ item: JSONValue, version: String, directory: ModelDirectory) -> Item {
        guard case .object(let object) = item else {
            return .refused(ProtocolError(.schemaValidation, "each request must be an object"))
        }
        var request = JSONObject([("protocol_version", .string(version))])
        for (key, value) in object.entries { request[key] = value }
        do throws(ProtocolError) {
            let validated = try RequestValidator.validate(.object(request), models: directory)
            let cap = validated.spec.limits.maxRequestBytes
            var measure = JSONWriter(escapesNonASCII: true)
            measure.value(item)
            if measure.bytes.count > cap { throw BodyLimit.tooLarge(bodyLength: measure.bytes.count, cap: cap) }
            return .pending(validated)
        } catch {
            return .refused(generate.refusal(error, model: GenerateHandler.modelName(item)))
        }
    }

    /// The items' answers (or the error a backbone's `generateBatch` threw, which answers the
    /// whole batch, as the reference does), and each item's backbone-call timings.
    private struct Run {
        var outcome: Result<[BatchOutcome], ProtocolError>
        var timings: [CallTiming?]
    }

    /// Runs the valid items model by model, every model's items through one call of its batch
    /// entry point (or, for a model served upstream, one batch sent to a replica), the models in
    /// parallel. What the server refuses or stops (a model not ready or gone, over its cap, past
    /// the timeout, stopped by a drain) is answered item by item; a wrong result count fails
    /// every item of that model; a backbone that throws fails the whole batch (the first such
    /// model in order of first appearance decides the answer).
    private func run(
        _ items: [Item], requests: [JSONValue], version: String, directory: ModelDirectory, started: ContinuousClock.Instant
    ) async -> Run {
        var outcomes = items.map { item -> BatchOutcome? in
            if case .refused(let error) = item { return .error(error) }
            return nil
        }
        var timings = [CallTiming?](repeating: nil, count: items.count)
        var groups: [(key: String, indices: [Int])] = []
        for (index, item) in items.enumerated() {
            guard case .pending(let validated) = item else { continue }
            if let group = groups.firstIndex(where: { $0.key == validated.modelKey }) {
                groups[group].indices.append(index)
            } else {
                groups.append((validated.modelKey, [index]))
            }
        }
        let finished = await withTaskGroup(of: (Int, GroupResult).self) { tasks in
            for (position, group) in groups.enumerated() {
                let validated = group.indices.compactMap { index -> ValidatedRequest? in
                    if case .pending(let request) = items[index] { return request }
                    return nil
                }
                let raw = group.indices.map { requests[$0] }
                tasks.addTask {
                    (position, await self.runGroup(group.key, validated, raw: raw, version: version, directory: directory, started: started))
                }
            }
            return await tasks.reduce(into: [Int: GroupResult]()) { $0[$1.0] = $1.1 }
        }
        for (position, group) in groups.enumerated() {
            guard let result = finished[position] else { continue }
            for index in group.indices { timings[index] = result.timing }
            switch result.outcomes {
            case .success(let groupBatchOutcomes):
                for (offset, index) in group.indices.enumerated() { outcomes[index] = groupBatchOutcomes[offset] }
            case .failure(let error):
                return Run(outcome: .failure(error), timings: timings)
            }
        }
        return Run(outcome: .success(outcomes.map { $0 ?? .error(.internalError("the item was not processed")) }), timings: timings)
    }

    /// One model's items answered, or the error that fails the whole batch; and the call's timings.
    private struct GroupResult: Sendable {
        var outcomes: Result<[BatchOutcome], ProtocolError>
        var timing: CallTiming?
    }

    private func runGroup(
        _ key: String, _ validated: [ValidatedRequest], raw: [JSONValue], version: String, directory: ModelDirectory,
        started: ContinuousClock.Instant
    ) async -> GroupResult {
        guard let model = generate.registry.model(forKey: key) else {
            let gone = generate.refusal(directory.unknownModel(key), model: key)
            return GroupResult(outcomes: .success(validated.map { _ in .error(gone) }))
        }
        let limits = generate.limits
        let logger = generate.logger
        switch model.source {
        case .remote(let remote):
            let body = Self.remoteBatch(raw, version: version)
            let call = await model.call(limits: limits, logger: logger, since: started, watch: remote.watch) { lease in
                await remote.answerBatch(body, count: raw.count, lease: lease)
            }
            switch call.result {
            case .success(let outcomes): return GroupResult(outcomes: outcomes, timing: call.timing)
            case .failure(let failure): return GroupResult(outcomes: .success(raw.map { _ in .error(failure.error) }), timing: call.timing)
            }
        case .backbone(let backbone):
            let requests = validated.map(\.request)
            let call = await model.call(limits: limits, logger: logger, since: started) {
                try await backbone.generateBatch(requests)
            }
            let results: [Result<MotionResult, any Error>]
            switch call.result {
            case .success(let returned) where returned.count == requests.count:
                results = returned
            case .success(let returned):
                let failure = ProtocolError.internalError("generate_batch returned \(returned.count) results for \(requests.count) requests")
                results = requests.map { _ in .failure(failure) }
            case .failure(let failure) where failure.byServer:
                results = requests.map { _ in .failure(failure.error) }
            case .failure(let failure):
                return GroupResult(outcomes: .failure(generate.extensions.answering(failure)), timing: call.timing)
            }
            var outcomes: [BatchOutcome] = []
            for (position, request) in validated.enumerated() {
                outcomes.append(await outcome(results[position], for: request))
            }
            return GroupResult(outcomes: .success(outcomes), timing: call.timing)
        }
    }

    /// The batch a remote model gets for its items: the items as the client wrote them,
    /// under the batch's version.
    static func remoteBatch(_ items: [JSONValue], version: String) -> [UInt8] {
        var writer = JSONWriter(escapesNonASCII: true)
        writer.raw("{\"protocol_version\":")
        writer.string(version)
        writer.raw(",\"requests\":")
        writer.array(items) { $0.value($1) }
        writer.byte(UInt8(ascii: "}"))
        return writer.bytes
    }

    private func outcome(_ result: Result<MotionResult, any Error>, for validated: ValidatedRequest) async -> BatchOutcome {
        switch result {
        case .success(let motion):
            do {
                return .gltf(try await generate.encode(motion, for: validated))
            } catch {
                return .error(ServedModel.internalError(error))
            }
        case .failure(let error):
            return .error(ServedModel.internalError(error))
        }
    }

    private func serialize(_ outcomes: [BatchOutcome]) -> [UInt8] {
        var writer = JSONWriter(
            capacity: outcomes.reduce(64) { total, outcome in
                if case .gltf(let bytes) = outcome { return total + bytes.count + 16 }
                if case .remote(let bytes, _) = outcome { return total + bytes.count }
                return total + 256
            })
        writer.raw("{\"results\":[")
        for (index, outcome) in outcomes.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            switch outcome {
            case .gltf(let document):
                writer.raw("{\"gltf\":")
                writer.append(document)
                writer.byte(UInt8(ascii: "}"))
            case .error(let error):
                writer.raw("{\"error\":")
                writer.value(.object(error.body))
                writer.byte(UInt8(ascii: "}"))
            case .remote(let entry, _):
                writer.append(entry)
            }
        }
        writer.raw("]}")
        return writer.bytes
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension Substring {
    /// Strips the whitespace Python's `int()` ignores around a number.
    fileprivate func trimmingPythonWhitespace() -> Substring {
        var text = self
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return text
    }
}
