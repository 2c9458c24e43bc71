import Foundation
import MotionMCPProtocol
import Testing

/// docs/response.md §10.2, §10.3 and §9.24: the NullBackbone's 5-joint rig, which yields
/// hips, neck (= Spine), head and the two feet, and the frame counts that get no trajectory.
@Suite("Trajectories of the NullBackbone rig")
struct NullBackboneTrajectoryTests {
    static let names = ["Hips", "Spine", "Head", "LeftFoot", "RightFoot"]
    static let parents = [-1, 0, 1, 0, 0]
    static let rest: [Double] = [0, 0.95, 0, 0, 0.5, 0, 0, 0.3, 0, 0.1, -0.95, 0, -0.1, -0.95, 0]

    /// The NullBackbone's result: identity rotations, the root held at its rest translation.
    static func input(frames: Int, fps: Double = 30, samples: Int = 1) -> TrajectoryInput {
        let identity: [Float] = [0, 0, 0, 1]
        return TrajectoryInput(
            jointNames: names, parentIndices: parents, restTranslations: rest,
            rotations: (0..<(samples * frames * 5)).flatMap { _ in identity },
            rootTranslations: (0..<(samples * frames)).flatMap { _ in [Float(0), Float(0.95), Float(0)] },
            sampleCount: samples, frameCount: frames, fps: fps)
    }

    @Test("two frames give a still trajectory at the raw COM, with positive zeros")
    func twoFrames() throws {
        let t = try computeTravelTrajectories(Self.input(frames: 2))
        try #require(t.count == 1)
        #expect(t[0].shape == .still && t[0].params.isEmpty && t[0].heading == .path && !t[0].loop)
        #expect(t[0].leftFootDown.isEmpty && t[0].rightFootDown.isEmpty)
        #expect(t[0].positions.map(\.bitPattern) == [Double](repeating: 0.0, count: 4).map(\.bitPattern))
        #expect(t[0].yaw == [0, 0])
    }

    @Test("six frames give a still trajectory whose z is negative zero")
    func sixFrames() throws {
        let t = try computeTravelTrajectories(Self.input(frames: 6))
        try #require(t.count == 1)
        #expect(t[0].shape == .still && t[0].heading == .path)
        #expect(t[0].params.count == 1 && t[0].params[0].name == "off_cm" && t[0].params[0].value == .number(0))
        #expect(t[0].positions.map(\.bitPattern) == (0..<6).flatMap { _ in [0.0, -0.0] }.map(\.bitPattern))
        #expect(t[0].yaw == [Double](repeating: 0, count: 6))
    }

    @Test("a single frame (a pose) gets no trajectory")
    func oneFrame() {
        #expect(throws: TravelTrajectoryError.tooFewFrames(1)) { try computeTravelTrajectories(Self.input(frames: 1)) }
    }

    @Test("three to five frames at 30 fps are too short for key times")
    func tooShortAt30() {
        for frames in 3...5 {
            #expect(throws: TravelTrajectoryError.tooShortForKeyTimes(frames: frames, fps: 30)) {
                try computeTravelTrajectories(Self.input(frames: frames))
            }
        }
    }

    @Test("five frames at 24 fps work where four do not, and ten frames are the least at 60 fps")
    func otherFrameRates() throws {
        #expect(try computeTravelTrajectories(Self.input(frames: 5, fps: 24)).count == 1)
        #expect(throws: TravelTrajectoryError.self) { try computeTravelTrajectories(Self.input(frames: 4, fps: 24)) }
        for frames in 3...9 {
            #expect(throws: TravelTrajectoryError.self) { try computeTravelTrajectories(Self.input(frames: frames, fps: 60)) }
        }
        #expect(try computeTravelTrajectories(Self.input(frames: 10, fps: 60)).count == 1)
    }

    @Test("the §10.3 structure test's two samples are both still, on the spot at z = 0.1")
    func structureTest() throws {
        var input = Self.input(frames: 6, samples: 2)
        for b in 0..<2 {
            for f in 0..<6 {
                let a = 0.1 * Double(f)
                let q = ((b * 6 + f) * 5 + 1) * 4 // Spine about +Y by 0.1·f rad
                input.rotations[q + 1] = Float(sin(a / 2))
                input.rotations[q + 3] = Float(cos(a / 2))
                input.rootTranslations[(b * 6 + f) * 3 + 2] = Float(0.04 * Double(f))
            }
        }
        input.canonicalToRequest = [("Hips", "Hips"), ("Head", "Head")]
        let t = try computeTravelTrajectories(input)
        try #require(t.count == 2)
        for sample in t {
            #expect(sample.shape == .still && sample.heading == .path)
            #expect(sample.params.map(\.name) == ["off_cm"] && sample.params[0].value == .number(0))
            #expect(sample.positions == (0..<6).flatMap { _ in [0.0, 0.1] })
            #expect(sample.yaw == [Double](repeating: 0, count: 6))
            #expect(sample.leftFootDown.isEmpty && sample.rightFootDown.isEmpty)
        }
    }

    @Test("a NaN root in any sample leaves every sample without a trajectory")
    func nonFinite() {
        var input = Self.input(frames: 30, samples: 2)
        input.rootTranslations[(30 + 7) * 3] = .nan
        #expect(throws: TravelTrajectoryError.nonFiniteValues(sample: 1)) { try computeTravelTrajectories(input) }
    }

    @Test("no samples give no trajectories, and inconsistent arrays are refused")
    func shapes() throws {
        #expect(try computeTravelTrajectories(Self.input(frames: 6, samples: 0)).isEmpty)
        var input = Self.input(frames: 6)
        input.rotations.removeLast()
        #expect(throws: TravelTrajectoryError.self) { try computeTravelTrajectories(input) }
    }
}
