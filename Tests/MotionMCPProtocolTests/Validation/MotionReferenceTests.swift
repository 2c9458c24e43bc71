import Testing

@testable import MotionMCPProtocol

/// docs/protocol.md §10 cases 95–106: motion reference segments (§3.3, check S3).
@Suite("Motion references")
struct MotionReferenceTests {
    /// N[segments+=motion_reference, max_reference_frames=5].
    private let models = ValidationFixture.models {
        $0.supportedSegments += ["motion_reference"]
        $0.limits.maxReferenceFrames = 5
    }

    private func clips(_ segments: String...) -> JSONValue { ValidationFixture.base(segments: "[" + segments.joined(separator: ",") + "]") }

    @Test("a clip's length is independent of the output length (case 95)")
    func clipIsPrompt() {
        let validated = expectAccepted(clips(ValidationFixture.clip(frames: 4)), models)
        #expect(validated?.request.totalFrames == 10)
        let clip = validated?.request.motionReference
        #expect(clip?.referenceFrames == 4)
        #expect(clip?.rotations.count == 4 * 5 * 4)
        #expect(clip?.rotation(frame: 3, joint: 4) == SIMD4(0, 0, 0, 1))
        #expect(clip?.rootPosition(frame: 2) == SIMD3(0, 0.95, 0))
    }

    @Test("a clip needs the root but not every joint (case 96)")
    func rootRequired() {
        expectAccepted(clips(ValidationFixture.clip(joints: ["Hips", "Head"])), models)
        expectRefused(
            clips(ValidationFixture.clip(joints: ["Spine", "Head"])), models, code: .invalidRequest,
            details: #"{"root_joint":"Hips","segment":0}"#)
    }

    @Test("a joint the request skeleton lacks is unknown_joint (case 97)")
    func unknownJoint() {
        let error = expectRefused(
            clips(ValidationFixture.clip(joints: ["Hips", "Tail"])), models, code: .unknownJoint,
            details: #"{"skeleton_joints":["Head","Hips","LeftFoot","RightFoot","Spine"]}"#)
        #expect(error?.message.contains("request skeleton") == true)
    }

    @Test("a clip has at least two frames and at most max_reference_frames (case 98)")
    func clipLength() {
        expectSchemaErrors(
            clips(ValidationFixture.clip(frames: 1)),
            [
                #"too_short ["segments",0,"motion_reference","rotations"]"#,
                #"too_short ["segments",0,"motion_reference","root_positions"]"#,
            ], on: models)
        expectAccepted(clips(ValidationFixture.clip(frames: 5)), models)
        expectRefused(
            clips(ValidationFixture.clip(frames: 6)), models, code: .invalidOptions,
            details: #"{"max_reference_frames":5,"reference_frames":6,"segment":0}"#)
        expectRefused(
            clips(ValidationFixture.clip(frames: 2), ValidationFixture.clip(frames: 6)), models, code: .invalidOptions,
            details: #"{"max_reference_frames":5,"reference_frames":6,"segment":1}"#)
    }

    @Test("shape errors of a clip: repeated joints, a missing root position, a short frame (case 99)")
    func wholeSegmentChecks() {
        let shape = [#"value_error ["segments",0,"motion_reference"]"#]
        expectSchemaErrors(clips(ValidationFixture.clip(joints: ["Hips", "Hips"])), shape, on: models)
        expectSchemaErrors(clips(ValidationFixture.clip(frames: 3)).without("segments", 0, "root_positions", 0), shape, on: models)
        expectSchemaErrors(clips(ValidationFixture.clip(frames: 3)).with(["segments", 0, "rotations", 1], "[[0,0,0,1]]"), shape, on: models)
        expectSchemaErrors(clips(ValidationFixture.clip(frames: 3)).with(["segments", 0, "rotations", 1], "[]"), shape, on: models)
    }

    @Test("field errors of a clip (case 99)")
    func fieldErrors() {
        expectSchemaErrors(
            clips(ValidationFixture.clip(joints: [], frames: 2)), [#"too_short ["segments",0,"motion_reference","joint_names"]"#], on: models)
        expectSchemaErrors(
            clips(ValidationFixture.clip()).with(["segments", 0, "fps"], "0"),
            [#"greater_than ["segments",0,"motion_reference","fps"]"#], on: models)
        expectSchemaErrors(
            clips(ValidationFixture.clip()).without("segments", 0, "duration_frames"),
            [#"missing ["segments",0,"motion_reference","duration_frames"]"#], on: models)
        expectSchemaErrors(
            clips(ValidationFixture.clip()).with(["segments", 0, "joint_names"], "[5,null]"),
            [
                #"string_type ["segments",0,"motion_reference","joint_names",0]"#,
                #"string_type ["segments",0,"motion_reference","joint_names",1]"#,
            ], on: models)
    }

    @Test("fidelity was removed and is an unknown field (case 100)")
    func fidelity() {
        expectSchemaErrors(
            clips(ValidationFixture.clip(extra: #","fidelity":0"#)), [#"extra_forbidden ["segments",0,"motion_reference","fidelity"]"#], on: models)
    }

    @Test("every number of a clip must be finite (case 101)")
    func finiteNumbers() {
        let clip =
            #"{"type":"motion_reference","duration_frames":10,"joint_names":["Hips"],"rotations":[[[0,0,0,1]],[[0,Infinity,0,1]]],"root_positions":[[0,0,0],[0,NaN,0]],"fps":-Infinity}"#
        expectSchemaErrors(
            clips(clip),
            [
                #"finite_number ["segments",0,"motion_reference","rotations",1,0,1]"#,
                #"finite_number ["segments",0,"motion_reference","root_positions",1,1]"#,
                #"finite_number ["segments",0,"motion_reference","fps"]"#,
            ], on: models)
        expectSchemaErrors(
            clips(ValidationFixture.clip()).with(["segments", 0, "fps"], #""inf""#),
            [#"finite_number ["segments",0,"motion_reference","fps"]"#], on: models)
    }

    @Test("nested rotation errors are located to the number")
    func nestedLocations() {
        let clip =
            #"{"type":"motion_reference","duration_frames":10,"joint_names":["Hips"],"rotations":[5,[[0,0,0]],[[0,0,0,1,2]],[],["x"]],"root_positions":[[0,0],5],"fps":30}"#
        expectSchemaErrors(
            clips(clip),
            [
                #"list_type ["segments",0,"motion_reference","rotations",0]"#,
                #"missing ["segments",0,"motion_reference","rotations",1,0,3]"#,
                #"too_long ["segments",0,"motion_reference","rotations",2,0]"#,
                #"tuple_type ["segments",0,"motion_reference","rotations",4,0]"#,
                #"missing ["segments",0,"motion_reference","root_positions",0,2]"#,
                #"tuple_type ["segments",0,"motion_reference","root_positions",1]"#,
            ], on: models)
    }

    @Test("an own skeleton must be the canonical rig on a model that cannot retarget (case 102)")
    func ownSkeletonWithoutRetargeting() {
        let other = #","skeleton":{"joints":[{"name":"pelvis","rest_translation":[0,1,0],"rest_rotation":[0,0,0,1]}]}"#
        expectRefused(clips(ValidationFixture.clip(joints: ["pelvis"], extra: other)), models, code: .retargetingUnsupported, details: "{}")
        expectAccepted(clips(ValidationFixture.clip(extra: #","skeleton":\#(ValidationFixture.skeletonText)"#)), models)
    }

    @Test("an own skeleton with two roots is invalid_skeleton at the segment's skeleton (case 103)")
    func ownSkeletonTopology() {
        let twoRoots = ValidationFixture.skeleton.with(["joints", 1, "parent"], "null").compactText
        expectTopologyErrors(
            clips(ValidationFixture.clip(extra: #","skeleton":\#(twoRoots)"#)), at: [#"["segments",0,"motion_reference","skeleton"]"#], on: models)
        let both = clips(ValidationFixture.clip(extra: #","skeleton":\#(twoRoots)"#)).with(["skeleton", "joints", 2, "parent"], "null")
        expectTopologyErrors(both, at: [#"["skeleton"]"#, #"["segments",0,"motion_reference","skeleton"]"#], on: models)
    }

    @Test("with retargeting, the clip's joints refer to its own skeleton (case 104)")
    func ownSkeletonJoints() {
        let retargeting = ValidationFixture.models {
            $0.supportedSegments += ["motion_reference"]
            $0.supportsRetargeting = true
        }
        let rig =
            #","skeleton":{"joints":[{"name":"pelvis","rest_translation":[0,1,0],"rest_rotation":[0,0,0,1]},{"name":"chest","parent":"pelvis","rest_translation":[0,1,0],"rest_rotation":[0,0,0,1]}]}"#
        expectRefused(
            clips(ValidationFixture.clip(joints: ["chest"], extra: rig)), retargeting, code: .invalidRequest,
            details: #"{"root_joint":"pelvis","segment":0}"#)
        let error = expectRefused(
            clips(ValidationFixture.clip(joints: ["Hips"], extra: rig)), retargeting, code: .unknownJoint,
            details: #"{"skeleton_joints":["chest","pelvis"]}"#)
        #expect(error?.message.contains("motion_reference skeleton") == true)
        expectAccepted(clips(ValidationFixture.clip(joints: ["pelvis", "chest"], extra: rig)), retargeting)
    }

    @Test("without max_reference_frames any clip length is accepted (case 105)")
    func noFrameLimit() {
        expectAccepted(clips(ValidationFixture.clip(frames: 400)), ValidationFixture.models { $0.supportedSegments += ["motion_reference"] })
    }

    @Test("a reference check (S3) comes before the loop gate (S7) (case 106)")
    func referenceBeforeLoop() {
        expectRefused(clips(ValidationFixture.clip(joints: ["Spine"])).with("options", #"{"loop":true}"#), models, code: .invalidRequest)
    }
}
