import Testing

@testable import MotionMCPProtocol

/// docs/protocol.md §10 cases 91–94: prompt length (S13), duration (S14) and their priority.
@Suite("Prompt and duration limits")
struct LimitTests {
    private func text(_ prompt: String, frames: Int = 10) -> JSONValue {
        ValidationFixture.base(segments: #"[{"type":"text","prompt":"\#(prompt)","duration_frames":\#(frames)}]"#)
    }

    @Test("prompts are measured in code points (case 91)")
    func promptLength() {
        expectAccepted(text(String(repeating: "a", count: 1000)))
        expectRefused(text(String(repeating: "a", count: 1001)), code: .invalidOptions, details: "{}")
        expectAccepted(text(String(repeating: "😀", count: 1000)))
        expectRefused(text(String(repeating: "😀", count: 1001)), code: .invalidOptions, details: "{}")
    }

    @Test("a pose prompt is limited too (case 92)")
    func posePrompt() {
        let body = ValidationFixture.base(segments: #"[{"type":"pose","prompt":"\#(String(repeating: "a", count: 1001))"}]"#)
        expectRefused(body, ValidationFixture.models { $0.supportedSegments += ["pose"] }, code: .invalidOptions)
    }

    @Test("the duration is frames over the effective rate, equality passing (case 93)")
    func duration() {
        expectAccepted(text("walk", frames: 900))
        let error = expectRefused(text("walk", frames: 901), code: .invalidOptions, details: "{}")
        #expect(error?.message == "total duration 30.03s exceeds max_duration_seconds 30.0")
        expectAccepted(text("walk", frames: 901).with("timing", #"{"fps":60}"#))
        let constraintsOnly = ValidationFixture.constraintsOnly(
            #"[{"type":"pose_keyframe","frame":1,"joint_rotations":{"Hips":[0,0,0,1]}}]"#, frames: 901)
        expectRefused(constraintsOnly, code: .invalidOptions)
    }

    @Test("the sample count is checked before prompts, prompts before the duration (case 94)")
    func priority() {
        let longPrompt = text(String(repeating: "a", count: 1001), frames: 1000)
        let limited = ValidationFixture.models { $0.limits.maxNumSamples = 4 }
        #expect(
            expectRefused(longPrompt.with("options", #"{"num_samples":5}"#), limited, code: .invalidOptions)?.message.hasPrefix("num_samples") == true
        )
        #expect(expectRefused(longPrompt, code: .invalidOptions)?.message.hasPrefix("prompt length") == true)
    }

    @Test("segment lengths add up without overflow; the sum beyond Int counts as too long")
    func overflowingTotal() {
        let huge = #"{"type":"text","prompt":"walk","duration_frames":4611686018427387904}"#
        let body = ValidationFixture.base(segments: "[\(huge),\(huge),\(huge)]")
        expectRefused(body.with("timing", #"{"fps":1e300}"#), code: .invalidOptions)
        expectRefused(
            body.with("constraints", #"[{"type":"root_path","frames":[-1],"positions_xz":[[0,0]]}]"#),
            code: .frameOutOfRange, details: #"{"frame":-1,"total_frames":13835058055282163712}"#)
    }
}
