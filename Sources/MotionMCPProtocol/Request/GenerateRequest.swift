/// A validated `POST /generate` request (docs/protocol.md §3.1), as a backbone receives it.
public struct GenerateRequest: Sendable, Equatable {
    /// The protocol version the client spoke (`"1.<minor>"`).
    public var protocolVersion: String
    /// The registry key of the model the request is for.
    public var model: String
    /// The skeleton to animate.
    public var skeleton: Skeleton
    /// The timeline, in order; empty for a constraints-only request.
    public var segments: [Segment]
    /// Constraints on the global timeline.
    public var constraints: [Constraint]
    /// The length of a constraints-only request; `nil` when there are segments.
    public var durationFrames: Int?
    /// The frame rate the request is in, when it is not the model's.
    public var timing: Timing?
    /// Generation options; `nil` when the client sent none (then one sample is made).
    public var options: Options?

    /// A request; the optional parts default to absent.
    public init(
        protocolVersion: String = "1.4", model: String, skeleton: Skeleton, segments: [Segment] = [],
        constraints: [Constraint] = [], durationFrames: Int? = nil, timing: Timing? = nil, options: Options? = nil
    ) {
        self.protocolVersion = protocolVersion
        self.model = model
        self.skeleton = skeleton
        self.segments = segments
        self.constraints = constraints
        self.durationFrames = durationFrames
        self.timing = timing
        self.options = options
    }

    /// The number of frames to produce: the segments' lengths added up (a pose counts one), else `durationFrames`.
    /// Validation guarantees the sum fits in an `Int`.
    public var totalFrames: Int {
        segments.isEmpty ? (durationFrames ?? 0) : segments.reduce(0) { $0 + $1.durationFrames }
    }

    /// The frame rate to produce at: `timing.fps` when given, else the model's `native` rate.
    public func fps(native: Double) -> Double { timing?.fps ?? native }

    /// The number of samples asked for (1 when options are absent).
    public var numSamples: Int { options?.numSamples ?? 1 }

    /// Whether a looping motion was asked for.
    public var loop: Bool { options?.loop ?? false }

    /// Every motion reference segment, in order.
    public var motionReferences: [MotionReferenceSegment] {
        segments.compactMap { if case .motionReference(let segment) = $0 { segment } else { nil } }
    }

    /// The first motion reference segment.
    public var motionReference: MotionReferenceSegment? { motionReferences.first }

    /// Every video reference segment, in order.
    public var videoReferences: [VideoReferenceSegment] {
        segments.compactMap { if case .videoReference(let segment) = $0 { segment } else { nil } }
    }

    /// The first video reference segment.
    public var videoReference: VideoReferenceSegment? { videoReferences.first }
}

/// One part of the timeline (docs/protocol.md §3.3).
public enum Segment: Sendable, Equatable {
    case text(TextSegment)
    case unconditioned(UnconditionedSegment)
    case pose(PoseSegment)
    case motionReference(MotionReferenceSegment)
    case videoReference(VideoReferenceSegment)

    /// The five segment type names the protocol knows.
    public static let knownTypes = ["text", "unconditioned", "pose", "motion_reference", "video_reference"]

    /// The wire name of the segment's type.
    public var type: String {
        switch self {
        case .text: "text"
        case .unconditioned: "unconditioned"
        case .pose: "pose"
        case .motionReference: "motion_reference"
        case .videoReference: "video_reference"
        }
    }

    /// The frames the segment adds to the timeline (a pose is one frame).
    public var durationFrames: Int {
        switch self {
        case .text(let segment): segment.durationFrames
        case .unconditioned(let segment): segment.durationFrames
        case .pose: 1
        case .motionReference(let segment): segment.durationFrames
        case .videoReference(let segment): segment.durationFrames
        }
    }
}

/// Motion described by a text prompt.
public struct TextSegment: Sendable, Equatable {
    public var prompt: String
    public var durationFrames: Int
    /// The prompt's language (BCP-47 intended, not checked); `"en"` by default.
    public var language: String?
    /// A per-segment seed overriding `options.seed`.
    public var seed: Int?

    public init(prompt: String, durationFrames: Int, language: String? = "en", seed: Int? = nil) {
        self.prompt = prompt
        self.durationFrames = durationFrames
        self.language = language
        self.seed = seed
    }
}

/// Motion with no conditioning.
public struct UnconditionedSegment: Sendable, Equatable {
    public var durationFrames: Int
    public var seed: Int?

    public init(durationFrames: Int, seed: Int? = nil) {
        self.durationFrames = durationFrames
        self.seed = seed
    }
}

/// A single pose described by text; one frame long.
public struct PoseSegment: Sendable, Equatable {
    public var prompt: String
    public var language: String?

    public init(prompt: String, language: String? = "en") {
        self.prompt = prompt
        self.language = language
    }
}

/// Motion guided by a reference clip (docs/protocol.md §3.3).
public struct MotionReferenceSegment: Sendable, Equatable {
    /// The output length, independent of the clip's.
    public var durationFrames: Int
    /// The clip's own rig, when it is not the request's.
    public var skeleton: Skeleton?
    /// The clip's joints, unique.
    public var jointNames: [String]
    /// Local rotations, frame-major then joint: `rotations[(frame * jointNames.count + joint) * 4 + k]`, (x, y, z, w).
    public var rotations: [Double]
    /// Root positions, `rootPositions[frame * 3 + k]`.
    public var rootPositions: [Double]
    /// The clip's sample rate.
    public var fps: Double
    public var seed: Int?

    public init(
        durationFrames: Int, skeleton: Skeleton? = nil, jointNames: [String], rotations: [Double],
        rootPositions: [Double], fps: Double, seed: Int? = nil
    ) {
        self.durationFrames = durationFrames
        self.skeleton = skeleton
        self.jointNames = jointNames
        self.rotations = rotations
        self.rootPositions = rootPositions
        self.fps = fps
        self.seed = seed
    }

    /// The clip's length in frames (T).
    public var referenceFrames: Int { rootPositions.count / 3 }

    /// The rotation of `joint` (an index into `jointNames`) at `frame`.
    public func rotation(frame: Int, joint: Int) -> SIMD4<Double> {
        let base = (frame * jointNames.count + joint) * 4
        return SIMD4(rotations[base], rotations[base + 1], rotations[base + 2], rotations[base + 3])
    }

    /// The root position at `frame`.
    public func rootPosition(frame: Int) -> SIMD3<Double> {
        SIMD3(rootPositions[frame * 3], rootPositions[frame * 3 + 1], rootPositions[frame * 3 + 2])
    }
}

/// Motion guided by a video (docs/protocol.md §3.3–3.4).
public struct VideoReferenceSegment: Sendable, Equatable {
    public var durationFrames: Int
    public var video: VideoSource
    /// Where to start in the video, seconds (≥ 0).
    public var startS: Double?
    /// Where to stop in the video, seconds (> 0, after `startS`).
    public var endS: Double?
    /// The video's frame rate, a hint.
    public var fps: Double?
    public var seed: Int?

    public init(
        durationFrames: Int, video: VideoSource, startS: Double? = nil, endS: Double? = nil, fps: Double? = nil,
        seed: Int? = nil
    ) {
        self.durationFrames = durationFrames
        self.video = video
        self.startS = startS
        self.endS = endS
        self.fps = fps
        self.seed = seed
    }

    /// `endS − (startS or 0)`, or `nil` when no end is given.
    public var trimmedSeconds: Double? { endS.map { $0 - (startS ?? 0) } }
}

/// Where a video comes from: an `https` URL, or inline base64 data with its media type.
public enum VideoSource: Sendable, Equatable {
    case url(String)
    case inline(data: String, mediaType: String)

    /// The decoded size of inline data, computed without decoding; `nil` for a URL.
    public var numBytes: Int? {
        guard case .inline(let data, _) = self else { return nil }
        let padding = data.utf8.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        return data.utf8.count / 4 * 3 - padding
    }
}

/// A constraint on the global timeline (docs/protocol.md §3.5).
public enum Constraint: Sendable, Equatable {
    /// The root passes through ground positions at frames (strictly ascending).
    case rootPath(frames: [Int], positionsXZ: [SIMD2<Double>], headingRadians: [Double]?)
    /// A joint reaches positions (and optionally rotations) at frames.
    case effectorTarget(joint: String, frames: [Int], positions: [SIMD3<Double>], rotations: [SIMD4<Double>]?)
    /// Joint rotations fixed at one frame.
    case poseKeyframe(
        frame: Int, jointRotations: [(joint: String, rotation: SIMD4<Double>)], rootPosition: SIMD3<Double>?,
        fillMode: String)
    /// The floor's height at points `(x, z, y)`.
    case groundHeight(points: [SIMD3<Double>])

    /// The four constraint type names the protocol knows.
    public static let knownTypes = ["root_path", "effector_target", "pose_keyframe", "ground_height"]

    /// The wire name of the constraint's type.
    public var type: String {
        switch self {
        case .rootPath: "root_path"
        case .effectorTarget: "effector_target"
        case .poseKeyframe: "pose_keyframe"
        case .groundHeight: "ground_height"
        }
    }

    public static func == (lhs: Constraint, rhs: Constraint) -> Bool {
        switch (lhs, rhs) {
        case (.rootPath(let f1, let p1, let h1), .rootPath(let f2, let p2, let h2)):
            return f1 == f2 && p1 == p2 && h1 == h2
        case (.effectorTarget(let j1, let f1, let p1, let r1), .effectorTarget(let j2, let f2, let p2, let r2)):
            return j1 == j2 && f1 == f2 && p1 == p2 && r1 == r2
        case (.poseKeyframe(let f1, let r1, let p1, let m1), .poseKeyframe(let f2, let r2, let p2, let m2)):
            return f1 == f2 && p1 == p2 && m1 == m2 && r1.count == r2.count
                && zip(r1, r2).allSatisfy { $0.joint == $1.joint && $0.rotation == $1.rotation }
        case (.groundHeight(let p1), .groundHeight(let p2)):
            return p1 == p2
        default:
            return false
        }
    }
}

/// Generation options (docs/protocol.md §3.6), with the protocol's defaults.
public struct Options: Sendable, Equatable {
    public var diffusionSteps = 100
    public var numSamples = 1
    public var seed: Int?
    public var postProcessing = true
    public var transitionFrames = 5
    public var guidance: Guidance?
    public var loop = false
    /// Gated by the model's `supportsKeyframeReduction`; passed to the backbone.
    public var keyframeBudget: Double?
    /// The model's own dials, checked against its declared options.
    public var modelOptions: JSONObject?

    public init() {}
}

/// Classifier-free guidance settings.
public struct Guidance: Sendable, Equatable {
    /// `nocfg`, `regular` or `separated`.
    public var type: String
    /// 0, 1 or 2 weights, by type.
    public var weight: [Double]

    public init(type: String, weight: [Double] = []) {
        self.type = type
        self.weight = weight
    }
}

/// The frame rate a request is expressed in.
public struct Timing: Sendable, Equatable {
    public var fps: Double

    public init(fps: Double) { self.fps = fps }
}
