import Synchronization

/// At most `limit` holders at once; the others wait their turn, first come first served. A
/// stand-in uses it to behave like a GPU that runs a fixed number of calls at a time: a request
/// beyond it waits (a real model's queue), it is not refused (that stays `--max-in-flight`).
public final class ConcurrencyLimit: Sendable {
    /// How many may hold it at once.
    public let limit: Int
    private let state: Mutex<State>
    private let waiters = Waiters<Bool>()

    private struct State {
        var holders = 0
        /// The ids of the waiters, the longest waiting first.
        var queue: [UInt64] = []
    }

    /// A limit of `limit` holders (at least one).
    public init(limit: Int) {
        self.limit = max(1, limit)
        state = Mutex(State())
    }

    /// How many callers wait for a place now (for tests).
    var waitingCount: Int { state.withLock { $0.queue.count } }

    /// Runs `body` once a place is free, and frees it after; a caller cancelled while it waits
    /// stops waiting and throws `CancellationError`.
    public func run<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async throws {
        let id: UInt64? = state.withLock { state in
            if state.holders < limit {
                state.holders += 1
                return nil
            }
            let id = waiters.makeID()
            state.queue.append(id)
            return id
        }
        guard let id else { return }
        let granted = await waiters.wait(id, cancelled: false) {
            self.state.withLock { state in
                guard let index = state.queue.firstIndex(of: id) else { return false }
                state.queue.remove(at: index)
                return true
            }
        }
        guard granted else {
            throw CancellationError()
        }
    }

    /// Hands the place to the longest waiter, or frees it.
    private func release() {
        let next = state.withLock { state -> UInt64? in
            guard !state.queue.isEmpty else {
                state.holders -= 1
                return nil
            }
            return state.queue.removeFirst()
        }
        if let next { waiters.resume(next, returning: true) }
    }
}
