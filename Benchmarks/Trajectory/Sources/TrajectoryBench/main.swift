// Times computeTravelTrajectories on the motions reference.py wrote (one 300-frame sample of a
// 50-joint rig each), checks that it finds what the reference found, and prints both times and the
// ratio.
//
//     TrajectoryBench DIR
import Foundation
import MotionMCPProtocol

struct Motion: Decodable {
    let names: [String]
    let parents: [Int]
    let rest: [Double]
    let model: String
    let heading: String
    let position: [[Double]]
    let yaw: [Double]
    let meanMilliseconds: Double
    let bestMilliseconds: Double

    enum CodingKeys: String, CodingKey {
        case names, parents, rest, model, heading, position, yaw
        case meanMilliseconds = "mean_ms"
        case bestMilliseconds = "best_ms"
    }
}

func floats(_ path: String) -> [Float] {
    guard let data = FileManager.default.contents(atPath: path) else { fatalError("cannot read \(path)") }
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

func milliseconds(since start: UInt64) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: TrajectoryBench DIR (written by reference.py)\n".utf8))
    exit(2)
}
let dir = URL(fileURLWithPath: arguments[1])
var failed = false
for name in ["walk", "arc", "scurve"] {
    let meta = try JSONDecoder().decode(Motion.self, from: Data(contentsOf: dir.appendingPathComponent(name + ".json")))
    let input = TrajectoryInput(
        jointNames: meta.names, parentIndices: meta.parents, restTranslations: meta.rest,
        rotations: floats(dir.appendingPathComponent(name + "-rot.f32").path),
        rootTranslations: floats(dir.appendingPathComponent(name + "-root.f32").path),
        sampleCount: 1, frameCount: 300, fps: 30)
    let first = try computeTravelTrajectories(input)[0]
    let maxPosition = zip(first.positions, meta.position.flatMap { $0 }).map { abs($0 - $1) }.max() ?? .nan
    let maxYaw = zip(first.yaw, meta.yaw).map { abs($0 - $1) }.max() ?? .nan
    let same =
        first.shape.rawValue == meta.model && first.heading.rawValue == meta.heading
        && first.positions.count == meta.position.count * 2 && first.yaw.count == meta.yaw.count
        && maxPosition <= 1e-3 && maxYaw <= 1e-3
    if !same { failed = true }

    let runs = 300
    var best = Double.infinity
    var total = 0.0
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try computeTravelTrajectories(input)
        let ms = milliseconds(since: start)
        precondition(result.count == 1)
        best = min(best, ms)
        total += ms
    }
    let mean = total / Double(runs)
    let label = name.padding(toLength: 7, withPad: " ", startingAt: 0)
    print(
        String(
            format: "%@ ours mean %.3f ms (best %.3f) vs reference mean %.2f ms (best %.2f) per sample: %.0fx faster; "
                + "%@/%@ %@ (max |Δposition| %.1e m, max |Δyaw| %.1e rad)",
            label, mean, best, meta.meanMilliseconds, meta.bestMilliseconds, meta.meanMilliseconds / mean,
            first.shape.rawValue, first.heading.rawValue, same ? "as the reference" : "DIFFERENT from the reference \(meta.model)/\(meta.heading)",
            maxPosition, maxYaw))
}
if failed { exit(1) }
