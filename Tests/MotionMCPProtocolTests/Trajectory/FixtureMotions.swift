import Foundation
import MotionMCPProtocol

/// The trajectory fixture file written by `scripts/make-trajectory-fixtures`: rigs, motion
/// recipes, and what the reference computed for each.
struct TrajectoryFixtures: Decodable {
    let defaults: [String: Double]
    let rigs: [String: Rig]
    let recipes: [Recipe]

    /// Loads the file from the test bundle.
    static func load() throws -> TrajectoryFixtures {
        guard
            let url = Bundle.module.url(
                forResource: "trajectory-fixtures", withExtension: "json",
                subdirectory: "Fixtures/trajectory")
        else { throw FixtureError.missing }
        return try JSONDecoder().decode(TrajectoryFixtures.self, from: Data(contentsOf: url))
    }

    enum FixtureError: Error { case missing }

    /// A skeleton and the joints the motion formulas drive.
    struct Rig: Decodable {
        let joints: [Joint]
        /// Formula part ("thighL", "kneeR", "armL", ...) → joint index.
        let drive: [String: Int]
        let canonicalToRequest: [[String]]?

        enum CodingKeys: String, CodingKey {
            case joints, drive
            case canonicalToRequest = "canonical_to_request"
        }

        /// `[name, parent index, [x, y, z]]`.
        struct Joint: Decodable {
            let name: String
            let parent: Int
            let rest: [Double]

            init(from decoder: Decoder) throws {
                var c = try decoder.unkeyedContainer()
                name = try c.decode(String.self)
                parent = try c.decode(Int.self)
                rest = try c.decode([Double].self)
            }
        }
    }

    /// One generated motion and the reference's answer.
    struct Recipe: Decodable {
        let id: String
        let rig: String
        let motion: String
        let params: [String: Double]
        let scale: Double
        let fps: Double
        let frames: Int
        let samples: Int
        let loop: Bool
        /// Σ bits[i]·(2i+1) mod 2⁶⁴ of the float32 rotations then root translations.
        let checksum: String
        let expected: [Wire]?
        let error: String?
        /// Outputs the reference changed under a ~1e-12 relative nudge of the motion (§9.25).
        let sensitive: [String]?
    }

    /// A wire trajectory object, with `params` as ordered `[key, value]` pairs.
    struct Wire: Decodable {
        let model: String
        let loop: Bool
        let params: [Param]
        let heading: String
        let markers: [String: [Int]]
        let position: [[Double]]
        let yaw: [Double]

        struct Param: Decodable {
            let name: String
            let value: TravelTrajectory.Parameter

            init(from decoder: Decoder) throws {
                var c = try decoder.unkeyedContainer()
                name = try c.decode(String.self)
                if let number = try? c.decode(Double.self) {
                    value = .number(number)
                } else if let range = try? c.decode([Double].self), range.count == 2 {
                    value = .range(range[0], range[1])
                } else {
                    value = .points(try c.decode([[Double]].self))
                }
            }
        }
    }
}

/// Turns a recipe into the float32 arrays of a backbone result. Mirrors `frame()` and `arrays()`
/// of `scripts/make-trajectory-fixtures` operation for operation, so the bits agree.
struct FixtureMotion {
    let rotations: [Float]
    let roots: [Float]
    let input: TrajectoryInput

    init(_ recipe: TrajectoryFixtures.Recipe, rig: TrajectoryFixtures.Rig, defaults: [String: Double]) {
        let p = defaults.merging(recipe.params) { $1 }
        let jointCount = rig.joints.count
        let hip = rig.joints[0].rest[1]
        var rotations = [Float]()
        var roots = [Float]()
        rotations.reserveCapacity(recipe.samples * recipe.frames * jointCount * 4)
        for b in 0..<recipe.samples {
            for f in 0..<recipe.frames {
                let pose = Self.frame(recipe.motion, p, Double(b), Double(f) / recipe.fps)
                var row = [Double](repeating: 0, count: jointCount * 4)
                for j in 0..<jointCount { row[j * 4 + 3] = 1 }
                row.replaceSubrange(0..<4, with: pose.hips)
                for (part, j) in rig.drive {
                    if let q = pose.drive[part] { row.replaceSubrange(j * 4..<(j * 4 + 4), with: q) }
                }
                rotations += row.map { Float($0) }
                roots += [
                    recipe.scale * pose.root[0], recipe.scale * (hip + (pose.root[1] - 0.93)),
                    recipe.scale * pose.root[2],
                ].map { Float($0) }
            }
        }
        self.rotations = rotations
        self.roots = roots
        input = TrajectoryInput(
            jointNames: rig.joints.map(\.name), parentIndices: rig.joints.map(\.parent),
            restTranslations: rig.joints.flatMap { $0.rest.map { recipe.scale * $0 } },
            rotations: rotations, rootTranslations: roots, sampleCount: recipe.samples,
            frameCount: recipe.frames, fps: recipe.fps, loop: recipe.loop,
            canonicalToRequest: (rig.canonicalToRequest ?? []).map { (canonical: $0[0], request: $0[1]) })
    }

    /// The generator's checksum of these arrays.
    var checksum: String {
        var sum: UInt64 = 0
        var i: UInt64 = 0
        for value in rotations + roots {
            sum = sum &+ UInt64(value.bitPattern) &* (2 &* i &+ 1)
            i += 1
        }
        return String(sum)
    }

    private static func qx(_ a: Double) -> [Double] { [sin(a / 2), 0, 0, cos(a / 2)] }
    private static func qy(_ a: Double) -> [Double] { [0, sin(a / 2), 0, cos(a / 2)] }

    private static func qmul(_ a: [Double], _ b: [Double]) -> [Double] {
        let (ax, ay, az, aw) = (a[0], a[1], a[2], a[3])
        let (bx, by, bz, bw) = (b[0], b[1], b[2], b[3])
        return [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ]
    }

    private static func clamp01(_ u: Double) -> Double { u < 0 ? 0 : (u > 1 ? 1 : u) }
    private static func positive(_ c: Double) -> Double { c > 0 ? c : 0 }

    /// Root position (metres, 0.93 m figure), hips rotation and driven rotations at time `t`.
    private static func frame(_ kind: String, _ p: [String: Double], _ b: Double, _ t: Double)
        -> (root: [Double], hips: [Double], drive: [String: [Double]])
    {
        func v(_ key: String) -> Double { p[key] ?? .nan }
        let speed = v("v") * (1.0 + 0.08 * b)
        let sway = v("sway") * (1.0 + 0.1 * b)
        let heading = v("dir") + 0.35 * b
        let phi = 2.0 * Double.pi * v("cadence") * t + 0.13 * b
        var x = 0.0
        var y = 0.93
        var z = 0.0
        var yaw = 0.0
        var pitch = 0.0
        var walk = 1.0
        var bend: Double?
        switch kind {
        case "walk":
            z = speed * t + 0.03 * sin(2.0 * phi)
            x = sway * sin(phi)
        case "back":
            z = -(speed * t) + 0.03 * sin(2.0 * phi)
            x = sway * sin(phi)
        case "side":
            x = speed * t
            z = 0.02 * sin(2.0 * phi)
        case "arc":
            let r = v("R")
            yaw = speed * t / r
            x = r * (1.0 - cos(yaw)) + sway * sin(phi) * cos(yaw)
            z = r * sin(yaw) - sway * sin(phi) * sin(yaw)
        case "startstop":
            let u = clamp01((t - v("start")) / v("dur"))
            z = v("dist") * (u - sin(2.0 * Double.pi * u) / (2.0 * Double.pi))
            walk = (v("start") < t && t < v("start") + v("dur")) ? 1.0 : 0.0
        case "turn":
            let u = clamp01((t - v("start")) / v("dur"))
            yaw = v("turn") * (3.0 * u * u - 2.0 * u * u * u)
            walk = 0.0
        case "jump":
            walk = 0.0
            var c = 0.0
            if t < 0.6 {
                let s = sin(Double.pi * t / 1.2)
                y = 0.93 - 0.25 * s * s
                c = 0.93 - y
            } else if t < 1.1 {
                let tau = t - 0.6
                y = 0.68 + 2.45 * tau - 4.9 * tau * tau + tau
                z = 2.0 * v("fwd") * tau
            } else {
                z = v("fwd")
            }
            let k = 4.0 * c
            bend = k < 1.2 ? k : 1.2
        case "scurve":
            let s = speed * t
            x = v("amp") * sin(Double.pi * s / 2.4) + sway * sin(phi)
            z = s
            yaw = atan2(v("amp") * (Double.pi / 2.4) * cos(Double.pi * s / 2.4), 1.0)
        case "idle":
            walk = 0.0
            x = 0.02 * sin(0.5 * phi)
            z = 0.015 * sin(0.3 * phi + 1.0)
            yaw = 0.05 * sin(0.4 * phi)
        case "liedown":
            walk = 0.0
            let u = clamp01((t - v("start")) / v("dur"))
            pitch = 1.55 * u
            y = 0.93 - 0.83 * u
            z = 0.5 * u
        case "crawl":
            pitch = 1.45
            y = 0.5 + 0.02 * sin(2.0 * phi)
            z = 0.3 * speed * t
            x = 0.5 * sway * sin(phi)
        case "kneel":
            walk = 0.0
            let u = clamp01((t - v("start")) / v("dur"))
            y = 0.93 - 0.4 * u
            z = 0.1 * u
            bend = -1.57 * u
        default:
            preconditionFailure("unknown fixture motion \(kind)")
        }
        let n = v("noise")
        if n != 0.0 {
            let w = 2.0 * Double.pi * t
            x = x + n * (0.6 * sin(1.7 * w + 0.3) + 0.4 * sin(3.1 * w + 1.1))
            z = z + n * (0.5 * sin(2.3 * w + 0.7) + 0.5 * sin(0.9 * w + 2.0))
            yaw = yaw + n * 0.5 * sin(1.3 * w + 0.2)
        }
        let ch = cos(heading)
        let sh = sin(heading)
        let gx = x * ch + z * sh
        let gz = z * ch - x * sh
        var hips = qy(yaw + heading)
        if pitch != 0.0 { hips = qmul(hips, qx(pitch)) }
        let a = walk * 0.23 * sin(phi)
        var drive: [String: [Double]] = [
            "thighL": qx(a), "thighR": qx(-a),
            "kneeL": qx(walk * 0.8 * positive(-cos(phi))), "kneeR": qx(walk * 0.8 * positive(cos(phi))),
            "armL": qx(-0.3 * a), "armR": qx(0.3 * a),
        ]
        if let bend, bend >= 0.0 { // a jump's crouch
            drive["thighL"] = qx(-bend / 2.0)
            drive["thighR"] = qx(-bend / 2.0)
            drive["kneeL"] = qx(bend)
            drive["kneeR"] = qx(bend)
        }
        if let bend, bend < 0.0 { // kneeling: thighs upright, shins back on the floor
            drive["kneeL"] = qx(-bend)
            drive["kneeR"] = qx(-bend)
        }
        if kind == "crawl" { // thighs and arms down from the level torso
            drive["thighL"] = qx(-1.45 + a)
            drive["thighR"] = qx(-1.45 - a)
            drive["kneeL"] = qx(1.5)
            drive["kneeR"] = qx(1.5)
            drive["armL"] = qmul(qy(-1.5708), qx(-a))
            drive["armR"] = qmul(qy(1.5708), qx(a))
        }
        return ([gx, y, gz], hips, drive)
    }
}
