// docs/response.md §9: the travel trajectory of every sample, end to end (§9.0), with the loop
// closure (§9.20), the parameters of the final trajectory (§9.21), the markers (§9.22) and the
// rounded output (§9.23).

/// Computes every sample's trajectory; throws when any sample fails (then no sample gets one,
/// §9.24).
public func computeTravelTrajectories(_ input: TrajectoryInput) throws -> [TravelTrajectory] {
    try input.validate()
    guard input.sampleCount > 0 else { return [] }
    guard input.frameCount >= 2 else { throw TravelTrajectoryError.tooFewFrames(input.frameCount) }
    guard input.fps.isFinite && input.fps > 0 else { throw TravelTrajectoryError.invalidFrameRate(input.fps) }
    guard
        let roles = BodyRoles(
            jointNames: input.jointNames, parentIndices: input.parentIndices,
            canonicalToRequest: input.canonicalToRequest)
    else { throw TravelTrajectoryError.noHips }
    let root = roles.hips
    // Only the roles' joints and their ancestors need forward kinematics.
    var needed = [Bool](repeating: false, count: input.jointNames.count)
    for (_, joint) in roles.joints {
        var j = joint
        while j >= 0 && !needed[j] {
            needed[j] = true
            j = input.parentIndices[j]
        }
    }
    return try (0..<input.sampleCount).map { sample in
        try SampleTrajectory.compute(input: input, sample: sample, roles: roles, root: root, needed: needed)
    }
}

extension TrajectoryInput {
    /// Checks the array sizes against the counts, and the parent order.
    func validate() throws {
        let joints = jointNames.count
        func fail(_ reason: String) -> TravelTrajectoryError { .malformedInput(reason) }
        guard sampleCount >= 0, frameCount >= 0 else { throw fail("negative sample or frame count") }
        guard parentIndices.count == joints else { throw fail("\(parentIndices.count) parents for \(joints) joints") }
        guard restTranslations.count == joints * 3 else { throw fail("rest translations are not J×3") }
        guard rotations.count == sampleCount * frameCount * joints * 4 else { throw fail("rotations are not B×T×J×4") }
        guard rootTranslations.count == sampleCount * frameCount * 3 else { throw fail("root translations are not B×T×3") }
        for (j, parent) in parentIndices.enumerated() where parent >= j || parent < -1 {
            throw fail("joint \(j) has parent \(parent), which does not precede it")
        }
    }
}

/// One sample's trajectory (§9.0 pipeline).
private enum SampleTrajectory {
    static func compute(
        input: TrajectoryInput, sample: Int, roles: BodyRoles, root: Int,
        needed: [Bool]
    ) throws -> TravelTrajectory {
        let frames = input.frameCount
        let fps = input.fps
        let loop = input.loop
        let pose = SamplePose(input, sample: sample, needed: needed, root: root)
        let points = RolePoints(pose: pose, roles: roles)
        // Any non-finite point would reach the travel path or the contacts (§6.5).
        guard points.isFinite else { throw TravelTrajectoryError.nonFiniteValues(sample: sample) }
        let com = points.centreOfMass()
        let contacts = Contacts(points: points, com: com, fps: fps)
        let travel = TravelPath(com: com, contacts: contacts, fps: fps, loop: loop)
        let times = (0..<frames).map { Double($0) / fps }
        var keyTimes: [Double]?
        if frames >= 3 {
            guard let keys = TravelPath.keyTimes(labels: travel.labels, times: times) else {
                throw TravelTrajectoryError.tooShortForKeyTimes(frames: frames, fps: fps)
            }
            keyTimes = keys
        }
        let choice = ShapeChoice(path: travel.path, com: com, times: times, keyTimes: keyTimes, fps: fps, loop: loop)
        var xy = choice.points
        let raw = HeadingFit.facing(points, frames: frames)
        var (yaw, heading): ([Double], TravelTrajectory.Heading)
        if let raw, let keyTimes {
            (yaw, heading) = HeadingFit.fromFacing(
                raw, window: travel.window, times: times, keyTimes: keyTimes,
                fps: fps, loop: loop, still: choice.model == .still)
        } else {
            (yaw, heading) = (HeadingFit.tangentYaw(xy, fps: fps), .path)
        }
        if loop {
            closeLoop(&xy, &yaw, pose: pose, root: root, raw: raw, arc: choice.model == .arc)
        }
        var params = choice.params
        if choice.model != .still {
            params += motionParams(xy, fps: fps, arc: choice.model == .arc)
        }

        var positions = [Double](repeating: 0, count: frames * 2)
        for t in 0..<frames {
            positions[t * 2] = roundDecimal(xy.x[t], places: 4)
            positions[t * 2 + 1] = roundDecimal(-xy.y[t], places: 4)
        }
        let rounded = yaw.map { roundDecimal($0, places: 5) }
        guard positions.allSatisfy(\.isFinite), rounded.allSatisfy(\.isFinite),
            params.allSatisfy({ $0.value.isFinite })
        else { throw TravelTrajectoryError.nonFiniteValues(sample: sample) }

        return TravelTrajectory(
            shape: choice.model, loop: loop, params: params, heading: heading,
            leftFootDown: touchdowns(contacts.groupMasks[ContactGroup.leftFoot.rawValue], loop: loop),
            rightFootDown: touchdowns(contacts.groupMasks[ContactGroup.rightFoot.rawValue], loop: loop),
            positions: positions, yaw: rounded)
    }

    /// §9.20: a loop ends exactly one root-travel from where it starts, turned by the facing's
    /// turn over the cycle (or, for an arc without a facing, the root's own turn).
    private static func closeLoop(
        _ xy: inout Planar, _ yaw: inout [Double], pose: SamplePose, root: Int,
        raw: [Double]?, arc: Bool
    ) {
        let n = xy.count
        let u = Numerics.linspace(0, 1, n)
        let first = root * 3
        let last = ((n - 1) * pose.jointCount + root) * 3
        let rootX = pose.positions[last] - pose.positions[first]
        let rootY = -(pose.positions[last + 2] - pose.positions[first + 2])
        let shiftX = rootX - (xy.x[n - 1] - xy.x[0])
        let shiftY = rootY - (xy.y[n - 1] - xy.y[0])
        for t in 0..<n {
            xy.x[t] += shiftX * u[t]
            xy.y[t] += shiftY * u[t]
        }
        let turn: Double
        if let raw {
            turn = raw[n - 1] - raw[0]
        } else if arc {
            turn = HeadingFit.rootTurn(first: pose.firstRootRotation, last: pose.lastRootRotation)
        } else {
            return
        }
        let change = turn - yaw[n - 1]
        for t in 0..<n { yaw[t] += change * u[t] }
    }

    /// §9.21: speeds of the final trajectory, and an arc's turn.
    private static func motionParams(_ xy: Planar, fps: Double, arc: Bool) -> [(name: String, value: TravelTrajectory.Parameter)] {
        let speeds = Contacts.speeds(xy, fps: fps)
        let mean = speeds.reduce(0, +) / Double(speeds.count)
        var params: [(name: String, value: TravelTrajectory.Parameter)] = [
            ("speed", .number(roundDecimal(mean, places: 3))),
            ("speed_range", .range(roundDecimal(speeds.min() ?? 0, places: 3), roundDecimal(speeds.max() ?? 0, places: 3))),
        ]
        if arc {
            let turned = ShapeFit.degrees(HeadingFit.tangentYaw(xy, fps: fps)[xy.count - 1])
            params.append(("turned_deg", .number(roundDecimal(turned, places: 1))))
            let duration = max(Double(xy.count - 1) / fps, 1e-6)
            params.append(("turn_deg_s", .number(roundDecimal(turned / duration, places: 2))))
        }
        return params
    }

    /// §9.22: the frames a foot comes down on; a loop's frame 0 counts when the foot is down
    /// there but not on the frame before the seam.
    private static func touchdowns(_ mask: [Bool]?, loop: Bool) -> [Int] {
        guard let d = mask else { return [] }
        var frames = (1..<d.count).filter { d[$0] && !d[$0 - 1] }
        if loop && d.count > 2 && d[0] && !d[d.count - 2] { frames.insert(0, at: 0) }
        return frames
    }
}

extension TravelTrajectory.Parameter {
    var isFinite: Bool {
        switch self {
        case .number(let v): return v.isFinite
        case .range(let a, let b): return a.isFinite && b.isFinite
        case .points(let points): return points.allSatisfy { $0.allSatisfy(\.isFinite) }
        }
    }
}
