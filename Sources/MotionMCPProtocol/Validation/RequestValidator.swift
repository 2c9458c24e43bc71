/// The models a request can name: registry keys and, per key, the spec as of now.
public struct ModelDirectory: Sendable {
    /// The registry keys, in registration order.
    public var keys: [String]
    /// The current spec of the model registered under a key.
    public var spec: @Sendable (String) -> ModelSpec?

    /// A directory over `keys`, reading specs through `spec`.
    public init(keys: [String], spec: @escaping @Sendable (String) -> ModelSpec?) {
        self.keys = keys
        self.spec = spec
    }

    /// The registry key that is exactly `name` (no Unicode normalisation), with its current spec.
    func model(named name: String) -> (key: String, spec: ModelSpec)? {
        guard let key = keys.first(where: { $0.isExactly(name) }), let spec = spec(key) else { return nil }
        return (key, spec)
    }

    /// The `unknown_model` refusal for `name`, listing the keys in code point order as the
    /// reference does (not in registration order).
    public func unknownModel(_ name: String) -> ProtocolError {
        .unknownModel(name, available: keys.sortedByCodePoint())
    }
}

/// A request that passed every check, with the model it is for.
public struct ValidatedRequest: Sendable {
    /// The parsed request.
    public var request: GenerateRequest
    /// The registry key it names.
    public var modelKey: String
    /// That model's spec, as the checks saw it.
    public var spec: ModelSpec

    /// A request validated for the model registered under `modelKey`.
    public init(request: GenerateRequest, modelKey: String, spec: ModelSpec) {
        self.request = request
        self.modelKey = modelKey
        self.spec = spec
    }
}

/// The single-request pipeline of docs/protocol.md §4.4–§4.9, which the HTTP layer runs for a single
/// body and for each batch item (after the batch's version has been laid over the item).
public enum RequestValidator {
    /// docs/protocol.md §4.4–§4.9 in order: version pre-check, segment gate, schema (topology →
    /// invalid_skeleton), model lookup, S1–S14 with model_options. Throws the first failure as the
    /// protocol reports it. A non-finite number in a field the protocol does not mark finite (which
    /// the reference accepts) is refused last, as `schema_validation`, so that every other answer
    /// is the reference's.
    public static func validate(_ body: JSONValue, models: ModelDirectory) throws(ProtocolError) -> ValidatedRequest {
        try checkVersion(body)
        let named = try gateSegments(body, models: models)
        let request: GenerateRequest
        let nonFinite: [SchemaIssue]
        switch RequestSchema.read(body) {
        case .success(let decoded): (request, nonFinite) = decoded
        case .failure(let issues): throw issues.protocolError
        }
        // The schema read the same `model` string the gate looked up.
        guard let (key, spec) = named ?? models.model(named: request.model) else {
            throw models.unknownModel(request.model)
        }
        try SemanticChecks.check(request, against: spec)
        // The reference accepts these numbers and would only fail later, writing the response.
        if !nonFinite.isEmpty { throw SchemaIssueList(issues: nonFinite).protocolError }
        return ValidatedRequest(request: request, modelKey: key, spec: spec)
    }

    /// §4.4: a `protocol_version` that has the right form must have major 1 (leading zeros
    /// allowed); a malformed one is left to the schema.
    static func checkVersion(_ body: JSONValue) throws(ProtocolError) {
        guard case .object(let object) = body,
            case .string(let version)? = member(object, "protocol_version"),
            let major = RequestSchema.versionMajor(of: version)
        else { return }
        // The reference reads the major with Python's int(), which refuses more than 4300 digits.
        let digits = major.map { Int($0.properties.numericValue ?? -1) }
        let significant = digits.drop { $0 == 0 }
        guard digits.count <= 4300, significant.count == 1, significant.first == 1 else {
            throw .versionUnsupported(version)
        }
    }

    /// §4.5: on the raw body, before the schema: a known segment type the named model does not
    /// take is refused before its payload is read. Returns the named model when it is registered.
    static func gateSegments(_ body: JSONValue, models: ModelDirectory) throws(ProtocolError)
        -> (key: String, spec: ModelSpec)?
    {
        guard case .object(let object) = body,
            case .string(let name)? = member(object, "model"),
            let named = models.model(named: name)
        else { return nil }
        guard case .array(let segments)? = member(object, "segments") else { return named }
        for case .object(let segment) in segments {
            guard case .string(let type)? = member(segment, "type"),
                Segment.knownTypes.containsExactly(type),
                !named.spec.supportedSegments.containsExactly(type)
            else { continue }
            throw .unsupportedSegment(type, supported: named.spec.supportedSegments)
        }
        return named
    }

    /// A member looked up byte for byte, as the reference looks keys up.
    private static func member(_ object: JSONObject, _ name: String) -> JSONValue? {
        object.entries.first { $0.key.isExactly(name) }?.value
    }
}
