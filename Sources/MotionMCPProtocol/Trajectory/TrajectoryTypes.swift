// The public values of the travel trajectory (docs/response.md §8): what the computation reads, what
// it produces, and how it fails.

/// Everything the trajectory computation reads from a motion result and its request.
public struct TrajectoryInput: Sendable {
    /// The request skeleton's joint names, in order (= the result's order).
    public var jointNames: [String]
    /// Each joint's parent index, -1 for the root; every parent precedes its child.
    public var parentIndices: [Int]
    /// J×3 rest translations (glTF frame), as parsed from the request.
    public var restTranslations: [Double]
    /// B×T×J×4 local-to-parent quaternions `(x, y, z, w)`, flat.
    public var rotations: [Float]
    /// B×T×3 root positions, flat.
    public var rootTranslations: [Float]
    /// B, the number of samples.
    public var sampleCount: Int
    /// T, the number of frames per sample.
    public var frameCount: Int
    /// Frames per second.
    public var fps: Double
    /// The request's `options.loop`.
    public var loop: Bool
    /// The result's canonical → request name map, in order; empty when the result has none.
    public var canonicalToRequest: [(canonical: String, request: String)]

    /// Memberwise; `loop` defaults to false and `canonicalToRequest` to none.
    public init(
        jointNames: [String], parentIndices: [Int], restTranslations: [Double], rotations: [Float],
        rootTranslations: [Float], sampleCount: Int, frameCount: Int, fps: Double, loop: Bool = false,
        canonicalToRequest: [(canonical: String, request: String)] = []
    ) {
        self.jointNames = jointNames
        self.parentIndices = parentIndices
        self.restTranslations = restTranslations
        self.rotations = rotations
        self.rootTranslations = rootTranslations
        self.sampleCount = sampleCount
        self.frameCount = frameCount
        self.fps = fps
        self.loop = loop
        self.canonicalToRequest = canonicalToRequest
    }
}

/// One sample's travel trajectory, already rounded as docs/response.md §8.3 says.
public struct TravelTrajectory: Sendable, Equatable {
    /// The wire `model`: the shape the trajectory follows.
    public enum Shape: String, Sendable {
        case still, line, arc, bezier
    }

    /// The wire `heading`: how `yaw` was obtained.
    public enum Heading: String, Sendable {
        case fixed, steady, keyed, path
    }

    /// One value of the wire `params` object.
    public enum Parameter: Sendable, Equatable {
        case number(Double)
        case range(Double, Double)
        case points([[Double]])
    }

    /// The wire `model`.
    public var shape: Shape
    /// The request's `options.loop`.
    public var loop: Bool
    /// The shape's numbers, in §8.4 key order.
    public var params: [(name: String, value: Parameter)]
    /// How `yaw` was obtained.
    public var heading: Heading
    /// Frames where the left foot touches down (`markers.LeftFootDown`).
    public var leftFootDown: [Int]
    /// Frames where the right foot touches down (`markers.RightFootDown`).
    public var rightFootDown: [Int]
    /// T×2 flat, glTF `(x, z)`, rounded to 4 decimals, signed zeros kept.
    public var positions: [Double]
    /// T values, radians about +Y, rounded to 5 decimals.
    public var yaw: [Double]

    /// Memberwise.
    public init(
        shape: Shape, loop: Bool, params: [(name: String, value: Parameter)], heading: Heading,
        leftFootDown: [Int], rightFootDown: [Int], positions: [Double], yaw: [Double]
    ) {
        self.shape = shape
        self.loop = loop
        self.params = params
        self.heading = heading
        self.leftFootDown = leftFootDown
        self.rightFootDown = rightFootDown
        self.positions = positions
        self.yaw = yaw
    }

    /// Field by field, `params` in order (numbers compare with `==`, so `-0.0 == 0.0`).
    public static func == (a: TravelTrajectory, b: TravelTrajectory) -> Bool {
        a.shape == b.shape && a.loop == b.loop && a.heading == b.heading
            && a.leftFootDown == b.leftFootDown && a.rightFootDown == b.rightFootDown
            && a.positions == b.positions && a.yaw == b.yaw
            && a.params.count == b.params.count
            && zip(a.params, b.params).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// Why no sample gets a trajectory (docs/response.md §9.24). The response is still a success; only
/// the `trajectory` keys are left out.
public enum TravelTrajectoryError: Error, Sendable, Equatable {
    /// Fewer than two frames (a `pose` segment): the direction of travel needs two.
    case tooFewFrames(Int)
    /// Three or more frames spanning less than 0.15 s: no key times can be laid out.
    case tooShortForKeyTimes(frames: Int, fps: Double)
    /// A NaN or infinity reached the body's points or the trajectory of this sample.
    case nonFiniteValues(sample: Int)
    /// The frame rate is not a positive finite number.
    case invalidFrameRate(Double)
    /// No joint without a parent, so no hips to read the body from.
    case noHips
    /// The arrays do not have the sizes the counts say, or a parent does not precede its child.
    case malformedInput(String)
}
