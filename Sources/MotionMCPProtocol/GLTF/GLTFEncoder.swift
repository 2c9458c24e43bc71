/// Everything the encoder needs besides the motion: the request's skeleton and the model's stamp.
public struct EncodingContext: Sendable {
    /// The request skeleton; node `i` is joint `i`.
    public var skeleton: Skeleton {
        didSet { parentIndices = skeleton.parentIndices }
    }
    /// Each joint's parent index (-1 for the root), worked out once for the whole encoding.
    private(set) var parentIndices: [Int]
    /// The effective frame rate (`timing.fps`, else the model's).
    public var fps: Double
    /// The model spec's id, written as `MMCP_motion.model`.
    public var modelID: String
    /// Whether per-joint translation channels are written (the model advertises joint translation).
    public var jointTranslations: Bool
    /// The request's `options.loop`.
    public var loop: Bool
    /// Told why the trajectory could not be computed (the response goes out without one).
    public var trajectoryFailure: (@Sendable (any Error) -> Void)?

    public init(
        skeleton: Skeleton, fps: Double, modelID: String, jointTranslations: Bool, loop: Bool,
        trajectoryFailure: (@Sendable (any Error) -> Void)? = nil
    ) {
        self.skeleton = skeleton
        parentIndices = skeleton.parentIndices
        self.fps = fps
        self.modelID = modelID
        self.jointTranslations = jointTranslations
        self.loop = loop
        self.trajectoryFailure = trajectoryFailure
    }

    /// The context a server uses for `request` answered by the model `spec`.
    public init(
        request: GenerateRequest, spec: ModelSpec, trajectoryFailure: (@Sendable (any Error) -> Void)? = nil
    ) {
        self.init(
            skeleton: request.skeleton, fps: request.fps(native: spec.fps), modelID: spec.id,
            jointTranslations: spec.supportsJointTranslation, loop: request.loop, trajectoryFailure: trajectoryFailure)
    }
}

/// A motion result that cannot be written as a response (the reference answers 500).
public struct GLTFEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Writes a ``MotionResult`` as the glTF 2.0 JSON document of docs/response.md §3–§7, byte for byte as
/// the reference does.
public enum GLTFEncoder {
    /// Encodes `result` for `request` exactly as the server answers it: the document's bytes.
    public static func encode(
        _ result: MotionResult, for request: GenerateRequest, spec: ModelSpec,
        trajectoryFailure: (@Sendable (any Error) -> Void)? = nil
    ) throws(GLTFEncodingError) -> [UInt8] {
        var writer = JSONWriter(capacity: estimatedSize(of: result))
        let context = EncodingContext(request: request, spec: spec, trajectoryFailure: trajectoryFailure)
        try write(result, context: context, to: &writer)
        return writer.bytes
    }

    /// A generous guess of the document size, so the writer rarely grows.
    static func estimatedSize(of result: MotionResult) -> Int {
        let floats = result.rotations.count + result.rootTranslations.count + result.frameCount
        return 4096 + floats * 6 + result.sampleCount * result.frameCount * 48 + result.jointCount * 256
    }

    /// Appends the document for `result` to `writer`.
    public static func write(
        _ result: MotionResult, context: EncodingContext, to writer: inout JSONWriter
    ) throws(GLTFEncodingError) {
        try check(result, context: context)
        let trajectories = try trajectories(for: result, context: context)
        let layout = AnimationLayout(result: result, context: context)

        writer.raw("{\"asset\":{\"version\":\"2.0\",\"generator\":\"motionmcp\"},\"nodes\":[")
        writeNodes(context.skeleton, parents: context.parentIndices, to: &writer)
        writer.raw("],\"scenes\":[{\"nodes\":[0]}],\"scene\":0,\"skins\":[{\"name\":\"skin\",\"joints\":[")
        for joint in 0..<context.skeleton.joints.count {
            if joint > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.integer(joint)
        }
        writer.raw("]}],\"animations\":[")
        layout.writeAnimations(to: &writer)
        writer.raw("],\"accessors\":[")
        layout.writeAccessors(to: &writer)
        writer.raw("],\"bufferViews\":[")
        layout.writeBufferViews(to: &writer)
        writer.raw("],\"buffers\":[{\"byteLength\":")
        writer.integer(layout.buffer.floats.count * 4)
        writer.raw(",\"uri\":\"data:application/octet-stream;base64,")
        layout.buffer.withBytes { writer.base64($0) }
        writer.raw("\"}],\"extensionsUsed\":[\"MMCP_motion\"],\"extensions\":{\"MMCP_motion\":")
        writeExtension(result, context: context, trajectories: trajectories, to: &writer)
        writer.raw("}}")
    }

    /// The checks the reference makes while encoding, which fail the response with a 500.
    static func check(_ result: MotionResult, context: EncodingContext) throws(GLTFEncodingError) {
        // The names are only listed when the result brings its own to compare with.
        if let jointNames = result.jointNames, jointNames != context.skeleton.jointNames {
            throw GLTFEncodingError("the result's joint_names \(jointNames) differ from the request skeleton's \(context.skeleton.jointNames)")
        }
        let joints = context.skeleton.joints.count
        guard result.jointCount == joints else {
            throw GLTFEncodingError("the result has \(result.jointCount) joints; the request skeleton has \(joints)")
        }
        guard context.fps.isFinite, context.fps > 0 else {
            throw GLTFEncodingError("the frame rate \(context.fps) cannot be written")
        }
        for joint in context.skeleton.joints {
            let values =
                [joint.restTranslation[0], joint.restTranslation[1], joint.restTranslation[2]]
                + [joint.restRotation[0], joint.restRotation[1], joint.restRotation[2], joint.restRotation[3]]
            guard values.allSatisfy(\.isFinite) else {
                throw GLTFEncodingError("joint '\(joint.name)' has a non-finite rest pose, which JSON cannot carry")
            }
        }
        if let boundaries = result.chunkBoundaries, !boundaries.isEmpty, boundaries.count < result.sampleCount {
            throw GLTFEncodingError("chunk_boundaries has \(boundaries.count) entries for \(result.sampleCount) samples")
        }
        for note in result.notes where !JSONValue.object(note).isFinite {
            throw GLTFEncodingError("a note holds a non-finite number, which JSON cannot carry")
        }
    }

    static func writeNodes(_ skeleton: Skeleton, parents: [Int], to writer: inout JSONWriter) {
        var children = [[Int]](repeating: [], count: parents.count)
        for (joint, parent) in parents.enumerated() where parent >= 0 { children[parent].append(joint) }
        for (index, joint) in skeleton.joints.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.raw("{\"name\":")
            writer.string(joint.name)
            writer.raw(",\"translation\":")
            writer.doubles(joint.restTranslation)
            writer.raw(",\"rotation\":")
            writer.doubles(joint.restRotation)
            if !children[index].isEmpty {
                writer.raw(",\"children\":")
                writer.integers(children[index])
            }
            writer.byte(UInt8(ascii: "}"))
        }
    }

    static func writeExtension(
        _ result: MotionResult, context: EncodingContext, trajectories: SampleTrajectories, to writer: inout JSONWriter
    ) {
        writer.raw("{\"version\":\"1.4\",\"model\":")
        writer.string(context.modelID)
        writer.raw(",\"fps\":")
        writer.double(context.fps)
        writer.raw(",\"samples\":[")
        let frames = result.frameCount
        for sample in 0..<result.sampleCount {
            if sample > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.raw("{\"name\":\"sample_")
            writer.integer(sample)
            writer.raw("\",\"num_frames\":")
            writer.integer(frames)
            writer.raw(",\"chunk_boundaries\":")
            let boundaries = result.chunkBoundaries.flatMap { $0.isEmpty ? nil : $0[sample] } ?? []
            writer.integers(boundaries)
            if !result.footContacts.isEmpty {
                writer.raw(",\"foot_contacts\":{")
                for (position, contact) in result.footContacts.enumerated() {
                    if position > 0 { writer.byte(UInt8(ascii: ",")) }
                    writer.string(contact.name)
                    writer.byte(UInt8(ascii: ":"))
                    writer.array(0..<frames) { $0.bool(contact.mask[sample * frames + $1]) }
                }
                writer.byte(UInt8(ascii: "}"))
            }
            trajectories.write(sample: sample, to: &writer)
            writer.byte(UInt8(ascii: "}"))
        }
        writer.byte(UInt8(ascii: "]"))
        if !result.canonicalToRequest.isEmpty {
            writer.raw(",\"canonical_to_request\":{")
            for (position, pair) in result.canonicalToRequest.enumerated() {
                if position > 0 { writer.byte(UInt8(ascii: ",")) }
                writer.string(pair.canonical)
                writer.byte(UInt8(ascii: ":"))
                writer.string(pair.request)
            }
            writer.byte(UInt8(ascii: "}"))
        }
        if !result.notes.isEmpty {
            writer.raw(",\"notes\":")
            writer.array(result.notes) { $0.value(.object($1)) }
        }
        writer.byte(UInt8(ascii: "}"))
    }
}
