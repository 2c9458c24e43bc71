extension MotionResult {
    /// The request's skeleton standing at rest for every frame of every sample: identity
    /// rotations, the root held at its rest translation. What the NullBackbone answers, and the
    /// in-process encoding benchmark's stand-in model.
    public static func restPose(for request: GenerateRequest) throws -> MotionResult {
        let samples = request.numSamples
        let frames = request.totalFrames
        let joints = request.skeleton.joints.count
        let (count, overflow) = samples.multipliedReportingOverflow(by: frames)
        guard !overflow, count.multipliedReportingOverflow(by: joints * 4).overflow == false else {
            throw ProtocolError(.invalidOptions, "the motion asked for is too large to hold")
        }
        var rotations = [Float](repeating: 0, count: samples * frames * joints * 4)
        for w in stride(from: 3, to: rotations.count, by: 4) { rotations[w] = 1 }
        let rest = request.skeleton.joints.first?.restTranslation ?? SIMD3(0, 0, 0)
        var roots = [Float](repeating: 0, count: samples * frames * 3)
        for base in stride(from: 0, to: roots.count, by: 3) {
            roots[base] = Float(rest[0])
            roots[base + 1] = Float(rest[1])
            roots[base + 2] = Float(rest[2])
        }
        return try MotionResult(
            sampleCount: samples, frameCount: frames, jointCount: joints, rotations: rotations,
            rootTranslations: roots)
    }
}
