import Testing

@testable import MotionMCPProtocol

/// docs/protocol.md §10 cases 58–72: constraints, their schema and checks S8–S11.
@Suite("Constraints")
struct ConstraintTests {
    private let withGround = ValidationFixture.models { $0.supportedConstraints.append("ground_height") }

    private func onBase(_ constraints: String) -> JSONValue { ValidationFixture.base.with("constraints", constraints) }

    @Test("root_path positions must match its frames; the reason is in the details (case 58)")
    func rootPathLengths() {
        expectAccepted(onBase(#"[{"type":"root_path","frames":[0,5],"positions_xz":[[0,0],[1,1]]}]"#))
        let error = expectRefused(onBase(#"[{"type":"root_path","frames":[0,5],"positions_xz":[[0,0]]}]"#), code: .schemaValidation)
        #expect(error.map(entryLines) == [#"value_error ["constraints",0,"root_path"]"#])
        #expect(error.map { JSONValue.object($0.details).compactText.contains("positions_xz must have length 2, got 1") } == true)
        expectSchemaErrors(
            onBase(#"[{"type":"root_path","frames":[0,5],"positions_xz":[[0,0],[1,1]],"heading_radians":[1]}]"#),
            [#"value_error ["constraints",0,"root_path"]"#])
    }

    @Test("root_path frames must rise strictly (case 59)", arguments: ["[5,0]", "[3,3]"])
    func rootPathAscending(_ frames: String) {
        expectSchemaErrors(
            onBase(#"[{"type":"root_path","frames":\#(frames),"positions_xz":[[0,0],[1,1]]}]"#),
            [#"value_error ["constraints",0,"root_path"]"#])
    }

    @Test("a negative frame passes the schema and is frame_out_of_range (case 60)")
    func negativeFrame() {
        expectRefused(
            onBase(#"[{"type":"root_path","frames":[-1,5],"positions_xz":[[0,0],[1,1]]}]"#),
            code: .frameOutOfRange, details: #"{"frame":-1,"total_frames":10}"#)
    }

    @Test("frames run from 0 to total_frames - 1 (case 61)")
    func frameRange() {
        expectRefused(
            onBase(#"[{"type":"root_path","frames":[0,10],"positions_xz":[[0,0],[1,1]]}]"#),
            code: .frameOutOfRange, details: #"{"frame":10,"total_frames":10}"#)
        expectAccepted(onBase(#"[{"type":"root_path","frames":[0,9],"positions_xz":[[0,0],[1,1]]}]"#))
    }

    @Test("an effector on a joint the skeleton lacks is unknown_joint listing the joints sorted (case 62)")
    func unknownEffectorJoint() {
        expectRefused(
            onBase(#"[{"type":"effector_target","joint":"Hand","frames":[1],"positions":[[0,0,0]]}]"#),
            code: .unknownJoint, details: #"{"skeleton_joints":["Head","Hips","LeftFoot","RightFoot","Spine"]}"#)
    }

    @Test("effector frames may come in any order and repeat (case 63)", arguments: ["[5,0]", "[5,5]"])
    func effectorFrameOrder(_ frames: String) {
        expectAccepted(onBase(#"[{"type":"effector_target","joint":"Head","frames":\#(frames),"positions":[[0,0,0],[0,0,1]]}]"#))
    }

    @Test("effector rotations must match its frames (case 64)")
    func effectorRotations() {
        expectSchemaErrors(
            onBase(#"[{"type":"effector_target","joint":"Head","frames":[1,2],"positions":[[0,0,0],[1,1,1]],"rotations":[[0,0,0,1]]}]"#),
            [#"value_error ["constraints",0,"effector_target"]"#])
    }

    @Test("pose_keyframe rules (case 65)")
    func poseKeyframe() {
        expectSchemaErrors(
            onBase(#"[{"type":"pose_keyframe","frame":-1,"joint_rotations":{"Hips":[0,0,0,1]}}]"#),
            [#"greater_than_equal ["constraints",0,"pose_keyframe","frame"]"#])
        expectRefused(
            onBase(#"[{"type":"pose_keyframe","frame":10,"joint_rotations":{"Hips":[0,0,0,1]}}]"#),
            code: .frameOutOfRange, details: #"{"frame":10,"total_frames":10}"#)
        expectSchemaErrors(
            onBase(#"[{"type":"pose_keyframe","frame":1,"joint_rotations":{}}]"#),
            [#"too_short ["constraints",0,"pose_keyframe","joint_rotations"]"#])
        expectRefused(
            onBase(#"[{"type":"pose_keyframe","frame":1,"joint_rotations":{"Hips":[0,0,0,1],"Tail":[0,0,0,1]}}]"#),
            code: .unknownJoint, details: #"{"skeleton_joints":["Head","Hips","LeftFoot","RightFoot","Spine"]}"#)
        expectSchemaErrors(
            onBase(#"[{"type":"pose_keyframe","frame":1,"joint_rotations":{"Hips":[0,0,0,1]},"fill_mode":"x"}]"#),
            [#"literal_error ["constraints",0,"pose_keyframe","fill_mode"]"#])
    }

    @Test("joint rotation entries are located by joint name")
    func jointRotationLocations() {
        expectSchemaErrors(
            onBase(
                #"[{"type":"pose_keyframe","frame":1,"joint_rotations":{"Hips":[0,0,0],"Spine":5},"root_position":[1,2]},{"type":"pose_keyframe","frame":1,"joint_rotations":[]}]"#
            ),
            [
                #"missing ["constraints",0,"pose_keyframe","joint_rotations","Hips",3]"#,
                #"tuple_type ["constraints",0,"pose_keyframe","joint_rotations","Spine"]"#,
                #"missing ["constraints",0,"pose_keyframe","root_position",2]"#,
                #"dict_type ["constraints",1,"pose_keyframe","joint_rotations"]"#,
            ])
    }

    @Test("ground_height needs the model's support (case 66)")
    func groundHeightUnsupported() {
        expectRefused(
            onBase(#"[{"type":"ground_height","points":[[0,0,0]]}]"#), code: .unsupportedConstraint,
            details: #"{"supported_constraints":["root_path","effector_target","pose_keyframe"]}"#)
    }

    @Test("ground_height points: one is enough, none or a short one or a non-finite one is refused (case 67)")
    func groundHeightPoints() {
        expectAccepted(onBase(#"[{"type":"ground_height","points":[[100,-5,2]]}]"#), withGround)
        expectSchemaErrors(
            onBase(#"[{"type":"ground_height","points":[]}]"#), [#"too_short ["constraints",0,"ground_height","points"]"#], on: withGround)
        expectSchemaErrors(
            onBase(#"[{"type":"ground_height","points":[[0,0]]}]"#), [#"missing ["constraints",0,"ground_height","points",0,2]"#], on: withGround)
        expectSchemaErrors(
            onBase(#"[{"type":"ground_height","points":[[0,NaN,0]]}]"#), [#"finite_number ["constraints",0,"ground_height","points",0,1]"#],
            on: withGround)
    }

    @Test("an unknown constraint type is union_tag_invalid (case 68)")
    func unknownConstraintType() {
        expectSchemaErrors(
            onBase(#"[{"type":"audio_alignment"},{"frames":[1]},7]"#),
            [
                #"union_tag_invalid ["constraints",0]"#, #"union_tag_not_found ["constraints",1]"#,
                #"model_attributes_type ["constraints",2]"#,
            ])
    }

    @Test("constraints are checked one by one: the first failing one decides (case 69)")
    func firstConstraintWins() {
        let keyframe = #"{"type":"pose_keyframe","frame":50,"joint_rotations":{"Hips":[0,0,0,1]}}"#
        let ground = #"{"type":"ground_height","points":[[0,0,0]]}"#
        expectRefused(onBase("[\(keyframe),\(ground)]"), code: .frameOutOfRange)
        expectRefused(onBase("[\(ground),\(keyframe)]"), code: .unsupportedConstraint)
    }

    @Test("an unknown joint is found before an out-of-range frame of the same constraint (case 70)")
    func jointBeforeFrame() {
        expectRefused(onBase(#"[{"type":"effector_target","joint":"Hand","frames":[99],"positions":[[0,0,0]]}]"#), code: .unknownJoint)
    }

    @Test("the constraint count comes after the per-constraint checks (case 71)")
    func constraintCount() {
        let keyframe = #"{"type":"pose_keyframe","frame":1,"joint_rotations":{"Hips":[0,0,0,1]}}"#
        let many = { (count: Int) in "[" + Array(repeating: keyframe, count: count).joined(separator: ",") + "]" }
        expectRefused(onBase(many(65)), code: .invalidOptions, details: "{}")
        expectAccepted(onBase(many(64)))
        let withGroundLast = String(many(64).dropLast()) + #",{"type":"ground_height","points":[[0,0,0]]}]"#
        expectRefused(onBase(withGroundLast), code: .unsupportedConstraint)
    }

    @Test("constraints-only requests need duration_frames; segments forbid it; one list must be non-empty (case 72)")
    func crossFieldRules() {
        let keyframe = #"[{"type":"pose_keyframe","frame":1,"joint_rotations":{"Hips":[0,0,0,1]}}]"#
        #expect(expectAccepted(ValidationFixture.constraintsOnly(keyframe, frames: 20))?.request.totalFrames == 20)
        expectSchemaErrors(ValidationFixture.constraintsOnly(keyframe).without("duration_frames"), ["value_error []"])
        expectSchemaErrors(ValidationFixture.base.with("duration_frames", "5"), ["value_error []"])
        expectSchemaErrors(ValidationFixture.base.with("segments", "[]"), ["value_error []"])
        expectSchemaErrors(ValidationFixture.constraintsOnly("[]"), ["value_error []"])
        expectSchemaErrors(ValidationFixture.constraintsOnly(keyframe, frames: 0), [#"greater_than ["duration_frames"]"#])
    }

    @Test("cross-field rules wait for every field to be valid")
    func crossFieldWaits() {
        expectSchemaErrors(ValidationFixture.base.with("segments", "[]").with("foo", "1"), [#"extra_forbidden ["foo"]"#])
    }
}
