/// A batch body (`{"protocol_version", "requests": [...]}`): the batch-level checks, each item
/// validated on its own, items grouped by model, one result per item in order (PROTOCOL.md §6).
struct BatchHandler: Sendable {
    let generate: GenerateHandler

    /// One item's fate: refused during validation, or waiting for its model.
    private enum Item {
        case refused(ProtocolError)
        case pending(ValidatedRequest)
    }

    /// One entry of `results`: a finished document or an error.
    private enum Outcome {
        case gltf([UInt8])
        case error(ProtocolError)
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
        do {
            let outcomes = try await run(items)
            recordMetrics(requests, outcomes, latency: ContinuousClock.now - started)
            return ProtocolResponse(status: 200, contentType: ProtocolResponse.json, body: serialize(outcomes))
        } catch {
            return ProtocolResponse(error)
        }
    }

    /// Counts each item against the model it names, with the whole batch's latency.
    private func recordMetrics(_ requests: [JSONValue], _ outcomes: [Outcome], latency: Duration) {
        for (item, outcome) in zip(requests, outcomes) {
            guard let model = generate.namedModel(item) else { continue }
            if case .error(let error) = outcome {
                model.recordAnswer(status: error.status, errorCode: error.code.rawValue, total: latency)
            } else {
                model.recordAnswer(status: 200, errorCode: nil, total: latency)
            }
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
        let limit = generate.registry.models.map { $0.backbone.capabilities().limits.maxBatchSize }.min() ?? Limits().maxBatchSize
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
            return .refused(error)
        }
    }

    /// Runs the valid items model by model, in order of each model's first appearance.
    private func run(_ items: [Item]) async throws(ProtocolError) -> [Outcome] {
        var outcomes = items.map { item -> Outcome? in
            if case .refused(let error) = item { return .error(error) }
            return nil
        }
        var groups: [(key: String, indices: [Int])] = []
        for (index, item) in items.enumerated() {
            guard case .pending(let validated) = item else { continue }
            if let group = groups.firstIndex(where: { $0.key == validated.modelKey }) {
                groups[group].indices.append(index)
            } else {
                groups.append((validated.modelKey, [index]))
            }
        }
        for group in groups {
            let validated = group.indices.compactMap { index -> ValidatedRequest? in
                if case .pending(let request) = items[index] { return request }
                return nil
            }
            let results = try await generateGroup(key: group.key, validated.map(\.request))
            for (position, index) in group.indices.enumerated() {
                outcomes[index] = await outcome(results[position], for: validated[position])
            }
        }
        return outcomes.map { $0 ?? .error(.internalError("the item was not processed")) }
    }

    /// One model's items through its batch entry point; a wrong result count fails every item.
    /// Only a ready model takes the batch; otherwise every item gets `model_unavailable`.
    private func generateGroup(
        key: String, _ requests: [GenerateRequest]
    ) async throws(ProtocolError) -> [Result<MotionResult, any Error>] {
        guard let model = generate.registry.model(forKey: key) else {
            let available = generate.registry.models.map(\.key).sorted()
            return requests.map { _ in .failure(ProtocolError.unknownModel(key, available: available)) }
        }
        let cap = generate.limits.maxInFlightPerModel
        let admission = model.admit(cap: cap)
        guard admission == .admitted else { return requests.map { _ in .failure(model.refusal(admission, cap: cap)) } }
        defer { model.release() }
        do {
            let backbone = model.backbone
            let results = try await withDeadline(generate.limits.generateTimeout) {
                try await model.perform { try await backbone.generateBatch(requests) }
            }
            guard results.count == requests.count else {
                let failure = ProtocolError.internalError(
                    "generate_batch returned \(results.count) results for \(requests.count) requests")
                return requests.map { _ in .failure(failure) }
            }
            return results
        } catch let error as ProtocolError {
            throw error
        } catch is DeadlineExceeded {
            throw GenerateHandler.generateTimedOut(generate.limits.generateTimeout)
        } catch {
            generate.logger.error("generate_batch failed", metadata: ["model": "\(key)", "error": "\(error)"])
            throw GenerateHandler.internalError(error)
        }
    }

    private func outcome(_ result: Result<MotionResult, any Error>, for validated: ValidatedRequest) async -> Outcome {
        switch result {
        case .success(let motion):
            do {
                return .gltf(try await generate.encode(motion, for: validated))
            } catch {
                return .error(GenerateHandler.internalError(error))
            }
        case .failure(let error):
            return .error(GenerateHandler.internalError(error))
        }
    }

    private func serialize(_ outcomes: [Outcome]) -> [UInt8] {
        var writer = JSONWriter(capacity: outcomes.reduce(64) { total, outcome in
            if case .gltf(let bytes) = outcome { return total + bytes.count + 16 }
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
