import Synchronization

/// At most `limit` holders at once; the others wait their turn, first come first served. A
/// stand-in uses it to behave like a GPU that runs a fixed number of calls at a time: a request
/// beyond it waits (a real model's queue), it is not refused (that stays `--max-in-flight`).
public final class ConcurrencyLimit: Sendable {
    /// How many may hold it at once.
    public let limit: Int
    private let state: Mutex<State>

    private struct State {
        var holders = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextID = 0
    }

    /// A limit of `limit` holders (at least one).
    public init(limit: Int) {
        self.limit = max(1, limit)
        state = Mutex(State())
    }

    /// Runs `body` once a place is free, and frees it after; a caller cancelled while it waits
    /// stops waiting and throws `CancellationError`.
    public func run<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async throws {
        let id: Int? = state.withLock { state in
            if state.holders < limit {
                state.holders += 1
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        let granted = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeAtOnce = state.withLock { state -> Bool in
                    // Cancelled before it could queue: do not wait.
                    if Task.isCancelled { return true }
                    state.waiters.append((id, continuation))
                    return false
                }
                if resumeAtOnce { continuation.resume(returning: false) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
        guard granted else {
            throw CancellationError()
        }
    }

    /// Hands the place to the longest waiter, or frees it.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.waiters.isEmpty else {
                state.holders -= 1
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }
}
