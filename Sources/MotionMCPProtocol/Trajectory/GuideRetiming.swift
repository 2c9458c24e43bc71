// docs/response.md §9.16: the trajectory moves along the chosen shape with the body. Each frame takes
// the point of the shape's guide (400–720 points) nearest to the lightly smoothed COM.
//
// This is the hot spot of the whole computation (frames × segments). The guide's segments are
// grouped in blocks with a bounding circle; a block is skipped only when its circle is farther
// than the best distance already known (with a margin far above rounding), so the answer — the
// first segment with the smallest distance — is exactly the one a full scan finds.

/// A guide prepared for nearest-segment queries.
struct GuideRetiming {
    /// Per segment: start x, start y, direction x, direction y, 1 / max(length², 1e-12).
    private let segments: [Double]
    private let lengths: [Double]
    /// Arc length at each guide point.
    private let cumulative: [Double]
    private let guide: Planar
    /// Per block: centre x, centre y, radius, first segment, end segment (exclusive).
    private let blocks: [(x: Double, y: Double, radius: Double, first: Int, end: Int)]

    private static let blockSize = 16
    private static let stride = 5

    /// Nil when the guide has fewer than two points or is shorter than 1 mm (§9.16).
    init?(guide: Planar) {
        let count = guide.count - 1
        guard count >= 1 else { return nil }
        var segments = [Double](repeating: 0, count: count * Self.stride)
        var lengths = [Double](repeating: 0, count: count)
        var cumulative = [Double](repeating: 0, count: count + 1)
        for s in 0..<count {
            let dx = guide.x[s + 1] - guide.x[s]
            let dy = guide.y[s + 1] - guide.y[s]
            lengths[s] = hypotenuse(dx, dy)
            let base = s * Self.stride
            segments[base] = guide.x[s]
            segments[base + 1] = guide.y[s]
            segments[base + 2] = dx
            segments[base + 3] = dy
            segments[base + 4] = 1 / max(lengths[s] * lengths[s], 1e-12)
            cumulative[s + 1] = cumulative[s] + lengths[s]
        }
        guard cumulative[count] >= 1e-3 else { return nil }
        var blocks: [(x: Double, y: Double, radius: Double, first: Int, end: Int)] = []
        for first in Swift.stride(from: 0, to: count, by: Self.blockSize) {
            let end = min(first + Self.blockSize, count)
            let vertices = first...end
            let n = Double(vertices.count)
            let cx = vertices.reduce(0) { $0 + guide.x[$1] } / n
            let cy = vertices.reduce(0) { $0 + guide.y[$1] } / n
            // Every point of every segment of the block lies in the disc through its vertices.
            let radius = vertices.map { hypotenuse(guide.x[$0] - cx, guide.y[$0] - cy) }.max() ?? 0
            blocks.append((cx, cy, radius * (1 + 1e-9), first, end))
        }
        self.segments = segments
        self.lengths = lengths
        self.cumulative = cumulative
        self.guide = guide
        self.blocks = blocks
    }

    /// Each frame's point on the guide nearest to the COM smoothed over 0.1 s.
    func retime(com: Planar, fps: Double, loop: Bool) -> Planar {
        let width = 0.1 * fps
        let cx = Numerics.boxAverage(com.x, width: width, cyclic: loop)
        let cy = Numerics.boxAverage(com.y, width: width, cyclic: loop)
        var out = Planar(x: [Double](repeating: 0, count: com.count), y: [Double](repeating: 0, count: com.count))
        var hint = 0
        for t in 0..<com.count {
            let s = nearestSegment(cx[t], cy[t], hint: hint)
            hint = s
            // The winner's projection with the true division, as the reference computes it.
            let base = s * Self.stride
            let rx = cx[t] - segments[base]
            let ry = cy[t] - segments[base + 1]
            let denominator = max(lengths[s] * lengths[s], 1e-12)
            let u = min(max((rx * segments[base + 2] + ry * segments[base + 3]) / denominator, 0), 1)
            let at = cumulative[s] + u * lengths[s]
            out.x[t] = Numerics.interpolate(at, xs: cumulative, ys: guide.x)
            out.y[t] = Numerics.interpolate(at, xs: cumulative, ys: guide.y)
        }
        return out
    }

    /// The first segment with the smallest squared distance to `(px, py)`. `hint` (the previous
    /// frame's answer) only tightens the bound used to skip blocks.
    private func nearestSegment(_ px: Double, _ py: Double, hint: Int) -> Int {
        segments.withUnsafeBufferPointer { seg in
            @inline(__always) func distanceSquared(_ s: Int) -> Double {
                let base = s &* Self.stride
                let rx = px - seg[base]
                let ry = py - seg[base &+ 1]
                let dx = seg[base &+ 2]
                let dy = seg[base &+ 3]
                let u = min(max((rx * dx + ry * dy) * seg[base &+ 4], 0), 1)
                let ex = rx - u * dx
                let ey = ry - u * dy
                return ex * ex + ey * ey
            }
            let bound = distanceSquared(hint)
            var nearest = 0
            var smallest = Double.infinity
            for block in blocks {
                let bx = px - block.x
                let by = py - block.y
                let centre = (bx * bx + by * by).squareRoot()
                let gap = centre - block.radius
                if gap > 0 {
                    // Skip only when even the block's closest possible point is farther than a
                    // distance already found, by a margin far above the rounding of either side.
                    let reach = centre + block.radius
                    if gap * gap - 1e-12 * (reach * reach) > min(bound, smallest) { continue }
                }
                for s in block.first..<block.end {
                    let d = distanceSquared(s)
                    if d < smallest {
                        smallest = d
                        nearest = s
                    }
                }
            }
            return nearest
        }
    }
}
