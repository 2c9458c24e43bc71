import Synchronization

/// Wakes the tasks waiting for a condition on some state when that state changes, instead of
/// having them poll it.
///
/// The owner calls ``notify()`` after every change that may make a waiter's condition true; a
/// waiter re-checks its condition after registering, so a change between its first check and its
/// registration is not missed. ``notify()`` costs one atomic load while nobody waits, so it can sit
/// on a request's hot path.
package final class ChangeSignal: Sendable {
    private struct Waiters {
        var next = 0
        var continuations: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let waiters = Mutex(Waiters())
    private let hasWaiters = Atomic(false)

    package init() {}

    /// Wakes every waiter, which then checks its condition again.
    package func notify() {
        guard hasWaiters.load(ordering: .sequentiallyConsistent) else { return }
        let woken = waiters.withLock { waiters in
            defer {
                waiters.continuations = [:]
                hasWaiters.store(false, ordering: .sequentiallyConsistent)
            }
            return Array(waiters.continuations.values)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns once `condition` holds, or when the task is cancelled.
    package func wait(until condition: @Sendable () -> Bool) async {
        while !condition(), !Task.isCancelled {
            let id = waiters.withLock { waiters in
                defer { waiters.next += 1 }
                return waiters.next
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    waiters.withLock { waiters in
                        waiters.continuations[id] = continuation
                        hasWaiters.store(true, ordering: .sequentiallyConsistent)
                    }
                    // Checked after registering: a change (or a cancellation) that came before the
                    // registration found nobody to wake.
                    if condition() || Task.isCancelled { resume(id) }
                }
            } onCancel: {
                resume(id)
            }
        }
    }

    /// Returns `true` once `condition` holds, or `false` when `timeout` passes (or the task is
    /// cancelled) first.
    package func wait(until condition: @escaping @Sendable () -> Bool, timeout: Duration) async -> Bool {
        if condition() { return true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(until: condition) }
            group.addTask { try? await Task.sleep(for: timeout.clampedForTimers) }
            await group.next()
            group.cancelAll()
        }
        return condition()
    }

    /// Resumes the waiter `id` if it is still registered (it is resumed exactly once).
    private func resume(_ id: Int) {
        waiters.withLock { $0.continuations.removeValue(forKey: id) }?.resume()
    }
}
