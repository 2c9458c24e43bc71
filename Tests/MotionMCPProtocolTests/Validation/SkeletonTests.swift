import Testing

@testable import MotionMCPProtocol

/// docs/protocol.md §10 cases 49–57: the request skeleton's schema, topology and retargeting.
@Suite("The request skeleton")
struct SkeletonTests {
    private let retargeting = ValidationFixture.models { $0.supportsRetargeting = true }

    @Test("two roots are 400 invalid_skeleton at [skeleton] with the count in the message (case 49)")
    func twoRoots() {
        let body = ValidationFixture.base.with(["skeleton", "joints", 1, "parent"], "null")
        expectTopologyErrors(body, at: [#"["skeleton"]"#])
        #expect(expectRefused(body, code: .invalidSkeleton)?.message == "exactly one joint must have parent=null; got 2")
    }

    @Test(
        "broken trees are invalid_skeleton (case 50)",
        arguments: [
            (["skeleton", "joints", 1, "parent"], #""Head""#), // parent listed after its child
            (["skeleton", "joints", 1, "parent"], #""Spine""#), // parent naming itself
            (["skeleton", "joints", 1, "parent"], #""Neck""#), // unknown parent
            (["skeleton", "joints", 4, "name"], #""Spine""#), // duplicate names
            (["skeleton", "joints", 0, "parent"], #""RightFoot""#), // every joint parented: a cycle, no root
        ] as [([PathStep], String)])
    func brokenTrees(_ path: [PathStep], _ value: String) {
        expectTopologyErrors(ValidationFixture.base.with(path, value), at: [#"["skeleton"]"#])
    }

    @Test("skeletons above and below the hashing size find the same topology problem and the same parents")
    func largeAndSmallSkeletonsAgree() {
        // A chain of n joints, then one fault at joint k; the same skeleton is read by the
        // pairwise lookup (n below the threshold) and by the hashed one (at or above it).
        func chain(_ n: Int, fault: Int, at k: Int) -> Skeleton {
            var joints = (0..<n).map { Joint(name: "j\($0)", parent: $0 == 0 ? nil : "j\($0 - 1)", restTranslation: SIMD3(0, 0.1, 0)) }
            switch fault {
            case 1: joints[k].name = joints[k - 1].name // a repeated name
            case 2: joints[k].parent = "j\(k + 1)" // a parent listed later
            case 3: joints[k].parent = "nowhere" // an unknown parent
            case 4: joints[k].parent = joints[k].name // its own parent
            case 5:
                joints[k].name = "e\u{301}"
                joints[k + 1].parent = "\u{E9}" // canonically equal, not equal
            default: break
            }
            return Skeleton(joints: joints)
        }
        let small = JointNameLookup.hashedFrom - 8
        let large = JointNameLookup.hashedFrom + 8
        for fault in 0...5 {
            let a = chain(small, fault: fault, at: 5)
            let b = chain(large, fault: fault, at: 5)
            #expect(a.topologyProblem == b.topologyProblem, "fault \(fault)")
            #expect(a.topologyProblem == nil ? fault == 0 : fault != 0, "fault \(fault)")
            #expect(Array(a.parentIndices.prefix(12)) == Array(b.parentIndices.prefix(12)), "fault \(fault)")
        }
        #expect(chain(large, fault: 0, at: 5).parentIndices == [-1] + Array(0..<(large - 1)))
        #expect(chain(small, fault: 0, at: 5).parentIndices == [-1] + Array(0..<(small - 1)))
    }

    @Test("a cycle reports zero roots")
    func cycleHasNoRoot() {
        let body = ValidationFixture.base.with(["skeleton", "joints", 0, "parent"], #""RightFoot""#)
        #expect(expectRefused(body, code: .invalidSkeleton)?.message == "exactly one joint must have parent=null; got 0")
    }

    @Test("topology wins over every other schema error (case 51)")
    func topologyWins() {
        let body = ValidationFixture.base.with(["skeleton", "joints", 1, "parent"], "null").with("options", #"{"num_samples":0}"#)
            .with("foo", "1")
        expectTopologyErrors(body, at: [#"["skeleton"]"#])
    }

    @Test("a quaternion of 3 numbers misses its fourth; 5 numbers are too_long alone (case 52)")
    func rotationLength() {
        expectSchemaErrors(
            ValidationFixture.base.with(["skeleton", "joints", 2, "rest_rotation"], "[0,0,1]"),
            [#"missing ["skeleton","joints",2,"rest_rotation",3]"#])
        expectSchemaErrors(
            ValidationFixture.base.with(["skeleton", "joints", 2, "rest_rotation"], #"["x",0,0,1,2]"#),
            [#"too_long ["skeleton","joints",2,"rest_rotation"]"#])
    }

    @Test("a joint with a field error keeps topology from being checked (case 53)")
    func fieldErrorHidesTopology() {
        let body = ValidationFixture.base.with(["skeleton", "joints", 1, "parent"], "null").with(["skeleton", "joints", 3, "x"], "1")
        expectSchemaErrors(body, [#"extra_forbidden ["skeleton","joints",3,"x"]"#])
    }

    @Test("joint and name bounds: no joints, 129 code points, a 257-character display name (case 54)")
    func bounds() {
        expectSchemaErrors(ValidationFixture.base.with(["skeleton", "joints"], "[]"), [#"too_short ["skeleton","joints"]"#])
        let long = String(repeating: "é", count: 129)
        expectSchemaErrors(
            ValidationFixture.base.with(["skeleton", "joints", 4, "name"], "\"\(long)\""),
            [#"string_too_long ["skeleton","joints",4,"name"]"#], on: retargeting)
        expectAccepted(ValidationFixture.base.with(["skeleton", "joints", 4, "name"], "\"\(long.dropLast())\""), retargeting)
        expectSchemaErrors(
            ValidationFixture.base.with(["skeleton", "joints", 4, "display_name"], "\"\(String(repeating: "d", count: 257))\""),
            [#"string_too_long ["skeleton","joints",4,"display_name"]"#])
        expectSchemaErrors(
            ValidationFixture.base.with(["skeleton", "joints", 4, "name"], #""""#), [#"string_too_short ["skeleton","joints",4,"name"]"#])
    }

    @Test("lengths count code points, not grapheme clusters")
    func codePointLengths() {
        let combining = String(repeating: "e\u{301}", count: 64) // 64 characters, 128 code points
        expectAccepted(ValidationFixture.base.with(["skeleton", "joints", 4, "name"], "\"\(combining)\""), retargeting)
        expectSchemaErrors(
            ValidationFixture.base.with(["skeleton", "joints", 4, "name"], "\"\(combining)x\""),
            [#"string_too_long ["skeleton","joints",4,"name"]"#], on: retargeting)
    }

    @Test("only the literal coordinate system and units are accepted (case 55)")
    func literals() {
        expectSchemaErrors(
            ValidationFixture.base.with(["skeleton", "coordinate_system"], #""left""#).with(["skeleton", "units"], #""cm""#),
            [
                #"literal_error ["skeleton","coordinate_system"]"#, #"literal_error ["skeleton","units"]"#,
            ])
        expectSchemaErrors(
            ValidationFixture.base.with(["skeleton", "coordinate_system"], "null"), [#"literal_error ["skeleton","coordinate_system"]"#])
    }

    @Test("the wrong kinds of skeleton and joint values")
    func kinds() {
        expectSchemaErrors(ValidationFixture.base.with("skeleton", "5"), [#"model_type ["skeleton"]"#])
        expectSchemaErrors(ValidationFixture.base.with("skeleton", "{}"), [#"missing ["skeleton","joints"]"#])
        expectSchemaErrors(ValidationFixture.base.with(["skeleton", "joints"], "{}"), [#"list_type ["skeleton","joints"]"#])
        expectSchemaErrors(ValidationFixture.base.with(["skeleton", "joints", 1], "5"), [#"model_type ["skeleton","joints",1]"#])
        expectSchemaErrors(
            ValidationFixture.base.with(
                ["skeleton", "joints", 0], #"{"name":5,"parent":5,"rest_translation":[1,"x"],"rest_rotation":"q","display_name":5}"#),
            [
                #"string_type ["skeleton","joints",0,"name"]"#, #"string_type ["skeleton","joints",0,"parent"]"#,
                #"float_parsing ["skeleton","joints",0,"rest_translation",1]"#, #"missing ["skeleton","joints",0,"rest_translation",2]"#,
                #"tuple_type ["skeleton","joints",0,"rest_rotation"]"#, #"string_type ["skeleton","joints",0,"display_name"]"#,
            ])
    }

    @Test("a model that cannot retarget refuses reordered or partial joint lists (case 56)")
    func retargetingUnsupported() {
        let reordered = ValidationFixture.base.with(["skeleton", "joints", 3, "name"], #""RightFoot""#).with(
            ["skeleton", "joints", 4, "name"], #""LeftFoot""#)
        expectRefused(reordered, code: .retargetingUnsupported, details: "{}")
        expectRefused(ValidationFixture.base.without("skeleton", "joints", 4), code: .retargetingUnsupported, details: "{}")
    }

    @Test("only names in order are compared: rest values, parents and display names may differ (case 57)")
    func onlyNamesCompared() {
        let body = ValidationFixture.base.with(["skeleton", "joints", 2, "rest_translation"], "[1,2,3]")
            .with(["skeleton", "joints", 2, "parent"], #""Hips""#).with(["skeleton", "joints", 2, "display_name"], #""Kopf""#)
        expectAccepted(body)
    }

    @Test("names that are canonically equivalent but not equal are different joints")
    func noNormalisation() {
        let body = ValidationFixture.base.with(["skeleton", "joints", 3, "name"], #""e\u0301""#).with(
            ["skeleton", "joints", 4, "name"], #""\u00e9""#)
        expectAccepted(body, retargeting)
        expectTopologyErrors(body.with(["skeleton", "joints", 4, "name"], #""e\u0301""#), at: [#"["skeleton"]"#], on: retargeting)
    }
}
