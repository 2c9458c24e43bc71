import Synchronization

/// One model's traffic: counts, rates, latencies (one `LatencyHistogram`, all-time) and errors
/// by code.
///
/// Recording takes a lock for a few counter updates; readers copy what they need under the same
/// lock and render from the copy, so drawing never holds the lock a request waits on.
final class ModelMetrics: Sendable {
    /// Seconds of per-second counts kept for rates and the sparkline.
    static let historySeconds = 60

    private struct State {
        var latencies = LatencyHistogram()
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
        let second = Self.second(now - epoch)
        state.withLock { state in
            state.latencies.record(latency)
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
        return Reading(
            requests: requests, rate1s: sum(1), rate10s: sum(10), rate60s: sum(60), history: history, histogram: histogram,
            errorsByCode: errors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    private static func second(_ elapsed: Duration) -> Int64 { elapsed.components.seconds }
}
