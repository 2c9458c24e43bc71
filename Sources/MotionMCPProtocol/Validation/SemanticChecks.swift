/// The checks of a schema-valid request against its model's spec (docs/protocol.md §4.8, S1–S14), in
/// the protocol's order; the first failure is thrown.
enum SemanticChecks {
    static func check(_ request: GenerateRequest, against spec: ModelSpec) throws(ProtocolError) {
        // S1: a model that cannot retarget takes its canonical joint names, in order.
        if !spec.supportsRetargeting, !namesMatch(request.skeleton, spec.canonicalSkeleton) {
            throw .retargetingUnsupported()
        }
        // S2: normally caught by the segment gate already.
        if let segment = request.segments.first(where: { !spec.supportedSegments.containsExactly($0.type) }) {
            throw .unsupportedSegment(segment.type, supported: spec.supportedSegments)
        }
        try ReferenceChecks.checkMotionReferences(request, spec: spec) // S3
        try ReferenceChecks.checkVideoReferences(request, spec: spec) // S4
        try ModelOptionsCheck.check(request.options?.modelOptions, spec: spec) // S5
        try checkOptionGates(request, spec: spec) // S6, S7
        let totalFrames = totalFrames(of: request)
        try checkConstraints(request, spec: spec, totalFrames: totalFrames) // S8–S10
        try checkLimits(request, spec: spec, totalFrames: totalFrames) // S11–S14
        try checkOutputSize(request, totalFrames: totalFrames)
    }

    /// The most joint rotations (samples × frames × joints) one response may hold: 128 MB of
    /// float32 quaternions. The reference has no such limit, but a frame rate has no upper bound,
    /// so S14 alone lets a request ask for any number of frames and exhaust the server's memory.
    public static let maximumOutputRotations: Int128 = 8_000_000

    /// This server's own limit, after the protocol's checks so that it never hides one of them.
    private static func checkOutputSize(_ request: GenerateRequest, totalFrames: Int128) throws(ProtocolError) {
        let rotations = totalFrames * Int128(request.numSamples) * Int128(request.skeleton.joints.count)
        guard rotations > maximumOutputRotations else { return }
        throw ProtocolError(
            .invalidOptions,
            "the response would hold \(rotations) joint rotations (samples × frames × joints); this server's limit is \(maximumOutputRotations)",
            details: [
                "max_output_rotations": .integer(Int(maximumOutputRotations)),
                "output_rotations": rotations <= Int128(Int64.max) ? .int(Int64(rotations)) : .bigInt(String(rotations)),
            ])
    }

    /// Whether both skeletons have the same joint names in the same order (nothing else counts).
    static func namesMatch(_ skeleton: Skeleton, _ canonical: Skeleton) -> Bool {
        skeleton.joints.count == canonical.joints.count
            && zip(skeleton.joints, canonical.joints).allSatisfy { $0.name.isExactly($1.name) }
    }

    /// The segments' lengths added up (a pose counts one), else `duration_frames`; wide enough
    /// that no list of 64-bit lengths a body can carry overflows it.
    static func totalFrames(of request: GenerateRequest) -> Int128 {
        guard !request.segments.isEmpty else { return Int128(request.durationFrames ?? 0) }
        return request.segments.reduce(Int128(0)) { $0 + Int128($1.durationFrames) }
    }

    /// S6 `keyframe_budget` and S7 `loop` need the model's support; a loop needs one segment.
    private static func checkOptionGates(_ request: GenerateRequest, spec: ModelSpec) throws(ProtocolError) {
        guard let options = request.options else { return }
        if options.keyframeBudget != nil, !spec.supportsKeyframeReduction {
            throw .optionUnsupported("keyframe_budget", model: spec.id)
        }
        if options.loop {
            if !spec.supportsLoop { throw .optionUnsupported("loop", model: spec.id) }
            if request.segments.count != 1 { throw .loopNeedsOneSegment(segments: request.segments.count) }
        }
    }

    /// S8–S10, constraint by constraint: a supported type, joints of the request skeleton, and
    /// frames on the timeline (`ground_height` has none).
    private static func checkConstraints(_ request: GenerateRequest, spec: ModelSpec, totalFrames: Int128)
        throws(ProtocolError)
    {
        var skeletonJoints: Set<ExactName>?
        func requireJoint(_ name: String) throws(ProtocolError) {
            let known = skeletonJoints ?? Set(request.skeleton.joints.map { ExactName($0.name) })
            skeletonJoints = known
            if !known.contains(ExactName(name)) {
                throw .unknownJoint(name, skeletonJoints: known.map(\.text).sortedByCodePoint())
            }
        }
        func requireOnTimeline(_ frames: [Int]) throws(ProtocolError) {
            if let frame = frames.first(where: { $0 < 0 || Int128($0) >= totalFrames }) {
                throw .frameOutOfRange(frame, totalFrames: totalFrames)
            }
        }
        for constraint in request.constraints {
            guard spec.supportedConstraints.containsExactly(constraint.type) else {
                throw .unsupportedConstraint(constraint.type, supported: spec.supportedConstraints)
            }
            switch constraint {
            case .rootPath(let frames, _, _):
                try requireOnTimeline(frames)
            case .effectorTarget(let joint, let frames, _, _):
                try requireJoint(joint)
                try requireOnTimeline(frames)
            case .poseKeyframe(let frame, let rotations, _, _):
                for (joint, _) in rotations { try requireJoint(joint) }
                try requireOnTimeline([frame])
            case .groundHeight:
                break
            }
        }
    }

    /// S11 constraint count, S12 sample count, S13 prompt lengths, S14 duration.
    private static func checkLimits(_ request: GenerateRequest, spec: ModelSpec, totalFrames: Int128)
        throws(ProtocolError)
    {
        let limits = spec.limits
        if request.constraints.count > limits.maxConstraintsPerRequest {
            throw .tooManyConstraints(request.constraints.count, limit: limits.maxConstraintsPerRequest)
        }
        if let options = request.options, options.numSamples > limits.maxNumSamples {
            throw .tooManySamples(options.numSamples, limit: limits.maxNumSamples)
        }
        for segment in request.segments {
            let prompt: String
            switch segment {
            case .text(let text): prompt = text.prompt
            case .pose(let pose): prompt = pose.prompt
            default: continue
            }
            let length = prompt.unicodeScalars.count
            if length > limits.maxPromptLength { throw .promptTooLong(length, limit: limits.maxPromptLength) }
        }
        let duration = Double(totalFrames) / request.fps(native: spec.fps)
        // A timeline beyond Int.max frames counts as too long whatever the frame rate.
        if duration > limits.maxDurationSeconds || Int(exactly: totalFrames) == nil {
            throw .durationTooLong(
                ExactDecimal.fixedTwoDecimals(duration), limit: PythonText.float(limits.maxDurationSeconds))
        }
    }
}
