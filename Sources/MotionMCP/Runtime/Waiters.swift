import Synchronization

/// Tasks suspended until a value is handed to them by id: the one place where a waiting task's
/// continuation is kept, resumed exactly once, and given up when its task is cancelled.
///
/// The owner (a lock, a queue, a store) keeps its own record of who waits, under its own lock, and
/// that record decides who resumes a waiter: whoever takes the waiter's id out of it. The owner
/// resumes the ids it takes out with ``resume(_:returning:)``; a cancelled waiter takes its id out
/// through the `withdraw` it passed to ``wait(_:cancelled:withdraw:)`` and, when that finds it,
/// gets its `cancelled` value. A waiter the owner took out first keeps what the owner hands it.
///
/// The owner records a waiter's id (``makeID()``) before the waiter suspends, so the owner's
/// resume, or the cancellation, can come before the continuation exists: a value that comes first
/// is kept and handed over the moment the waiter suspends, which it then does not.
package final class Waiters<Value: Sendable>: Sendable {
    private struct State {
        /// The suspended waiters.
        var continuations: [UInt64: CheckedContinuation<Value, Never>] = [:]
        /// Values handed to waiters that have not suspended yet.
        var early: [UInt64: Value] = [:]
    }

    private let state = Mutex(State())
    private let lastID = Atomic<UInt64>(0)

    /// An id no other waiter of this list has had.
    package func makeID() -> UInt64 {
        lastID.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// Suspends until ``resume(_:returning:)`` hands `id` its value. When the task is cancelled
    /// (before or while it waits), `withdraw` is called to take `id` out of the owner's record:
    /// when it returns true, the waiter returns `cancelled` at once; when it returns false, the
    /// owner took it out first and its value is on its way.
    package func wait(_ id: UInt64, cancelled: Value, withdraw: @escaping @Sendable () -> Bool) async -> Value {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let early = state.withLock { state -> Value? in
                    if let value = state.early.removeValue(forKey: id) { return value }
                    state.continuations[id] = continuation
                    return nil
                }
                if let early { continuation.resume(returning: early) }
            }
        } onCancel: {
            if withdraw() { resume(id, returning: cancelled) }
        }
    }

    /// Hands `value` to the waiter `id`, suspended or about to be. Only whoever took `id` out of
    /// the owner's record calls this, once.
    package func resume(_ id: UInt64, returning value: Value) {
        let continuation = state.withLock { state -> CheckedContinuation<Value, Never>? in
            if let continuation = state.continuations.removeValue(forKey: id) { return continuation }
            precondition(state.early.updateValue(value, forKey: id) == nil, "a waiter was resumed twice")
            return nil
        }
        continuation?.resume(returning: value)
    }

    /// How many waiters are suspended or have a value waiting for them: zero once every waiter
    /// has returned (for tests).
    package var pendingCount: Int {
        state.withLock { $0.continuations.count + $0.early.count }
    }
}
