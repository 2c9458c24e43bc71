import MotionMCPProtocol
import Testing

/// docs/extensions.md §2.1 and §7 case 6: which format an `Accept` header gets.
@Suite("Response format negotiation")
struct ResponseFormatNegotiationTests {
    @Test(
        "the clients, the spec's examples and headers without a preference get JSON",
        arguments: [
            "model/gltf+json, application/json", // C1
            "model/gltf+json, application/json, model/gltf-binary;q=0.9", // C2
            "*/*",
            "",
            "   ",
            ",,,",
            "model/gltf+json;q=0.5, model/gltf-binary;q=0.5",
            "model/gltf-binary;q=0",
            "application/json;q=0.95, model/gltf-binary;q=0.9",
            "model/gltf-binary;q=0.9, application/*",
            "model/gltf-binary;q=0.9, model/*",
            "text/html",
            "garbage",
        ])
    func json(accept: String) {
        #expect(ResponseFormat.negotiate(accept: accept) == .json)
    }

    @Test("no Accept header gets JSON")
    func noHeader() {
        #expect(ResponseFormat.negotiate(accept: nil) == .json)
    }

    @Test(
        "GLB is chosen only when preferred over both JSON types",
        arguments: [
            "model/gltf-binary",
            "model/gltf-binary, model/gltf+json;q=0.1",
            "MODEL/GLTF-BINARY",
            "Model/glTF-Binary;Q=0.5",
            // model/gltf-binary takes model/*'s 0.8; application/json matches nothing, so JSON has 0.1.
            "model/*;q=0.8, model/gltf+json;q=0.1",
            "model/gltf-binary, */*;q=0.5",
            // Every type's most specific range is */*, except JSON's exact 0.2.
            "*/*;q=0.9, model/gltf+json;q=0.2, application/json;q=0.2",
            " model/gltf-binary ; q=0.7 , application/json;q=0.6\t",
            "model/gltf-binary;q=0.5001, model/gltf+json;q=0.5",
            "model/gltf-binary;charset=utf-8;q=0.5, model/gltf+json;q=0.4",
            "model/gltf-binary;q=1.000",
            "model/gltf-binary;q=.5",
            "model/gltf-binary;q=1.",
            // Among equally specific ranges the highest weight counts.
            "model/gltf-binary;q=0.2, model/gltf-binary;q=0.8, model/gltf+json;q=0.5",
            // A quoted parameter value may hold the separators.
            #"model/gltf-binary;foo="a,b;q=0", application/json;q=0.5"#,
            // What follows the weight is an accept extension.
            "model/gltf-binary;q=0.6;ext=1, model/gltf+json;q=0.5",
        ])
    func binary(accept: String) {
        #expect(ResponseFormat.negotiate(accept: accept) == .binary)
    }

    @Test(
        "a more specific range beats a general one, whatever their weights",
        arguments: [
            ("*/*, model/gltf-binary;q=0.1", ResponseFormat.json),
            ("model/gltf-binary;q=0.1, */*", .json),
            ("model/*;q=0.1, model/gltf-binary", .binary),
            ("model/gltf-binary;q=0.3, model/*;q=1, application/json;q=0.2", .json),
        ])
    func specificity(accept: String, expected: ResponseFormat) {
        #expect(ResponseFormat.negotiate(accept: accept) == expected)
    }

    @Test(
        "a range with a malformed or out-of-range q is skipped",
        arguments: [
            // The GLB range is skipped, so GLB has no weight.
            ("model/gltf-binary;q=abc", ResponseFormat.json),
            ("model/gltf-binary;q=", .json),
            ("model/gltf-binary;q=1.5", .json),
            ("model/gltf-binary;q=-0", .json),
            ("model/gltf-binary;q=1e-1", .json),
            ("model/gltf-binary;q=nan", .json),
            ("model/gltf-binary;q=0..5", .json),
            (#"model/gltf-binary;q="0.5""#, .json),
            // */* still gives GLB 0.1, tying with JSON.
            ("model/gltf-binary;q=1.5, */*;q=0.1", .json),
            // The JSON range is skipped, so JSON has no weight.
            ("model/gltf+json;q=2, model/gltf-binary;q=0.5", .binary),
            ("model/gltf+json;q=-0.1, model/gltf-binary;q=0.2", .binary),
            ("model/gltf+json;q=, model/gltf-binary", .binary),
            (#"model/gltf+json;q="1", model/gltf-binary;q=0.4"#, .binary),
        ])
    func malformedWeight(accept: String, expected: ResponseFormat) {
        #expect(ResponseFormat.negotiate(accept: accept) == expected)
    }

    @Test(
        "a range that is not type/subtype matches nothing",
        arguments: [
            ("*/gltf-binary", ResponseFormat.json),
            ("model/", .json),
            ("/gltf-binary", .json),
            ("model gltf-binary", .json),
            ("model/gltf binary", .json),
            ("*/json, model/gltf-binary;q=0.1", .binary),
        ])
    func malformedRange(accept: String, expected: ResponseFormat) {
        #expect(ResponseFormat.negotiate(accept: accept) == expected)
    }

    @Test("each format names its content type and its capability")
    func names() {
        #expect(ResponseFormat.json.contentType == "model/gltf+json")
        #expect(ResponseFormat.binary.contentType == "model/gltf-binary")
        #expect(ResponseFormat.allCases.map(\.capabilityName) == ["gltf_2.0_json", "gltf_2.0_binary"])
    }
}
