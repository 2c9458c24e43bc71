import Testing

@testable import MotionMCPProtocol

/// docs/protocol.md §10 cases 84–90: `options.model_options` against a model's declared dials (§4.9).
@Suite("Model options")
struct ModelOptionsTests {
    private let models = ValidationFixture.models { spec in
        spec.modelOptions = [
            try! ModelOption(name: "bend", type: .number, minimum: 0, maximum: 1),
            try! ModelOption(name: "steps", type: .integer, minimum: 1, maximum: 10),
            try! ModelOption(name: "flag", type: .boolean),
            try! ModelOption(name: "style", type: .enum, values: ["calm", "wild"]),
            try! ModelOption(name: "parts", type: .flags, values: ["arms", "legs", "head"]),
        ]
    }

    private func sending(_ text: String) -> JSONValue {
        ValidationFixture.base.with("options", #"{"model_options":\#(text)}"#)
    }

    @Test(
        "accepted values (cases 84–88)",
        arguments: [
            #"{"bend":0.5}"#, #"{"bend":0}"#, #"{"bend":1}"#, #"{"steps":3.0}"#, #"{"steps":10}"#, #"{"flag":true}"#,
            #"{"style":"calm"}"#, #"{"parts":[]}"#, #"{"parts":["arms","head"]}"#,
        ])
    func accepted(_ text: String) {
        let validated = expectAccepted(sending(text), models)
        #expect(validated?.request.options?.modelOptions == ValidationFixture.json(text).objectValue)
    }

    @Test(
        "refused values echo the option and the value as sent (cases 84–88)",
        arguments: [
            (#"{"bend":1.01}"#, "bend", "1.01"), (#"{"bend":true}"#, "bend", "true"), (#"{"bend":"0.5"}"#, "bend", #""0.5""#),
            (#"{"bend":null}"#, "bend", "null"), (#"{"steps":3.5}"#, "steps", "3.5"), (#"{"steps":11}"#, "steps", "11"),
            (#"{"flag":1}"#, "flag", "1"), (#"{"flag":"true"}"#, "flag", #""true""#), (#"{"style":"CALM"}"#, "style", #""CALM""#),
            (#"{"parts":["arms","arms"]}"#, "parts", #"["arms","arms"]"#), (#"{"parts":["tail"]}"#, "parts", #"["tail"]"#),
            (#"{"parts":"arms"}"#, "parts", #""arms""#), (#"{"steps":1e400}"#, "steps", #""inf""#),
        ])
    func refused(_ text: String, _ option: String, _ value: String) {
        expectRefused(
            sending(text), models, code: .invalidOptions,
            details: #"{"model":"null","option":"\#(option)","value":\#(value)}"#)
    }

    @Test("an undeclared name lists the declared names sorted; the first bad member in JSON order decides (case 89)")
    func undeclaredName() {
        let declared = #"{"model":"null","options":["bend","flag","parts","steps","style"]}"#
        expectRefused(sending(#"{"nope":1}"#), models, code: .invalidOptions, details: declared)
        expectRefused(sending(#"{"bend":5,"nope":1}"#), models, code: .invalidOptions, details: #"{"model":"null","option":"bend","value":5}"#)
        expectRefused(sending(#"{"nope":1,"bend":5}"#), models, code: .invalidOptions, details: declared)
    }

    @Test("a NaN value is refused and echoed as text (case 90)")
    func nanValue() {
        let error = expectRefused(
            sending(#"{"bend":NaN}"#), models, code: .invalidOptions,
            details: #"{"model":"null","option":"bend","value":"nan"}"#)
        #expect(error?.message.hasPrefix("options.model_options.bend: ") == true)
    }

    @Test("integers are compared with the bounds exactly, however large")
    func exactComparison() {
        let wide = ValidationFixture.models { $0.modelOptions = [try! ModelOption(name: "n", type: .integer, maximum: 1e19)] }
        expectAccepted(sending(#"{"n":10000000000000000000}"#), wide)
        expectRefused(sending(#"{"n":10000000000000000001}"#), wide, code: .invalidOptions)
        expectAccepted(sending(#"{"n":-99999999999999999999999}"#), wide)
        let narrow = ValidationFixture.models { $0.modelOptions = [try! ModelOption(name: "n", type: .number, minimum: 0.5)] }
        expectRefused(sending(#"{"n":0}"#), narrow, code: .invalidOptions)
        expectAccepted(sending(#"{"n":1}"#), narrow)
    }

    @Test("the last declaration of a repeated name wins")
    func lastDeclarationWins() {
        let twice = ValidationFixture.models {
            $0.modelOptions = [try! ModelOption(name: "x", type: .boolean), try! ModelOption(name: "x", type: .integer)]
        }
        expectAccepted(sending(#"{"x":3}"#), twice)
        expectRefused(sending(#"{"x":true}"#), twice, code: .invalidOptions)
        expectRefused(sending(#"{"y":1}"#), twice, code: .invalidOptions, details: #"{"model":"null","options":["x"]}"#)
    }
}
