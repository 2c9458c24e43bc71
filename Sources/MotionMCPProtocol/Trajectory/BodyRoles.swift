// docs/response.md §9.2: which joint is the hips, the head, the left thigh, ... read from the joint
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
    static let all: [BodyRole] =
        [.hips, .spine, .chest, .neck, .head]
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
/// request's trajectory. Iterating visits the roles that have a value, in slot order, without
/// building an array.
struct RoleTable<Value>: Sequence {
    private var slots = [Value?](repeating: nil, count: BodyRole.all.count)

    subscript(role: BodyRole) -> Value? {
        get { slots[role.slot] }
        set { slots[role.slot] = newValue }
    }

    func makeIterator() -> Iterator { Iterator(slots: slots) }

    /// The roles that have a value, with their values.
    struct Iterator: IteratorProtocol {
        fileprivate let slots: [Value?]
        private var position = 0

        fileprivate init(slots: [Value?]) { self.slots = slots }

        mutating func next() -> (role: BodyRole, value: Value)? {
            while position < slots.count {
                defer { position += 1 }
                if let value = slots[position] { return (BodyRole.all[position], value) }
            }
            return nil
        }
    }
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
            var thighSides: (left: Bool, right: Bool) = (false, false)
            for reading in readings {
                guard let side = reading.side, Self.isThigh(reading.base) else { continue }
                if side == .left { thighSides.left = true } else { thighSides.right = true }
            }
            for (index, reading) in readings.enumerated() {
                guard let side = reading.side,
                    let limb = Self.limb(forBase: reading.base, thighOnSide: side == .left ? thighSides.left : thighSides.right)
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

    private static func isThigh(_ base: String) -> Bool {
        base == "upleg" || base == "upperleg" || base == "thigh"
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

/// One joint name read as (side, base), §9.2 "Reading one name". The reference works on
/// Unicode scalars; every prefix, side tag and separator is ASCII, and an ASCII scalar is never
/// part of a longer UTF-8 sequence, so the same tests run here over the lowercased name's UTF-8
/// bytes (no scalar arrays, no string building but the base).
struct JointNameReading {
    var side: BodySide?
    var base: String

    private static let prefixes: [[UInt8]] =
        ["mixamorig:", "mixamorig1:", "def-", "org-", "bip01 ", "bip001 ", "b_"].map { Array($0.utf8) }
    /// The side tags in the order they are tried; `leading` marks "left"/"right", which only
    /// count at the start of the name.
    private static let sideTags: [(tag: [UInt8], side: BodySide, leading: Bool)] =
        [
            ("left", BodySide.left), (".l", .left), ("_l", .left), (" l", .left), ("-l", .left), ("l_", .left), ("l.", .left),
            ("right", .right), (".r", .right), ("_r", .right), (" r", .right), ("-r", .right), ("r_", .right), ("r.", .right),
        ]
        .map { (Array($0.0.utf8), $0.1, $0.0.count > 2) }

    init(_ name: String) {
        // ASCII lowercasing is Unicode lowercasing restricted to A–Z; anything else goes through
        // the full rules (a Kelvin sign becomes an ASCII "k").
        var bytes = Array(name.utf8)
        if bytes.allSatisfy({ $0 < 0x80 }) {
            for i in bytes.indices where bytes[i] >= UInt8(ascii: "A") && bytes[i] <= UInt8(ascii: "Z") { bytes[i] |= 0x20 }
        } else {
            bytes = Array(name.lowercased().utf8)
        }
        var name = bytes[...]
        for prefix in Self.prefixes where name.starts(with: prefix) { name.removeFirst(prefix.count) }
        for (tag, side, leading) in Self.sideTags {
            if leading {
                if name.starts(with: tag) {
                    self.init(side: side, base: Self.stripped(name.dropFirst(tag.count)))
                    return
                }
            } else if name.count >= tag.count && name.suffix(tag.count).elementsEqual(tag) {
                self.init(side: side, base: Self.stripped(name.dropLast(tag.count)))
                return
            } else if (tag[1] == UInt8(ascii: "_") || tag[1] == UInt8(ascii: ".")) && name.starts(with: tag) {
                self.init(side: side, base: Self.stripped(name.dropFirst(tag.count)))
                return
            }
        }
        self.init(side: nil, base: String(decoding: name, as: UTF8.self))
    }

    private init(side: BodySide?, base: String) {
        self.side = side
        self.base = base
    }

    /// The characters `_ . - space` removed from both ends.
    private static func stripped(_ bytes: ArraySlice<UInt8>) -> String {
        func separator(_ c: UInt8) -> Bool {
            c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") || c == UInt8(ascii: " ")
        }
        var slice = bytes
        while let first = slice.first, separator(first) { slice.removeFirst() }
        while let last = slice.last, separator(last) { slice.removeLast() }
        return String(decoding: slice, as: UTF8.self)
    }
}
