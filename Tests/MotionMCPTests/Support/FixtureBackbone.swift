import Foundation

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// The backbones the conformance fixtures name (`scripts/make-fixtures` documents the vocabulary):
/// a NullBackbone whose spec is overlaid, that may fail on purpose or answer §10.3's structure demo.
struct FixtureBackbone: Backbone {
    enum Behavior: Sendable {
        case null
        case protocolError(ProtocolError)
        case runtimeError(message: String, whenPrompt: String?)
        case structureDemo
    }

    let spec: ModelSpec
    let behavior: Behavior

    init(fixture: JSONObject) throws {
        let overlay = fixture["spec"]?.objectValue ?? JSONObject()
        spec = try NullBackbone().spec.overlaid(with: overlay)
        let description = fixture["behavior"]?.objectValue ?? ["kind": "null"]
        switch description["kind"]?.stringValue {
        case "null":
            behavior = .null
        case "protocol_error":
            guard let code = ErrorCode(rawValue: description["code"]?.stringValue ?? "") else {
                throw FixtureError("unknown error code in fixture")
            }
            behavior = .protocolError(
                ProtocolError(
                    code, description["message"]?.stringValue ?? "",
                    details: description["details"]?.objectValue ?? JSONObject()))
        case "runtime_error":
            behavior = .runtimeError(
                message: description["message"]?.stringValue ?? "", whenPrompt: description["when_prompt"]?.stringValue)
        case "structure_demo":
            behavior = .structureDemo
        case let other:
            throw FixtureError("unknown fixture behavior \(other ?? "nil")")
        }
    }

    func capabilities() -> ModelSpec { spec }

    func generate(_ request: GenerateRequest) async throws -> MotionResult {
        switch behavior {
        case .null:
            return try NullBackbone.restPose(for: request)
        case .protocolError(let error):
            throw error
        case .runtimeError(let message, let prompt):
            if let prompt {
                guard case .text(let segment)? = request.segments.first, segment.prompt == prompt else {
                    return try NullBackbone.restPose(for: request)
                }
            }
            throw RuntimeError(message: message)
        case .structureDemo:
            return try StructureDemo.result(for: request)
        }
    }
}

/// A non-protocol failure, named like the reference's so batch messages read the same.
struct RuntimeError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The result of docs/response.md §10.3: keys, joint translations, contacts, notes on the 5-joint rig.
enum StructureDemo {
    static func result(for request: GenerateRequest) throws -> MotionResult {
        let samples = request.numSamples
        let frames = request.totalFrames
        let skeleton = request.skeleton
        let joints = skeleton.joints.count
        var rotations = [Float](repeating: 0, count: samples * frames * joints * 4)
        var roots = [Float](repeating: 0, count: samples * frames * 3)
        var translations = [Float](repeating: 0, count: samples * frames * joints * 3)
        for sample in 0..<samples {
            for frame in 0..<frames {
                let angle = 0.1 * Double(frame)
                for joint in 0..<joints {
                    let base = ((sample * frames + frame) * joints + joint)
                    if joint == 1 {
                        rotations[base * 4 + 1] = Float(sin(angle / 2))
                        rotations[base * 4 + 3] = Float(cos(angle / 2))
                    } else {
                        rotations[base * 4 + 3] = 1
                    }
                    var offset = skeleton.joints[joint].restTranslation
                    if sample == 1, joint == 2 { offset.y = 0.3 + 0.01 * Double(frame) }
                    if sample == 0, joint == 3 { offset.x = 0.1 + 5e-7 }
                    translations[base * 3] = Float(offset.x)
                    translations[base * 3 + 1] = Float(offset.y)
                    translations[base * 3 + 2] = Float(offset.z)
                }
                let root = (sample * frames + frame) * 3
                roots[root + 1] = 0.95
                roots[root + 2] = Float(0.04 * Double(frame))
            }
        }
        let alternating = (0..<(samples * frames)).map { ($0 % frames) % 2 == 0 }
        return try MotionResult(
            sampleCount: samples, frameCount: frames, jointCount: joints, rotations: rotations, rootTranslations: roots,
            translations: translations,
            keyframes: [
                1: Keyframes(rotation: [0, 5, 2, 2, 99]), 0: Keyframes(rotation: [], translation: [0, 5]),
                2: Keyframes(translation: [0, 3, 5]), 4: Keyframes(rotation: [0, 5]),
            ],
            footContacts: [("LeftFoot", Array(repeating: true, count: samples * frames)), ("RightFoot", alternating)],
            chunkBoundaries: [[3], [2, 4]], canonicalToRequest: [("Hips", "Hips"), ("Head", "Head")],
            notes: [["code": "path_too_fast", "severity": "warning", "message": "hello", "extra": [1, 2]]])
    }
}
