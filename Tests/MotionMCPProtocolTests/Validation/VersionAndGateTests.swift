import Testing

@testable import MotionMCPProtocol

/// docs/protocol.md §10 cases 28–40: the version pre-check (§4.4) and the segment gate (§4.5).
@Suite("Version pre-check and segment gate")
struct VersionAndGateTests {
    @Test("every 1.x version is accepted, leading zeros included", arguments: ["1.0", "1.99", "01.4", "0001.4", "1.4"])
    func majorOneAccepted(_ version: String) {
        expectAccepted(ValidationFixture.base.with("protocol_version", "\"\(version)\""))
    }

    @Test("another major is 400 version_unsupported with supported_majors", arguments: ["2.0", "0.9", "10.0", "00.1"])
    func otherMajorRefused(_ version: String) {
        expectRefused(
            ValidationFixture.base.with("protocol_version", "\"\(version)\""), code: .versionUnsupported,
            details: #"{"supported_majors":["1"]}"#)
    }

    @Test(
        "a version not of the form digits.digits is a pattern mismatch",
        arguments: ["1", "1.4.1", "v1.4", " 1.4", "1.4\\n", "", "abc", "1.", ".4", "+1.4", "1.4 "])
    func patternMismatch(_ version: String) {
        expectSchemaErrors(ValidationFixture.base.with("protocol_version", "\"\(version)\""), [#"string_pattern_mismatch ["protocol_version"]"#])
        let error = expectRefused(ValidationFixture.base.with("protocol_version", "\"\(version)\""), code: .schemaValidation)
        #expect(error?.details["errors"]?.arrayValue?.first?.objectValue?["ctx"] == ["pattern": #"^\d+\.\d+$"#])
    }

    @Test("a non-string version is string_type and a missing one is missing")
    func versionTypes() {
        expectSchemaErrors(ValidationFixture.base.with("protocol_version", "1.4"), [#"string_type ["protocol_version"]"#])
        expectSchemaErrors(ValidationFixture.base.with("protocol_version", "null"), [#"string_type ["protocol_version"]"#])
        expectSchemaErrors(ValidationFixture.base.without("protocol_version"), [#"missing ["protocol_version"]"#])
    }

    @Test("Unicode decimal digits count as digits, as the reference's \\d does")
    func unicodeDigits() {
        expectAccepted(ValidationFixture.base.with("protocol_version", #""\u0661.\u0664""#))
        expectRefused(ValidationFixture.base.with("protocol_version", #""\u0662.\u0664""#), code: .versionUnsupported)
    }

    @Test("a major with more digits than the reference reads is unsupported")
    func overlongMajor() {
        let zeros = String(repeating: "0", count: 4300)
        expectRefused(ValidationFixture.base.with("protocol_version", "\"\(zeros)1.4\""), code: .versionUnsupported)
        expectAccepted(ValidationFixture.base.with("protocol_version", "\"\(zeros.dropLast())1.4\""))
    }

    @Test("an unsupported major beats every schema error (case 32)")
    func versionBeatsSchema() {
        expectRefused(ValidationFixture.json(#"{"protocol_version":"2.0","model":"zz"}"#), code: .versionUnsupported)
    }

    @Test("an unsupported major beats the segment gate (case 33)")
    func versionBeatsGate() {
        let body = ValidationFixture.base(segments: "[" + ValidationFixture.video(#"{"url":"https://x.com/a"}"#) + "]")
            .with("protocol_version", #""2.0""#)
        expectRefused(body, code: .versionUnsupported)
    }

    @Test("a known segment type the model does not list is 400 unsupported_segment with its list (case 34)")
    func poseOnN() {
        expectRefused(
            ValidationFixture.base(segments: #"[{"type":"pose","prompt":"x"}]"#), code: .unsupportedSegment,
            details: #"{"supported_segments":["text","unconditioned"]}"#)
    }

    @Test("the gate refuses a segment before its payload is read (case 35)")
    func gateBeforePayload() {
        let body = ValidationFixture.base(segments: "[" + ValidationFixture.video(#"{"data":"not base64 at all","media_type":"video/mp4"}"#) + "]")
        expectRefused(body, code: .unsupportedSegment)
    }

    @Test("the gate beats a missing version, a missing skeleton, unknown keys and a bad version (case 36)")
    func gateBeatsSchema() {
        let pose = ValidationFixture.base(segments: #"[{"type":"pose","prompt":"x","duration_frames":"bad"}]"#)
        expectRefused(pose.without("protocol_version").without("skeleton").with("foo", "1"), code: .unsupportedSegment)
        expectRefused(pose.with("protocol_version", #""v1""#), code: .unsupportedSegment)
    }

    @Test("an unknown segment type is union_tag_invalid with the expected tags (case 37)")
    func unknownSegmentType() {
        let error = expectRefused(ValidationFixture.base(segments: #"[{"type":"audio","duration_frames":10}]"#), code: .schemaValidation)
        #expect(error.map(entryLines) == [#"union_tag_invalid ["segments",0]"#])
        #expect(
            error?.details["errors"]?.arrayValue?.first?.objectValue?["ctx"] == [
                "discriminator": "'type'", "tag": "audio",
                "expected_tags": "'text', 'unconditioned', 'pose', 'motion_reference', 'video_reference'",
            ])
    }

    @Test("the gate skips unknown types and non-objects and refuses a later known one (case 38)")
    func gateSkipsUnknown() {
        expectRefused(ValidationFixture.base(segments: #"[5,{"type":"audio"},{"type":"pose","prompt":"x"}]"#), code: .unsupportedSegment)
    }

    @Test("a segment without a type is union_tag_not_found (case 39)")
    func missingSegmentType() {
        expectSchemaErrors(ValidationFixture.base(segments: #"[{"prompt":"x","duration_frames":10}]"#), [#"union_tag_not_found ["segments",0]"#])
    }

    @Test("segment elements of the wrong kind: not an object, a non-string tag")
    func segmentElementKinds() {
        expectSchemaErrors(
            ValidationFixture.base(segments: #"[5,"x",null,[],{"type":null},{"type":5},{"type":"Text"}]"#),
            [
                #"model_attributes_type ["segments",0]"#, #"model_attributes_type ["segments",1]"#,
                #"model_attributes_type ["segments",2]"#, #"model_attributes_type ["segments",3]"#,
                #"union_tag_invalid ["segments",4]"#, #"union_tag_invalid ["segments",5]"#, #"union_tag_invalid ["segments",6]"#,
            ])
    }

    @Test("the gate is skipped for an unknown model, which is then unknown_model (case 40)")
    func gateSkippedForUnknownModel() {
        expectRefused(
            ValidationFixture.base(segments: #"[{"type":"pose","prompt":"x"}]"#).with("model", #""nope""#), code: .unknownModel,
            details: #"{"available_models":["null"]}"#)
    }

    @Test("a model listing motion_reference but not video_reference refuses a video segment (case 115)")
    func motionOnlyModel() {
        let models = ValidationFixture.models { $0.supportedSegments = ["text", "unconditioned", "motion_reference"] }
        expectRefused(
            ValidationFixture.base(segments: "[" + ValidationFixture.video(#"{"url":"https://x.com/a"}"#) + "]"), models,
            code: .unsupportedSegment, details: #"{"supported_segments":["text","unconditioned","motion_reference"]}"#)
    }
}
