/// The generate request schema (docs/protocol.md §3): JSON in, a ``GenerateRequest`` or every issue out.
public enum RequestSchema {
    /// The pattern a `protocol_version` must fully match.
    public static let versionPattern = #"^\d+\.\d+$"#

    /// Decodes a single request (or a batch item with the batch's version laid over it). On
    /// failure the issues are in the reference's order: each object's fields in schema order,
    /// then its unknown members, then — only when all of those were clean — its whole-object rules.
    public static func decode(_ body: JSONValue) -> Result<GenerateRequest, SchemaIssueList> {
        switch read(body) {
        case .failure(let issues):
            return .failure(issues)
        case .success(let (request, nonFinite)):
            return nonFinite.isEmpty ? .success(request) : .failure(SchemaIssueList(issues: nonFinite))
        }
    }

    /// Decodes a request the way the reference does, which accepts non-finite numbers in the
    /// fields the protocol does not mark finite; those come back beside the request, to be
    /// refused once the checks the reference makes have passed.
    static func read(_ body: JSONValue) -> Result<(GenerateRequest, nonFinite: [SchemaIssue]), SchemaIssueList> {
        var decoder = SchemaDecoder()
        if let request = decoder.request(body) { return .success((request, decoder.nonFiniteIssues)) }
        return .failure(SchemaIssueList(issues: decoder.issues))
    }

    /// Whether `text` is `\d+\.\d+`, where a digit is any Unicode decimal digit (as the reference's
    /// `\d`). Returns the major version's digits.
    static func versionMajor(of text: String) -> Substring.UnicodeScalarView? {
        let scalars = text.unicodeScalars
        guard let dot = scalars.firstIndex(of: ".") else { return nil }
        let major = scalars[..<dot]
        let minor = scalars[scalars.index(after: dot)...]
        guard !major.isEmpty, !minor.isEmpty, major.allSatisfy(isDecimalDigit), minor.allSatisfy(isDecimalDigit) else {
            return nil
        }
        return major
    }

    private static func isDecimalDigit(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return ("0"..."9").contains(scalar) }
        return scalar.properties.generalCategory == .decimalNumber
    }
}

extension SchemaDecoder {
    private static let requestFields = [
        "protocol_version", "model", "skeleton", "segments", "constraints", "duration_frames", "timing", "options",
    ]

    /// The whole request, with the cross-field rules of §3.1 once every field is valid.
    mutating func request(_ value: JSONValue) -> GenerateRequest? {
        object(value, className: "GenerateRequest", fields: Self.requestFields) { decoder, fields -> GenerateRequest? in
            let version = decoder.required(fields, "protocol_version") { decoder, value -> String? in
                guard let text = decoder.string(value) else { return nil }
                guard RequestSchema.versionMajor(of: text) != nil else {
                    decoder.record(.patternMismatch(RequestSchema.versionPattern))
                    return nil
                }
                return text
            }
            let model = decoder.required(fields, "model") { $0.string($1) }
            let skeleton = decoder.required(fields, "skeleton") { $0.skeleton($1) }
            let segments = decoder.defaulted(fields, "segments", []) { decoder, value in
                decoder.list(value) { $0.segment($1) }
            }
            let constraints = decoder.defaulted(fields, "constraints", []) { decoder, value in
                decoder.list(value) { $0.constraint($1) }
            }
            let duration = decoder.nullable(fields, "duration_frames") { $0.int($1, greaterThan: 0) }
            let timing = decoder.nullable(fields, "timing") { $0.timing($1) }
            let options = decoder.nullable(fields, "options") { $0.options($1) }
            guard let version, let model, let skeleton, let segments, let constraints else { return nil }
            return GenerateRequest(
                protocolVersion: version, model: model, skeleton: skeleton, segments: segments,
                constraints: constraints, durationFrames: duration, timing: timing, options: options)
        } check: { decoder, request in
            if let reason = Self.crossFieldViolation(request) { decoder.record(.valueError(reason)) }
        }
    }

    /// At least one segment or constraint; `duration_frames` exactly when there are no segments.
    private static func crossFieldViolation(_ request: GenerateRequest) -> String? {
        if request.segments.isEmpty && request.constraints.isEmpty {
            return "the request needs at least one segment or constraint"
        }
        if request.segments.isEmpty && request.durationFrames == nil {
            return "`duration_frames` is required when `segments` is empty"
        }
        if !request.segments.isEmpty && request.durationFrames != nil {
            return "`duration_frames` is not allowed when `segments` is non-empty"
        }
        return nil
    }
}
