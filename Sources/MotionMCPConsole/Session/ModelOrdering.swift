import MotionMCPControl
import MotionMCPProtocol

/// The rows of the model table: the snapshot's models, filtered and sorted as the state says.
enum ModelOrdering {
    /// The models to list, in table order.
    static func rows(of snapshot: RuntimeSnapshot, state: ConsoleState) -> [ModelSnapshot] {
        let needle = state.filter.lowercased()
        let kept = snapshot.models.enumerated().filter { needle.isEmpty || $0.element.key.lowercased().contains(needle) }
        // Sorting (position, model) pairs keeps ties in registration order.
        let sorted = kept.sorted { left, right in
            let order = compare(left.element, right.element, by: state.sort)
            return order == 0 ? left.offset < right.offset : order < 0
        }
        return sorted.map(\.element)
    }

    /// Negative when `a` comes first. Rates, latencies and errors sort busiest first; states sort
    /// the ones needing attention first.
    private static func compare(_ a: ModelSnapshot, _ b: ModelSnapshot, by column: SortColumn) -> Int {
        switch column {
        case .registration: 0
        case .id: a.key < b.key ? -1 : (a.key > b.key ? 1 : 0)
        case .state: attentionRank(a) - attentionRank(b)
        case .rate: descending(a.rate1s, b.rate1s)
        case .p95: descending(a.latencyP95 ?? .zero, b.latencyP95 ?? .zero)
        case .errors: descending(a.errors, b.errors)
        }
    }

    private static func descending<T: Comparable>(_ a: T, _ b: T) -> Int {
        a > b ? -1 : (a < b ? 1 : 0)
    }

    /// Failed and draining models first, idle ready ones after, removed last.
    private static func attentionRank(_ model: ModelSnapshot) -> Int {
        if model.readinessName == ModelSnapshot.unreachable { return 0 }
        return switch model.state {
        case .failed: 0
        case .draining: 1
        case .tearingDown: 2
        case .settingUp: 3
        case .ready: 4
        case .removed: 5
        }
    }
}
