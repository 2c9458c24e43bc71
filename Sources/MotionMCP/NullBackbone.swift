import Foundation

/// The reference's stand-in model: it answers every request with the rest pose, held in place.
///
/// Useful for plugin development and tests: its capabilities are byte for byte the reference's
/// (docs/protocol.md §2.6). ``init(modelID:overlay:)`` builds one that publishes another model's
/// capabilities, so a client can be tested against a production model's spec without its weights.
public struct NullBackbone: Backbone {
    /// The registry id.
    public let modelID: String?
    /// The spec it publishes.
    public let spec: ModelSpec
    /// How long `generate` takes, to stand in for a real model's latency (zero by default).
    public var simulatedLatency: Duration = .zero
    /// At most this many calls run at once, like a GPU; the others wait their turn. `nil`: no limit.
    public var callLimit: ConcurrencyLimit?

    /// The 5-joint default skeleton: Hips, Spine, Head, LeftFoot, RightFoot.
    public static let defaultSkeleton = Skeleton.standIn

    /// A NullBackbone with the reference's defaults.
    public init(modelID: String = "null", fps: Double = 30, canonicalSkeleton: Skeleton = NullBackbone.defaultSkeleton) {
        var spec = ModelSpec(id: modelID, fps: fps, canonicalSkeleton: canonicalSkeleton)
        spec.supportedConstraints = ["root_path", "effector_target", "pose_keyframe"]
        self.modelID = modelID
        self.spec = spec
    }

    /// A NullBackbone publishing the default spec with the fields of `overlay` laid over it (an
    /// object shaped like one entry of `/capabilities` `models`); its id is `modelID`, whatever the
    /// overlay says.
    public init(modelID: String, overlay: JSONObject) throws(ModelSpecError) {
        var spec = try NullBackbone(modelID: modelID).spec.overlaid(with: overlay)
        spec.id = modelID
        self.modelID = modelID
        self.spec = spec
    }

    /// A NullBackbone whose capabilities are overlaid by the JSON object in the file at `path`
    /// (as `mmcp-console --null ID=FILE` does); a missing, unreadable or invalid file is a
    /// `ModelSpecError` that names it.
    public init(modelID: String, specFile path: String) throws(ModelSpecError) {
        let overlay = try Self.overlay(fromFile: path)
        do {
            try self.init(modelID: modelID, overlay: overlay)
        } catch {
            throw ModelSpecError("spec file '\(path)': \(error)")
        }
    }

    /// The JSON object in the spec file at `path`, for ``init(modelID:overlay:)``; see
    /// `ModelSpec.overlay(fromFile:)`.
    public static func overlay(fromFile path: String) throws(ModelSpecError) -> JSONObject {
        try ModelSpec.overlay(fromFile: path)
    }

    /// A NullBackbone publishing exactly `spec`, registered as `modelID`.
    public init(modelID: String, spec: ModelSpec) {
        self.modelID = modelID
        self.spec = spec
    }

    public func capabilities() -> ModelSpec { spec }

    /// Identity rotations for every joint of the request skeleton, and the root held at the request
    /// skeleton's first joint's rest translation, for `numSamples` samples of `totalFrames` frames.
    public func generate(_ request: GenerateRequest) async throws -> MotionResult {
        try await simulateCall()
        return try Self.restPose(for: request)
    }

    /// One call for the whole batch, as a GPU runs one: a single ``simulatedLatency`` (and a single
    /// place under ``callLimit``) whatever the batch's size.
    public func generateBatch(_ requests: [GenerateRequest]) async throws -> [Result<MotionResult, any Error>] {
        try await simulateCall()
        return requests.map { request in Result { try Self.restPose(for: request) } }
    }

    /// The time a call takes, under the call limit when there is one.
    private func simulateCall() async throws {
        guard simulatedLatency > .zero else { return }
        if let callLimit {
            try await callLimit.run { try await Task.sleep(for: simulatedLatency) }
        } else {
            try await Task.sleep(for: simulatedLatency)
        }
    }

    /// The rest-pose motion the NullBackbone answers `request` with.
    public static func restPose(for request: GenerateRequest) throws -> MotionResult {
        try MotionResult.restPose(for: request)
    }
}
