/// What a backbone returns: B samples of T frames of J joints, in flat float32 buffers
/// (docs/protocol.md §9.5, docs/response.md §1).
///
/// The buffers are laid out sample-major, then frame, then joint: the rotation of joint `j` at
/// frame `t` of sample `b` starts at `((b * T + t) * J + j) * 4`. Construction checks every shape,
/// so an encoder never reads out of bounds.
public struct MotionResult: Sendable {
    /// B, the number of samples.
    public let sampleCount: Int
    /// T, the number of frames per sample.
    public let frameCount: Int
    /// J, the number of joints.
    public let jointCount: Int
    /// Local-to-parent rotations, quaternions (x, y, z, w), B·T·J·4 values.
    public let rotations: [Float]
    /// World positions of the root, B·T·3 values.
    public let rootTranslations: [Float]
    /// Per-joint offsets from the parent in the parent's frame (the root's is its world position),
    /// B·T·J·3 values; sent only when the model advertises joint translation.
    public let translations: [Float]?
    /// Frames worth keying per joint index and channel; `nil` keys every frame.
    public var keyframes: [Int: Keyframes]?
    /// The joint order of the J axis; must equal the request skeleton's names when given.
    public var jointNames: [String]?
    /// Foot contact masks by joint name, each B·T booleans (sample-major).
    public let footContacts: [(name: String, mask: [Bool])]
    /// Per-sample frames where stitched chunks meet.
    public var chunkBoundaries: [[Int]]?
    /// Canonical joint name → request joint name, when the backbone retargeted.
    public var canonicalToRequest: [(canonical: String, request: String)]
    /// Per-sample trajectories supplied by the backbone (used verbatim); `nil` lets the SDK compute them.
    public var trajectories: [JSONObject?]?
    /// The model's remarks about the answer (`code`, `severity`, `message`, …); not errors.
    public var notes: [JSONObject]

    /// A result; throws when a buffer's size does not match B, T and J.
    public init(
        sampleCount: Int, frameCount: Int, jointCount: Int, rotations: [Float], rootTranslations: [Float],
        translations: [Float]? = nil, keyframes: [Int: Keyframes]? = nil, jointNames: [String]? = nil,
        footContacts: [(name: String, mask: [Bool])] = [], chunkBoundaries: [[Int]]? = nil,
        canonicalToRequest: [(canonical: String, request: String)] = [], trajectories: [JSONObject?]? = nil,
        notes: [JSONObject] = []
    ) throws(MotionResultError) {
        guard sampleCount >= 0, frameCount >= 0, jointCount >= 0 else {
            throw MotionResultError("sample, frame and joint counts must not be negative")
        }
        let frames = sampleCount * frameCount
        guard rotations.count == frames * jointCount * 4 else {
            throw MotionResultError(
                "rotations must hold B·T·J·4 = \(frames * jointCount * 4) values; got \(rotations.count)")
        }
        guard rootTranslations.count == frames * 3 else {
            throw MotionResultError("root_translations must hold B·T·3 = \(frames * 3) values; got \(rootTranslations.count)")
        }
        if let translations, translations.count != frames * jointCount * 3 {
            throw MotionResultError(
                "translations must hold B·T·J·3 = \(frames * jointCount * 3) values; got \(translations.count)")
        }
        for contact in footContacts where contact.mask.count != frames {
            throw MotionResultError("foot contact mask '\(contact.name)' must hold B·T = \(frames) values; got \(contact.mask.count)")
        }
        if let jointNames, jointNames.count != jointCount {
            throw MotionResultError("joint_names must list J = \(jointCount) names; got \(jointNames.count)")
        }
        self.sampleCount = sampleCount
        self.frameCount = frameCount
        self.jointCount = jointCount
        self.rotations = rotations
        self.rootTranslations = rootTranslations
        self.translations = translations
        self.keyframes = keyframes
        self.jointNames = jointNames
        self.footContacts = footContacts
        self.chunkBoundaries = chunkBoundaries
        self.canonicalToRequest = canonicalToRequest
        self.trajectories = trajectories
        self.notes = notes
    }
}

/// The frames a backbone chose to key for one joint (docs/response.md §7.1).
public struct Keyframes: Sendable, Equatable {
    /// Keyed frames of the rotation channel; `nil` or empty means every frame.
    public var rotation: [Int]?
    /// Keyed frames of the translation channel; `nil` or empty means every frame.
    public var translation: [Int]?

    public init(rotation: [Int]? = nil, translation: [Int]? = nil) {
        self.rotation = rotation
        self.translation = translation
    }
}

/// A motion result whose shapes do not fit together.
public struct MotionResultError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
