// docs/response.md §9.4–9.5: each role's head and tail point per frame (Z-up), and the centre of mass
// from a ten-segment body model.

/// Which end of a role's bone a point is.
enum BonePoint {
    case head, tail
}

/// The head and tail track of every role that has an entry (toes and hand ends are only tails).
struct RolePoints {
    private(set) var heads = RoleTable<Track3>()
    private(set) var tails = RoleTable<Track3>()
    /// The head point of the hips (always present).
    let hips: Track3

    func point(_ role: BodyRole, _ end: BonePoint) -> Track3? {
        end == .head ? heads[role] : tails[role]
    }

    /// True when no coordinate of any point is NaN or infinite.
    var isFinite: Bool {
        func finite(_ t: Track3) -> Bool {
            t.x.allSatisfy(\.isFinite) && t.y.allSatisfy(\.isFinite) && t.z.allSatisfy(\.isFinite)
        }
        return heads.allSatisfy { finite($0.value) } && tails.allSatisfy { finite($0.value) }
    }

    /// Reads the roles' joints from the pose and builds each tail (§9.4). The extrapolations are
    /// linear and the Z-up conversion only swaps and negates, so the tails are built in Z-up.
    init(pose: SamplePose, roles: BodyRoles) {
        var joints = RoleTable<Track3>()
        // The hips are also a role's joint: their track is read once.
        let hips = pose.track(roles.hips)
        for (role, joint) in roles.joints { joints[role] = joint == roles.hips ? hips : pose.track(joint) }
        self.hips = hips
        for (role, head) in joints {
            let tail: Track3
            switch role {
            case .limb(_, .toe), .limb(_, .handEnd):
                continue
            case .limb(let side, .hand):
                if let end = joints[.limb(side, .handEnd)] {
                    tail = end
                } else if let forearm = joints[.limb(side, .forearm)] {
                    tail = Self.extrapolate(head, awayFrom: forearm, by: 0.6)
                } else {
                    tail = head
                }
            case .head:
                if let neck = joints[.neck] { tail = Self.extrapolate(head, awayFrom: neck, by: 1.2) } else { tail = head }
            default:
                tail = Self.next(after: role).flatMap { joints[$0] } ?? head
            }
            heads[role] = head
            tails[role] = tail
        }
    }

    /// The role whose joint ends this role's bone.
    private static func next(after role: BodyRole) -> BodyRole? {
        switch role {
        case .hips: return .spine
        case .spine: return .chest
        case .chest: return .neck
        case .neck: return .head
        case .limb(let side, .foot): return .limb(side, .toe)
        case .limb(let side, .arm): return .limb(side, .forearm)
        case .limb(let side, .forearm): return .limb(side, .hand)
        case .limb(let side, .leg): return .limb(side, .shin)
        case .limb(let side, .shin): return .limb(side, .foot)
        default: return nil
        }
    }

    /// `head + (head − from)·factor`, per axis.
    private static func extrapolate(_ head: Track3, awayFrom from: Track3, by factor: Double) -> Track3 {
        func axis(_ h: [Double], _ f: [Double]) -> [Double] { zip(h, f).map { $0 + ($0 - $1) * factor } }
        return Track3(x: axis(head.x, from.x), y: axis(head.y, from.y), z: axis(head.z, from.z))
    }
}

/// §9.5 body segments: from the head of `from` to the named point of `to`.
private struct MassSegment {
    let from: BodyRole
    let to: BodyRole
    let toPoint: BonePoint
    let mass: Double
    let ratio: Double
}

private let massSegments: [MassSegment] = {
    var segments = [
        MassSegment(from: .hips, to: .spine, toPoint: .head, mass: 0.142, ratio: 0.5),
        MassSegment(from: .spine, to: .chest, toPoint: .head, mass: 0.139, ratio: 0.5),
        MassSegment(from: .chest, to: .neck, toPoint: .head, mass: 0.216, ratio: 0.5),
        MassSegment(from: .neck, to: .head, toPoint: .tail, mass: 0.081, ratio: 0.6),
    ]
    for side in BodySide.allCases {
        func role(_ limb: Limb) -> BodyRole { .limb(side, limb) }
        segments += [
            MassSegment(from: role(.arm), to: role(.forearm), toPoint: .head, mass: 0.028, ratio: 0.436),
            MassSegment(from: role(.forearm), to: role(.hand), toPoint: .head, mass: 0.016, ratio: 0.43),
            MassSegment(from: role(.hand), to: role(.hand), toPoint: .tail, mass: 0.006, ratio: 0.5),
            MassSegment(from: role(.leg), to: role(.shin), toPoint: .head, mass: 0.100, ratio: 0.433),
            MassSegment(from: role(.shin), to: role(.foot), toPoint: .head, mass: 0.0465, ratio: 0.433),
            MassSegment(from: role(.foot), to: role(.foot), toPoint: .tail, mass: 0.0145, ratio: 0.5),
        ]
    }
    return segments
}()

extension RolePoints {
    /// §9.5: the ground components of the centre of mass, or the hips when less than 0.3 of the
    /// body's mass was found.
    func centreOfMass() -> Planar {
        let frames = hips.x.count
        var sumX = [Double](repeating: 0, count: frames)
        var sumY = [Double](repeating: 0, count: frames)
        var total = 0.0
        var counted = false
        for segment in massSegments {
            guard let a = heads[segment.from], let b = point(segment.to, segment.toPoint) else { continue }
            // The first term is assigned, not added to zero, so that a -0.0 keeps its sign.
            for t in 0..<frames {
                let x = segment.mass * (a.x[t] + (b.x[t] - a.x[t]) * segment.ratio)
                let y = segment.mass * (a.y[t] + (b.y[t] - a.y[t]) * segment.ratio)
                sumX[t] = counted ? sumX[t] + x : x
                sumY[t] = counted ? sumY[t] + y : y
            }
            total += segment.mass
            counted = true
        }
        if !counted || total < 0.3 { return Planar(x: hips.x, y: hips.y) }
        return Planar(x: sumX.map { $0 / total }, y: sumY.map { $0 / total })
    }
}
