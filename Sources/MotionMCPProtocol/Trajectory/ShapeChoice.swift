// docs/response.md §9.14–9.15: how far a shape strays across the travel path, and which shape is
// chosen (then re-timed along it, §9.16, in GuideRetiming.swift).

/// The chosen shape and the trajectory points along it.
struct ShapeChoice {
    let model: TravelTrajectory.Shape
    /// Per frame: the point on the shape (re-timed by the COM when the shape has a guide).
    let points: Planar
    let params: [(name: String, value: TravelTrajectory.Parameter)]

    /// §9.15 (then §9.16). Below three frames the raw path is kept as `still` with no params.
    init(path: Planar, com: Planar, times: [Double], keyTimes: [Double]?, fps: Double, loop: Bool) {
        let n = path.count
        guard n >= 3, let keyTimes else {
            self.model = .still
            self.points = path
            self.params = []
            return
        }
        var dist = 0.0
        for t in 1..<n { dist += hypotenuse(path.x[t] - path.x[t - 1], path.y[t] - path.y[t - 1]) }
        let tolRms = 0.015 + 0.025 * dist
        let tolMax = 0.04 + 0.05 * dist
        var best: (candidate: ShapeCandidate, rms: Double)?
        let models: [TravelTrajectory.Shape] = loop ? [.still, .line, .arc] : [.still, .line, .arc, .bezier]
        for model in models {
            let fitted: ShapeCandidate?
            switch model {
            case .still: fitted = ShapeFit.still(path)
            case .line: fitted = ShapeFit.line(path)
            case .arc: fitted = ShapeFit.arc(path)
            case .bezier: fitted = ShapeFit.bezier(path, times: times, keyTimes: keyTimes)
            }
            guard var candidate = fitted else { continue }
            var squares = 0.0
            var largest = 0.0
            for t in 0..<n {
                let e = hypotenuse(candidate.points.x[t] - path.x[t], candidate.points.y[t] - path.y[t])
                squares += e * e
                largest = max(largest, e)
            }
            let rms = (squares / Double(n)).squareRoot()
            let across = Self.acrossError(candidate.points, path)
            let acrossRms = (across.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
            let ok: Bool
            if model == .still {
                let net = hypotenuse(path.x[n - 1] - path.x[0], path.y[n - 1] - path.y[0])
                ok = largest <= 0.06 || (net < 0.08 && dist / max(times[n - 1], 1e-6) < 0.05) || Self.onTheSpot(path)
            } else {
                ok = acrossRms <= tolRms && (across.max() ?? 0) <= tolMax
            }
            candidate.params.append(("off_cm", .number(roundDecimal(acrossRms * 100, places: 1))))
            if ok {
                best = (candidate, rms)
                break
            }
            if best.map({ rms < $0.rms }) ?? true { best = (candidate, rms) }
        }
        // `still` always fits, so there is a best candidate.
        let chosen = best?.candidate ?? ShapeFit.still(path)
        self.model = chosen.model
        self.params = chosen.params
        if chosen.model != .still, let guide = chosen.guide,
            let timed = GuideRetiming(guide: guide)?.retime(com: com, fps: fps, loop: loop)
        {
            self.points = timed
        } else {
            self.points = chosen.points
        }
    }

    /// ONSPOT: ends within 15 cm of its start and never strays 25 cm from it.
    static func onTheSpot(_ path: Planar) -> Bool {
        let n = path.count
        guard hypotenuse(path.x[n - 1] - path.x[0], path.y[n - 1] - path.y[0]) < 0.15 else { return false }
        let reach = (0..<n).map { hypotenuse(path.x[$0] - path.x[0], path.y[$0] - path.y[0]) }.max() ?? 0
        return reach < 0.25
    }

    /// §9.14: per frame, the distance of `xy` from `path` across the path's direction.
    static func acrossError(_ xy: Planar, _ path: Planar) -> [Double] {
        let n = path.count
        let gx = Numerics.gradient(path.x)
        let gy = Numerics.gradient(path.y)
        let okFrames = (0..<n).filter { hypotenuse(gx[$0], gy[$0]) > 1e-6 }
        if okFrames.isEmpty { return (0..<n).map { hypotenuse(xy.x[$0] - path.x[$0], xy.y[$0] - path.y[$0]) } }
        var tx = [Double](repeating: 0, count: n)
        var ty = [Double](repeating: 0, count: n)
        for t in okFrames {
            let length = max(hypotenuse(gx[t], gy[t]), 1e-12)
            tx[t] = gx[t] / length
            ty[t] = gy[t] / length
        }
        let keys = okFrames.map(Double.init)
        tx = Numerics.interpolateAtFrames(n, xs: keys, ys: okFrames.map { tx[$0] })
        ty = Numerics.interpolateAtFrames(n, xs: keys, ys: okFrames.map { ty[$0] })
        // Where the path stops and turns back the interpolated directions cancel: take the
        // nearest real one instead (the lower frame on ties).
        let weak = (0..<n).filter { hypotenuse(tx[$0], ty[$0]) < 0.5 }
        let original = (tx, ty)
        for t in weak {
            var nearest = okFrames[0]
            for q in okFrames where abs(q - t) < abs(nearest - t) { nearest = q }
            tx[t] = original.0[nearest]
            ty[t] = original.1[nearest]
        }
        return (0..<n).map { t in
            let length = max(hypotenuse(tx[t], ty[t]), 1e-12)
            let ux = tx[t] / length
            let uy = ty[t] / length
            let dx = xy.x[t] - path.x[t]
            let dy = xy.y[t] - path.y[t]
            return (dx * uy - dy * ux).magnitude
        }
    }
}
