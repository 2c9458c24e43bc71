import Foundation
import Testing

@testable import MotionMCPProtocol

/// §9.16 re-timing: the block-pruned nearest-segment search must give what a plain scan of
/// every guide segment gives.
@Suite("Re-timing along the guide")
struct GuideRetimingTests {
    /// §9.16 as written: every segment, the first smallest distance wins.
    private func plainScan(guide: Planar, com: Planar, fps: Double) -> Planar {
        let n = guide.count - 1
        var cumulative = [0.0]
        for s in 0..<n { cumulative.append(cumulative[s] + hypotenuse(guide.x[s + 1] - guide.x[s], guide.y[s + 1] - guide.y[s])) }
        let cx = Numerics.boxAverage(com.x, width: 0.1 * fps, cyclic: false)
        let cy = Numerics.boxAverage(com.y, width: 0.1 * fps, cyclic: false)
        var out = Planar(x: [], y: [])
        for t in 0..<com.count {
            var best = (s: 0, d: Double.infinity, u: 0.0)
            for s in 0..<n {
                let dx = guide.x[s + 1] - guide.x[s]
                let dy = guide.y[s + 1] - guide.y[s]
                let length = hypotenuse(dx, dy)
                let u = min(max(((cx[t] - guide.x[s]) * dx + (cy[t] - guide.y[s]) * dy) / max(length * length, 1e-12), 0), 1)
                let ex = cx[t] - (guide.x[s] + u * dx)
                let ey = cy[t] - (guide.y[s] + u * dy)
                let d = ex * ex + ey * ey
                if d < best.d { best = (s, d, u) }
            }
            let at = cumulative[best.s] + best.u * (cumulative[best.s + 1] - cumulative[best.s])
            out.x.append(Numerics.interpolate(at, xs: cumulative, ys: guide.x))
            out.y.append(Numerics.interpolate(at, xs: cumulative, ys: guide.y))
        }
        return out
    }

    @Test("the pruned search matches a full scan on lines, circles and self-crossing curves")
    func matchesFullScan() throws {
        var random = SplitMix(seed: 42)
        for trial in 0..<30 {
            let points = [400, 720, 403][trial % 3]
            let guide: Planar
            switch trial % 3 {
            case 0:
                let a = Double.random(in: -3...3, using: &random)
                let g = Numerics.linspace(-4, 6, points)
                guide = Planar(x: g.map { $0 * cos(a) }, y: g.map { $0 * sin(a) })
            case 1:
                let r = Double.random(in: 0.5...20, using: &random)
                let a = Numerics.linspace(-1, Double.random(in: 1...6, using: &random), points)
                guide = Planar(x: a.map { r * cos($0) }, y: a.map { r * sin($0) })
            default:
                // A figure eight: the guide crosses itself, so distant segments compete.
                let a = Numerics.linspace(0, 2 * Double.pi, points)
                guide = Planar(x: a.map { 2 * sin($0) }, y: a.map { sin($0) * cos($0) })
            }
            let frames = 120
            let com = Planar(
                x: (0..<frames).map { _ in Double.random(in: -5...5, using: &random) },
                y: (0..<frames).map { _ in Double.random(in: -5...5, using: &random) })
            let pruned = try #require(GuideRetiming(guide: guide)).retime(com: com, fps: 30, loop: false)
            let plain = plainScan(guide: guide, com: com, fps: 30)
            for t in 0..<frames {
                #expect(
                    (pruned.x[t] - plain.x[t]).magnitude < 1e-9 && (pruned.y[t] - plain.y[t]).magnitude < 1e-9,
                    "trial \(trial), frame \(t)")
            }
        }
    }

    @Test("a guide shorter than a millimetre does not re-time anything")
    func tinyGuide() {
        #expect(GuideRetiming(guide: Planar(x: [0, 0.0001, 0.0002], y: [0, 0, 0])) == nil)
        #expect(GuideRetiming(guide: Planar(x: [0], y: [0])) == nil)
    }
}
