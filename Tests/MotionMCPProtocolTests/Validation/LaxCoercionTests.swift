import Testing

@testable import MotionMCPProtocol

/// The reference's lax scalar coercions (docs/protocol.md §3.0.3), which the project matches; every row
/// was checked against the reference.
@Suite("Lax scalar coercions")
struct LaxCoercionTests {
    @Test(
        "integer fields take integral numbers, booleans and digit strings",
        arguments: [
            ("10", 10), ("10.0", 10), ("1e1", 10), ("-0.0", 0), ("true", 1), ("false", 0), (#""10""#, 10), (#"" 10 ""#, 10),
            (#""1_0""#, 10), (#""10.0""#, 10), (#""10.00""#, 10), (#""+10""#, 10), (#""-10""#, -10), (#""1_0.0""#, 10),
            (#""+1_0.0""#, 10), (#""010""#, 10), (#""\u00a010\u2028""#, 10), (#""10.0\n""#, 10), (#""-0""#, 0),
            (#""9223372036854775807""#, Int.max), (#""-9223372036854775808""#, Int.min), ("1e18", 1_000_000_000_000_000_000),
        ])
    func integers(_ text: String, _ expected: Int) {
        #expect(LaxScalar.integer(ValidationFixture.json(text)) == .success(expected))
    }

    @Test(
        "integer fields refuse fractions, non-digits and malformed underscores",
        arguments: [
            ("10.5", "int_from_float"), (#""10.""#, "int_parsing"), (#""1e1""#, "int_parsing"), (#""10.5""#, "int_parsing"),
            (#""""#, "int_parsing"), (#"" ""#, "int_parsing"), (#""_1""#, "int_parsing"), (#""1_""#, "int_parsing"),
            (#""1__0""#, "int_parsing"), (#""+_1""#, "int_parsing"), (#""1_0.0_0""#, "int_parsing"), (#""0x10""#, "int_parsing"),
            (#""\u0661\u0660""#, "int_parsing"), (#""inf""#, "int_parsing"), (#"".0""#, "int_parsing"), (#""10\u001c""#, "int_parsing"),
            ("null", "int_type"), ("[]", "int_type"), ("{}", "int_type"), ("NaN", "finite_number"), ("Infinity", "finite_number"),
            ("1e20", "int_parsing_size"), ("9.3e18", "int_parsing_size"), ("-9223372036854775808.0", "int_parsing_size"),
            ("9223372036854775808", "int_parsing_size"), (#""9223372036854775808""#, "int_parsing_size"),
            ("\"" + String(repeating: "1", count: 4301) + "\"", "int_parsing_size"),
        ])
    func integerRefusals(_ text: String, _ type: String) {
        #expect(LaxScalar.integer(ValidationFixture.json(text)).failureValue?.type == type)
    }

    @Test(
        "float fields take numbers, booleans and Rust float syntax",
        arguments: [
            ("1", 1.0), ("true", 1.0), (#""1.5""#, 1.5), (#""1_0""#, 10), (#""1_0.5_5""#, 10.55), (#""1._5""#, 1.5),
            (#""1_e5""#, 1e5), (#""5.""#, 5), (#"".5""#, 0.5), (#""1.e5""#, 1e5), (#""+.5""#, 0.5), (#""-.5e-3""#, -0.0005),
            (#""+_1""#, 1), (#""\u00a01.5\u2028""#, 1.5), (#""00.5""#, 0.5), (#""1E5""#, 1e5), (#""1e-400""#, 0),
            ("1180591620717411303424", 1180591620717411303424.0),
        ])
    func floats(_ text: String, _ expected: Double) {
        #expect(LaxScalar.double(ValidationFixture.json(text)) == .success(expected))
    }

    @Test(
        "float text that reads as a non-finite number",
        arguments: [
            #""INF""#, #""+inf""#, #""-Infinity""#, #""InFiNiTy""#, #""nan""#, #""-nan""#, #""i_nf""#, #""1e400""#,
        ])
    func nonFiniteFloatText(_ text: String) {
        #expect(LaxScalar.double(ValidationFixture.json(text)).successValue?.isFinite == false)
    }

    @Test(
        "float fields refuse other text and other kinds",
        arguments: [
            (#"" 1_0 ""#, "float_parsing"), (#""_1.0""#, "float_parsing"), (#""1.0_""#, "float_parsing"), (#"".""#, "float_parsing"),
            (#""1e""#, "float_parsing"), (#""e5""#, "float_parsing"), (#""infinit""#, "float_parsing"), (#""0x1p3""#, "float_parsing"),
            (#""\u0661.\u0665""#, "float_parsing"), (#""1,5""#, "float_parsing"), (#""""#, "float_parsing"), (#""1__0""#, "float_parsing"),
            ("null", "float_type"), ("[]", "float_type"), ("{}", "float_type"), ("1" + String(repeating: "0", count: 400), "float_type"),
        ])
    func floatRefusals(_ text: String, _ type: String) {
        #expect(LaxScalar.double(ValidationFixture.json(text)).failureValue?.type == type)
    }

    @Test(
        "boolean fields take 0/1 and a few words in any case",
        arguments: [
            ("true", true), ("0", false), ("1", true), ("0.0", false), ("-0.0", false), ("1.0", true), (#""yes""#, true),
            (#""Off""#, false), (#""ON""#, true), (#""y""#, true), (#""n""#, false), (#""t""#, true), (#""F""#, false),
            (#""1""#, true), (#""0""#, false), (#""TRUE""#, true),
        ])
    func booleans(_ text: String, _ expected: Bool) {
        #expect(LaxScalar.bool(ValidationFixture.json(text)) == .success(expected))
    }

    @Test(
        "boolean fields refuse other numbers and words",
        arguments: [
            ("2", "bool_parsing"), ("-1", "bool_parsing"), ("2.0", "bool_parsing"), ("1e18", "bool_parsing"), ("1.5", "bool_type"),
            ("NaN", "bool_type"), ("9.3e18", "bool_type"), ("9223372036854775808", "bool_type"), (#"" true""#, "bool_parsing"),
            (#""2""#, "bool_parsing"), (#""1.0""#, "bool_parsing"), (#""tru""#, "bool_parsing"), ("null", "bool_type"), ("[]", "bool_type"),
        ])
    func booleanRefusals(_ text: String, _ type: String) {
        #expect(LaxScalar.bool(ValidationFixture.json(text)).failureValue?.type == type)
    }

    @Test("strings are never made from numbers or booleans")
    func stringsStayStrings() {
        expectSchemaErrors(
            ValidationFixture.base(segments: #"[{"type":"text","prompt":5,"duration_frames":10,"language":true}]"#),
            [
                #"string_type ["segments",0,"text","prompt"]"#, #"string_type ["segments",0,"text","language"]"#,
            ])
    }

    @Test("a non-finite number where the reference accepts one is refused, but only after every other check")
    func deferredNonFinite() {
        let body = ValidationFixture.base.with(["skeleton", "joints", 2, "rest_translation"], "[0,NaN,0]")
        expectSchemaErrors(body, [#"finite_number ["skeleton","joints",2,"rest_translation",1]"#])
        expectTopologyErrors(body.with(["skeleton", "joints", 1, "parent"], "null"), at: [#"["skeleton"]"#])
        expectRefused(body.with("model", #""nope""#), code: .unknownModel)
        expectSchemaErrors(body.with("foo", "1"), [#"extra_forbidden ["foo"]"#])
        expectSchemaErrors(
            ValidationFixture.base.with("options", #"{"keyframe_budget":"inf","guidance":{"type":"regular","weight":[Infinity]}}"#),
            [
                #"finite_number ["options","guidance","weight",0]"#, #"finite_number ["options","keyframe_budget"]"#,
            ], on: ValidationFixture.models { $0.supportsKeyframeReduction = true })
        #expect(RequestSchema.decode(body).failureValue?.issues.map(\.type) == ["finite_number"])
    }
}

extension Result {
    var failureValue: Failure? { if case .failure(let error) = self { error } else { nil } }
    var successValue: Success? { if case .success(let value) = self { value } else { nil } }
}
