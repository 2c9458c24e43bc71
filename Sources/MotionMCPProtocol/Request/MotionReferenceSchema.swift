/// The `motion_reference` segment (docs/protocol.md §3.3). Its clip can be most of a 1 MB body, so
/// the numbers go straight into the segment's flat buffers.
extension SchemaDecoder {
    private static let fields = [
        "type", "duration_frames", "skeleton", "joint_names", "rotations", "root_positions", "fps", "seed",
    ]

    /// The segment's fields, with how many quaternions each frame had (the flat buffer forgets).
    private struct ClipDraft {
        var segment: MotionReferenceSegment
        var quaternionsPerFrame: [Int]
    }

    mutating func motionReferenceSegment(_ object: JSONObject) -> MotionReferenceSegment? {
        members(of: object, fields: Self.fields) { decoder, fields -> ClipDraft? in
            let duration = decoder.required(fields, "duration_frames") { $0.int($1, greaterThan: 0) }
            let skeleton = decoder.nullable(fields, "skeleton") { $0.skeleton($1) }
            let jointNames = decoder.required(fields, "joint_names") { decoder, value in
                decoder.list(value, minLength: 1) { $0.string($1) }
            }
            let rotations = decoder.required(fields, "rotations") { $0.rotationFrames($1) }
            let rootPositions = decoder.required(fields, "root_positions") { $0.rootPositions($1) }
            let fps = decoder.required(fields, "fps") { $0.double($1, greaterThan: 0, finite: true) }
            let seed = decoder.nullable(fields, "seed") { $0.int($1) }
            guard let duration, let jointNames, let rotations, let rootPositions, let fps else { return nil }
            let segment = MotionReferenceSegment(
                durationFrames: duration, skeleton: skeleton, jointNames: jointNames, rotations: rotations.values,
                rootPositions: rootPositions, fps: fps, seed: seed)
            return ClipDraft(segment: segment, quaternionsPerFrame: rotations.quaternionsPerFrame)
        } check: { decoder, draft in
            if let reason = Self.shapeViolation(draft) { decoder.record(.valueError(reason)) }
        }.map(\.segment)
    }

    /// Unique joint names, one root position per frame, one quaternion per joint in every frame.
    private static func shapeViolation(_ draft: ClipDraft) -> String? {
        let names = draft.segment.jointNames
        if Set(names.map(ExactName.init)).count != names.count { return "joint_names must not repeat a joint" }
        let frames = draft.quaternionsPerFrame.count
        let positions = draft.segment.rootPositions.count / 3
        if positions != frames {
            return "root_positions must have one entry per frame (\(frames)), got \(positions)"
        }
        if let frame = draft.quaternionsPerFrame.firstIndex(where: { $0 != names.count }) {
            return "rotations[\(frame)] must have one quaternion per joint_names entry (\(names.count)), "
                + "got \(draft.quaternionsPerFrame[frame])"
        }
        return nil
    }

    /// `[[x,y,z,w] per joint] per frame`, at least two frames, every number finite.
    private mutating func rotationFrames(_ value: JSONValue) -> (values: [Double], quaternionsPerFrame: [Int])? {
        guard case .array(let frames) = value else {
            record(.listType)
            return nil
        }
        let start = mark
        var values: [Double] = []
        values.reserveCapacity(frames.reduce(0) { $0 + ($1.arrayValue?.count ?? 0) } * 4)
        var counts: [Int] = []
        counts.reserveCapacity(frames.count)
        for (position, frame) in frames.enumerated() {
            within(.index(position)) { decoder in
                guard case .array(let quaternions) = frame else {
                    decoder.record(.listType)
                    return
                }
                counts.append(quaternions.count)
                for (joint, quaternion) in quaternions.enumerated() {
                    decoder.within(.index(joint)) { $0.floats(quaternion, count: 4, finite: true, into: &values) }
                }
            }
        }
        guard isClean(since: start) else { return nil }
        guard frames.count >= 2 else {
            record(.tooShort("List", minimum: 2, actual: frames.count))
            return nil
        }
        return (values, counts)
    }

    /// `[x,y,z]` per frame, at least two frames, every number finite.
    private mutating func rootPositions(_ value: JSONValue) -> [Double]? {
        guard case .array(let frames) = value else {
            record(.listType)
            return nil
        }
        let start = mark
        var values: [Double] = []
        values.reserveCapacity(frames.count * 3)
        for (position, frame) in frames.enumerated() {
            within(.index(position)) { $0.floats(frame, count: 3, finite: true, into: &values) }
        }
        guard isClean(since: start) else { return nil }
        guard frames.count >= 2 else {
            record(.tooShort("List", minimum: 2, actual: frames.count))
            return nil
        }
        return values
    }
}
