/// One joint of a skeleton: a name, its parent and its rest pose relative to the parent.
public struct Joint: Sendable, Hashable {
    /// The joint's name (1–128 Unicode scalars), unique within its skeleton.
    public var name: String
    /// The parent joint's name; `nil` for the root.
    public var parent: String?
    /// The offset from the parent at rest, in metres (x, y, z).
    public var restTranslation: SIMD3<Double>
    /// The rotation relative to the parent at rest, quaternion (x, y, z, w); not required to be unit length.
    public var restRotation: SIMD4<Double>
    /// A human-readable name; informational only.
    public var displayName: String?

    /// A joint; the rest rotation defaults to the identity.
    public init(
        name: String, parent: String? = nil, restTranslation: SIMD3<Double>,
        restRotation: SIMD4<Double> = SIMD4(0, 0, 0, 1), displayName: String? = nil
    ) {
        self.name = name
        self.parent = parent
        self.restTranslation = restTranslation
        self.restRotation = restRotation
        self.displayName = displayName
    }
}

/// A skeleton: joints listed parents first, exactly one root, right-handed Y-up, metres.
public struct Skeleton: Sendable, Hashable {
    /// The joints; the root is always the first.
    public var joints: [Joint]

    /// A skeleton made of these joints.
    public init(joints: [Joint]) {
        self.joints = joints
    }

    /// The joint names in order.
    public var jointNames: [String] { joints.map(\.name) }

    /// The joint without a parent.
    public var root: Joint? { joints.first { $0.parent == nil } }

    /// For each joint, the index of its parent, or -1 for the root (parents precede children).
    public var parentIndices: [Int] {
        var indexByName: [ExactName: Int] = [:]
        var parents: [Int] = []
        parents.reserveCapacity(joints.count)
        for (index, joint) in joints.enumerated() {
            parents.append(joint.parent.flatMap { indexByName[ExactName($0)] } ?? -1)
            indexByName[ExactName(joint.name)] = index
        }
        return parents
    }

    /// The first topology rule the skeleton breaks (PROTOCOL.md §3.2, in order: unique names,
    /// exactly one root, every parent named earlier), or `nil` when it is well formed.
    public var topologyProblem: String? {
        var seen = Set<ExactName>()
        for joint in joints where !seen.insert(ExactName(joint.name)).inserted {
            return "joint names must be unique; '\(joint.name)' appears more than once"
        }
        let roots = joints.filter { $0.parent == nil }.count
        if roots != 1 { return "exactly one joint must have parent=null; got \(roots)" }
        var earlier = Set<ExactName>()
        for joint in joints {
            if let parent = joint.parent, !earlier.contains(ExactName(parent)) {
                return "joint '\(joint.name)' references parent '\(parent)' that is undefined or appears later"
            }
            earlier.insert(ExactName(joint.name))
        }
        return nil
    }

    /// Writes the skeleton as `/capabilities` publishes it: every joint with all five keys.
    public func write(to writer: inout JSONWriter) {
        writer.raw("{\"joints\":[")
        for (index, joint) in joints.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.raw("{\"name\":")
            writer.string(joint.name)
            writer.raw(",\"parent\":")
            if let parent = joint.parent { writer.string(parent) } else { writer.raw("null") }
            writer.raw(",\"rest_translation\":")
            writer.doubles(joint.restTranslation)
            writer.raw(",\"rest_rotation\":")
            writer.doubles(joint.restRotation)
            writer.raw(",\"display_name\":")
            if let displayName = joint.displayName { writer.string(displayName) } else { writer.raw("null") }
            writer.byte(UInt8(ascii: "}"))
        }
        writer.raw("],\"coordinate_system\":\"right_handed_y_up\",\"units\":\"meters\"}")
    }
}
