import MotionMCPTestSupport
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

@Suite("A stand-in's GPU-like cost model")
struct ConcurrencyLimitTests {
    /// Counts the holders of a limit, and the most seen at once.
    final class Occupancy: Sendable {
        private let state = Mutex((now: 0, peak: 0, finished: 0))
        func enter() {
            state.withLock {
                $0.now += 1
                $0.peak = max($0.peak, $0.now)
            }
        }
        func leave() {
            state.withLock {
                $0.now -= 1
                $0.finished += 1
            }
        }
        var now: Int { state.withLock { $0.now } }
        var peak: Int { state.withLock { $0.peak } }
        var finished: Int { state.withLock { $0.finished } }
    }

    @Test("at most the limit run at once; the others wait their turn, none is refused")
    func limitsAndQueues() async throws {
        let limit = ConcurrencyLimit(limit: 2)
        let occupancy = Occupancy()
        let gate = TestGate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await limit.run {
                        occupancy.enter()
                        try await gate.wait()
                        occupancy.leave()
                    }
                }
            }
            #expect(try await waitUntil { occupancy.now == 2 && limit.waitingCount == 6 })
            gate.open()
            try await group.waitForAll()
        }
        #expect(occupancy.peak == 2)
        #expect(occupancy.finished == 8)
    }

    @Test("a caller cancelled while it waits stops waiting, and the place goes to the next")
    func cancelledWaiter() async throws {
        let limit = ConcurrencyLimit(limit: 1)
        let occupancy = Occupancy()
        let gate = TestGate()
        let holder = Task {
            try await limit.run {
                occupancy.enter()
                try await gate.wait()
                occupancy.leave()
            }
        }
        #expect(try await waitUntil { occupancy.now == 1 })
        let waiter = Task { try await limit.run { "ran" } }
        #expect(try await waitUntil { limit.waitingCount == 1 })
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(limit.waitingCount == 0)
        gate.open()
        try await holder.value
        let after = try await limit.run { "free again" }
        #expect(after == "free again")
    }
}
