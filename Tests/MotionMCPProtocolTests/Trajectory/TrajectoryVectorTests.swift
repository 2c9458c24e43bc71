import MotionMCPProtocol
import Testing

/// docs/response.md §10.4: the trajectory test vectors on the 20-joint rig.
@Suite("Trajectory test vectors (docs/response.md §10.4)")
struct TrajectoryVectorTests {
    typealias P = TravelTrajectory.Parameter

    /// Computes the single trajectory of one R20 motion.
    private func trajectory(_ motion: R20.Motion, frames: Int, fps: Double = 30, loop: Bool = false) throws -> TravelTrajectory {
        let all = try computeTravelTrajectories(R20.input(motion, frames: frames, fps: fps, loop: loop))
        try #require(all.count == 1)
        return all[0]
    }

    /// Params equal within one unit of each value's last printed digit.
    private func expectParams(
        _ got: TravelTrajectory, _ want: [(String, P, Double)],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(got.params.map(\.name) == want.map(\.0), sourceLocation: sourceLocation)
        for ((name, value), (_, expected, unit)) in zip(got.params, want) {
            #expect(
                value.isClose(to: expected, within: unit * 1.000001), "\(name): \(value) vs \(expected)",
                sourceLocation: sourceLocation)
        }
    }

    private func position(_ t: TravelTrajectory, _ frame: Int) -> [Double] {
        [t.positions[frame * 2], t.positions[frame * 2 + 1]]
    }

    private func sums(_ t: TravelTrajectory) -> (x: Double, z: Double, yaw: Double) {
        let n = t.positions.count / 2
        return (
            (0..<n).reduce(0) { $0 + t.positions[$1 * 2] }, (0..<n).reduce(0) { $0 + t.positions[$1 * 2 + 1] },
            t.yaw.reduce(0, +)
        )
    }

    private func expectClose(
        _ a: Double, _ b: Double, _ tolerance: Double,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect((a - b).magnitude <= tolerance, "\(a) vs \(b)", sourceLocation: sourceLocation)
    }

    @Test("TV3: a walk of 90 frames is a line with fixed heading")
    func walk90() throws {
        let t = try trajectory(.walk, frames: 90)
        #expect(t.shape == .line && t.heading == .fixed && !t.loop)
        expectParams(
            t,
            [
                ("heading_deg", .number(-0.3), 0.1), ("off_cm", .number(0.5), 0.1),
                ("speed", .number(1.199), 0.001), ("speed_range", .range(0.86, 1.553), 0.001),
            ])
        #expect(t.leftFootDown == [28, 58, 88] && t.rightFootDown == [13, 43, 73])
        #expect(position(t, 0) == [0.0101, -0.0085] && position(t, 1) == [0.0099, 0.0432])
        #expect(position(t, 45) == [0.0002, 1.7916] && position(t, 89) == [-0.0095, 3.5395])
        #expect(t.yaw.allSatisfy { $0 == 0 })
        let s = sums(t)
        expectClose(s.x, 0.0246, 1e-6)
        expectClose(s.z, 159.75, 1e-6)
    }

    @Test("TV4: an arc of 120 frames is an arc with a steady heading")
    func arc120() throws {
        let t = try trajectory(.arc, frames: 120)
        #expect(t.shape == .arc && t.heading == .steady)
        expectParams(
            t,
            [
                ("radius_m", .number(3.02), 0.01), ("off_cm", .number(1.0), 0.1),
                ("speed", .number(1.196), 0.001), ("speed_range", .range(1.144, 1.254), 0.001),
                ("turned_deg", .number(89.1), 0.1), ("turn_deg_s", .number(22.47), 0.01),
            ])
        #expect(t.leftFootDown == [28, 58, 88, 118])
        #expect(t.rightFootDown == [13, 22, 43, 52, 73, 82, 103, 112])
        #expect(position(t, 0) == [0.0058, -0.0086] && position(t, 1) == [0.0063, 0.0314])
        #expect(position(t, 60) == [0.9132, 2.1366] && position(t, 119) == [3.0394, 3.0008])
        #expect(t.yaw == (0..<120).map { roundDecimal(0.4 * Double($0) / 30, places: 5) })
        let s = sums(t)
        expectClose(s.x, 134.0102, 1e-6)
        expectClose(s.z, 229.0048, 1e-6)
        expectClose(s.yaw, 95.2, 1e-6)
    }

    @Test("TV5: a turn in place is still, with a keyed heading")
    func turn75() throws {
        let t = try trajectory(.turn, frames: 75)
        #expect(t.shape == .still && t.heading == .keyed)
        expectParams(t, [("off_cm", .number(0.1), 0.1)])
        #expect(t.leftFootDown.isEmpty && t.rightFootDown.isEmpty)
        #expect((0..<75).allSatisfy { position(t, $0) == [0.001, 0.0011] })
        let yaw: [Double] = [
            0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4e-05, 0.00012, 0.00023, 0.00039, 0.00097, 0.00279, 0.00565, 0.00928,
            0.01346, 0.0199, 0.02931, 0.04098, 0.05426, 0.06896, 0.08743, 0.10938, 0.13397, 0.1604, 0.18941,
            0.22256, 0.25879, 0.29703, 0.33629, 0.3779, 0.42201, 0.46778, 0.51443, 0.5616, 0.61032, 0.6601,
            0.71028, 0.76021, 0.81024, 0.86073, 0.91102, 0.96048, 1.00862, 1.05639, 1.10347, 1.14909, 1.19251,
            1.23383, 1.27425, 1.31283, 1.34852, 1.38031, 1.40966, 1.43723, 1.46211, 1.48341, 1.50077, 1.51656,
            1.53058, 1.54212, 1.55047, 1.55636, 1.56158, 1.56577, 1.56856, 1.56964, 1.57009, 1.57043, 1.57067,
            1.57079, 1.5708, 1.5708, 1.5708, 1.5708, 1.5708,
        ]
        #expect(t.yaw == yaw)
    }

    @Test("TV6: a looping walk of 31 frames is exactly the documented object, signed zeros included")
    func loopWalk31() throws {
        let t = try trajectory(.walk, frames: 31, loop: true)
        let z: [Double] = [
            -0.0084, 0.0427, 0.0923, 0.1389, 0.1815, 0.2198, 0.2542, 0.2852, 0.314, 0.3425, 0.3732, 0.4081, 0.448,
            0.4926, 0.541, 0.5916, 0.6427, 0.6923, 0.7389, 0.7815, 0.8198, 0.8542, 0.8852, 0.914, 0.9425, 0.9732,
            1.0081, 1.048, 1.0926, 1.141, 1.1916,
        ]
        let x = (0..<31).map { $0 < 12 ? 0.0 : -0.0 }
        let expected = TravelTrajectory(
            shape: .line, loop: true,
            params: [
                ("heading_deg", .number(-0.0)), ("off_cm", .number(0.0)), ("speed", .number(1.211)),
                ("speed_range", .range(0.86, 1.532)),
            ],
            heading: .steady, leftFootDown: [28], rightFootDown: [13],
            positions: (0..<31).flatMap { [x[$0], z[$0]] }, yaw: [Double](repeating: 0, count: 31))
        #expect(t == expected)
        // `==` cannot see the sign of a zero; the bit patterns can.
        #expect(t.positions.map(\.bitPattern) == expected.positions.map(\.bitPattern))
        #expect(t.yaw.map(\.bitPattern) == expected.yaw.map(\.bitPattern))
        if case .number(let heading) = t.params[0].value { #expect(heading.sign == .minus) }
    }

    @Test("TV7: an S-curve of 120 frames is a Bézier with fixed heading")
    func scurve120() throws {
        let t = try trajectory(.scurve, frames: 120)
        #expect(t.shape == .bezier && t.heading == .fixed)
        expectParams(
            t,
            [
                ("control_points_xz", .points([[-0.178, -0.091], [2.77, 1.725], [-2.676, 3.002], [0.083, 4.832]]), 0.001),
                ("off_cm", .number(4.4), 0.1), ("speed", .number(1.441), 0.001),
                ("speed_range", .range(1.029, 1.866), 0.001),
            ])
        #expect(t.leftFootDown == [8, 28, 37, 58, 67, 88, 118])
        #expect(t.rightFootDown == [13, 43, 52, 73, 82, 103, 113])
        #expect(position(t, 0) == [-0.0185, 0.0121] && position(t, 60) == [0.0021, 2.3909])
        #expect(position(t, 119) == [-0.0459, 4.7431])
        #expect(t.yaw.allSatisfy { $0 == 0 })
        let s = sums(t)
        expectClose(s.x, -0.0397, 1e-6)
        expectClose(s.z, 284.9806, 1e-6)
    }

    @Test("TV8: a start-stop walk of 120 frames is a line with fixed heading")
    func startStop120() throws {
        let t = try trajectory(.startstop, frames: 120)
        #expect(t.shape == .line && t.heading == .fixed)
        expectParams(
            t,
            [
                ("heading_deg", .number(-0.0), 0.1), ("off_cm", .number(0.0), 0.1),
                ("speed", .number(0.604), 0.001), ("speed_range", .range(0.0, 2.392), 0.001),
            ])
        #expect(t.leftFootDown == [35, 68, 91] && t.rightFootDown == [43, 53, 73, 91])
        #expect(position(t, 0) == [0.0, 0.0019] && position(t, 30) == [0.0, -0.0015])
        #expect(position(t, 60) == [0.0, 1.1916] && position(t, 119) == [0.0, 2.4019])
        #expect(t.yaw.allSatisfy { $0 == 0 })
        let s = sums(t)
        expectClose(s.x, 0.0, 1e-6)
        expectClose(s.z, 142.6256, 1e-6)
    }

    @Test("TV9: a jump of 60 frames is a line with fixed heading")
    func jump60() throws {
        let t = try trajectory(.jump, frames: 60)
        #expect(t.shape == .line && t.heading == .fixed)
        expectParams(
            t,
            [
                ("heading_deg", .number(0.0), 0.1), ("off_cm", .number(0.0), 0.1),
                ("speed", .number(0.402), 0.001), ("speed_range", .range(0.0, 1.6), 0.001),
            ])
        #expect(t.leftFootDown == [11] && t.rightFootDown == [11])
        #expect(position(t, 0) == [0.0, 0.0019] && position(t, 30) == [0.0, 0.6419] && position(t, 59) == [0.0, 0.8019])
        #expect(t.yaw.allSatisfy { $0 == 0 })
        let s = sums(t)
        expectClose(s.x, 0.0, 1e-6)
        expectClose(s.z, 27.5572, 1e-6)
    }

    @Test("TV10: a walk of 72 frames at 24 fps is a line with fixed heading")
    func walk72At24() throws {
        let t = try trajectory(.walk, frames: 72, fps: 24)
        #expect(t.shape == .line && t.heading == .fixed)
        expectParams(
            t,
            [
                ("heading_deg", .number(-0.3), 0.1), ("off_cm", .number(0.5), 0.1),
                ("speed", .number(1.199), 0.001), ("speed_range", .range(0.88, 1.542), 0.001),
            ])
        #expect(t.leftFootDown == [22, 46, 70] && t.rightFootDown == [10, 34, 58])
        #expect(position(t, 0) == [0.0104, -0.0085] && position(t, 36) == [0.0, 1.7917])
        #expect(position(t, 71) == [-0.01, 3.5269])
        #expect(t.yaw.allSatisfy { $0 == 0 })
        let s = sums(t)
        expectClose(s.x, 0.0093, 1e-6)
        expectClose(s.z, 127.4432, 1e-6)
    }

    @Test("an S-curve of 90 frames fits no shape within tolerance, so the smallest RMS (an arc) wins")
    func scurve90() throws {
        let t = try trajectory(.scurve, frames: 90)
        #expect(t.shape == .arc && t.heading == .keyed)
        expectParams(
            t,
            [
                ("radius_m", .number(1.89), 0.01), ("off_cm", .number(11.7), 0.1),
                ("speed", .number(1.386), 0.001), ("speed_range", .range(0.189, 1.933), 0.001),
                ("turned_deg", .number(-123.8), 0.1), ("turn_deg_s", .number(-41.74), 0.01),
            ])
    }

    @Test("an S-curve of 150 frames is a Bézier with a keyed heading")
    func scurve150() throws {
        let t = try trajectory(.scurve, frames: 150)
        #expect(t.shape == .bezier && t.heading == .keyed)
        expectParams(
            t,
            [
                ("control_points_xz", .points([[0.19, -0.055], [1.962, 2.02], [-3.193, 4.002], [1.359, 5.918]]), 0.001),
                ("off_cm", .number(18.0), 0.1), ("speed", .number(1.381), 0.001),
                ("speed_range", .range(0.791, 2.11), 0.001),
            ])
    }
}

extension TravelTrajectory.Parameter {
    /// Same kind and shape, every number within `tolerance`.
    func isClose(to other: Self, within tolerance: Double) -> Bool {
        func close(_ a: Double, _ b: Double) -> Bool { (a - b).magnitude <= tolerance }
        switch (self, other) {
        case (.number(let a), .number(let b)): return close(a, b)
        case (.range(let a0, let a1), .range(let b0, let b1)): return close(a0, b0) && close(a1, b1)
        case (.points(let a), .points(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.count == $1.count && zip($0, $1).allSatisfy(close) }
        default: return false
        }
    }
}
