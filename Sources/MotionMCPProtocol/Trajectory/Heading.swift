import Foundation

// docs/response.md §9.17–9.20: the yaw curve, read from where the body faces (square to its hips, or
// its shoulders), or from the direction of travel when no facing can be read; and the loop
// closure.

/// §9.17–9.20 heading computations.
enum HeadingFit {
    /// §9.17: the unwrapped facing angle per frame (radians, Z-up), from the thighs or else the
    /// upper arms; nil below three frames, without a left/right pair, or when the pair collapses.
    static func facing(_ points: RolePoints, frames: Int) -> [Double]? {
        guard frames >= 3 else { return nil }
        let pairs: [(BodyRole, BodyRole)] = [
            (.limb(.left, .leg), .limb(.right, .leg)),
            (.limb(.left, .arm), .limb(.right, .arm)),
        ]
        guard
            let (left, right) = pairs.lazy.compactMap({ pair -> (Track3, Track3)? in
                guard let l = points.heads[pair.0], let r = points.heads[pair.1] else { return nil }
                return (l, r)
            }).first
        else { return nil }
        let lx = (0..<frames).map { right.x[$0] - left.x[$0] }
        let ly = (0..<frames).map { right.y[$0] - left.y[$0] }
        let narrowest = (0..<frames).map { hypotenuse(lx[$0], ly[$0]) }.min() ?? 0
        if narrowest < 1e-6 { return nil }
        return Numerics.unwrap((0..<frames).map { atan2(lx[$0], -ly[$0]) })
    }

    /// §9.18: yaw from the facing: a steady turn for loops; otherwise none (`fixed`) below 4°
    /// (15° on the spot), a steady turn when one fits within 2° RMS and 5° max, else keyed.
    static func fromFacing(
        _ raw: [Double], window: [Double], times: [Double], keyTimes: [Double],
        fps: Double, loop: Bool, still: Bool
    ) -> (yaw: [Double], heading: TravelTrajectory.Heading) {
        let n = raw.count
        let widths = window.map { max($0, 0.5 * fps) }
        var smooth = Numerics.boxAverage(raw, widths: widths, cyclic: loop)
        let start = smooth[0]
        smooth = smooth.map { $0 - start }
        var timeTurn = 0.0
        var timeTime = 0.0
        for t in 0..<n {
            timeTurn += times[t] * smooth[t]
            timeTime += times[t] * times[t]
        }
        let rate = timeTurn / max(timeTime, 1e-12)
        let steady = times.map { rate * $0 }
        if loop { return (steady, .steady) }
        let threshold = (still ? 15.0 : 4.0) * (Double.pi / 180)
        if smooth[n - 1].magnitude < threshold { return ([Double](repeating: 0, count: n), .fixed) }
        var squares = 0.0
        var largest = 0.0
        for t in 0..<n {
            let e = (steady[t] - smooth[t]).magnitude
            squares += e * e
            largest = max(largest, e)
        }
        if (squares / Double(n)).squareRoot() <= 2 * (Double.pi / 180) && largest <= 5 * (Double.pi / 180) {
            return (steady, .steady)
        }
        let keys = Numerics.monotoneKeys(smooth, times: times, keyTimes: keyTimes)
        let y = Numerics.pchip(knots: keyTimes, values: keys, at: times)
        let first = y[0]
        return (y.map { $0 - first }, .keyed)
    }

    /// §9.19 TANYAW: the direction of travel, held across the frames that do not move, relative
    /// to the first frame that does. Needs at least two frames.
    static func tangentYaw(_ xy: Planar, fps: Double) -> [Double] {
        let n = xy.count
        let gx = Numerics.gradient(xy.x)
        let gy = Numerics.gradient(xy.y)
        let angles = Numerics.unwrap((0..<n).map { atan2(gx[$0], -gy[$0]) })
        let moving = (0..<n).filter { hypotenuse(gx[$0], gy[$0]) * fps > 0.05 }
        guard let firstMoving = moving.first else { return [Double](repeating: 0, count: n) }
        let held = Numerics.interpolateAtFrames(n, xs: moving.map(Double.init), ys: moving.map { angles[$0] })
        let origin = held[firstMoving]
        return held.map { $0 - origin }
    }

    /// §9.20 rootTurn: how far the root turns about the vertical from the first frame to the
    /// last, measured on whichever of its own axes lies flattest at the first frame.
    static func rootTurn(first r0: Matrix3, last r1: Matrix3) -> Double {
        let m0 = [r0.0, r0.1, r0.2, r0.3, r0.4, r0.5, r0.6, r0.7, r0.8]
        let m1 = [r1.0, r1.1, r1.2, r1.3, r1.4, r1.5, r1.6, r1.7, r1.8]
        var column = 0
        for k in 1..<3 where m0[3 + k].magnitude < m0[3 + column].magnitude { column = k }
        let axis = [m0[column], m0[3 + column], m0[6 + column]]
        // R0ᵀ·axis, then both rotations applied to it.
        let local = (0..<3).map { k in m0[k] * axis[0] + m0[3 + k] * axis[1] + m0[6 + k] * axis[2] }
        func apply(_ m: [Double]) -> [Double] {
            (0..<3).map { row in m[row * 3] * local[0] + m[row * 3 + 1] * local[1] + m[row * 3 + 2] * local[2] }
        }
        let a0 = apply(m0)
        let a1 = apply(m1)
        let f0 = (a0[0], -a0[2])
        let f1 = (a1[0], -a1[2])
        return atan2(f0.0 * f1.1 - f0.1 * f1.0, f0.0 * f1.0 + f0.1 * f1.1)
    }
}
