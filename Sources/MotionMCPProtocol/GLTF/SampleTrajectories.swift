extension GLTFEncoder {
    /// Each sample's trajectory, or none.
    enum SampleTrajectories {
        /// The backbone's own, written verbatim (an empty or missing entry means none).
        case supplied([JSONObject?])
        /// Computed by the SDK, written straight into the document.
        case computed([TravelTrajectory])

        /// Writes `,"trajectory":{…}` for `sample`, when it has one.
        func write(sample: Int, to writer: inout JSONWriter) {
            switch self {
            case .supplied(let objects):
                guard sample < objects.count, let object = objects[sample], !object.isEmpty else { return }
                writer.raw(",\"trajectory\":")
                writer.value(.object(object))
            case .computed(let trajectories):
                guard sample < trajectories.count else { return }
                writer.raw(",\"trajectory\":")
                trajectories[sample].write(to: &writer)
            }
        }
    }

    /// Each sample's trajectory: the backbone's own when it supplied a list (used verbatim), else
    /// computed (docs/response.md §8.1). A failed computation leaves every sample without one and is
    /// reported through the context; it never fails the response.
    static func trajectories(for result: MotionResult, context: EncodingContext) throws(GLTFEncodingError) -> SampleTrajectories {
        if let supplied = result.trajectories {
            for case let trajectory? in supplied where !JSONValue.object(trajectory).isFinite {
                throw GLTFEncodingError("a supplied trajectory holds a non-finite number, which JSON cannot carry")
            }
            return .supplied(supplied)
        }
        var rest: [Double] = []
        rest.reserveCapacity(context.skeleton.joints.count * 3)
        for joint in context.skeleton.joints {
            rest.append(joint.restTranslation[0])
            rest.append(joint.restTranslation[1])
            rest.append(joint.restTranslation[2])
        }
        let input = TrajectoryInput(
            jointNames: context.skeleton.jointNames, parentIndices: context.parentIndices, restTranslations: rest,
            rotations: result.rotations, rootTranslations: result.rootTranslations,
            sampleCount: result.sampleCount, frameCount: result.frameCount, fps: context.fps, loop: context.loop,
            canonicalToRequest: result.canonicalToRequest)
        do {
            return .computed(try computeTravelTrajectories(input))
        } catch {
            context.trajectoryFailure?(error)
            return .computed([])
        }
    }
}

extension TravelTrajectory {
    /// Writes the wire form of docs/response.md §8.2, keys in order, without building a JSON value
    /// first (this runs for every sample of every response).
    func write(to writer: inout JSONWriter) {
        writer.raw("{\"model\":")
        writer.string(shape.rawValue)
        writer.raw(",\"loop\":")
        writer.bool(loop)
        writer.raw(",\"params\":{")
        for (index, parameter) in params.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.string(parameter.name)
            writer.byte(UInt8(ascii: ":"))
            switch parameter.value {
            case .number(let value): writer.double(value)
            case .range(let low, let high): writer.doubles(SIMD2(low, high))
            case .points(let points): writer.array(points) { $0.array($1) { $0.double($1) } }
            }
        }
        writer.raw("},\"heading\":")
        writer.string(heading.rawValue)
        writer.raw(",\"markers\":{\"LeftFootDown\":")
        writer.integers(leftFootDown)
        writer.raw(",\"RightFootDown\":")
        writer.integers(rightFootDown)
        writer.raw("},\"position\":")
        writer.array(stride(from: 0, to: positions.count - 1, by: 2)) { $0.doubles(SIMD2(positions[$1], positions[$1 + 1])) }
        writer.raw(",\"yaw\":")
        writer.array(yaw) { $0.double($1) }
        writer.byte(UInt8(ascii: "}"))
    }
}
