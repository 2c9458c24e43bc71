import Testing

@testable import MotionMCPProtocol

/// docs/protocol.md §10 cases 41–47: text, unconditioned and pose segments.
@Suite("Text, unconditioned and pose segments")
struct SegmentSchemaTests {
    private let withPose = ValidationFixture.models { $0.supportedSegments += ["pose"] }

    @Test("an empty prompt is string_too_short inside the tagged location; one space is fine (case 41)")
    func promptLength() {
        expectSchemaErrors(
            ValidationFixture.base(segments: #"[{"type":"text","prompt":"","duration_frames":10}]"#),
            [#"string_too_short ["segments",0,"text","prompt"]"#])
        expectAccepted(ValidationFixture.base(segments: #"[{"type":"text","prompt":" ","duration_frames":10}]"#))
    }

    @Test(
        "duration_frames must be a positive integer (case 42)",
        arguments: [
            ("0", "greater_than"), ("-1", "greater_than"), ("10.5", "int_from_float"), (#""x""#, "int_parsing"),
            ("null", "int_type"), ("[]", "int_type"),
        ])
    func durationRefused(_ value: String, _ type: String) {
        expectSchemaErrors(
            ValidationFixture.base(segments: #"[{"type":"text","prompt":"walk","duration_frames":\#(value)}]"#),
            ["\(type) [\"segments\",0,\"text\",\"duration_frames\"]"])
    }

    @Test("integral floats are integers: 10.0 and 1e1 make 10 frames (case 42)", arguments: ["10.0", "1e1", #""10""#, #"" 1_0 ""#])
    func durationIntegralFloat(_ value: String) {
        let validated = expectAccepted(ValidationFixture.base(segments: #"[{"type":"text","prompt":"walk","duration_frames":\#(value)}]"#))
        #expect(validated?.request.totalFrames == 10)
    }

    @Test("the greater_than entry carries its bound in ctx")
    func greaterThanContext() {
        let error = expectRefused(
            ValidationFixture.base(segments: #"[{"type":"text","prompt":"walk","duration_frames":0}]"#),
            code: .schemaValidation)
        let entry = error?.details["errors"]?.arrayValue?.first
        #expect(
            entry
                == ValidationFixture.json(
                    #"{"type":"greater_than","loc":["segments",0,"text","duration_frames"],"msg":"Input should be greater than 0","ctx":{"gt":0}}"#))
    }

    @Test("a per-segment seed is accepted without supports_segment_seed (case 43)")
    func segmentSeed() {
        let validated = expectAccepted(ValidationFixture.base(segments: #"[{"type":"text","prompt":"walk","duration_frames":10,"seed":4}]"#))
        #expect(validated?.request.segments.first == .text(TextSegment(prompt: "walk", durationFrames: 10, seed: 4)))
    }

    @Test("language defaults to en and may be null")
    func language() {
        let given = expectAccepted(ValidationFixture.base(segments: #"[{"type":"text","prompt":"walk","duration_frames":10,"language":null}]"#))
        #expect(given?.request.segments.first == .text(TextSegment(prompt: "walk", durationFrames: 10, language: nil)))
    }

    @Test("an unconditioned segment with a prompt is extra_forbidden (case 44)")
    func unconditionedWithPrompt() {
        expectSchemaErrors(
            ValidationFixture.base(segments: #"[{"type":"unconditioned","duration_frames":10,"prompt":"x"}]"#),
            [#"extra_forbidden ["segments",0,"unconditioned","prompt"]"#])
    }

    @Test("a pose counts one frame; it takes no duration; a keyframe at frame 1 is out of range (case 45)")
    func poseSegment() {
        let pose = ValidationFixture.base(segments: #"[{"type":"pose","prompt":"a"}]"#)
        #expect(expectAccepted(pose, withPose)?.request.totalFrames == 1)
        expectSchemaErrors(
            ValidationFixture.base(segments: #"[{"type":"pose","prompt":"a","duration_frames":3,"seed":1}]"#),
            [#"extra_forbidden ["segments",0,"pose","duration_frames"]"#, #"extra_forbidden ["segments",0,"pose","seed"]"#],
            on: withPose)
        let keyframe = pose.with("constraints", #"[{"type":"pose_keyframe","frame":1,"joint_rotations":{"Hips":[0,0,0,1]}}]"#)
        expectRefused(keyframe, withPose, code: .frameOutOfRange, details: #"{"frame":1,"total_frames":1}"#)
    }

    @Test("a pose mixed with a text segment counts 1 + 3 frames (case 46)")
    func poseMixed() {
        let body = ValidationFixture.base(segments: #"[{"type":"pose","prompt":"a"},{"type":"text","prompt":"walk","duration_frames":3}]"#)
        #expect(expectAccepted(body, withPose)?.request.totalFrames == 4)
    }

    @Test("segments must be a list (case 47)", arguments: ["null", "{}", #""x""#])
    func segmentsNotAList(_ value: String) {
        expectSchemaErrors(ValidationFixture.base.with("segments", value), [#"list_type ["segments"]"#])
    }

    @Test("every missing field of every segment type is listed")
    func missingFieldsEverywhere() {
        let models = ValidationFixture.models { $0.supportedSegments = Segment.knownTypes }
        expectSchemaErrors(
            ValidationFixture.base(
                segments: #"[{"type":"text"},{"type":"unconditioned"},{"type":"pose"},{"type":"motion_reference"},{"type":"video_reference"}]"#),
            [
                #"missing ["segments",0,"text","prompt"]"#, #"missing ["segments",0,"text","duration_frames"]"#,
                #"missing ["segments",1,"unconditioned","duration_frames"]"#, #"missing ["segments",2,"pose","prompt"]"#,
                #"missing ["segments",3,"motion_reference","duration_frames"]"#, #"missing ["segments",3,"motion_reference","joint_names"]"#,
                #"missing ["segments",3,"motion_reference","rotations"]"#, #"missing ["segments",3,"motion_reference","root_positions"]"#,
                #"missing ["segments",3,"motion_reference","fps"]"#, #"missing ["segments",4,"video_reference","duration_frames"]"#,
                #"missing ["segments",4,"video_reference","video"]"#,
            ], on: models)
    }
}
