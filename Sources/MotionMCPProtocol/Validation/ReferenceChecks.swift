/// The checks of motion and video reference payloads against a model's spec (docs/protocol.md §4.8,
/// S3 and S4), segment by segment.
enum ReferenceChecks {
    /// S3: for each `motion_reference`, its own skeleton is one the model can take, its joints
    /// belong to the skeleton it refers to (its own, else the request's), that skeleton's root is
    /// among them, and the clip is not longer than `max_reference_frames`.
    static func checkMotionReferences(_ request: GenerateRequest, spec: ModelSpec) throws(ProtocolError) {
        var requestJoints: Set<ExactName>?
        for (index, segment) in request.segments.enumerated() {
            guard case .motionReference(let clip) = segment else { continue }
            if let own = clip.skeleton, !spec.supportsRetargeting,
                !SemanticChecks.namesMatch(own, spec.canonicalSkeleton)
            {
                throw .retargetingUnsupported()
            }
            let skeleton = clip.skeleton ?? request.skeleton
            let label = clip.skeleton == nil ? "request skeleton" : "motion_reference skeleton"
            let known: Set<ExactName>
            if clip.skeleton == nil {
                known = requestJoints ?? Set(request.skeleton.joints.map { ExactName($0.name) })
                requestJoints = known
            } else {
                known = Set(skeleton.joints.map { ExactName($0.name) })
            }
            if let stranger = clip.jointNames.first(where: { !known.contains(ExactName($0)) }) {
                throw .unknownJoint(stranger, skeletonJoints: known.map(\.text).sortedByCodePoint(), skeleton: label)
            }
            // Topology guarantees exactly one root, listed first.
            if let root = skeleton.joints.first, !clip.jointNames.containsExactly(root.name) {
                throw .missingRootJoint(root.name, skeleton: label, segment: index)
            }
            if let limit = spec.limits.maxReferenceFrames, clip.referenceFrames > limit {
                throw .referenceTooLong(frames: clip.referenceFrames, limit: limit, segment: index)
            }
        }
    }

    /// S4: for each `video_reference`, inline data within `max_video_bytes` (checked first), and a
    /// stated trim within `max_video_seconds`. URL sources and untrimmed lengths are the backbone's.
    static func checkVideoReferences(_ request: GenerateRequest, spec: ModelSpec) throws(ProtocolError) {
        for (index, segment) in request.segments.enumerated() {
            guard case .videoReference(let video) = segment else { continue }
            if let limit = spec.limits.maxVideoBytes, let bytes = video.video.numBytes, bytes > limit {
                throw .videoTooLarge(bytes: bytes, limit: limit, segment: index)
            }
            if let limit = spec.limits.maxVideoSeconds, let seconds = video.trimmedSeconds, seconds > limit {
                throw .videoTooLong(seconds: seconds, limit: limit, segment: index)
            }
        }
    }
}
