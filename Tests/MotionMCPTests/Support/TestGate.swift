import Synchronization

@testable import MotionMCP

/// Holds the tasks that wait for it until the test opens it, and lets them through at once after:
/// a test's stand-in for work that is busy until the test says otherwise.
final class TestGate: Sendable {
    private let opened = Atomic(false)
    private let changes = ChangeSignal()

    /// Returns once the gate is open; throws `CancellationError` when the task is cancelled first.
    func wait() async throws {
        await changes.wait { self.opened.load(ordering: .acquiring) }
        if !opened.load(ordering: .acquiring) { throw CancellationError() }
    }

    /// Opens the gate for every waiter, present and future.
    func open() {
        opened.store(true, ordering: .releasing)
        changes.notify()
    }
}
