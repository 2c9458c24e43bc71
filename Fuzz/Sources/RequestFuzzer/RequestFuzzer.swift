import Foundation
import MotionMCPProtocol

#if FUZZING
    import CLibFuzzer
#endif

/// The request decoder under test: bytes → ``JSONParser`` → ``RequestValidator`` (docs/protocol.md
/// §4.2–§4.9), for a single body or each item of a batch, against two models: the plain
/// NullBackbone spec and one that takes every optional feature. Any crash is a finding (libFuzzer
/// reports traps, overflows and ASan errors); so is a broken invariant, which traps on purpose.
enum RequestDecoderCheck {
    /// The NullBackbone's spec, written out here because NullBackbone lives in the server target.
    static let nullSpec: ModelSpec = {
        let skeleton = Skeleton(joints: [
            Joint(name: "Hips", restTranslation: SIMD3(0, 0.95, 0)),
            Joint(name: "Spine", parent: "Hips", restTranslation: SIMD3(0, 0.5, 0)),
            Joint(name: "Head", parent: "Spine", restTranslation: SIMD3(0, 0.3, 0)),
            Joint(name: "LeftFoot", parent: "Hips", restTranslation: SIMD3(0.1, -0.95, 0)),
            Joint(name: "RightFoot", parent: "Hips", restTranslation: SIMD3(-0.1, -0.95, 0)),
        ])
        var spec = ModelSpec(id: "null", fps: 30, canonicalSkeleton: skeleton)
        spec.supportedConstraints = ["root_path", "effector_target", "pose_keyframe"]
        return spec
    }()

    /// Every optional feature on, so inputs reach every schema branch and semantic check (the same
    /// overlay as the `full` model of Tests/MotionMCPTests/Support/Fuzz/FuzzModels.swift).
    static let fullSpec: ModelSpec = {
        let overlay: JSONObject = [
            "id": "full",
            "supports_retargeting": true,
            "supports_joint_translation": true,
            "supports_loop": true,
            "supports_keyframe_reduction": true,
            "model_options": [
                ["name": "tempo", "type": "number", "minimum": 0.5, "maximum": 2],
                ["name": "steps", "type": "integer", "minimum": 1, "maximum": 50],
                ["name": "mirror", "type": "boolean"],
                ["name": "style", "type": "enum", "values": ["calm", "brisk"]],
                ["name": "extras", "type": "flags", "values": ["a", "b", "c"]],
            ],
            "supported_constraints": ["root_path", "effector_target", "pose_keyframe", "ground_height"],
            "supported_segments": ["text", "unconditioned", "pose", "motion_reference", "video_reference"],
            "limits": ["max_reference_frames": 300, "max_video_bytes": 4096, "max_video_seconds": 20],
        ]
        do {
            return try nullSpec.overlaid(with: overlay)
        } catch {
            fatalError("the fuzzer's own spec overlay is invalid: \(error)")
        }
    }()

    static let models = ModelDirectory(keys: ["null", "full"]) { key in
        key == "null" ? nullSpec : key == "full" ? fullSpec : nil
    }

    /// Runs one input through the decoder and checks what comes out.
    static func check(_ bytes: UnsafeRawBufferPointer) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            return
        }
        checkRoundTrip(document)
        // A batch (an object with `requests`): each object item with the batch's version laid under it.
        if case .object(let batch) = document, batch.contains("requests") {
            guard case .array(let items)? = batch["requests"] else { return }
            for case .object(let item) in items {
                var request = JSONObject()
                if let version = batch["protocol_version"], case .string = version {
                    request["protocol_version"] = version
                }
                for (key, value) in item.entries { request[key] = value }
                checkValidation(.object(request))
            }
        } else {
            checkValidation(document)
        }
    }

    /// A finite document survives writing and reading back unchanged (NaN is never equal to itself,
    /// and the writer turns non-finite numbers into `null`, so those documents are skipped).
    static func checkRoundTrip(_ document: JSONValue) {
        guard document.isFinite else { return }
        let reread = try? JSONParser.parse(document.serialized)
        require(reread == document, "parse(serialize(v)) != v")
    }

    /// Validation either succeeds with a consistent request or throws an error the server can send.
    static func checkValidation(_ body: JSONValue) {
        do {
            let validated = try RequestValidator.validate(body, models: models)
            let request = validated.request
            require(models.keys.contains(validated.modelKey), "validated against an unregistered model")
            require(!request.segments.isEmpty || !request.constraints.isEmpty, "a request with nothing to generate")
            require(request.totalFrames > 0, "a request of \(request.totalFrames) frames")
            let fps = request.fps(native: validated.spec.fps)
            require(fps.isFinite && fps > 0, "a request at \(fps) fps")
            require(Double(request.totalFrames) / fps <= validated.spec.limits.maxDurationSeconds, "over the duration limit")
            require(request.numSamples <= validated.spec.limits.maxNumSamples, "over the sample limit")
        } catch {
            require(ErrorCode(rawValue: error.code.rawValue) == error.code, "code \(error.code) is not in the table")
            require(error.code != .internalError, "validation raised internal_error: \(error.message)")
            require(JSONValue.object(error.details).isFinite, "non-finite details would turn into a 500")
            require((try? JSONParser.parse(error.envelopeBytes)) == error.envelope, "the envelope does not read back")
        }
    }

    /// Stops the run with `message` when an invariant does not hold; libFuzzer saves the input.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("invariant broken: \(message())") }
    }
}

/// libFuzzer's per-input callback, under the name libFuzzer looks for, so other libFuzzer-style
/// drivers can link this file too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    RequestDecoderCheck.check(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}

/// The executable's entry point. SwiftPM gives every executable its own `main`, so libFuzzer's is
/// never linked; the fuzzing build hands control to libFuzzer's driver instead, with all its flags.
@main
enum RequestFuzzer {
    static func main() {
        #if FUZZING
            var argc = CommandLine.argc
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
            replay(CommandLine.arguments.dropFirst())
        #endif
    }

    /// Runs each file through the same checks, so a saved crash input (or the seed corpus) can be
    /// replayed in a plain build or a debugger.
    static func replay(_ paths: ArraySlice<String>) {
        if paths.isEmpty {
            print("usage: RequestFuzzer FILE...  (build with -D FUZZING -sanitize=fuzzer to fuzz; see docs/fuzzing.md)")
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                continue
            }
            data.withUnsafeBytes(RequestDecoderCheck.check)
            print("ok \(path)")
        }
    }
}
