import Foundation

// docs/response.md §9.13–9.15: the simplest shape (still, line, arc, cubic Bézier) that stays within
// tolerance of the travel path.

/// A shape laid onto the travel path.
struct ShapeCandidate {
    let model: TravelTrajectory.Shape
    /// Each frame's point on the shape.
    let points: Planar
    /// The shape's own parameters (before `off_cm` and the speeds are added).
    var params: [(name: String, value: TravelTrajectory.Parameter)]
    /// The shape's points in order along it, run on past its ends; nil for `still`.
    let guide: Planar?
}

/// §9.13 shape candidates.
enum ShapeFit {
    /// Every point at the path's mean.
    static func still(_ path: Planar) -> ShapeCandidate {
        let (mx, my) = mean(path)
        let n = path.count
        return ShapeCandidate(
            model: .still,
            points: Planar(x: [Double](repeating: mx, count: n), y: [Double](repeating: my, count: n)),
            params: [], guide: nil)
    }

    /// The principal line through the path's mean, oriented from its first point to its last.
    static func line(_ path: Planar) -> ShapeCandidate {
        let n = path.count
        let (mx, my) = mean(path)
        let cx = path.x.map { $0 - mx }
        let cy = path.y.map { $0 - my }
        var (ux, uy) = Numerics.principalDirection(x: cx, y: cy)
        if ux * (path.x[n - 1] - path.x[0]) + uy * (path.y[n - 1] - path.y[0]) < 0 {
            ux = -ux
            uy = -uy
        }
        let s = (0..<n).map { cx[$0] * ux + cy[$0] * uy }
        let points = Planar(x: s.map { mx + $0 * ux }, y: s.map { my + $0 * uy })
        let heading = roundDecimal(degrees(atan2(ux, -uy)), places: 1)
        let g = Numerics.linspace((s.min() ?? 0) - 3, (s.max() ?? 0) + 3, 400)
        let guide = Planar(x: g.map { mx + $0 * ux }, y: g.map { my + $0 * uy })
        return ShapeCandidate(model: .line, points: points, params: [("heading_deg", .number(heading))], guide: guide)
    }

    /// The least-squares circle, or nil when it is degenerate, wider than 60 m, or passes
    /// through a path point's centre.
    static func arc(_ path: Planar) -> ShapeCandidate? {
        let n = path.count
        var a = [Double](repeating: 1, count: n * 3)
        var rhs = [Double](repeating: 0, count: n)
        for t in 0..<n {
            a[t * 3] = path.x[t]
            a[t * 3 + 1] = path.y[t]
            rhs[t] = -(path.x[t] * path.x[t] + path.y[t] * path.y[t])
        }
        guard let solution = LeastSquares.solve(a, rows: n, columns: 3, rhs: rhs, rhsCount: 1) else { return nil }
        let cx = -solution[0] / 2
        let cy = -solution[1] / 2
        let r2 = (cx * cx + cy * cy) - solution[2]
        guard r2 > 0 && r2 <= 3600 else { return nil }
        let r = r2.squareRoot()
        let dx = path.x.map { $0 - cx }
        let dy = path.y.map { $0 - cy }
        let lengths = (0..<n).map { hypotenuse(dx[$0], dy[$0]) }
        guard (lengths.min() ?? 0) >= 1e-6 else { return nil }
        let points = Planar(
            x: (0..<n).map { cx + r * dx[$0] / lengths[$0] },
            y: (0..<n).map { cy + r * dy[$0] / lengths[$0] })
        let phi = Numerics.unwrap((0..<n).map { atan2(dy[$0], dx[$0]) })
        let runOn = min(Double.pi / 2, 3 / r)
        var angles = Numerics.linspace((phi.min() ?? 0) - runOn, (phi.max() ?? 0) + runOn, 720)
        if phi[n - 1] < phi[0] { angles.reverse() }
        let guide = Planar(x: angles.map { cx + r * cos($0) }, y: angles.map { cy + r * sin($0) })
        return ShapeCandidate(
            model: .arc, points: points,
            params: [("radius_m", .number(roundDecimal(r, places: 2)))], guide: guide)
    }

    /// The cubic Bézier fitted to the path, parametrised by its arc length re-timed through the
    /// key times; nil for a path that does not move.
    static func bezier(_ path: Planar, times: [Double], keyTimes: [Double]) -> ShapeCandidate? {
        let n = path.count
        var cumulative = [Double](repeating: 0, count: n)
        for t in 1..<n { cumulative[t] = cumulative[t - 1] + hypotenuse(path.x[t] - path.x[t - 1], path.y[t] - path.y[t - 1]) }
        let total = cumulative[n - 1]
        guard total >= 1e-6 else { return nil }
        let fraction = cumulative.map { $0 / total }
        let keys = Numerics.monotoneKeys(fraction, times: times, keyTimes: keyTimes)
        let e = Numerics.pchip(knots: keyTimes, values: keys, at: times).map { min(max($0, 0), 1) }
        let rows = bernsteinRows(e)
        var rhs = [Double](repeating: 0, count: n * 2)
        for t in 0..<n {
            rhs[t * 2] = path.x[t]
            rhs[t * 2 + 1] = path.y[t]
        }
        guard let control = LeastSquares.solve(rows, rows: n, columns: 4, rhs: rhs, rhsCount: 2) else { return nil }
        let points = evaluate(rows, control: control)
        let controlXZ = (0..<4).map { [roundDecimal(control[$0 * 2], places: 3), roundDecimal(-control[$0 * 2 + 1], places: 3)] }
        let guide = extend(evaluate(bernsteinRows(Numerics.linspace(0, 1, 400)), control: control))
        return ShapeCandidate(
            model: .bezier, points: points, params: [("control_points_xz", .points(controlXZ))],
            guide: guide)
    }

    /// Rows `[(1−e)³, 3(1−e)²e, 3(1−e)e², e³]`, row-major.
    private static func bernsteinRows(_ e: [Double]) -> [Double] {
        var rows = [Double](repeating: 0, count: e.count * 4)
        for (t, v) in e.enumerated() {
            let w = 1 - v
            rows[t * 4] = w * w * w
            rows[t * 4 + 1] = 3 * (w * w) * v
            rows[t * 4 + 2] = 3 * w * (v * v)
            rows[t * 4 + 3] = v * v * v
        }
        return rows
    }

    /// Rows × the 4×2 control points.
    private static func evaluate(_ rows: [Double], control: [Double]) -> Planar {
        let n = rows.count / 4
        var out = Planar(x: [Double](repeating: 0, count: n), y: [Double](repeating: 0, count: n))
        for t in 0..<n {
            var x = 0.0
            var y = 0.0
            for k in 0..<4 {
                x += rows[t * 4 + k] * control[k * 2]
                y += rows[t * 4 + k] * control[k * 2 + 1]
            }
            out.x[t] = x
            out.y[t] = y
        }
        return out
    }

    /// EXTEND: drops repeated points, then runs the curve straight on 3 m past both ends.
    static func extend(_ p: Planar) -> Planar {
        var kept = Planar(x: [p.x[0]], y: [p.y[0]])
        for i in 1..<p.count where hypotenuse(p.x[i] - p.x[i - 1], p.y[i] - p.y[i - 1]) > 1e-6 {
            kept.x.append(p.x[i])
            kept.y.append(p.y[i])
        }
        let n = kept.count
        if n < 2 { return kept }
        let k = max(1, n / 20)
        func direction(_ a: Int, _ b: Int) -> (Double, Double) {
            let dx = kept.x[b] - kept.x[a]
            let dy = kept.y[b] - kept.y[a]
            let length = max(hypotenuse(dx, dy), 1e-9)
            return (dx / length, dy / length)
        }
        let start = direction(0, k)
        let end = direction(n - 1 - k, n - 1)
        return Planar(
            x: [kept.x[0] - start.0 * 3] + kept.x + [kept.x[n - 1] + end.0 * 3],
            y: [kept.y[0] - start.1 * 3] + kept.y + [kept.y[n - 1] + end.1 * 3])
    }

    /// The per-axis mean of the points.
    static func mean(_ p: Planar) -> (Double, Double) {
        var sx = 0.0
        var sy = 0.0
        for t in 0..<p.count {
            sx = t == 0 ? p.x[0] : sx + p.x[t]
            sy = t == 0 ? p.y[0] : sy + p.y[t]
        }
        return (sx / Double(p.count), sy / Double(p.count))
    }

    /// Radians to degrees as Python's `math.degrees` computes it.
    static func degrees(_ radians: Double) -> Double { radians * (180.0 / Double.pi) }
}
