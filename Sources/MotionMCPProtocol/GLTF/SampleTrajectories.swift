extension GLTFEncoder {
    /// Each sample's `trajectory` object: the backbone's own when it supplied a list (used verbatim),
    /// else computed (RESPONSE.md §8.1). A failed computation leaves every sample without one and is
    /// reported through the context; it never fails the response.
    static func trajectoryObjects(for result: MotionResult, context: EncodingContext) throws(EncodingError) -> [JSONObject?] {
        if let supplied = result.trajectories {
            for case let trajectory? in supplied where !JSONValue.object(trajectory).isFinite {
                throw EncodingError("a supplied trajectory holds a non-finite number, which JSON cannot carry")
            }
            return supplied
        }
        let input = TrajectoryInput(
            jointNames: context.skeleton.jointNames, parentIndices: context.skeleton.parentIndices,
            restTranslations: context.skeleton.joints.flatMap {
                [$0.restTranslation[0], $0.restTranslation[1], $0.restTranslation[2]]
            },
            rotations: result.rotations, rootTranslations: result.rootTranslations,
            sampleCount: result.sampleCount, frameCount: result.frameCount, fps: context.fps, loop: context.loop,
            canonicalToRequest: result.canonicalToRequest)
        do {
            return try computeTravelTrajectories(input).map { $0.jsonObject }
        } catch {
            context.trajectoryFailure?(error)
            return []
        }
    }
}

extension TravelTrajectory {
    /// The wire form of RESPONSE.md §8.2, keys in order.
    public var jsonObject: JSONObject {
        var params = JSONObject()
        for parameter in self.params {
            switch parameter.value {
            case .number(let value): params[parameter.name] = .double(value)
            case .range(let low, let high): params[parameter.name] = [.double(low), .double(high)]
            case .points(let points): params[parameter.name] = .array(points.map { .array($0.map { .double($0) }) })
            }
        }
        var position: [JSONValue] = []
        position.reserveCapacity(positions.count / 2)
        for index in stride(from: 0, to: positions.count - 1, by: 2) {
            position.append([.double(positions[index]), .double(positions[index + 1])])
        }
        return [
            "model": .string(shape.rawValue),
            "loop": .bool(loop),
            "params": .object(params),
            "heading": .string(heading.rawValue),
            "markers": ["LeftFootDown": .array(leftFootDown.map { .integer($0) }), "RightFootDown": .array(rightFootDown.map { .integer($0) })],
            "position": .array(position),
            "yaw": .array(yaw.map { .double($0) }),
        ]
    }
}
