import Testing

@testable import MotionMCPProtocol

/// Several problems in one request: which are reported together, in which order, and which wait.
@Suite("Combined errors")
struct CombinedErrorTests {
    private let everything = ValidationFixture.models {
        $0.supportedSegments = Segment.knownTypes
        $0.supportedConstraints = Constraint.knownTypes
    }

    @Test("errors follow the schema's field order, each object's unknown keys after its fields")
    func fieldOrder() {
        let body = ValidationFixture.base
            .with(["skeleton", "joints", 0, "zz"], "1")
            .with(["skeleton", "joints", 0, "name"], "5")
            .with("segments", #"[{"type":"text","prompt":"","duration_frames":0,"extra":1},{"type":"unconditioned","duration_frames":"x"}]"#)
            .with("constraints", #"[{"type":"root_path","frames":[],"positions_xz":[[0]]}]"#)
            .with("options", #"{"num_samples":17,"guidance":{"type":"x"}}"#)
        expectSchemaErrors(
            body,
            [
                #"string_type ["skeleton","joints",0,"name"]"#, #"extra_forbidden ["skeleton","joints",0,"zz"]"#,
                #"string_too_short ["segments",0,"text","prompt"]"#, #"greater_than ["segments",0,"text","duration_frames"]"#,
                #"extra_forbidden ["segments",0,"text","extra"]"#, #"int_parsing ["segments",1,"unconditioned","duration_frames"]"#,
                #"too_short ["constraints",0,"root_path","frames"]"#, #"missing ["constraints",0,"root_path","positions_xz",0,1]"#,
                #"less_than_equal ["options","num_samples"]"#, #"literal_error ["options","guidance","type"]"#,
            ], on: everything)
    }

    @Test("a whole-object check runs beside errors elsewhere, but not beside its own field errors")
    func wholeObjectChecksWait() {
        let body = ValidationFixture.base.with(
            "constraints",
            #"[{"type":"root_path","frames":[0,5],"positions_xz":[[0,0]]},{"type":"root_path","frames":[0,5],"positions_xz":[[0,0]],"heading_radians":["x"]}]"#
        )
        .with("timing", "{}")
        expectSchemaErrors(
            body,
            [
                #"value_error ["constraints",0,"root_path"]"#,
                #"float_parsing ["constraints",1,"root_path","heading_radians",0]"#,
                #"missing ["timing","fps"]"#,
            ])
    }

    @Test("a list reports its items' errors and only then its own length")
    func listLengthAfterItems() {
        let clip =
            #"{"type":"motion_reference","duration_frames":10,"joint_names":["Hips"],"rotations":[[[0,0,0,"x"]]],"root_positions":[[0,0,0]],"fps":30}"#
        expectSchemaErrors(
            ValidationFixture.base(segments: "[\(clip)]"),
            [
                #"float_parsing ["segments",0,"motion_reference","rotations",0,0,3]"#,
                #"too_short ["segments",0,"motion_reference","root_positions"]"#,
            ], on: everything)
    }

    @Test("topology errors of both skeletons are reported together, and only they")
    func bothTopologies() {
        let twoRoots = ValidationFixture.skeleton.with(["joints", 1, "parent"], "null").compactText
        let body = ValidationFixture.base(segments: "[" + ValidationFixture.clip(extra: #","skeleton":\#(twoRoots)"#) + #",{"type":"text"}]"#)
            .with(["skeleton", "joints", 4, "name"], #""Hips""#).with("foo", "1")
        expectTopologyErrors(body, at: [#"["skeleton"]"#, #"["segments",0,"motion_reference","skeleton"]"#], on: everything)
        #expect(expectRefused(body, everything, code: .invalidSkeleton)?.message.contains("unique") == true)
    }

    @Test("a video source with a bad field skips the segment's trim check")
    func videoChecksWait() {
        let body = ValidationFixture.base(segments: "[" + ValidationFixture.video(#"{"url":5}"#, extra: #","start_s":3,"end_s":2"#) + "]")
        expectSchemaErrors(body, [#"string_type ["segments",0,"video_reference","video","url"]"#], on: everything)
    }
}
