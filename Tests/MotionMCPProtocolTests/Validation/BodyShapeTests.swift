import Testing

@testable import MotionMCPProtocol

/// docs/protocol.md §10 cases 17, 18, 26 and 48: the shape of the body as a whole.
@Suite("The request body as a whole")
struct BodyShapeTests {
    @Test("BASE passes every check and names its model", arguments: [ValidationFixture.base])
    func baseIsAccepted(_ body: JSONValue) {
        let validated = expectAccepted(body)
        #expect(validated?.modelKey == "null")
        #expect(validated?.request.totalFrames == 10)
        #expect(validated?.request.options == nil)
        #expect(validated?.request.segments == [.text(TextSegment(prompt: "walk", durationFrames: 10))])
    }

    @Test("a body that is not an object has one model_type entry at the root", arguments: ["[]", #""x""#, "5", "null", "true"])
    func nonObjectBody(_ text: String) {
        expectSchemaErrors(ValidationFixture.json(text), ["model_type []"])
    }

    @Test("an empty object misses protocol_version, model and skeleton, in that order")
    func emptyObject() {
        expectSchemaErrors(
            ValidationFixture.json("{}"),
            [
                #"missing ["protocol_version"]"#, #"missing ["model"]"#, #"missing ["skeleton"]"#,
            ])
    }

    @Test("an unknown top-level key is refused with extra_forbidden at its name")
    func unknownTopLevelKey() {
        expectSchemaErrors(ValidationFixture.base.with("foo", "1"), [#"extra_forbidden ["foo"]"#])
    }

    @Test("unknown keys come after every field error, in document order")
    func unknownKeysComeLast() {
        expectSchemaErrors(
            ValidationFixture.json(#"{"zzz":1,"model":5,"aaa":2}"#),
            [
                #"missing ["protocol_version"]"#, #"string_type ["model"]"#, #"missing ["skeleton"]"#,
                #"extra_forbidden ["zzz"]"#, #"extra_forbidden ["aaa"]"#,
            ])
    }

    @Test("independent field errors anywhere in the request are reported together")
    func independentErrorsTogether() {
        let body = ValidationFixture.base
            .with("segments", "null").with("constraints", "{}").with("duration_frames", #""x""#)
            .with("timing", "[]").with("model", "null")
        expectSchemaErrors(
            body,
            [
                #"string_type ["model"]"#, #"list_type ["segments"]"#, #"list_type ["constraints"]"#,
                #"int_parsing ["duration_frames"]"#, #"model_type ["timing"]"#,
            ])
    }

    @Test("a schema error comes before the model lookup: an unknown model with a bad field is 422")
    func schemaBeforeModelLookup() {
        expectSchemaErrors(ValidationFixture.base.with("model", #""nope""#).with("foo", "1"), [#"extra_forbidden ["foo"]"#])
    }

    @Test("an unknown model is 400 unknown_model listing the registry keys sorted")
    func unknownModel() {
        let models = ValidationFixture.directory([
            ("zeta", ValidationFixture.nullSpec()), ("alpha", ValidationFixture.nullSpec()), ("Mid", ValidationFixture.nullSpec()),
        ])
        expectRefused(
            ValidationFixture.base.with("model", #""nope""#), models, code: .unknownModel,
            details: #"{"available_models":["Mid","alpha","zeta"]}"#)
    }

    @Test("a server with no models refuses every request as unknown_model with an empty list")
    func noModels() {
        expectRefused(ValidationFixture.base, ValidationFixture.directory([]), code: .unknownModel, details: #"{"available_models":[]}"#)
    }

    @Test("requests are routed by registry key while details name the spec id")
    func registryKeyVersusSpecId() {
        let models = ValidationFixture.directory([("fast", ValidationFixture.nullSpec(id: "null"))])
        #expect(expectAccepted(ValidationFixture.base.with("model", #""fast""#), models)?.spec.id == "null")
        expectRefused(ValidationFixture.base, models, code: .unknownModel, details: #"{"available_models":["fast"]}"#)
        expectRefused(
            ValidationFixture.base.with("model", #""fast""#).with("options", #"{"loop":true}"#), models,
            code: .invalidOptions, details: #"{"model":"null"}"#)
    }

    @Test("a semantic error is reported whatever the body's size (case 26)")
    func semanticErrorRegardlessOfSize() {
        let prompt = String(repeating: "a", count: 900)
        let body = ValidationFixture.base(segments: #"[{"type":"text","prompt":"\#(prompt)","duration_frames":10}]"#)
            .with("options", #"{"loop":true}"#)
        let models = ValidationFixture.directory([
            ("small", ValidationFixture.nullSpec { $0.limits.maxRequestBytes = 1000 }),
            ("big", ValidationFixture.nullSpec { $0.limits.maxRequestBytes = 100_000 }),
        ])
        expectRefused(body.with("model", #""small""#), models, code: .invalidOptions, details: #"{"model":"null"}"#)
    }
}
