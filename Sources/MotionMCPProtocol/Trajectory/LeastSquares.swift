// LSQ of docs/response.md §9.1. The reference calls LAPACK's gelsd through numpy (rcond=None), which
// returns the minimum-norm solution and treats singular values at or below ε·max(M, N)·σ_max as
// zero. A one-sided Jacobi SVD gives the same solution (to rounding) without LAPACK; the systems
// here have at most four columns, so its cost is a few passes over the rows.

/// Linear least squares through a singular value decomposition.
enum LeastSquares {
    /// Solves `min ‖A·X − B‖` with the minimum-norm `X`. `a` is `rows × columns` and `rhs` is
    /// `rows × rhsCount`, both row-major; the answer is `columns × rhsCount`, row-major. Returns
    /// nil when the data are not finite (where LAPACK reports that the SVD did not converge).
    static func solve(_ a: [Double], rows: Int, columns: Int, rhs: [Double], rhsCount: Int) -> [Double]? {
        guard a.allSatisfy(\.isFinite), rhs.allSatisfy(\.isFinite) else { return nil }
        // Column-major working copies: u's columns become σⱼ·uⱼ, v accumulates the rotations.
        var u = [Double](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for c in 0..<columns { u[c * rows + r] = a[r * columns + c] }
        }
        var v = [Double](repeating: 0, count: columns * columns)
        for c in 0..<columns { v[c * columns + c] = 1 }
        orthogonalizeColumns(&u, rows: rows, columns: columns, v: &v)

        var norms = [Double](repeating: 0, count: columns)
        for c in 0..<columns {
            var sum = 0.0
            for r in 0..<rows { sum += u[c * rows + r] * u[c * rows + r] }
            norms[c] = sum.squareRoot()
        }
        let largest = norms.max() ?? 0
        let cutoff = Double.ulpOfOne * Double(max(rows, columns)) * largest
        var x = [Double](repeating: 0, count: columns * rhsCount)
        for c in 0..<columns where norms[c] > cutoff {
            let squared = norms[c] * norms[c]
            for k in 0..<rhsCount {
                var projection = 0.0
                for r in 0..<rows { projection += u[c * rows + r] * rhs[r * rhsCount + k] }
                let coefficient = projection / squared
                for i in 0..<columns { x[i * rhsCount + k] += v[c * columns + i] * coefficient }
            }
        }
        return x
    }

    /// Hestenes' one-sided Jacobi: rotates pairs of columns until all are mutually orthogonal.
    private static func orthogonalizeColumns(_ u: inout [Double], rows: Int, columns: Int, v: inout [Double]) {
        let tolerance = Double.ulpOfOne
        for _ in 0..<64 {
            var rotated = false
            for p in 0..<max(columns - 1, 0) {
                for q in (p + 1)..<columns {
                    var alpha = 0.0
                    var beta = 0.0
                    var gamma = 0.0
                    for r in 0..<rows {
                        let up = u[p * rows + r]
                        let uq = u[q * rows + r]
                        alpha += up * up
                        beta += uq * uq
                        gamma += up * uq
                    }
                    if gamma == 0 || gamma.magnitude <= tolerance * (alpha * beta).squareRoot() { continue }
                    rotated = true
                    let zeta = (beta - alpha) / (2 * gamma)
                    let t = (zeta >= 0 ? 1.0 : -1.0) / (zeta.magnitude + (1 + zeta * zeta).squareRoot())
                    let cosine = 1 / (1 + t * t).squareRoot()
                    let sine = cosine * t
                    rotate(&u, p * rows, q * rows, count: rows, cosine, sine)
                    rotate(&v, p * columns, q * columns, count: columns, cosine, sine)
                }
            }
            if !rotated { return }
        }
    }

    private static func rotate(
        _ m: inout [Double], _ first: Int, _ second: Int, count: Int,
        _ cosine: Double, _ sine: Double
    ) {
        for r in 0..<count {
            let a = m[first + r]
            let b = m[second + r]
            m[first + r] = cosine * a - sine * b
            m[second + r] = sine * a + cosine * b
        }
    }
}
