import Testing

@testable import MotionMCPProtocol

/// Request bodies and model directories for the validation tests, written as the conformance cases
/// of docs/protocol.md §10 write them: BASE plus a change, on N or N[...].
enum ValidationFixture {
    /// SK: the canonical skeleton of a default NullBackbone, as `/capabilities` publishes it.
    static let skeletonText = #"""
        {"joints":[
        {"name":"Hips","parent":null,"rest_translation":[0.0,0.95,0.0],"rest_rotation":[0.0,0.0,0.0,1.0],"display_name":null},
        {"name":"Spine","parent":"Hips","rest_translation":[0.0,0.5,0.0],"rest_rotation":[0.0,0.0,0.0,1.0],"display_name":null},
        {"name":"Head","parent":"Spine","rest_translation":[0.0,0.3,0.0],"rest_rotation":[0.0,0.0,0.0,1.0],"display_name":null},
        {"name":"LeftFoot","parent":"Hips","rest_translation":[0.1,-0.95,0.0],"rest_rotation":[0.0,0.0,0.0,1.0],"display_name":null},
        {"name":"RightFoot","parent":"Hips","rest_translation":[-0.1,-0.95,0.0],"rest_rotation":[0.0,0.0,0.0,1.0],"display_name":null}],
        "coordinate_system":"right_handed_y_up","units":"meters"}
        """#

    /// BASE: one 10-frame text segment for model `null` with SK.
    static let base = json(
        #"{"protocol_version":"1.4","model":"null","skeleton":\#(skeletonText),"segments":[{"type":"text","prompt":"walk","duration_frames":10}]}"#
    )

    /// BASE with its segments replaced.
    static func base(segments: String) -> JSONValue { base.with("segments", segments) }

    /// BASE as a constraints-only request of `frames` frames with these constraints.
    static func constraintsOnly(_ constraints: String, frames: Int = 20) -> JSONValue {
        base.with("segments", "[]").with("duration_frames", "\(frames)").with("constraints", constraints)
    }

    /// SK parsed.
    static let skeleton = json(skeletonText)

    /// The canonical skeleton of N as a model type.
    static let canonicalSkeleton = Skeleton(joints: [
        Joint(name: "Hips", restTranslation: SIMD3(0, 0.95, 0)),
        Joint(name: "Spine", parent: "Hips", restTranslation: SIMD3(0, 0.5, 0)),
        Joint(name: "Head", parent: "Spine", restTranslation: SIMD3(0, 0.3, 0)),
        Joint(name: "LeftFoot", parent: "Hips", restTranslation: SIMD3(0.1, -0.95, 0)),
        Joint(name: "RightFoot", parent: "Hips", restTranslation: SIMD3(-0.1, -0.95, 0)),
    ])

    /// N's spec (a default NullBackbone), changed by `change`: N[...].
    static func nullSpec(id: String = "null", _ change: (inout ModelSpec) -> Void = { _ in }) -> ModelSpec {
        var spec = ModelSpec(id: id, fps: 30, canonicalSkeleton: canonicalSkeleton)
        spec.supportedConstraints = ["root_path", "effector_target", "pose_keyframe"]
        change(&spec)
        return spec
    }

    /// A server of one model under the key `null`.
    static func models(_ change: (inout ModelSpec) -> Void = { _ in }) -> ModelDirectory {
        directory([("null", nullSpec(change))])
    }

    /// A server of several models, in registration order.
    static func directory(_ models: [(key: String, spec: ModelSpec)]) -> ModelDirectory {
        ModelDirectory(keys: models.map(\.key)) { key in models.first { $0.key == key }?.spec }
    }

    /// A JSON text parsed (a test's own text, so it must parse).
    static func json(_ text: String) -> JSONValue {
        do { return try JSONParser.parse(text) } catch { preconditionFailure("bad test JSON: \(error) in \(text)") }
    }

    /// A motion reference clip over `joints`, `frames` frames of identity, at 30 fps.
    static func clip(
        joints: [String] = ["Hips", "Spine", "Head", "LeftFoot", "RightFoot"], frames: Int = 4,
        duration: Int = 10, extra: String = ""
    ) -> String {
        let frame = "[" + Array(repeating: "[0,0,0,1]", count: joints.count).joined(separator: ",") + "]"
        let rotations = "[" + Array(repeating: frame, count: frames).joined(separator: ",") + "]"
        let roots = "[" + Array(repeating: "[0,0.95,0]", count: frames).joined(separator: ",") + "]"
        let names = "[" + joints.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        return
            #"{"type":"motion_reference","duration_frames":\#(duration),"joint_names":\#(names),"rotations":\#(rotations),"root_positions":\#(roots),"fps":30\#(extra)}"#
    }

    /// A video reference segment with this `video` object and extra members.
    static func video(_ video: String, extra: String = "") -> String {
        #"{"type":"video_reference","duration_frames":10,"video":\#(video)\#(extra)}"#
    }
}

/// One step of a path into a test body.
enum PathStep: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case key(String)
    case index(Int)
    init(stringLiteral value: String) { self = .key(value) }
    init(integerLiteral value: Int) { self = .index(value) }
}

extension JSONValue {
    /// The value with the top-level member `key` set to the JSON `text`.
    func with(_ key: String, _ text: String) -> JSONValue { with([.key(key)], text) }

    /// The value with the member at `path` set to the JSON `text`.
    func with(_ path: [PathStep], _ text: String) -> JSONValue { replacing(path, by: ValidationFixture.json(text)) }

    /// The value without the member at `path`.
    func without(_ path: PathStep...) -> JSONValue { replacing(path, by: nil) }

    private func replacing(_ path: [PathStep], by replacement: JSONValue?) -> JSONValue {
        guard let step = path.first else { return replacement ?? .null }
        let rest = Array(path.dropFirst())
        switch (self, step) {
        case (.object(var object), .key(let key)):
            object[key] = rest.isEmpty ? replacement : (object[key] ?? .null).replacing(rest, by: replacement)
            return .object(object)
        case (.array(var items), .index(let index)):
            if rest.isEmpty, replacement == nil {
                items.remove(at: index)
            } else {
                items[index] = rest.isEmpty ? (replacement ?? .null) : items[index].replacing(rest, by: replacement)
            }
            return .array(items)
        default:
            preconditionFailure("path step \(step) does not fit \(self)")
        }
    }

    /// Compact JSON text.
    var compactText: String { String(decoding: serialized, as: UTF8.self) }
}

/// Runs the validator.
func runValidator(_ body: JSONValue, _ models: ModelDirectory = ValidationFixture.models()) -> Result<ValidatedRequest, ProtocolError> {
    Result { () throws(ProtocolError) in try RequestValidator.validate(body, models: models) }
}

/// Expects the request to pass every check; returns it.
@discardableResult
func expectAccepted(
    _ body: JSONValue, _ models: ModelDirectory = ValidationFixture.models(), sourceLocation: SourceLocation = #_sourceLocation
) -> ValidatedRequest? {
    switch runValidator(body, models) {
    case .success(let validated):
        return validated
    case .failure(let error):
        Issue.record("refused: \(error.code) \(error.message) \(JSONValue.object(error.details).compactText)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Expects a refusal with `code` (and its status) and, when given, exactly these `details`.
@discardableResult
func expectRefused(
    _ body: JSONValue, _ models: ModelDirectory = ValidationFixture.models(), code: ErrorCode, details: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> ProtocolError? {
    switch runValidator(body, models) {
    case .success:
        Issue.record("accepted; expected \(code)", sourceLocation: sourceLocation)
        return nil
    case .failure(let error):
        #expect(error.code == code, "\(error.message) \(JSONValue.object(error.details).compactText)", sourceLocation: sourceLocation)
        #expect(error.status == code.status, sourceLocation: sourceLocation)
        if let details {
            #expect(JSONValue.object(error.details) == ValidationFixture.json(details), sourceLocation: sourceLocation)
        }
        return error
    }
}

/// Expects `422 schema_validation` whose entries are exactly `entries`, each written
/// `type loc` with `loc` as compact JSON: `missing ["protocol_version"]`.
func expectSchemaErrors(
    _ body: JSONValue, _ entries: [String], on models: ModelDirectory = ValidationFixture.models(),
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let error = expectRefused(body, models, code: .schemaValidation, sourceLocation: sourceLocation) else { return }
    #expect(entryLines(error) == entries, sourceLocation: sourceLocation)
}

/// Expects `400 invalid_skeleton` whose entries are exactly these locations.
func expectTopologyErrors(
    _ body: JSONValue, at locs: [String], on models: ModelDirectory = ValidationFixture.models(),
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let error = expectRefused(body, models, code: .invalidSkeleton, sourceLocation: sourceLocation) else { return }
    #expect(entryLines(error) == locs.map { "invalid_skeleton \($0)" }, sourceLocation: sourceLocation)
    let first = error.details["errors"]?.arrayValue?.first?.objectValue
    #expect(first?["msg"]?.stringValue == error.message, sourceLocation: sourceLocation)
    #expect(first?["ctx"] == nil, sourceLocation: sourceLocation)
}

/// The `type loc` lines of an error's `details.errors`.
func entryLines(_ error: ProtocolError) -> [String] {
    (error.details["errors"]?.arrayValue ?? []).map { entry in
        let object = entry.objectValue ?? JSONObject()
        return "\(object["type"]?.stringValue ?? "?") \((object["loc"] ?? .null).compactText)"
    }
}
