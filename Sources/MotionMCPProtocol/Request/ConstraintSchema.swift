/// The constraint union (docs/protocol.md §3.5), discriminated by `type` like segments but with no
/// pre-parse gate.
extension SchemaDecoder {
    private static let rootPathFields = ["type", "frames", "positions_xz", "heading_radians"]
    private static let effectorFields = ["type", "joint", "frames", "positions", "rotations"]
    private static let keyframeFields = ["type", "frame", "joint_rotations", "root_position", "fill_mode"]
    private static let groundFields = ["type", "points"]

    /// One element of `constraints`.
    mutating func constraint(_ value: JSONValue) -> Constraint? {
        tagged(value, tags: Constraint.knownTypes) { decoder, tag, object -> Constraint? in
            switch tag {
            case "root_path": decoder.rootPath(object)
            case "effector_target": decoder.effectorTarget(object)
            case "pose_keyframe": decoder.poseKeyframe(object)
            default: decoder.groundHeight(object)
            }
        }
    }

    private mutating func rootPath(_ object: JSONObject) -> Constraint? {
        members(of: object, fields: Self.rootPathFields) { decoder, fields -> Constraint? in
            let frames = decoder.required(fields, "frames") { $0.frameList($1) }
            let positions = decoder.required(fields, "positions_xz") { $0.vectors($1, minLength: 1, as: SIMD2<Double>.self) }
            let headings = decoder.nullable(fields, "heading_radians") { decoder, value in
                decoder.list(value) { $0.double($1) }
            }
            guard let frames, let positions else { return nil }
            return .rootPath(frames: frames, positionsXZ: positions, headingRadians: headings)
        } check: { decoder, constraint in
            guard case .rootPath(let frames, let positions, let headings) = constraint else { return }
            if let reason = Self.lengthViolation("positions_xz", positions.count, frames.count)
                ?? headings.flatMap({ Self.lengthViolation("heading_radians", $0.count, frames.count) })
            {
                decoder.record(.valueError(reason))
            } else if zip(frames, frames.dropFirst()).contains(where: { $1 <= $0 }) {
                decoder.record(.valueError("frames must be strictly ascending"))
            }
        }
    }

    private mutating func effectorTarget(_ object: JSONObject) -> Constraint? {
        members(of: object, fields: Self.effectorFields) { decoder, fields -> Constraint? in
            let joint = decoder.required(fields, "joint") { $0.string($1) }
            let frames = decoder.required(fields, "frames") { $0.frameList($1) }
            let positions = decoder.required(fields, "positions") { $0.vectors($1, minLength: 1, as: SIMD3<Double>.self) }
            let rotations = decoder.nullable(fields, "rotations") { $0.vectors($1, as: SIMD4<Double>.self) }
            guard let joint, let frames, let positions else { return nil }
            return .effectorTarget(joint: joint, frames: frames, positions: positions, rotations: rotations)
        } check: { decoder, constraint in
            guard case .effectorTarget(_, let frames, let positions, let rotations) = constraint else { return }
            if let reason = Self.lengthViolation("positions", positions.count, frames.count)
                ?? rotations.flatMap({ Self.lengthViolation("rotations", $0.count, frames.count) })
            {
                decoder.record(.valueError(reason))
            }
        }
    }

    private mutating func poseKeyframe(_ object: JSONObject) -> Constraint? {
        members(of: object, fields: Self.keyframeFields) { decoder, fields -> Constraint? in
            let frame = decoder.required(fields, "frame") { $0.int($1, atLeast: 0) }
            let rotations = decoder.required(fields, "joint_rotations") { $0.jointRotations($1) }
            let rootPosition = decoder.nullable(fields, "root_position") { $0.vector($1, as: SIMD3<Double>.self) }
            let fillMode = decoder.defaulted(fields, "fill_mode", "generate") { $0.literal($1, ["rest", "generate"]) }
            guard let frame, let rotations, let fillMode else { return nil }
            return .poseKeyframe(frame: frame, jointRotations: rotations, rootPosition: rootPosition, fillMode: fillMode)
        }
    }

    private mutating func groundHeight(_ object: JSONObject) -> Constraint? {
        members(of: object, fields: Self.groundFields) { decoder, fields -> Constraint? in
            decoder.required(fields, "points") { $0.vectors($1, minLength: 1, finite: true, as: SIMD3<Double>.self) }
                .map { .groundHeight(points: $0) }
        }
    }

    /// `frames`: at least one integer (order and range are checked elsewhere).
    private mutating func frameList(_ value: JSONValue) -> [Int]? {
        list(value, minLength: 1) { $0.int($1) }
    }

    /// A list of fixed-length float arrays.
    private mutating func vectors<V: SIMD>(_ value: JSONValue, minLength: Int = 0, finite: Bool = false, as _: V.Type)
        -> [V]? where V.Scalar == Double
    {
        list(value, minLength: minLength) { $0.vector($1, as: V.self, finite: finite) }
    }

    /// `joint name → [x, y, z, w]`, at least one entry, in document order.
    private mutating func jointRotations(_ value: JSONValue) -> [(joint: String, rotation: SIMD4<Double>)]? {
        guard case .object(let object) = value else {
            record(.dictType)
            return nil
        }
        let start = mark
        var result: [(joint: String, rotation: SIMD4<Double>)] = []
        result.reserveCapacity(object.count)
        for (joint, rotation) in object.entries {
            if let quaternion = within(.key(joint), { $0.vector(rotation, as: SIMD4<Double>.self) }) {
                result.append((joint, quaternion))
            }
        }
        guard isClean(since: start) else { return nil }
        guard !result.isEmpty else {
            record(.tooShort("Dictionary", minimum: 1, actual: 0))
            return nil
        }
        return result
    }

    /// "`name` must have length `expected`, got `actual`" when the lengths differ.
    private static func lengthViolation(_ name: String, _ actual: Int, _ expected: Int) -> String? {
        actual == expected ? nil : "\(name) must have length \(expected), got \(actual)"
    }
}
