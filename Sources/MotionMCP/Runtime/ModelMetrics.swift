import Histogram
import Synchronization

/// One model's traffic: counts, rates, latency percentiles (HDR histogram) and errors by code.
///
/// Recording takes a lock for a few counter updates; readers copy what they need under the same
/// lock and render from the copy, so drawing never holds the lock a request waits on.
final class ModelMetrics: Sendable {
    /// Seconds of per-second counts kept for rates and the sparkline.
    static let historySeconds = 60

    private struct State {
        var latencies = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000)
        var requests = 0
        var errors: [String: Int] = [:]
        /// Per-second counts in a ring indexed by `second % count`, with the second each slot holds.
        var perSecond = [Int](repeating: 0, count: ModelMetrics.historySeconds + 2)
        var slotSecond = [Int64](repeating: -1, count: ModelMetrics.historySeconds + 2)
    }

    private let state = Mutex(State())
    private let epoch: ContinuousClock.Instant

    init(epoch: ContinuousClock.Instant = .now) {
        self.epoch = epoch
    }

    /// Records one answered request: its latency, and its error code when it failed.
    func record(latency: Duration, errorCode: String?, at now: ContinuousClock.Instant = .now) {
        let microseconds = UInt64(max(1, min(latency / .microseconds(1), Double(UInt64.max / 2))))
        let second = Self.second(now - epoch)
        state.withLock { state in
            _ = state.latencies.record(min(microseconds, state.latencies.highestTrackableValue))
            state.requests += 1
            if let errorCode { state.errors[errorCode, default: 0] += 1 }
            let slot = Int(second % Int64(state.perSecond.count))
            if state.slotSecond[slot] != second {
                state.slotSecond[slot] = second
                state.perSecond[slot] = 0
            }
            state.perSecond[slot] += 1
        }
    }

    /// What a snapshot shows of the traffic, as of `now`.
    struct Reading: Sendable {
        var requests: Int
        var rate1s: Double
        var rate10s: Double
        var rate60s: Double
        var history: [Int]
        var p50: Duration?
        var p95: Duration?
        var p99: Duration?
        var histogram: LatencyHistogram
        var errorsByCode: [(code: String, count: Int)]
    }

    /// Reads the metrics. Rates count whole seconds only (the current, partial second is left out),
    /// so they do not dip at the start of every second.
    func read(at now: ContinuousClock.Instant = .now) -> Reading {
        let current = Self.second(now - epoch)
        let (requests, history, histogram, errors) = state.withLock { state in
            let history = (1...Self.historySeconds).reversed().map { back -> Int in
                let second = current - Int64(back)
                let slot = Int((second % Int64(state.perSecond.count) + Int64(state.perSecond.count)) % Int64(state.perSecond.count))
                return second >= 0 && state.slotSecond[slot] == second ? state.perSecond[slot] : 0
            }
            return (state.requests, history, state.latencies, state.errors)
        }
        let sum: (Int) -> Double = { seconds in Double(history.suffix(seconds).reduce(0, +)) / Double(seconds) }
        let empty = histogram.totalCount == 0
        let percentile: (Double) -> Duration? = { empty ? nil : .microseconds(Int64(histogram.valueAtPercentile($0))) }
        return Reading(
            requests: requests, rate1s: sum(1), rate10s: sum(10), rate60s: sum(60), history: history,
            p50: percentile(50), p95: percentile(95), p99: percentile(99), histogram: Self.latencyHistogram(of: histogram),
            errorsByCode: errors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// The counts in the bands every server shares, in one pass over the HDR histogram: each band
    /// starts at the bucket after the previous band's last one, so no bucket counts twice (a
    /// bucket wider than a band counts in the band whose bound falls in it). Counting from zero up
    /// to every bound instead read every bucket ~70 times: 24 ms per snapshot in a debug build.
    private static func latencyHistogram(of histogram: Histogram<UInt64>) -> LatencyHistogram {
        guard histogram.totalCount > 0 else { return LatencyHistogram() }
        let highest = histogram.highestTrackableValue
        var lower: UInt64 = 0
        return LatencyHistogram(
            bandCounts: LatencyHistogram.upperBoundsMicroseconds.map { bound in
                let upper = min(UInt64(bound), highest)
                guard lower <= upper else { return 0 }
                defer { lower = histogram.nextNonEquivalentForValue(upper) }
                return Int(histogram.count(within: lower...upper))
            })
    }

    private static func second(_ elapsed: Duration) -> Int64 { elapsed.components.seconds }
}
