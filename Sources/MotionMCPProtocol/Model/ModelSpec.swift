import Foundation

/// What a model publishes in `/capabilities` and what the server checks requests against.
///
/// Every field but the first three has the reference's default, so a spec reads like the
/// capabilities it publishes: `ModelSpec(id: "walker", fps: 30, canonicalSkeleton: rig)`.
public struct ModelSpec: Sendable, Equatable {
    /// The model's id as published (may differ from the registry key requests use).
    public var id: String
    /// The model's native frame rate (> 0).
    public var fps: Double
    /// The skeleton the model animates.
    public var canonicalSkeleton: Skeleton
    /// Whether the model can animate a skeleton other than its canonical one.
    public var supportsRetargeting = false
    /// Whether results carry per-joint translations worth sending.
    public var supportsJointTranslation = false
    /// Advisory; this server never answers 202.
    public var supportsAsync = false
    /// Advisory; per-segment seeds are accepted regardless.
    public var supportsSegmentSeed = false
    /// Whether `options.loop` may be requested.
    public var supportsLoop = false
    /// Whether `options.keyframe_budget` may be requested.
    public var supportsKeyframeReduction = false
    /// The model's own dials, validated against `options.model_options`.
    public var modelOptions: [ModelOption] = []
    /// Published as `"motion_reference" ∈ supportedSegments`, whatever is set here.
    public var supportsMotionReferenceMixed = false
    /// Constraint types the model honours, in the order published.
    public var supportedConstraints: [String] = []
    /// Segment types the model accepts, in the order published.
    public var supportedSegments: [String] = ["text", "unconditioned"]
    /// Guidance types (informational, not enforced).
    public var supportedGuidanceTypes: [String] = ["nocfg", "regular", "separated"]
    /// Joints whose foot contacts the model predicts (informational).
    public var predictedContactJoints: [String] = []
    /// The length of one generated clip, in seconds (informational).
    public var nativeClipSeconds = 10.0
    /// How longer motions are produced: `"none"` or `"stitched"`.
    public var chunking = "none"
    /// The longest duration the model is good at, in seconds (informational).
    public var recommendedMaxDurationSeconds = 12.0
    /// Hard limits the server enforces.
    public var limits = Limits()

    /// A spec with the reference's defaults for everything but the id, frame rate and skeleton.
    public init(id: String, fps: Double, canonicalSkeleton: Skeleton) {
        self.id = id
        self.fps = fps
        self.canonicalSkeleton = canonicalSkeleton
    }

    /// The highest `fps` a spec may publish: above it a request's frame count (seconds × fps)
    /// stops meaning anything and may not fit an integer.
    public static let maxFPS = 1000.0

    /// Throws a ``ModelSpecError`` naming the first value a server must not publish: an id that
    /// breaks ``ModelID``'s rule, a frame rate that is not finite or not in (0, ``maxFPS``], or
    /// limits out of ``Limits/validate()``'s ranges. Applied to every spec that comes from outside
    /// the process (a spec file, a hot-added model, an upstream's listing).
    public func validate() throws(ModelSpecError) {
        try ModelID.validate(id)
        guard fps.isFinite, fps > 0, fps <= Self.maxFPS else {
            throw ModelSpecError("'fps' must be finite, greater than 0 and at most \(Self.maxFPS); got \(fps)")
        }
        for (name, value) in [("native_clip_seconds", nativeClipSeconds), ("recommended_max_duration_seconds", recommendedMaxDurationSeconds)] {
            guard value.isFinite, value >= 0 else { throw ModelSpecError("'\(name)' must be finite and at least 0; got \(value)") }
        }
        try limits.validate()
    }

    /// Model options by name; a repeated name keeps its last declaration.
    public var declaredOptions: [String: ModelOption] {
        var byName: [String: ModelOption] = [:]
        for option in modelOptions { byName[option.name] = option }
        return byName
    }

    /// Writes the `/capabilities` entry, key by key as docs/protocol.md §2.2 orders them.
    public func writeCapabilities(to writer: inout JSONWriter) {
        writer.raw("{\"id\":")
        writer.string(id)
        writer.raw(",\"fps\":")
        writer.double(fps)
        writer.raw(",\"canonical_skeleton\":")
        canonicalSkeleton.write(to: &writer)
        writer.raw(",\"supports_retargeting\":")
        writer.bool(supportsRetargeting)
        writer.raw(",\"supports_joint_translation\":")
        writer.bool(supportsJointTranslation)
        writer.raw(",\"supports_async\":")
        writer.bool(supportsAsync)
        writer.raw(",\"supports_segment_seed\":")
        writer.bool(supportsSegmentSeed)
        writer.raw(",\"supports_loop\":")
        writer.bool(supportsLoop)
        writer.raw(",\"supports_keyframe_reduction\":")
        writer.bool(supportsKeyframeReduction)
        if !modelOptions.isEmpty {
            writer.raw(",\"model_options\":[")
            for (index, option) in modelOptions.enumerated() {
                if index > 0 { writer.byte(UInt8(ascii: ",")) }
                option.write(to: &writer)
            }
            writer.byte(UInt8(ascii: "]"))
        }
        writer.raw(",\"supports_motion_reference_mixed\":")
        writer.bool(supportedSegments.contains("motion_reference"))
        writer.raw(",\"supports_batch\":true,\"supports_trajectory\":true,\"supported_constraints\":")
        writer.strings(supportedConstraints)
        writer.raw(",\"supported_segments\":")
        writer.strings(supportedSegments)
        writer.raw(",\"supported_guidance_types\":")
        writer.strings(supportedGuidanceTypes)
        writer.raw(",\"predicted_contact_joints\":")
        writer.strings(predictedContactJoints)
        writer.raw(",\"native_clip_seconds\":")
        writer.double(nativeClipSeconds)
        writer.raw(",\"chunking\":")
        writer.string(chunking)
        writer.raw(",\"recommended_max_duration_seconds\":")
        writer.double(recommendedMaxDurationSeconds)
        writer.raw(",\"limits\":")
        limits.write(to: &writer)
        writer.byte(UInt8(ascii: "}"))
    }
}

/// The hard limits of one model (docs/protocol.md §2.3).
public struct Limits: Sendable, Equatable {
    /// The longest request, in seconds of output.
    public var maxDurationSeconds = 30.0
    /// The most samples one request may ask for.
    public var maxNumSamples = 16
    /// The most constraint objects in one request.
    public var maxConstraintsPerRequest = 64
    /// The longest prompt, in Unicode scalars.
    public var maxPromptLength = 1000
    /// The largest request body, in bytes.
    public var maxRequestBytes = 1_048_576
    /// The most requests in one batch.
    public var maxBatchSize = 16
    /// The longest motion reference clip, in frames; unlimited when `nil`.
    public var maxReferenceFrames: Int?
    /// The largest inline video, in decoded bytes; unlimited when `nil`.
    public var maxVideoBytes: Int?
    /// The longest trimmed video, in seconds; unlimited when `nil`.
    public var maxVideoSeconds: Double?

    /// The reference's default limits.
    public init() {}

    /// The longest `max_duration_seconds` a spec may publish (one hour).
    public static let maxDurationCeiling = 3600.0
    /// The largest `max_request_bytes` a spec may publish (1 GiB): the server reads a body up to
    /// the largest of its models' limits, so this bounds what one request can make it hold.
    public static let maxRequestBytesCeiling = 1 << 30
    /// The largest `max_batch_size` and `max_num_samples` a spec may publish.
    public static let maxCountCeiling = 1024

    /// Throws a ``ModelSpecError`` naming the first limit out of range: `max_duration_seconds`
    /// finite in (0, ``maxDurationCeiling``]; `max_num_samples`, `max_batch_size` in
    /// 1…``maxCountCeiling``; `max_prompt_length` at least 1; `max_constraints_per_request` at
    /// least 0; `max_request_bytes` in 1…``maxRequestBytesCeiling``; the optional limits, when set,
    /// greater than 0 (and `max_video_seconds` finite), as the reference requires.
    public func validate() throws(ModelSpecError) {
        func check(_ name: String, _ value: Int, _ range: ClosedRange<Int>) throws(ModelSpecError) {
            guard range.contains(value) else {
                let bound = range.upperBound == .max ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
                throw ModelSpecError("'limits.\(name)' must be \(bound); got \(value)")
            }
        }
        guard maxDurationSeconds.isFinite, maxDurationSeconds > 0, maxDurationSeconds <= Self.maxDurationCeiling else {
            throw ModelSpecError(
                "'limits.max_duration_seconds' must be greater than 0 and at most \(Self.maxDurationCeiling); got \(maxDurationSeconds)")
        }
        try check("max_num_samples", maxNumSamples, 1...Self.maxCountCeiling)
        try check("max_constraints_per_request", maxConstraintsPerRequest, 0...Int.max)
        try check("max_prompt_length", maxPromptLength, 1...Int.max)
        try check("max_request_bytes", maxRequestBytes, 1...Self.maxRequestBytesCeiling)
        try check("max_batch_size", maxBatchSize, 1...Self.maxCountCeiling)
        if let maxReferenceFrames { try check("max_reference_frames", maxReferenceFrames, 1...Int.max) }
        if let maxVideoBytes { try check("max_video_bytes", maxVideoBytes, 1...Int.max) }
        if let maxVideoSeconds, !(maxVideoSeconds.isFinite && maxVideoSeconds > 0) {
            throw ModelSpecError("'limits.max_video_seconds' must be finite and greater than 0; got \(maxVideoSeconds)")
        }
    }

    /// Writes the limits object; the optional limits only when set.
    public func write(to writer: inout JSONWriter) {
        writer.raw("{\"max_duration_seconds\":")
        writer.double(maxDurationSeconds)
        writer.raw(",\"max_num_samples\":")
        writer.integer(maxNumSamples)
        writer.raw(",\"max_constraints_per_request\":")
        writer.integer(maxConstraintsPerRequest)
        writer.raw(",\"max_prompt_length\":")
        writer.integer(maxPromptLength)
        writer.raw(",\"max_request_bytes\":")
        writer.integer(maxRequestBytes)
        writer.raw(",\"max_batch_size\":")
        writer.integer(maxBatchSize)
        if let maxReferenceFrames {
            writer.raw(",\"max_reference_frames\":")
            writer.integer(maxReferenceFrames)
        }
        if let maxVideoBytes {
            writer.raw(",\"max_video_bytes\":")
            writer.integer(maxVideoBytes)
        }
        if let maxVideoSeconds {
            writer.raw(",\"max_video_seconds\":")
            writer.double(maxVideoSeconds)
        }
        writer.byte(UInt8(ascii: "}"))
    }
}

/// A dial a model declares (docs/protocol.md §2.5); clients send values in `options.model_options`.
public struct ModelOption: Sendable, Equatable {
    /// The kinds of value an option takes.
    public enum Kind: String, Sendable, CaseIterable {
        case number, integer, boolean, `enum`, flags
    }

    /// The option's name: a lower-case letter, then up to 39 of `a-z 0-9 _`.
    public var name: String
    /// The kind of value.
    public var type: Kind
    /// A short title (≤ 80 characters).
    public var title: String?
    /// A description (≤ 400 characters).
    public var description: String?
    /// The value used when the client sends none (not checked against `type`).
    public var defaultValue: JSONValue
    /// The smallest accepted value, for numbers and integers.
    public var minimum: Double?
    /// The largest accepted value, for numbers and integers.
    public var maximum: Double?
    /// The accepted values, for enums and flags (required and non-empty for those).
    public var values: [String]?

    /// An option; throws a ``ModelSpecError`` when it breaks the rules of docs/protocol.md §2.5.
    public init(
        name: String, type: Kind, title: String? = nil, description: String? = nil, default defaultValue: JSONValue = .null,
        minimum: Double? = nil, maximum: Double? = nil, values: [String]? = nil
    ) throws(ModelSpecError) {
        guard Self.isValidName(name) else {
            throw ModelSpecError("model option name '\(name)' must match ^[a-z][a-z0-9_]{0,39}$")
        }
        if let title, title.unicodeScalars.count > 80 {
            throw ModelSpecError("model option '\(name)': title is longer than 80 characters")
        }
        if let description, description.unicodeScalars.count > 400 {
            throw ModelSpecError("model option '\(name)': description is longer than 400 characters")
        }
        if let values, values.count > 32 {
            throw ModelSpecError("model option '\(name)': at most 32 values")
        }
        if type == .enum || type == .flags, values?.isEmpty ?? true {
            throw ModelSpecError("model option '\(name)': an \(type.rawValue) option needs a non-empty values list")
        }
        self.name = name
        self.type = type
        self.title = title
        self.description = description
        self.defaultValue = defaultValue
        self.minimum = minimum
        self.maximum = maximum
        self.values = values
    }

    static func isValidName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, ("a"..."z").contains(first), scalars.count <= 40 else { return false }
        return scalars.dropFirst().allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// Writes the option with all eight keys, nulls included.
    public func write(to writer: inout JSONWriter) {
        writer.raw("{\"name\":")
        writer.string(name)
        writer.raw(",\"type\":")
        writer.string(type.rawValue)
        writer.raw(",\"title\":")
        if let title { writer.string(title) } else { writer.raw("null") }
        writer.raw(",\"description\":")
        if let description { writer.string(description) } else { writer.raw("null") }
        writer.raw(",\"default\":")
        writer.value(defaultValue)
        writer.raw(",\"minimum\":")
        if let minimum { writer.double(minimum) } else { writer.raw("null") }
        writer.raw(",\"maximum\":")
        if let maximum { writer.double(maximum) } else { writer.raw("null") }
        writer.raw(",\"values\":")
        if let values { writer.strings(values) } else { writer.raw("null") }
        writer.byte(UInt8(ascii: "}"))
    }
}

/// A model spec that breaks the protocol's rules: a programming error of the backbone's author.
public struct ModelSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    /// An error with this message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

extension ModelSpec {
    /// The JSON object in the spec file at `path`, for `NullBackbone(modelID:overlay:)` (the console reads
    /// the file where it runs and sends the object to the server it drives); a missing, unreadable
    /// or non-object file is a `ModelSpecError` that names it.
    public static func overlay(fromFile path: String) throws(ModelSpecError) -> JSONObject {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelSpecError("cannot read spec file '\(path)'")
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(Array(data))
        } catch {
            throw ModelSpecError("spec file '\(path)' is not valid JSON: \(error)")
        }
        guard case .object(let overlay) = document else {
            throw ModelSpecError("spec file '\(path)' must hold a JSON object")
        }
        return overlay
    }
}
