import Foundation
import MotionMCPProtocol

/// The 20-joint rig "R20" and the motion formulas of docs/response.md §10.4, producing the float32
/// arrays a backbone would return.
enum R20 {
    /// (name, parent index, rest translation), in request order.
    static let joints: [(name: String, parent: Int, rest: [Double])] = [
        ("Hips", -1, [0, 0.93, 0]), ("Spine", 0, [0, 0.10, 0]), ("Spine1", 1, [0, 0.12, 0]),
        ("Spine2", 2, [0, 0.12, 0]), ("Neck", 3, [0, 0.16, 0]), ("Head", 4, [0, 0.10, 0]),
        ("LeftArm", 3, [0.18, 0.12, 0]), ("LeftForeArm", 6, [0.28, 0, 0]), ("LeftHand", 7, [0.25, 0, 0]),
        ("RightArm", 3, [-0.18, 0.12, 0]), ("RightForeArm", 9, [-0.28, 0, 0]), ("RightHand", 10, [-0.25, 0, 0]),
        ("LeftUpLeg", 0, [0.09, -0.05, 0]), ("LeftLeg", 12, [0, -0.42, 0]), ("LeftFoot", 13, [0, -0.40, 0]),
        ("LeftToeBase", 14, [0, -0.05, 0.13]), ("RightUpLeg", 0, [-0.09, -0.05, 0]), ("RightLeg", 16, [0, -0.42, 0]),
        ("RightFoot", 17, [0, -0.40, 0]), ("RightToeBase", 18, [0, -0.05, 0.13]),
    ]

    /// The motions of §10.4.
    enum Motion {
        case walk, arc, startstop, turn, jump, scurve
    }

    /// One sample of `motion` over `frames` frames, as the trajectory's input.
    static func input(_ motion: Motion, frames: Int, fps: Double = 30, loop: Bool = false) -> TrajectoryInput {
        var rotations: [Float] = []
        var roots: [Float] = []
        for f in 0..<frames {
            let (root, quaternions) = pose(motion, t: Double(f) / fps)
            roots += root.map { Float($0) }
            for q in quaternions { rotations += q.map { Float($0) } }
        }
        return TrajectoryInput(
            jointNames: joints.map(\.name), parentIndices: joints.map(\.parent),
            restTranslations: joints.flatMap(\.rest), rotations: rotations, rootTranslations: roots,
            sampleCount: 1, frameCount: frames, fps: fps, loop: loop)
    }

    private static func qx(_ a: Double) -> [Double] { [sin(a / 2), 0, 0, cos(a / 2)] }
    private static func qy(_ a: Double) -> [Double] { [0, sin(a / 2), 0, cos(a / 2)] }

    /// Root translation and the 20 local rotations at time `t`.
    private static func pose(_ motion: Motion, t: Double) -> ([Double], [[Double]]) {
        var x = 0.0
        var y = 0.93
        var z = 0.0
        var yaw = 0.0
        var walk = 1.0
        let v = 1.2
        var jumpBend: Double?
        var arms = true
        switch motion {
        case .walk:
            z = v * t + 0.03 * sin(4 * Double.pi * t)
            x = 0.03 * sin(2 * Double.pi * t)
        case .arc:
            let r = 3.0
            yaw = v * t / r
            x = r * (1 - cos(yaw)) + 0.03 * sin(2 * Double.pi * t) * cos(yaw)
            z = r * sin(yaw) - 0.03 * sin(2 * Double.pi * t) * sin(yaw)
        case .startstop:
            let u = min(max((t - 1) / 2, 0), 1)
            z = 2.4 * (u - sin(2 * Double.pi * u) / (2 * Double.pi))
            walk = (1 < t && t < 3) ? 1 : 0
        case .turn:
            let u = min(max((t - 0.5) / 1.5, 0), 1)
            yaw = (Double.pi / 2) * (3 * u * u - 2 * u * u * u)
            walk = 0
        case .jump:
            walk = 0
            if t < 0.6 {
                let s = sin(Double.pi * t / 1.2)
                y = 0.93 - 0.25 * s * s
            } else if t < 1.1 {
                let tau = t - 0.6
                y = 0.68 + 2.45 * tau - 4.9 * tau * tau + tau
                z = 1.6 * tau
            } else {
                y = 0.93
                z = 0.8
            }
            let c = t < 0.6 ? 0.93 - y : 0
            jumpBend = min(1.2, 4 * c)
        case .scurve:
            let s = 1.2 * t
            x = 0.8 * sin(Double.pi * s / 2.4) + 0.03 * sin(2 * Double.pi * t)
            z = s
            yaw = atan2(0.8 * (Double.pi / 2.4) * cos(Double.pi * s / 2.4), 1)
            arms = false
        }
        let phase = 2 * Double.pi * t
        let a = walk * 0.23 * sin(phase)
        var q = [[Double]](repeating: [0, 0, 0, 1], count: joints.count)
        q[0] = qy(yaw)
        q[12] = qx(a)
        q[16] = qx(-a)
        q[13] = qx(walk * 0.8 * max(0, -cos(phase)))
        q[17] = qx(walk * 0.8 * max(0, cos(phase)))
        if arms {
            q[6] = qx(-0.3 * a)
            q[9] = qx(0.3 * a)
        }
        if let k = jumpBend {
            q[12] = qx(-k / 2)
            q[16] = qx(-k / 2)
            q[13] = qx(k)
            q[17] = qx(k)
        }
        return ([x, y, z], q)
    }
}
