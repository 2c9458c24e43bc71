import Synchronization

@testable import MotionMCP

/// A clock that moves only when the test advances it: a task sleeping on it wakes when the clock
/// reaches its deadline, so a test steps time forward instead of waiting for it to pass, and can
/// check that nothing happened by advancing past a deadline.
final class TestClock: MMCPClock {
    typealias Duration = Swift.Duration
    typealias Instant = ContinuousClock.Instant

    private struct State {
        var now: Instant
        /// The deadline of every task sleeping on the clock, by its id in ``sleepers``.
        var deadlines: [UInt64: Instant] = [:]
    }

    private let state = Mutex(State(now: ContinuousClock.now))
    /// The sleeping tasks: resumed with true when their deadline is reached, false when cancelled.
    private let sleepers = Waiters<Bool>()

    var now: Instant { state.withLock { $0.now } }

    var minimumResolution: Duration { .zero }

    /// How many tasks sleep on the clock now: a test waits for the sleeper it expects before
    /// advancing past its deadline.
    var sleeperCount: Int { state.withLock { $0.deadlines.count } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = sleepers.makeID()
        let due = state.withLock { state in
            guard deadline > state.now else { return true }
            state.deadlines[id] = deadline
            return false
        }
        if due { return try Task.checkCancellation() }
        let reached = await sleepers.wait(id, cancelled: false) {
            self.state.withLock { $0.deadlines.removeValue(forKey: id) != nil }
        }
        guard reached else { throw CancellationError() }
    }

    /// Moves the clock `duration` forward, waking the tasks whose deadline it reaches.
    func advance(by duration: Duration) {
        let due = state.withLock { state -> [UInt64] in
            state.now += duration
            let due = state.deadlines.filter { $0.value <= state.now }.map(\.key)
            for id in due { state.deadlines[id] = nil }
            return due
        }
        for id in due { sleepers.resume(id, returning: true) }
    }
}
