public import MotionMCPProtocol

/// Answered requests counted by latency band, in bands every server of this SDK shares, so that
/// the histograms of several instances add up to the fleet's: percentiles of a fleet come from
/// the summed counts, never from averaged percentiles.
///
/// The bands' upper bounds follow the R10 series (ten per decade, each about 26 % above the one
/// before) from 10 µs to 100 s, then one open band above; a percentile read from the counts is
/// interpolated inside its band, so it is off by at most a band's width.
public struct LatencyHistogram: Sendable, Equatable {
    /// The bands' upper bounds in microseconds, ascending; the last, `Int64.max`, stands for "above 100 s".
    public static let upperBoundsMicroseconds: [Int64] = {
        let steps: [Int64] = [100, 125, 160, 200, 250, 315, 400, 500, 630, 800]
        var bounds: [Int64] = []
        var decade: Int64 = 10
        while decade < 100_000_000 {
            bounds += steps.map { decade * $0 / 100 }
            decade *= 10
        }
        return bounds + [100_000_000, Int64.max]
    }()

    /// For each band, the requests answered within its upper bound (so the last is the total).
    public private(set) var cumulativeCounts: [Int]

    /// An empty histogram.
    public init() {
        cumulativeCounts = Array(repeating: 0, count: Self.upperBoundsMicroseconds.count)
    }

    /// A histogram of these cumulative counts, one per band of ``upperBoundsMicroseconds``;
    /// `nil` when there are not as many, or they ever decrease.
    public init?(cumulativeCounts: [Int]) {
        guard cumulativeCounts.count == Self.upperBoundsMicroseconds.count, cumulativeCounts.first.map({ $0 >= 0 }) ?? false,
            zip(cumulativeCounts, cumulativeCounts.dropFirst()).allSatisfy({ $0 <= $1 })
        else { return nil }
        self.cumulativeCounts = cumulativeCounts
    }

    /// A histogram of `bandCounts`, the requests of each band (not cumulative), one per band of
    /// ``upperBoundsMicroseconds``.
    package init(bandCounts: [Int]) {
        var running = 0
        cumulativeCounts = bandCounts.map { count in
            running += count
            return running
        }
    }

    /// A histogram of `samples`: latencies in microseconds, each with how many requests took it.
    package init(samples: some Sequence<(microseconds: Int64, count: Int)>) {
        let bounds = Self.upperBoundsMicroseconds
        var counts = [Int](repeating: 0, count: bounds.count)
        for sample in samples {
            // The last bound is Int64.max: every sample has a band.
            counts[bounds.firstIndex { sample.microseconds <= $0 } ?? bounds.count - 1] += sample.count
        }
        self.init(bandCounts: counts)
    }

    /// All the requests counted.
    public var total: Int { cumulativeCounts.last ?? 0 }

    /// The requests of each band: (upper bound, requests above the previous bound and at or below
    /// this one); the open band's bound is shown as 100 s.
    public var bands: [(upperBound: Duration, count: Int)] {
        var previous = 0
        return zip(Self.upperBoundsMicroseconds, cumulativeCounts).map { bound, cumulative in
            defer { previous = cumulative }
            return (.microseconds(min(bound, 100_000_000)), cumulative - previous)
        }
    }

    /// The latency below which `percent` % of the requests were answered, interpolated inside its
    /// band; `nil` when nothing was counted.
    public func percentile(_ percent: Double) -> Duration? {
        guard total > 0 else { return nil }
        let rank = max(1, (Double(total) * min(max(percent, 0), 100) / 100).rounded(.up))
        guard let band = cumulativeCounts.firstIndex(where: { Double($0) >= rank }) else { return nil }
        let below = band == 0 ? 0 : cumulativeCounts[band - 1]
        let lower = band == 0 ? 0 : Self.upperBoundsMicroseconds[band - 1]
        let upper = Self.upperBoundsMicroseconds[band]
        guard upper != Int64.max else { return .microseconds(lower) }
        let inBand = Double(cumulativeCounts[band] - below)
        let fraction = (rank - Double(below)) / inBand
        return .microseconds(lower + Int64((Double(upper - lower) * fraction).rounded()))
    }

    /// The counts of both histograms added band by band.
    public static func + (lhs: LatencyHistogram, rhs: LatencyHistogram) -> LatencyHistogram {
        var sum = lhs
        for index in sum.cumulativeCounts.indices { sum.cumulativeCounts[index] += rhs.cumulativeCounts[index] }
        return sum
    }
}
