// The numeric primitives of docs/response.md §9.1. They mirror numpy's definitions (interp, gradient,
// median, percentile, linspace, unwrap) down to the order of the arithmetic where that is cheap,
// because the trajectory is compared numerically with the reference.

/// The §9.1 primitives, all in double precision on flat arrays.
enum Numerics {
    /// INTERP: piecewise-linear lookup of `x` in ascending `xs`, held flat beyond the ends.
    static func interpolate(_ x: Double, xs: [Double], ys: [Double]) -> Double {
        let last = xs.count - 1
        if x <= xs[0] { return ys[0] }
        if x >= xs[last] { return ys[last] }
        // Invariant xs[low] <= x < xs[high]; with repeated xs this finds the last of them.
        var low = 0
        var high = last
        while high - low > 1 {
            let middle = (low + high) / 2
            if xs[middle] <= x { low = middle } else { high = middle }
        }
        if x == xs[low] { return ys[low] }
        let slope = (ys[low + 1] - ys[low]) / (xs[low + 1] - xs[low])
        return slope * (x - xs[low]) + ys[low]
    }

    /// INTERP at every frame index 0..<count. When the keys are every frame, each lookup lands on
    /// its own key and gives its value back, so `ys` is the answer as it is.
    static func interpolateAtFrames(_ count: Int, xs: [Double], ys: [Double]) -> [Double] {
        if xs.count == count && xs.indices.allSatisfy({ xs[$0] == Double($0) }) { return ys }
        return (0..<count).map { interpolate(Double($0), xs: xs, ys: ys) }
    }

    /// GRAD: central differences inside, one-sided at the ends. Needs at least two values.
    static func gradient(_ f: [Double]) -> [Double] {
        f.indices.map { gradient(f, at: $0) }
    }

    /// GRAD at one index, without building the whole gradient. Needs at least two values.
    static func gradient(_ f: [Double], at i: Int) -> Double {
        let n = f.count
        if i == 0 { return f[1] - f[0] }
        if i == n - 1 { return f[n - 1] - f[n - 2] }
        return (f[i + 1] - f[i - 1]) / 2
    }

    /// MEDIAN: the middle of the sorted values, or the mean of the two middle ones.
    static func median(_ a: [Double]) -> Double {
        let sorted = a.sorted()
        let n = sorted.count
        if n % 2 == 1 { return sorted[n / 2] }
        return (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }

    /// PCT5: numpy's linear-method 5th percentile, including its two-sided lerp.
    static func percentile5(_ a: [Double]) -> Double {
        let sorted = a.sorted()
        let position = Double(sorted.count - 1) * 0.05
        let k = Int(position.rounded(.down))
        if k >= sorted.count - 1 { return sorted[sorted.count - 1] }
        let r = position - Double(k)
        let low = sorted[k]
        let high = sorted[k + 1]
        let difference = high - low
        // numpy interpolates from the nearer end, which changes the last bit.
        return r >= 0.5 ? high - difference * (1 - r) : low + difference * r
    }

    /// LINSPACE: `n` evenly spaced values from `a` to exactly `b`.
    static func linspace(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
        if n == 1 { return [a] }
        let step = (b - a) / Double(n - 1)
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n { out[i] = Double(i) * step + a }
        out[n - 1] = b
        return out
    }

    /// UNWRAP: removes jumps larger than π by adding multiples of 2π (numpy's rule).
    static func unwrap(_ p: [Double]) -> [Double] {
        var out = p
        var correction = 0.0
        let twoPi = 2 * Double.pi
        for i in 1..<max(p.count, 1) {
            let d = p[i] - p[i - 1]
            var m = flooredModulo(d + Double.pi, twoPi) - Double.pi
            if m == -Double.pi && d > 0 { m = Double.pi }
            let c = d.magnitude < Double.pi ? 0 : m - d
            correction += c
            out[i] = p[i] + correction
        }
        return out
    }

    /// numpy's float `mod`: the result has the sign of the divisor.
    private static func flooredModulo(_ a: Double, _ b: Double) -> Double {
        let r = a.truncatingRemainder(dividingBy: b)
        if r != 0 && (r < 0) != (b < 0) { return r + b }
        return r
    }

    /// BOX with a constant width (frames).
    static func boxAverage(_ x: [Double], width: Double, cyclic: Bool) -> [Double] {
        boxAverage(x, cyclic: cyclic) { _ in width }
    }

    /// BOX: centred moving average with a per-frame fractional width (frames). A cyclic signal is
    /// continued three cycles each way, shifted by its net change per cycle.
    static func boxAverage(_ x: [Double], widths: [Double], cyclic: Bool) -> [Double] {
        boxAverage(x, cyclic: cyclic) { widths[$0] }
    }

    private static func boxAverage(_ x: [Double], cyclic: Bool, widthAt width: (Int) -> Double) -> [Double] {
        let n = x.count
        var extended: [Double]
        let offset: Int
        if cyclic {
            let m = n - 1
            let drift = x[n - 1] - x[0]
            extended = [Double]()
            extended.reserveCapacity(7 * m + 1)
            for c in -3...3 {
                let shift = Double(c) * drift
                for i in 0..<m { extended.append(x[i] + shift) }
            }
            extended.append(x[n - 1] + 3 * drift)
            offset = 3 * m
        } else {
            extended = x
            offset = 0
        }
        let count = extended.count
        // Running trapezoid sums, read back by linear interpolation on the integer grid.
        var sums = [Double](repeating: 0, count: count)
        for k in 1..<max(count, 1) { sums[k] = sums[k - 1] + (extended[k] + extended[k - 1]) / 2 }
        func sumAt(_ q: Double) -> Double {
            if q <= 0 { return sums[0] }
            if q >= Double(count - 1) { return sums[count - 1] }
            let k = Int(q)
            let base = Double(k)
            if q == base { return sums[k] }
            return (sums[k + 1] - sums[k]) * (q - base) + sums[k]
        }
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var h = width(i) / 2
            if !cyclic { h = min(h, Double(i), Double(n - 1 - i)) }
            let u = i + offset
            if h < 1e-6 {
                out[i] = extended[u]
            } else {
                let centre = Double(u)
                out[i] = (sumAt(centre + h) - sumAt(centre - h)) / (2 * h)
            }
        }
        return out
    }

    /// Number of `sorted` values strictly below `t` (numpy's searchsorted, side "left").
    static func countBelow(_ t: Double, in sorted: [Double]) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < t { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// PCHIP: monotone cubic Hermite through the keys `(knots, values)` (at least two), with the
    /// plain end secants as end slopes, evaluated at each of `times`.
    static func pchip(knots: [Double], values: [Double], at times: [Double]) -> [Double] {
        let k = knots.count
        var h = [Double](repeating: 0, count: k - 1)
        var d = [Double](repeating: 0, count: k - 1)
        for i in 0..<(k - 1) {
            h[i] = knots[i + 1] - knots[i]
            d[i] = (values[i + 1] - values[i]) / h[i]
        }
        var slopes = [Double](repeating: 0, count: k)
        if k > 2 {
            for i in 1..<(k - 1) where d[i - 1] * d[i] > 0 {
                let w1 = 2 * h[i] + h[i - 1]
                let w2 = h[i] + 2 * h[i - 1]
                slopes[i] = (w1 + w2) / (w1 / d[i - 1] + w2 / d[i])
            }
        }
        slopes[0] = d[0]
        slopes[k - 1] = d[k - 2]
        return times.map { t in
            let i = min(max(countBelow(t, in: knots) - 1, 0), k - 2)
            let u = min(max((t - knots[i]) / h[i], 0), 1)
            let u2 = u * u
            let u3 = u2 * u
            let h00 = 2 * u3 - 3 * u2 + 1
            let h10 = u3 - 2 * u2 + u
            let h01 = -2 * u3 + 3 * u2
            let h11 = u3 - u2
            return h00 * values[i] + h10 * h[i] * slopes[i] + h01 * values[i + 1] + h11 * h[i] * slopes[i + 1]
        }
    }

    /// MONOKEYS: `s` (sampled at `times`) looked up at the key times, then made monotone in the
    /// direction of its net change.
    static func monotoneKeys(_ s: [Double], times: [Double], keyTimes: [Double]) -> [Double] {
        var keys = keyTimes.map { interpolate($0, xs: times, ys: s) }
        let rising = keys[keys.count - 1] >= keys[0]
        for i in 1..<max(keys.count, 1) {
            keys[i] = rising ? max(keys[i], keys[i - 1]) : min(keys[i], keys[i - 1])
        }
        return keys
    }

    /// PRINCIPAL: unit direction of the largest spread of centred 2-D points (closed form for
    /// the 2×2 scatter matrix). Its sign is arbitrary.
    static func principalDirection(x: [Double], y: [Double]) -> (x: Double, y: Double) {
        var sxx = 0.0
        var syy = 0.0
        var sxy = 0.0
        for i in x.indices {
            sxx += x[i] * x[i]
            syy += y[i] * y[i]
            sxy += x[i] * y[i]
        }
        let halfDifference = (sxx - syy) / 2
        let lambda = (sxx + syy) / 2 + (halfDifference * halfDifference + sxy * sxy).squareRoot()
        let v = sxx >= syy ? (lambda - syy, sxy) : (sxy, lambda - sxx)
        let length = (v.0 * v.0 + v.1 * v.1).squareRoot()
        // Only identical points give no direction; numpy's SVD then answers the first axis.
        if !(length > 0) { return (1, 0) }
        return (v.0 / length, v.1 / length)
    }
}
