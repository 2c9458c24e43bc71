import Synchronization

/// Wakes the tasks waiting for a condition on some state when that state changes, instead of
/// having them poll it.
///
/// The owner calls ``notify()`` after every change that may make a waiter's condition true; a
/// waiter re-checks its condition after registering, so a change between its first check and its
/// registration is not missed. ``notify()`` costs one atomic load while nobody waits, so it can sit
/// on a request's hot path.
package final class ChangeSignal: Sendable {
    /// The ids of the waiters to wake at the next change.
    private let waiting = Mutex<Set<UInt64>>([])
    private let hasWaiters = Atomic(false)
    private let waiters = Waiters<Void>()

    package init() {}

    /// Wakes every waiter, which then checks its condition again.
    package func notify() {
        guard hasWaiters.load(ordering: .sequentiallyConsistent) else { return }
        let woken = waiting.withLock { waiting in
            defer {
                waiting = []
                hasWaiters.store(false, ordering: .sequentiallyConsistent)
            }
            return waiting
        }
        for id in woken { waiters.resume(id, returning: ()) }
    }

    /// Returns once `condition` holds, or when the task is cancelled.
    package func wait(until condition: @Sendable () -> Bool) async {
        while !condition(), !Task.isCancelled {
            let id = waiters.makeID()
            waiting.withLock { waiting in
                waiting.insert(id)
                hasWaiters.store(true, ordering: .sequentiallyConsistent)
            }
            // Checked after registering: a change that came before the registration found
            // nobody to wake.
            if condition(), withdraw(id) { waiters.resume(id, returning: ()) }
            await waiters.wait(id, cancelled: ()) { self.withdraw(id) }
        }
    }

    /// Returns `true` once `condition` holds, or `false` when `timeout` passes on `clock` (or the
    /// task is cancelled) first.
    package func wait(until condition: @escaping @Sendable () -> Bool, timeout: Duration, clock: any MMCPClock) async -> Bool {
        if condition() { return true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(until: condition) }
            group.addTask { try? await clock.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
        return condition()
    }

    /// Takes the waiter `id` off the list; false when a notification took it first.
    private func withdraw(_ id: UInt64) -> Bool {
        waiting.withLock { $0.remove(id) != nil }
    }
}
