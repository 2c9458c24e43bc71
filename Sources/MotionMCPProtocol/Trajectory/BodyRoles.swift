// RESPONSE.md §9.2: which joint is the hips, the head, the left thigh, ... read from the joint
// names (Mixamo, SMPL, Blender, Unreal, 3ds Max spellings) and from the head's parent chain.

/// A body side.
enum BodySide: CaseIterable {
    case left, right
}

/// A limb part that exists once per side.
enum Limb: Int, CaseIterable {
    case leg, shin, foot, toe, arm, forearm, hand, handEnd
}

/// A body role: a trunk part or one side's limb part.
enum BodyRole: Hashable {
    case hips, spine, chest, neck, head
    case limb(BodySide, Limb)

    /// Every role, in ``slot`` order.
    static let all: [BodyRole] = [.hips, .spine, .chest, .neck, .head]
        + BodySide.allCases.flatMap { side in Limb.allCases.map { BodyRole.limb(side, $0) } }

    /// The role's index in ``all`` (and its place in a ``RoleTable``).
    var slot: Int {
        switch self {
        case .hips: return 0
        case .spine: return 1
        case .chest: return 2
        case .neck: return 3
        case .head: return 4
        case .limb(let side, let limb): return 5 + (side == .left ? 0 : Limb.allCases.count) + limb.rawValue
        }
    }
}

/// One optional value per body role. The roles are few and fixed, so a flat array indexed by
/// ``BodyRole/slot`` replaces a dictionary: hashing the roles was a visible share of a small
/// request's trajectory.
struct RoleTable<Value> {
    private var slots = [Value?](repeating: nil, count: BodyRole.all.count)

    subscript(role: BodyRole) -> Value? {
        get { slots[role.slot] }
        set { slots[role.slot] = newValue }
    }

    /// The roles that have a value, in slot order, with their values.
    var entries: [(role: BodyRole, value: Value)] {
        slots.indices.compactMap { i in slots[i].map { (BodyRole.all[i], $0) } }
    }

    /// The values present, in slot order.
    var values: [Value] { slots.compactMap { $0 } }
}

/// The roles found on a rig, each mapped to one joint index. Missing roles are absent.
struct BodyRoles {
    private(set) var joints = RoleTable<Int>()
    /// The hips: the first joint without a parent.
    let hips: Int

    /// §9.2 resolution: limb roles from the names (request names first, then the canonical names
    /// the result's map gives them), hips = the root, and neck/spine/chest from the head's chain.
    /// Returns nil when there is no root (no hips, so no body to read).
    init?(jointNames: [String], parentIndices: [Int], canonicalToRequest: [(canonical: String, request: String)]) {
        var requestToCanonical: [String: String] = [:]
        for entry in canonicalToRequest { requestToCanonical[entry.request] = entry.canonical }
        let identityReadings = jointNames.map(JointNameReading.init)
        let mappedReadings = jointNames.indices.map { i in
            requestToCanonical[jointNames[i]].map(JointNameReading.init) ?? identityReadings[i]
        }

        // Without a name map the second pass would read the same names again and find nothing new.
        for readings in canonicalToRequest.isEmpty ? [identityReadings] : [identityReadings, mappedReadings] {
            var thighSides = Set<BodySide>()
            for reading in readings {
                if let side = reading.side, ["upleg", "upperleg", "thigh"].contains(reading.base) {
                    thighSides.insert(side)
                }
            }
            for (index, reading) in readings.enumerated() {
                guard let side = reading.side,
                      let limb = Self.limb(forBase: reading.base, thighOnSide: thighSides.contains(side))
                else { continue }
                let role = BodyRole.limb(side, limb)
                if joints[role] == nil { joints[role] = index }
            }
        }

        guard let root = parentIndices.firstIndex(where: { $0 < 0 }) else { return nil }
        hips = root
        joints[.hips] = root
        // The head test reads the mapped name only: a request "Head" that stands for another
        // canonical joint is not the head.
        if let head = mappedReadings.firstIndex(where: { $0.base == "head" || $0.base == "head_01" }) {
            var chain = [head]
            var joint = head
            while parentIndices[joint] >= 0 && chain.count <= parentIndices.count {
                joint = parentIndices[joint]
                chain.append(joint)
            }
            chain.reverse()
            if chain[0] == root {
                let n = chain.count
                joints[.head] = head
                if n >= 3 { joints[.neck] = chain[n - 2] }
                if n >= 4 { joints[.spine] = chain[1] }
                if n >= 5 { joints[.chest] = chain[n - 3] }
            }
        }
    }

    /// The base → limb table. `leg` is a shin on rigs that name their thighs separately (Mixamo's
    /// LeftUpLeg/LeftLeg) and a thigh otherwise.
    private static func limb(forBase base: String, thighOnSide: Bool) -> Limb? {
        switch base {
        case "upleg", "upperleg", "thigh", "hip": return .leg
        case "leg": return thighOnSide ? .shin : .leg
        case "shin", "calf", "lowerleg", "knee": return .shin
        case "foot", "ankle": return .foot
        case "toebase", "toe", "toes", "ball": return .toe
        case "arm", "upperarm": return .arm
        case "forearm", "lowerarm", "elbow": return .forearm
        case "hand", "wrist": return .hand
        case "handmiddleend", "handend", "handmiddle4", "handmiddle1", "middle1", "middle_01": return .handEnd
        default: return nil
        }
    }
}

/// One joint name read as (side, base), §9.2 "Reading one name". Works on Unicode scalars, as
/// the reference's string operations do.
struct JointNameReading {
    var side: BodySide?
    var base: String

    private static let prefixes: [[Unicode.Scalar]] =
        ["mixamorig:", "mixamorig1:", "def-", "org-", "bip01 ", "bip001 ", "b_"].map { Array($0.unicodeScalars) }
    /// The side tags in the order they are tried; `leading` marks "left"/"right", which only
    /// count at the start of the name.
    private static let sideTags: [(tag: [Unicode.Scalar], side: BodySide, leading: Bool)] =
        [("left", BodySide.left), (".l", .left), ("_l", .left), (" l", .left), ("-l", .left), ("l_", .left), ("l.", .left),
         ("right", .right), (".r", .right), ("_r", .right), (" r", .right), ("-r", .right), ("r_", .right), ("r.", .right)]
            .map { (Array($0.0.unicodeScalars), $0.1, $0.0.count > 2) }

    init(_ name: String) {
        var scalars = Array(name.lowercased().unicodeScalars)
        for prefix in Self.prefixes where scalars.starts(with: prefix) { scalars.removeFirst(prefix.count) }
        for (tag, side, leading) in Self.sideTags {
            if leading {
                if scalars.starts(with: tag) {
                    self.init(side: side, base: Self.stripped(scalars[tag.count...]))
                    return
                }
            } else if scalars.count >= tag.count && scalars[(scalars.count - tag.count)...].elementsEqual(tag) {
                self.init(side: side, base: Self.stripped(scalars[..<(scalars.count - tag.count)]))
                return
            } else if (tag[1] == "_" || tag[1] == ".") && scalars.starts(with: tag) {
                self.init(side: side, base: Self.stripped(scalars[tag.count...]))
                return
            }
        }
        self.init(side: nil, base: Self.string(scalars[...]))
    }

    private init(side: BodySide?, base: String) {
        self.side = side
        self.base = base
    }

    /// The characters `_ . - space` removed from both ends.
    private static func stripped(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        func separator(_ c: Unicode.Scalar) -> Bool { c == "_" || c == "." || c == "-" || c == " " }
        var slice = scalars
        while let first = slice.first, separator(first) { slice.removeFirst() }
        while let last = slice.last, separator(last) { slice.removeLast() }
        return string(slice)
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
