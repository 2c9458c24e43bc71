/// The animations of a response and the buffer behind them, laid out in the reference's order
/// (docs/response.md §3.5, §4.1, §7.1).
struct AnimationLayout {
    /// One channel and its sampler (channel `k` always uses sampler `k`).
    struct Channel {
        var node: Int
        var isRotation: Bool
        var input: Int
        var output: Int
    }

    private(set) var buffer: AnimationBuffer
    private(set) var animations: [[Channel]] = []

    init(result: MotionResult, context: EncodingContext) {
        let samples = result.sampleCount
        let frames = result.frameCount
        let joints = result.jointCount
        let root = context.parentIndices.firstIndex(of: -1) ?? 0
        buffer = AnimationBuffer(
            frameCount: frames, fps: context.fps,
            capacity: frames + result.rotations.count + result.rootTranslations.count)
        let rest = context.skeleton.joints.map {
            SIMD3<Float>(Float($0.restTranslation[0]), Float($0.restTranslation[1]), Float($0.restTranslation[2]))
        }
        let keys = KeySets(result.keyframes, frameCount: frames)

        for sample in 0..<samples {
            var channels: [Channel] = []
            channels.reserveCapacity(joints + 1)
            _ = buffer.timeAccessor(frames: nil)
            for joint in 0..<joints {
                let keyed = keys.frames(joint: joint, rotation: true)
                let output = buffer.append(.vec4, count: keyed?.count ?? frames) { floats in
                    Self.copy(result.rotations, width: 4, frames: keyed, frameCount: frames, into: &floats) { frame in
                        ((sample * frames + frame) * joints + joint) * 4
                    }
                }
                channels.append(Channel(node: joint, isRotation: true, input: buffer.timeAccessor(frames: keyed), output: output))
            }
            let rootKeyed = keys.frames(joint: root, rotation: false)
            let rootOutput = buffer.append(.vec3, count: rootKeyed?.count ?? frames) { floats in
                Self.copy(result.rootTranslations, width: 3, frames: rootKeyed, frameCount: frames, into: &floats) { frame in
                    (sample * frames + frame) * 3
                }
            }
            channels.append(Channel(node: root, isRotation: false, input: buffer.timeAccessor(frames: rootKeyed), output: rootOutput))
            if context.jointTranslations, let translations = result.translations {
                for joint in 0..<joints where joint != root {
                    if Self.isAtRest(translations, sample: sample, joint: joint, frames: frames, joints: joints, rest: rest[joint]) {
                        continue
                    }
                    let keyed = keys.frames(joint: joint, rotation: false)
                    let output = buffer.append(.vec3, count: keyed?.count ?? frames) { floats in
                        Self.copy(translations, width: 3, frames: keyed, frameCount: frames, into: &floats) { frame in
                            ((sample * frames + frame) * joints + joint) * 3
                        }
                    }
                    channels.append(Channel(node: joint, isRotation: false, input: buffer.timeAccessor(frames: keyed), output: output))
                }
            }
            animations.append(channels)
        }
    }

    /// Appends `width` floats of `source` per frame (the keyed frames, or every frame when `nil`),
    /// each frame's run starting at `start(frame)`.
    private static func copy(
        _ source: [Float], width: Int, frames keyed: [Int]?, frameCount: Int, into floats: inout [Float],
        start: (Int) -> Int
    ) {
        source.withUnsafeBufferPointer { source in
            func copyFrame(_ frame: Int) {
                let base = start(frame)
                for component in 0..<width { floats.append(source[base + component]) }
            }
            if let keyed {
                for frame in keyed { copyFrame(frame) }
            } else {
                for frame in 0..<frameCount { copyFrame(frame) }
            }
        }
    }

    /// numpy's `allclose(track, rest, rtol=1e-5, atol=1e-6)` in float32, as the reference tests it;
    /// a NaN anywhere fails.
    static func isAtRest(
        _ translations: [Float], sample: Int, joint: Int, frames: Int, joints: Int, rest: SIMD3<Float>
    ) -> Bool {
        let absoluteTolerance: Float = 1e-6
        let relativeTolerance: Float = 1e-5
        for frame in 0..<frames {
            let base = ((sample * frames + frame) * joints + joint) * 3
            for component in 0..<3 {
                let difference = abs(translations[base + component] - rest[component])
                guard difference <= absoluteTolerance + relativeTolerance * abs(rest[component]) else { return false }
            }
        }
        return true
    }

    func writeAnimations(to writer: inout JSONWriter) {
        for (sample, channels) in animations.enumerated() {
            if sample > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.raw("{\"name\":\"sample_")
            writer.integer(sample)
            writer.raw("\",\"channels\":[")
            for (index, channel) in channels.enumerated() {
                if index > 0 { writer.byte(UInt8(ascii: ",")) }
                writer.raw("{\"sampler\":")
                writer.integer(index)
                writer.raw(",\"target\":{\"node\":")
                writer.integer(channel.node)
                channel.isRotation ? writer.raw(",\"path\":\"rotation\"}}") : writer.raw(",\"path\":\"translation\"}}")
            }
            writer.raw("],\"samplers\":[")
            for (index, channel) in channels.enumerated() {
                if index > 0 { writer.byte(UInt8(ascii: ",")) }
                writer.raw("{\"input\":")
                writer.integer(channel.input)
                writer.raw(",\"output\":")
                writer.integer(channel.output)
                writer.raw(",\"interpolation\":\"LINEAR\"}")
            }
            writer.raw("]}")
        }
    }

    func writeAccessors(to writer: inout JSONWriter) {
        for (index, accessor) in buffer.accessors.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.raw("{\"bufferView\":")
            writer.integer(index)
            writer.raw(",\"componentType\":5126,\"count\":")
            writer.integer(accessor.count)
            writer.raw(",\"type\":\"")
            writer.raw(accessor.kind)
            writer.byte(UInt8(ascii: "\""))
            if let bounds = accessor.bounds {
                writer.raw(",\"min\":[")
                writer.double(Double(bounds.min))
                writer.raw("],\"max\":[")
                writer.double(Double(bounds.max))
                writer.byte(UInt8(ascii: "]"))
            }
            writer.byte(UInt8(ascii: "}"))
        }
    }

    func writeBufferViews(to writer: inout JSONWriter) {
        for (index, accessor) in buffer.accessors.enumerated() {
            if index > 0 { writer.byte(UInt8(ascii: ",")) }
            writer.raw("{\"buffer\":0,\"byteOffset\":")
            writer.integer(accessor.offset)
            writer.raw(",\"byteLength\":")
            writer.integer(accessor.count * accessor.components * 4)
            writer.byte(UInt8(ascii: "}"))
        }
    }
}

extension JSONWriter {
    fileprivate mutating func raw(_ kind: AnimationBuffer.Accessor.Kind) {
        switch kind {
        case .scalar: raw("SCALAR")
        case .vec3: raw("VEC3")
        case .vec4: raw("VEC4")
        }
    }
}

/// The keyed frames of each channel: clamped to the clip, de-duplicated, sorted; `nil` = dense.
struct KeySets {
    private let keyframes: [Int: Keyframes]?
    private let frameCount: Int

    init(_ keyframes: [Int: Keyframes]?, frameCount: Int) {
        self.keyframes = keyframes
        self.frameCount = frameCount
    }

    func frames(joint: Int, rotation: Bool) -> [Int]? {
        guard let entry = keyframes?[joint], let listed = rotation ? entry.rotation : entry.translation,
            !listed.isEmpty, frameCount > 0
        else { return nil }
        let clamped = Set(listed.map { min(max($0, 0), frameCount - 1) })
        return clamped.sorted()
    }
}
