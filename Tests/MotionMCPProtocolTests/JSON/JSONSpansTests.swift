import Testing

@testable import MotionMCPProtocol

@Suite("Spans of an array's elements in a JSON document")
struct JSONSpansTests {
    @Test("each element's bytes are found as written, whitespace, strings with brackets and escapes included")
    func elementsAsWritten() throws {
        let document = #"{"a": {"x": [1, "]"]}, "results" : [ {"gltf":{"s":"a\"}b"}} , {"error":{"code":"x"}}, 12, "t" ] }"#
        let bytes = Array(document.utf8)
        let spans = try JSONSpans.elements(ofArrayAt: "results", in: bytes)
        #expect(spans.map { String(decoding: bytes[$0], as: UTF8.self) } == [#"{"gltf":{"s":"a\"}b"}}"#, #"{"error":{"code":"x"}}"#, "12", #""t""#])
        #expect(try JSONSpans.elements(ofArrayAt: "results", in: Array(#"{"results":[]}"#.utf8)).isEmpty)
    }

    @Test(
        "a document without the array, or cut short, is an error, not a crash",
        arguments: [
            #"{"models": []}"#, #"[1, 2]"#, #"{"results": [1, 2"#, #"{"results": [{"a": "b}]}"#, "", #"{"results": [,]}"#,
        ])
    func malformed(_ document: String) {
        #expect(throws: JSONSpanError.self) { try JSONSpans.elements(ofArrayAt: "results", in: Array(document.utf8)) }
    }
}
