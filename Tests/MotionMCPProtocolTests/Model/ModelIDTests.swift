import Testing

@testable import MotionMCPProtocol

/// The one rule for model ids and spec values, and the escaping every log line goes through.
@Suite("Model ids, spec values and log text")
struct ModelIDTests {
    @Test(
        "ids of letters, digits, punctuation, symbols and inner spaces, up to 128 characters, are valid",
        arguments: ["null", "walker-v2", "org/walker v2", "a.b_c:d@e", "步行者", "ü", String(repeating: "x", count: 128)])
    func validIDs(_ id: String) {
        #expect(ModelID.problem(id) == nil)
    }

    @Test(
        "an empty, overlong, space-edged or unprintable id is refused with a reason that quotes it escaped",
        arguments: [
            ("", "must not be empty"), (String(repeating: "x", count: 129), "longer than 128"),
            (" walker", "start or end with a space"), ("walker ", "start or end with a space"),
            ("evil\n2026-12-07 critical mmcp: FORGED", "U+000A"), ("a\u{0}b", "U+0000"), ("a\u{1B}[2Jb", "U+001B"),
            ("a\u{85}b", "U+0085"), ("a\u{202E}b", "U+202E"), ("a\u{2028}b", "U+2028"), ("a\tb", "U+0009"),
        ])
    func invalidIDs(_ id: String, _ reason: String) throws {
        let problem = try #require(ModelID.problem(id))
        #expect(problem.contains(reason), "\(problem)")
        #expect(!problem.contains { $0.isNewline }, "the reason must not break a line: \(problem)")
        #expect(!problem.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{7F}" })
        #expect(throws: ModelSpecError.self) { try ModelID.validate(id) }
    }

    @Test("a 200,000-character id is refused with a reason that quotes only its start")
    func hugeID() throws {
        let problem = try #require(ModelID.problem(String(repeating: "y", count: 200_000)))
        #expect(problem.count < 200)
        #expect(ModelID.shown(String(repeating: "y", count: 200_000)).count == ModelID.maxLength + 1)
        #expect(ModelID.shown("ok") == "ok")
    }

    @Test("control characters are escaped so no text can start a line or move the cursor; everything else is kept")
    func escaping() {
        #expect(LogText.escaped("a\nb\rc\td") == #"a\nb\rc\td"#)
        #expect(LogText.escaped("\u{1B}[31mred\u{0}") == #"\u{1B}[31mred\u{0}"#)
        #expect(LogText.escaped("x\u{7F}\u{9B}\u{2028}\u{2029}") == #"x\u{7F}\u{9B}\u{2028}\u{2029}"#)
        #expect(LogText.escaped(#"C:\path "quoted" — ünïcode 步"#) == #"C:\path "quoted" — ünïcode 步"#)
        let escaped = LogText.escaped("one\ntwo")
        #expect(LogText.escaped(escaped) == escaped, "escaping twice changes nothing")
    }

    static let base = ModelSpec(
        id: "walker", fps: 30, canonicalSkeleton: Skeleton(joints: [Joint(name: "Hips", restTranslation: SIMD3(0, 1, 0))]))

    static func overlay(_ json: String) throws -> JSONObject {
        try #require(try JSONParser.parse(Array(json.utf8)).objectValue)
    }

    @Test(
        "a spec overlay with a value no server should publish is refused, naming the field",
        arguments: [
            (#"{"fps":1e308}"#, "'fps'"), (#"{"fps":0}"#, "'fps'"), (#"{"fps":1000.5}"#, "'fps'"),
            (#"{"id":"a\nb"}"#, "U+000A"), (#"{"id":""}"#, "'id' must not be empty"),
            (#"{"limits":{"max_request_bytes":-1}}"#, "limits.max_request_bytes"),
            (#"{"limits":{"max_request_bytes":1073741825}}"#, "limits.max_request_bytes"),
            (#"{"limits":{"max_batch_size":0}}"#, "limits.max_batch_size"),
            (#"{"limits":{"max_batch_size":5000}}"#, "limits.max_batch_size"),
            (#"{"limits":{"max_num_samples":0}}"#, "limits.max_num_samples"),
            (#"{"limits":{"max_prompt_length":0}}"#, "limits.max_prompt_length"),
            (#"{"limits":{"max_constraints_per_request":-1}}"#, "limits.max_constraints_per_request"),
            (#"{"limits":{"max_duration_seconds":0}}"#, "limits.max_duration_seconds"),
            (#"{"limits":{"max_duration_seconds":1e300}}"#, "limits.max_duration_seconds"),
            (#"{"native_clip_seconds":-1}"#, "native_clip_seconds"),
            (#"{"recommended_max_duration_seconds":-0.5}"#, "recommended_max_duration_seconds"),
        ])
    func refusedValues(_ json: String, _ field: String) throws {
        let overlay = try Self.overlay(json)
        #expect {
            _ = try Self.base.overlaid(with: overlay)
        } throws: { error in
            "\(error)".contains(field)
        }
    }

    @Test("the reference's defaults, the protocol's example limits and the bounds themselves pass")
    func acceptedValues() throws {
        #expect(throws: Never.self) { try Self.base.validate() }
        let overlay = try Self.overlay(
            #"{"fps":1000,"limits":{"max_duration_seconds":3600,"max_num_samples":1024,"max_constraints_per_request":0,"#
                + #""max_prompt_length":1,"max_request_bytes":1073741824,"max_batch_size":1,"max_reference_frames":300,"#
                + #""max_video_bytes":50000000,"max_video_seconds":20.0}}"#)
        let spec = try Self.base.overlaid(with: overlay)
        #expect(spec.fps == 1000)
        #expect(spec.limits.maxRequestBytes == 1 << 30)
    }
}
