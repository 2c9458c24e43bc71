/// Answered requests counted by latency band: the one latency record of a model. Each request is
/// counted once, in the band of its latency; every percentile any screen, report, log line or
/// `/v1/snapshot` shows is read from these counts by ``percentile(_:)``, and the histograms of
/// several instances add up to the fleet's (every server of this SDK shares the bands), so a
/// fleet's percentiles come from the summed counts, never from averaged percentiles.
///
/// The bands' upper bounds follow the R10 series (ten per decade) from 10 µs to 100 s, then one
/// open band above. That is the resolution of every percentile read from them: a band ends
/// 25–28 % above where it starts (×1.25 to ×1.28; up to ×1.33 between 10 µs and 100 µs, where
/// the bounds are whole microseconds), so a percentile, which falls in the band its rank does, is
/// less than 28 % (33 % below 100 µs) away from the true latency; below 10 µs it is within
/// 10 µs; above 100 s it reads as 100 s, a lower bound. ``text(of:)`` shows a percentile with
/// two significant digits, and no more, for that reason.
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

    /// The highest finite bound, 100 s: a percentile in the open band above it reads as this.
    public static let ceiling = Duration.seconds(100)

    /// The requests of each band (not cumulative), one per band of ``upperBoundsMicroseconds``.
    private var bandCounts: [Int]

    /// An empty histogram.
    public init() {
        bandCounts = Array(repeating: 0, count: Self.upperBoundsMicroseconds.count)
    }

    /// A histogram of these cumulative counts, one per band of ``upperBoundsMicroseconds``;
    /// `nil` when there are not as many, or they ever decrease.
    public init?(cumulativeCounts: [Int]) {
        guard cumulativeCounts.count == Self.upperBoundsMicroseconds.count, cumulativeCounts.first.map({ $0 >= 0 }) ?? false,
            zip(cumulativeCounts, cumulativeCounts.dropFirst()).allSatisfy({ $0 <= $1 })
        else { return nil }
        bandCounts = zip(cumulativeCounts, [0] + cumulativeCounts.dropLast()).map { $0 - $1 }
    }

    /// A histogram of `samples`: latencies in microseconds, each with how many requests took it.
    package init(samples: some Sequence<(microseconds: Int64, count: Int)>) {
        self.init()
        for sample in samples { bandCounts[Self.band(ofMicroseconds: sample.microseconds)] += sample.count }
    }

    /// Counts one request that took `latency`, in the band whose bound is the first at or above it.
    public mutating func record(_ latency: Duration) {
        let (seconds, attoseconds) = latency.components
        // Whole microseconds rounded up, so that a latency just above a bound counts above it;
        // negative latencies count as zero, and anything past 100 s is in the open band anyway.
        let microseconds: Int64
        if seconds < 0 {
            microseconds = 0
        } else if seconds >= 1_000_000 {
            microseconds = Int64.max
        } else {
            microseconds = seconds * 1_000_000 + (attoseconds + 999_999_999_999) / 1_000_000_000_000
        }
        bandCounts[Self.band(ofMicroseconds: microseconds)] += 1
    }

    /// The index of the band `microseconds` falls in: the first whose bound is at or above it.
    private static func band(ofMicroseconds microseconds: Int64) -> Int {
        var low = 0
        var high = upperBoundsMicroseconds.count - 1
        // The last bound is Int64.max: every value has a band.
        while low < high {
            let middle = (low + high) / 2
            if upperBoundsMicroseconds[middle] < microseconds { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// For each band, the requests answered within its upper bound (so the last is the total):
    /// the form `/v1/snapshot` sends.
    public var cumulativeCounts: [Int] {
        var running = 0
        return bandCounts.map { count in
            running += count
            return running
        }
    }

    /// All the requests counted.
    public var total: Int { bandCounts.reduce(0, +) }

    /// The requests of each band: (upper bound, requests above the previous bound and at or below
    /// this one); the open band's bound is shown as 100 s.
    public var bands: [(upperBound: Duration, count: Int)] {
        zip(Self.upperBoundsMicroseconds, bandCounts).map { bound, count in (.microseconds(min(bound, 100_000_000)), count) }
    }

    /// The latency below which `percent` % of the requests were answered: the request of that rank
    /// (counting from the fastest, rounded up) is placed inside its band in proportion to its
    /// rank among the band's requests, between the band's lower and upper bound. It is within the
    /// resolution the type's documentation gives; in the open band above 100 s it is
    /// ``ceiling``, a lower bound. `nil` when nothing was counted.
    public func percentile(_ percent: Double) -> Duration? {
        let total = self.total
        guard total > 0 else { return nil }
        let clamped = percent.isNaN ? 100 : min(max(percent, 0), 100)
        let rank = max(1, (Double(total) * clamped / 100).rounded(.up))
        var below = 0
        for (band, count) in bandCounts.enumerated() {
            guard Double(below + count) < rank else {
                let lower = band == 0 ? 0 : Self.upperBoundsMicroseconds[band - 1]
                let upper = Self.upperBoundsMicroseconds[band]
                guard upper != Int64.max else { return Self.ceiling }
                let fraction = (rank - Double(below)) / Double(count)
                return .microseconds(lower + Int64((Double(upper - lower) * fraction).rounded()))
            }
            below += count
        }
        return nil
    }

    /// A percentile as every screen and log line shows it, to the resolution the bands give: two
    /// significant digits (`8µs`, `850µs`, `1.2ms`, `12ms`, `120ms`, `1.2s`, `85s`), `≥100s` in
    /// the open band (or at its bound), `-` for none (no request counted yet).
    public static func text(of percentile: Duration?) -> String {
        guard let percentile else { return "-" }
        if percentile >= ceiling { return "≥100s" }
        let microseconds = max(0, percentile / .microseconds(1))
        guard microseconds >= 10 else { return "\(Int(microseconds.rounded()))µs" }
        // Rounded to two significant digits first, so 995 µs reads as 1.0ms, not 1000µs.
        var scale = 1.0
        while microseconds / scale >= 100 { scale *= 10 }
        let rounded = (microseconds / scale).rounded() * scale
        let (value, unit) = rounded < 1000 ? (rounded, "µs") : rounded < 1_000_000 ? (rounded / 1000, "ms") : (rounded / 1_000_000, "s")
        guard value < 10 else { return "\(Int(value.rounded()))\(unit)" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)\(unit)"
    }

    /// The counts of both histograms added band by band.
    public static func + (lhs: LatencyHistogram, rhs: LatencyHistogram) -> LatencyHistogram {
        var sum = lhs
        for index in sum.bandCounts.indices { sum.bandCounts[index] += rhs.bandCounts[index] }
        return sum
    }
}
