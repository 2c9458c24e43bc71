// docs/response.md §9.6: the floor height, the body's scale, and which body parts rest on the ground
// at each frame (low enough and slow enough).

/// The contact groups, in the order the cycle window and the re-planting test visit them.
enum ContactGroup: Int, CaseIterable {
    case leftFoot, rightFoot, leftHand, rightHand, leftKnee, rightKnee, leftElbow, rightElbow, torso, head
}

/// One contact candidate of the §9.6 table whose role is present, with its per-frame state.
struct ContactCandidate {
    let group: ContactGroup
    /// The candidate's Z-up point per frame.
    let point: Track3
    /// `on'`: on the ground at the frame, isolated frames dropped.
    let on: [Bool]
}

/// §9.6 candidate table: (group, role, point, height h, torso?).
private let contactTable: [(ContactGroup, BodyRole, BonePoint, Double, Bool)] = [
    (.leftFoot, .limb(.left, .foot), .head, 0.09, false), (.leftFoot, .limb(.left, .foot), .tail, 0.06, false),
    (.rightFoot, .limb(.right, .foot), .head, 0.09, false), (.rightFoot, .limb(.right, .foot), .tail, 0.06, false),
    (.leftKnee, .limb(.left, .shin), .head, 0.12, false), (.rightKnee, .limb(.right, .shin), .head, 0.12, false),
    (.leftHand, .limb(.left, .hand), .tail, 0.11, false), (.leftHand, .limb(.left, .hand), .head, 0.16, false),
    (.rightHand, .limb(.right, .hand), .tail, 0.11, false), (.rightHand, .limb(.right, .hand), .head, 0.16, false),
    (.leftElbow, .limb(.left, .forearm), .head, 0.12, false), (.rightElbow, .limb(.right, .forearm), .head, 0.12, false),
    (.torso, .limb(.left, .arm), .head, 0.15, true), (.torso, .limb(.right, .arm), .head, 0.15, true),
    (.torso, .hips, .head, 0.18, true), (.torso, .spine, .head, 0.15, true), (.torso, .chest, .head, 0.15, true),
    (.torso, .neck, .head, 0.15, true), (.head, .head, .head, 0.13, true), (.head, .head, .tail, 0.13, true),
]

/// The ground contacts of one sample.
struct Contacts {
    /// The kept candidates, in table order.
    let candidates: [ContactCandidate]
    /// Per group (indexed by `ContactGroup.rawValue`): OR of its candidates' masks, or nil for a
    /// group without candidates.
    let groupMasks: [[Bool]?]

    init(points: RolePoints, com: Planar, fps: Double) {
        let frames = com.count
        let hipsZ = points.hips.z
        // The lowest foot point per frame (the feet taken in order, each frame's minimum folded
        // left to right), or the hips 0.9 lower on a rig without feet.
        var low: [Double] = []
        func lower(to z: [Double]) {
            if low.isEmpty {
                low = z
            } else {
                for t in 0..<frames { low[t] = min(low[t], z[t]) }
            }
        }
        for side in BodySide.allCases {
            guard let head = points.heads[.limb(side, .foot)], let tail = points.tails[.limb(side, .foot)] else { continue }
            lower(to: head.z)
            lower(to: tail.z)
        }
        if low.isEmpty { low = hipsZ.map { $0 - 0.9 } }
        let floor = Numerics.percentile5(low) - 0.033
        let hip = Numerics.median(hipsZ) - floor
        let scale = hip > 0.3 ? hip / 0.9 : 1.0
        let bodySpeed = Self.speeds(com, fps: fps)

        var candidates: [ContactCandidate] = []
        candidates.reserveCapacity(contactTable.count)
        var groupMasks = [[Bool]?](repeating: nil, count: ContactGroup.allCases.count)
        // Per candidate only its two masks are allocated: with short clips the arrays of the
        // straightforward version (speeds, gradients, merged masks) were most of the cost.
        var raw = [Bool](repeating: false, count: frames)
        for (group, role, end, height, torso) in contactTable {
            guard let point = points.point(role, end) else { continue }
            let limit = (torso ? 1.2 : 0.4) * scale
            let (x, y, z) = (point.x, point.y, point.z)
            for t in 0..<frames {
                let speed = Self.speed(x: x, y: y, at: t, fps: fps)
                raw[t] = z[t] - floor < height * scale && speed < limit + 0.3 * bodySpeed[t]
            }
            var on = [Bool](repeating: false, count: frames)
            for t in 0..<frames {
                on[t] = raw[t] && ((t > 0 && raw[t - 1]) || (t + 1 < frames && raw[t + 1]))
            }
            candidates.append(ContactCandidate(group: group, point: point, on: on))
            if groupMasks[group.rawValue] == nil {
                groupMasks[group.rawValue] = on
            } else {
                for t in 0..<frames where on[t] { groupMasks[group.rawValue]?[t] = true }
            }
        }
        self.candidates = candidates
        self.groupMasks = groupMasks
    }

    /// `NORM(GRAD(p)[t])·fps`; zeros for a single frame.
    static func speeds(_ p: Planar, fps: Double) -> [Double] {
        (0..<p.count).map { speed(x: p.x, y: p.y, at: $0, fps: fps) }
    }

    /// `NORM(GRAD(p)[t])·fps` at one frame; zero for a single frame.
    static func speed(x: [Double], y: [Double], at t: Int, fps: Double) -> Double {
        guard x.count > 1 else { return 0 }
        let gx = Numerics.gradient(x, at: t)
        let gy = Numerics.gradient(y, at: t)
        return (gx * gx + gy * gy).squareRoot() * fps
    }
}
