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

    /// For each joint, the index of its parent among the joints before it, or -1 (the root, or a
    /// parent not named earlier). Names are unique in a skeleton that passed validation; were one
    /// repeated, its first joint would be taken.
    public var parentIndices: [Int] {
        let names = JointNameLookup(joints)
        var parents: [Int] = []
        parents.reserveCapacity(joints.count)
        for (index, joint) in joints.enumerated() {
            parents.append(joint.parent.flatMap { names.firstIndex(of: $0, before: index) } ?? -1)
        }
        return parents
    }

    /// The first topology rule the skeleton breaks (docs/protocol.md §3.2, in order: unique names,
    /// exactly one root, every parent named earlier), or `nil` when it is well formed.
    public var topologyProblem: String? {
        let names = JointNameLookup(joints)
        for (index, joint) in joints.enumerated() where names.firstIndex(of: joint.name, before: index) != nil {
            return "joint names must be unique; '\(joint.name)' appears more than once"
        }
        let roots = joints.filter { $0.parent == nil }.count
        if roots != 1 { return "exactly one joint must have parent=null; got \(roots)" }
        for (index, joint) in joints.enumerated() {
            if let parent = joint.parent, names.firstIndex(of: parent, before: index) == nil {
                return "joint '\(joint.name)' references parent '\(parent)' that is undefined or appears later"
            }
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

/// Finds joints by exact name. A request's skeleton is usually a few dozen joints, where comparing
/// names one by one is far cheaper than hashing them (hashing was ~3 % of a small request's
/// work); from ``hashedFrom`` joints on, each name's first position is hashed once.
struct JointNameLookup {
    static let hashedFrom = 48
    private let joints: [Joint]
    private let firstPositions: [ExactName: Int]?

    init(_ joints: [Joint]) {
        self.joints = joints
        guard joints.count >= Self.hashedFrom else {
            firstPositions = nil
            return
        }
        var positions: [ExactName: Int] = [:]
        positions.reserveCapacity(joints.count)
        for (index, joint) in joints.enumerated() where positions[ExactName(joint.name)] == nil {
            positions[ExactName(joint.name)] = index
        }
        firstPositions = positions
    }

    /// The first joint named exactly `name`, when it comes before `end`.
    func firstIndex(of name: String, before end: Int) -> Int? {
        guard let firstPositions else { return joints[..<end].firstIndex { $0.name.isExactly(name) } }
        guard let first = firstPositions[ExactName(name)], first < end else { return nil }
        return first
    }
}

extension Skeleton {
    /// The five-joint rig of the stand-in model (`NullBackbone`): hips, spine, head and two feet.
    /// Also the base a `/capabilities` entry read from another server is laid over.
    public static let standIn = Skeleton(joints: [
        Joint(name: "Hips", restTranslation: SIMD3(0, 0.95, 0)),
        Joint(name: "Spine", parent: "Hips", restTranslation: SIMD3(0, 0.5, 0)),
        Joint(name: "Head", parent: "Spine", restTranslation: SIMD3(0, 0.3, 0)),
        Joint(name: "LeftFoot", parent: "Hips", restTranslation: SIMD3(0.1, -0.95, 0)),
        Joint(name: "RightFoot", parent: "Hips", restTranslation: SIMD3(-0.1, -0.95, 0)),
    ])
}
