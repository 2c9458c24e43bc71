// docs/response.md §9.3: forward kinematics, and the flat per-frame point types the trajectory works
// with.

/// One point per frame in the Z-up working frame, as three flat columns.
///
/// A class, not a struct: tracks are read many times and never changed once built, and the
/// trajectory passes them around a lot (role tables, contact candidates), where copying a
/// struct of three arrays meant three reference-count updates each time.
final class Track3 {
    let x: [Double]
    let y: [Double]
    let z: [Double]

    init(x: [Double], y: [Double], z: [Double]) {
        self.x = x
        self.y = y
        self.z = z
    }
}

/// One point per frame on the ground plane (Z-up X and Y), as two flat columns.
struct Planar {
    var x: [Double]
    var y: [Double]

    var count: Int { x.count }
}

/// A 3×3 rotation matrix, row-major.
typealias Matrix3 = (Double, Double, Double, Double, Double, Double, Double, Double, Double)

/// Forward kinematics of one sample (§9.3), only for the joints the roles need.
struct SamplePose {
    /// World positions (glTF frame): `(t·J + j)·3 + axis`, zero for joints not computed.
    let positions: [Double]
    /// The root's world rotation at the first and at the last frame (for the loop closure).
    let firstRootRotation: Matrix3
    let lastRootRotation: Matrix3
    let jointCount: Int

    /// Runs FK for sample `sample`; `needed` must contain every ancestor of a needed joint.
    init(_ input: TrajectoryInput, sample: Int, needed: [Bool], root: Int) {
        let jointCount = input.jointNames.count
        let frames = input.frameCount
        // A needed joint whose children are all unneeded only has a position: its own rotation
        // moves nothing the trajectory reads, so its matrix is not built.
        var carries = [Bool](repeating: false, count: jointCount)
        for j in 0..<jointCount where needed[j] && input.parentIndices[j] >= 0 { carries[input.parentIndices[j]] = true }
        carries[root] = true
        let order = (0..<jointCount).filter { needed[$0] }
        var positions = [Double](repeating: 0, count: frames * jointCount * 3)
        var world = [Double](repeating: 0, count: jointCount * 9)
        var first: Matrix3 = (1, 0, 0, 0, 1, 0, 0, 0, 1)
        var last = first
        input.rotations.withUnsafeBufferPointer { rotations in
            input.rootTranslations.withUnsafeBufferPointer { roots in
                input.restTranslations.withUnsafeBufferPointer { rest in
                    input.parentIndices.withUnsafeBufferPointer { parents in
                        positions.withUnsafeMutableBufferPointer { positions in
                            world.withUnsafeMutableBufferPointer { world in
                                for t in 0..<frames {
                                    let frameBase = (sample * frames + t) * jointCount
                                    for j in order {
                                        let out = (t * jointCount + j) * 3
                                        let parent = parents[j]
                                        var local: Matrix3 = (1, 0, 0, 0, 1, 0, 0, 0, 1)
                                        if carries[j] {
                                            let q = (frameBase + j) * 4
                                            local = Self.matrix(
                                                Double(rotations[q]), Double(rotations[q + 1]),
                                                Double(rotations[q + 2]), Double(rotations[q + 3]))
                                        }
                                        if parent < 0 {
                                            let r = (sample * frames + t) * 3
                                            positions[out] = Double(roots[r])
                                            positions[out + 1] = Double(roots[r + 1])
                                            positions[out + 2] = Double(roots[r + 2])
                                            world[j * 9] = local.0
                                            world[j * 9 + 1] = local.1
                                            world[j * 9 + 2] = local.2
                                            world[j * 9 + 3] = local.3
                                            world[j * 9 + 4] = local.4
                                            world[j * 9 + 5] = local.5
                                            world[j * 9 + 6] = local.6
                                            world[j * 9 + 7] = local.7
                                            world[j * 9 + 8] = local.8
                                            if j == root && t == 0 { first = local }
                                            if j == root && t == frames - 1 { last = local }
                                            continue
                                        }
                                        let p = parent * 9
                                        let from = (t * jointCount + parent) * 3
                                        let ox = rest[j * 3]
                                        let oy = rest[j * 3 + 1]
                                        let oz = rest[j * 3 + 2]
                                        for row in 0..<3 {
                                            let w0 = world[p + row * 3]
                                            let w1 = world[p + row * 3 + 1]
                                            let w2 = world[p + row * 3 + 2]
                                            positions[out + row] = positions[from + row] + (w0 * ox + w1 * oy + w2 * oz)
                                            if carries[j] {
                                                let o = j * 9 + row * 3
                                                world[o] = w0 * local.0 + w1 * local.3 + w2 * local.6
                                                world[o + 1] = w0 * local.1 + w1 * local.4 + w2 * local.7
                                                world[o + 2] = w0 * local.2 + w1 * local.5 + w2 * local.8
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.positions = positions
        self.firstRootRotation = first
        self.lastRootRotation = last
        self.jointCount = jointCount
    }

    /// Joint `j`'s track, converted to Z-up: (x, y, z) → (x, −z, y).
    func track(_ j: Int) -> Track3 {
        let frames = positions.count / (jointCount * 3)
        var x = [Double](repeating: 0, count: frames)
        var y = x
        var z = x
        for t in 0..<frames {
            let i = (t * jointCount + j) * 3
            x[t] = positions[i]
            y[t] = -positions[i + 2]
            z[t] = positions[i + 1]
        }
        return Track3(x: x, y: y, z: z)
    }

    /// §6.1 matrix of the normalised quaternion (a zero quaternion gives the identity).
    private static func matrix(_ x0: Double, _ y0: Double, _ z0: Double, _ w0: Double) -> Matrix3 {
        let norm = max((x0 * x0 + y0 * y0 + z0 * z0 + w0 * w0).squareRoot(), 1e-12)
        let x = x0 / norm
        let y = y0 / norm
        let z = z0 / norm
        let w = w0 / norm
        return (
            1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
            2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
            2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)
        )
    }
}
