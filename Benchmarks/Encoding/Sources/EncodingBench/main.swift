// EncodingBench REQUEST.json ITERATIONS ROUNDS: parses, validates and encodes one /generate
// request ITERATIONS times per round, in process, and prints the best round's time per request for
// each stage. The model is a stand-in with the NullBackbone's spec (5-joint skeleton, 30 fps) that
// answers the rest pose (`MotionResult.restPose`, what `mmcp-console --null null` answers), so the
// output is the glTF the server sends for the benchmark's small request.
import Foundation
import MotionMCPProtocol

let arguments = CommandLine.arguments
guard arguments.count == 4, let iterations = Int(arguments[2]), let rounds = Int(arguments[3]), iterations > 0, rounds > 0,
    let body = FileManager.default.contents(atPath: arguments[1]).map(Array.init)
else {
    FileHandle.standardError.write(Data("usage: EncodingBench REQUEST.json ITERATIONS ROUNDS\n".utf8))
    exit(2)
}

var spec = ModelSpec(
    id: "null", fps: 30,
    canonicalSkeleton: Skeleton(joints: [
        Joint(name: "Hips", restTranslation: SIMD3(0, 0.95, 0)),
        Joint(name: "Spine", parent: "Hips", restTranslation: SIMD3(0, 0.5, 0)),
        Joint(name: "Head", parent: "Spine", restTranslation: SIMD3(0, 0.3, 0)),
        Joint(name: "LeftFoot", parent: "Hips", restTranslation: SIMD3(0.1, -0.95, 0)),
        Joint(name: "RightFoot", parent: "Hips", restTranslation: SIMD3(-0.1, -0.95, 0)),
    ]))
spec.supportedConstraints = ["root_path", "effector_target", "pose_keyframe"]
let nullSpec = spec
// `big` is the benchmark's second model (scripts/bench): the same spec with retargeting, which
// its large request (a 53-joint rig) needs.
var bigSpec = spec
bigSpec.id = "big"
bigSpec.supportsRetargeting = true
let models = ModelDirectory(keys: ["null", "big"]) { [bigSpec] key in key == "big" ? bigSpec : nullSpec }

func microseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

let clock = ContinuousClock()
var best: (parse: Double, validate: Double, encode: Double)?
var responseSize = 0
do {
    for _ in 0..<rounds {
        var parse = Duration.zero
        var validate = Duration.zero
        var encode = Duration.zero
        for _ in 0..<iterations {
            let started = clock.now
            let document = try JSONParser.parse(body)
            let parsed = clock.now
            let validated = try RequestValidator.validate(document, models: models)
            let checked = clock.now
            let glTF = try GLTFEncoder.encode(try MotionResult.restPose(for: validated.request), for: validated.request, spec: validated.spec) {
                error in
                print("no trajectory: \(error)")
            }
            encode += clock.now - checked
            parse += parsed - started
            validate += checked - parsed
            responseSize = glTF.count
        }
        let round = (
            parse: microseconds(parse) / Double(iterations), validate: microseconds(validate) / Double(iterations),
            encode: microseconds(encode) / Double(iterations)
        )
        if best.map({ round.parse + round.validate + round.encode < $0.parse + $0.validate + $0.encode }) ?? true { best = round }
    }
} catch {
    print("the request was not served: \(error)")
    exit(1)
}
if let best {
    print(
        String(
            format:
                "per request (best of %d rounds of %d): parse %.2f µs, validate %.2f µs, result + encode %.2f µs, total %.2f µs; response %d bytes",
            rounds, iterations, best.parse, best.validate, best.encode, best.parse + best.validate + best.encode, responseSize))
}
