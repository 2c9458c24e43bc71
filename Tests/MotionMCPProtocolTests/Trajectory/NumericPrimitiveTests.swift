import Testing

@testable import MotionMCPProtocol

/// docs/response.md §9.1 primitives against values printed by the reference's numpy (numpy 1.26.4 and
/// the reference's own box average and PCHIP).
@Suite("Trajectory numeric primitives")
struct NumericPrimitiveTests {
    private func expectClose(
        _ a: [Double], _ b: [Double], _ tolerance: Double,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (i, (x, y)) in zip(a, b).enumerated() {
            #expect((x - y).magnitude <= tolerance, "[\(i)] \(x) vs \(y)", sourceLocation: sourceLocation)
        }
    }

    @Test("UNWRAP adds multiples of 2π exactly as numpy does, including jumps of exactly ±π")
    func unwrap() {
        let p = [
            0.0, 3.0, -3.0, 0.5, 6.5, -6.0, 3.141592653589793, 0.0, 3.141592653589793, 12.566370614359172,
            -3.141592653589793, 2.9, -2.9, 10.0, 0.1,
        ]
        let numpy = [
            0.0, 3.0, 3.2831853071795862, 0.5, 0.21681469282041377, 0.28318530717958623, 3.141592653589793,
            0.0, 3.141592653589793, 6.283185307179586, 3.141592653589793, 2.9, 3.3831853071795863,
            3.7168146928204155, 6.383185307179588,
        ]
        #expect(Numerics.unwrap(p) == numpy)
    }

    @Test("BOX averages over fractional per-frame widths, shrinking at the ends of a one-shot")
    func boxOneShot() {
        let x = [0.0, 0.3, 1.1, 0.7, 2.5, 2.4, 3.9, 3.0, 4.4, 5.1, 4.8, 6.0]
        let w = [3.0, 2.5, 7.0, 0.0, 1e-07, 4.2, 9.5, 30.0, 1.0, 2.0, 5.5, 3.3]
        let reference = [
            0.0, 0.42500000000000004, 0.8375, 0.7, 2.5, 2.6452380952380956, 3.1078947368421055,
            3.6812500000000004, 4.225, 4.85, 5.175000000000001, 6.0,
        ]
        expectClose(Numerics.boxAverage(x, widths: w, cyclic: false), reference, 1e-12)
    }

    @Test("BOX continues a loop three cycles each way, shifted by its travel")
    func boxLoop() {
        let x = [0.0, 0.3, 1.1, 0.7, 2.5, 2.4, 3.9, 3.0, 4.4, 5.1, 4.8, 6.0]
        let w = [3.0, 2.5, 7.0, 0.0, 1e-07, 4.2, 9.5, 30.0, 1.0, 2.0, 5.5, 3.3]
        let reference = [
            -0.20833333333337123, 0.3699999999999818, 0.8928571428571266, 0.7, 2.5, 2.645238095238085,
            3.107894736842091, 3.6616666666666577, 4.224999999999966, 4.849999999999994,
            5.2818181818181635, 5.794696969696936,
        ]
        expectClose(Numerics.boxAverage(x, widths: w, cyclic: true), reference, 1e-12)
    }

    @Test("PCHIP is monotone between keys, flat where the data are flat, with end-secant slopes")
    func pchip() {
        let t = [
            -0.1, 1.3877787807814457e-17, 0.10000000000000003, 0.20000000000000004, 0.30000000000000004,
            0.40000000000000013, 0.5000000000000001, 0.6000000000000002, 0.7000000000000002, 0.8000000000000002,
            0.9000000000000002, 1.0000000000000002, 1.1,
        ]
        let first = Numerics.pchip(knots: [0.0, 0.2, 0.5, 0.55, 1.0], values: [0.0, 1.0, 1.0, 0.3, 2.0], at: t)
        expectClose(
            first,
            [
                0.0, 6.938893903907228e-17, 0.6250000000000002, 1.0, 1.0, 1.0, 1.0, 0.33964334705075466,
                0.6148148148148154, 1.057887517146777, 1.5569272976680397, 2.0, 2.0,
            ], 1e-14)
        let second = Numerics.pchip(knots: [0.0, 0.3, 0.6, 1.0], values: [0.0, 0.5, 1.5, 1.6], at: t)
        expectClose(
            second,
            [
                0.0, 2.312964634635743e-17, 0.15432098765432106, 0.30864197530864207, 0.5000000000000001,
                0.8472471701878944, 1.268568414449862, 1.5, 1.5382181004618938, 1.5617494226327946,
                1.579406033487298, 1.6, 1.6,
            ], 1e-14)
    }

    @Test("INTERP holds the ends flat and takes the last of repeated abscissae")
    func interpolate() {
        let xs = [0.0, 1, 1, 2, 3]
        let ys = [5.0, 6, 7, 8, 0]
        let got = [-1.0, 0, 0.5, 1, 1.5, 2, 2.2, 3, 4].map { Numerics.interpolate($0, xs: xs, ys: ys) }
        #expect(got == [5.0, 5.0, 5.5, 7.0, 7.5, 8.0, 6.399999999999999, 0.0, 0.0])
    }

    @Test("GRAD, MEDIAN, PCT5 and LINSPACE agree with numpy to the bit")
    func smallOnes() {
        #expect(Numerics.gradient([1.0, 4.0, 9.0, 16.0, 15.0]) == [3.0, 4.0, 6.0, 3.0, -1.0])
        let a = [0.3, -1.2, 5.0, 2.2, 2.2, 0.9, -0.4, 7.5, 1.1, 3.3, 0.0, -2.5, 4.4]
        #expect(Numerics.percentile5(a) == -1.7199999999999998)
        #expect(Numerics.median(a) == 1.1)
        #expect(Numerics.median(Array(a.prefix(12))) == 1.0)
        #expect(Numerics.percentile5((0..<31).map { Double($0) * Double($0).squareRoot() }) == 1.9142135623730951)
        #expect(
            Numerics.linspace(-0.3, 2.0, 7) == [
                -0.3, 0.08333333333333331, 0.4666666666666666, 0.8499999999999999,
                1.2333333333333332, 1.6166666666666665, 2.0,
            ])
    }

    @Test("LSQ gives the minimum-norm solution of a rank-deficient system")
    func leastSquaresRankDeficient() throws {
        // Two identical columns: any split of the coefficient fits; the minimum-norm one is even.
        let a = [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]
        let x = try #require(LeastSquares.solve(a, rows: 3, columns: 2, rhs: [2.0, 4.0, 6.0], rhsCount: 1))
        expectClose(x, [1.0, 1.0], 1e-12)
        #expect(LeastSquares.solve([Double.nan, 1, 1, 1], rows: 2, columns: 2, rhs: [1, 1], rhsCount: 1) == nil)
    }

    @Test("interpolating at every frame gives each frame's own lookup, keyed on every frame or not")
    func interpolationAtFrames() {
        let ys = [0.1, -0.25, 0.7, 0.3, 1e-9]
        let cases: [[Double]] = [[0, 1, 2, 3, 4], [0, 1, 2, 3, 5], [0, 2, 4, 6, 8], [0.5, 1, 2, 3, 4]]
        for xs in cases {
            let expected = (0..<5).map { Numerics.interpolate(Double($0), xs: xs, ys: ys) }
            #expect(Numerics.interpolateAtFrames(5, xs: xs, ys: ys) == expected, "\(xs)")
        }
        #expect(Numerics.interpolateAtFrames(5, xs: [0, 1, 2, 3, 4], ys: ys) == ys)
    }

    @Test("joint names are read for side and base in every common naming style")
    func nameReading() {
        let cases: [(String, BodySide?, String)] = [
            ("LeftUpLeg", .left, "upleg"), ("thigh_l", .left, "thigh"), ("DEF-shin.L", .left, "shin"),
            ("mixamorig:RightHand", .right, "hand"), ("ball_r", .right, "ball"), ("Head", nil, "head"),
            ("Hips", nil, "hips"), ("l_hand", .left, "hand"), ("Bip01 L Thigh", nil, "l thigh"),
            ("right_knee", .right, "knee"), ("middle_01_l", .left, "middle_01"),
            // Beyond ASCII the name is lowercased by the Unicode rules, as the reference does: the
            // Kelvin sign becomes an ASCII "k"; other letters stay in the base.
            ("\u{212A}nee_L", .left, "knee"), ("LEFT_FUSS\u{00C4}", .left, "fuss\u{00E4}"), ("\u{00C4}rm.R", .right, "\u{00E4}rm"),
        ]
        for (name, side, base) in cases {
            let reading = JointNameReading(name)
            #expect(reading.side == side && reading.base == base, "\(name)")
        }
    }

    @Test("the R20 rig resolves to the documented roles")
    func r20Roles() throws {
        let roles = try #require(
            BodyRoles(
                jointNames: R20.joints.map(\.name), parentIndices: R20.joints.map(\.parent),
                canonicalToRequest: []))
        let expected: [BodyRole: Int] = [
            .hips: 0, .spine: 1, .chest: 3, .neck: 4, .head: 5,
            .limb(.left, .arm): 6, .limb(.left, .forearm): 7, .limb(.left, .hand): 8,
            .limb(.right, .arm): 9, .limb(.right, .forearm): 10, .limb(.right, .hand): 11,
            .limb(.left, .leg): 12, .limb(.left, .shin): 13, .limb(.left, .foot): 14, .limb(.left, .toe): 15,
            .limb(.right, .leg): 16, .limb(.right, .shin): 17, .limb(.right, .foot): 18, .limb(.right, .toe): 19,
        ]
        let found = Dictionary(uniqueKeysWithValues: roles.joints.map { ($0.role, $0.value) })
        #expect(found == expected)
    }

    @Test("every body role has its own slot in a role table, in the order of BodyRole.all")
    func roleSlots() {
        #expect(BodyRole.all.enumerated().allSatisfy { $0.element.slot == $0.offset })
        #expect(Set(BodyRole.all).count == 5 + 2 * Limb.allCases.count)
    }

    @Test("a request Head that the canonical map calls something else is not the head")
    func mappedHead() throws {
        let roles = try #require(
            BodyRoles(
                jointNames: ["Hips", "Spine", "Head"], parentIndices: [-1, 0, 1],
                canonicalToRequest: [("Skull", "Head")]))
        #expect(roles.joints[.head] == nil && roles.joints[.neck] == nil)
    }
}
