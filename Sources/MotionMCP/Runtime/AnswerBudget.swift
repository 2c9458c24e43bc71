import Foundation
import Synchronization

/// The bytes of answers the server holds at once, server-wide: every answer is charged its
/// estimated size (``AnswerEstimate``) before its model is called, and the charge is held until
/// its bytes have been written to the client. A request whose answer does not fit waits its turn,
/// first come first served, for at most a bounded time, and is then refused (`503
/// resource_exhausted` with `Retry-After`); an answer larger than the whole budget runs when
/// nothing else is charged, so that it can run at all.
///
/// The waiters queue as ``ConcurrencyLimit``'s do (``Waiters``), with sizes: the first waiter
/// that does not fit holds back the ones behind it, so a large answer is not starved by small ones.
final class AnswerBudget: Sendable {
    /// The bytes that may be charged at once.
    let capacity: Int
    private let state: Mutex<State>
    private let waiters = Waiters<Bool>()

    private struct State {
        var charged = 0
        var holders = 0
        /// The waiters, the longest waiting first.
        var queue: [(id: UInt64, bytes: Int)] = []

        /// Whether `bytes` may be charged now: within the budget, or alone.
        func fits(_ bytes: Int, capacity: Int) -> Bool {
            holders == 0 || charged + bytes <= capacity
        }

        mutating func charge(_ bytes: Int) {
            charged += bytes
            holders += 1
        }
    }

    /// A budget of `capacity` bytes (at least one).
    init(capacity: Int) {
        self.capacity = max(1, capacity)
        state = Mutex(State())
    }

    /// Bytes charged now (for tests).
    var charged: Int { state.withLock { $0.charged } }
    /// Requests waiting for room now (for tests).
    var waiterCount: Int { state.withLock { $0.queue.count } }

    /// A charge of `bytes` when it fits at once, else nil; nobody waits.
    func charge(now bytes: Int) -> AnswerCharge? {
        let granted = state.withLock { state -> Bool in
            guard state.queue.isEmpty, state.fits(bytes, capacity: capacity) else { return false }
            state.charge(bytes)
            return true
        }
        return granted ? AnswerCharge(budget: self, bytes: bytes) : nil
    }

    /// A charge of `bytes`, waiting behind earlier waiters for at most `limit` (nil: as long as
    /// it takes); nil when the time is up or the task is cancelled first.
    func charge(_ bytes: Int, waitingAtMost limit: Duration?) async -> AnswerCharge? {
        let id: UInt64? = state.withLock { state in
            if state.queue.isEmpty, state.fits(bytes, capacity: capacity) {
                state.charge(bytes)
                return nil
            }
            let id = waiters.makeID()
            state.queue.append((id, bytes))
            return id
        }
        guard let id else { return AnswerCharge(budget: self, bytes: bytes) }
        let granted = await withTaskGroup(of: Void.self) { group -> Bool in
            if let limit {
                group.addTask {
                    // Cancelled once the waiter is answered; a waiter answered already is not
                    // withdrawn.
                    try? await Task.sleep(for: limit.clampedForTimers)
                    if self.withdraw(id) { self.waiters.resume(id, returning: false) }
                }
            }
            let granted = await waiters.wait(id, cancelled: false) { self.withdraw(id) }
            group.cancelAll()
            return granted
        }
        return granted ? AnswerCharge(budget: self, bytes: bytes) : nil
    }

    /// Takes the waiter `id` off the list, unless it was answered already (false); the waiters
    /// behind it may fit now, and are let in.
    private func withdraw(_ id: UInt64) -> Bool {
        let (withdrawn, admitted) = state.withLock { state -> (Bool, [UInt64]) in
            guard let index = state.queue.firstIndex(where: { $0.id == id }) else { return (false, []) }
            state.queue.remove(at: index)
            return (true, Self.admit(&state, capacity: capacity))
        }
        for waiter in admitted { waiters.resume(waiter, returning: true) }
        return withdrawn
    }

    /// Gives `bytes` back and lets in the waiters that now fit, in order.
    fileprivate func release(_ bytes: Int) {
        let admitted = state.withLock { state -> [UInt64] in
            state.charged -= bytes
            state.holders -= 1
            return Self.admit(&state, capacity: capacity)
        }
        for waiter in admitted { waiters.resume(waiter, returning: true) }
    }

    /// Charges the waiters at the front that fit, and returns their ids to be resumed outside the
    /// lock.
    private static func admit(_ state: inout State, capacity: Int) -> [UInt64] {
        var admitted: [UInt64] = []
        while let first = state.queue.first, state.fits(first.bytes, capacity: capacity) {
            state.charge(first.bytes)
            admitted.append(state.queue.removeFirst().id)
        }
        return admitted
    }

    /// The refusal of an answer that did not fit in time: `503 resource_exhausted`, `Retry-After`.
    func refusal(bytes: Int) -> ProtocolError {
        var error = ProtocolError(
            .resourceExhausted, "the server is holding as many answers as its memory budget allows; retry shortly",
            details: ["answer_bytes": .integer(bytes), "answer_budget_bytes": .integer(capacity)])
        error.retryAfterSeconds = ServedModel.retryAfterSeconds
        return error
    }

    /// The default budget: a quarter of the memory this process may use (the machine's, or the
    /// cgroup's `memory.max` when it is lower), at least 256 MB.
    static var machineDefault: Int {
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        let available = cgroupMemoryLimit().map { min($0, physical) } ?? physical
        return max(available / 4, 256 << 20)
    }

    /// The cgroup v2 memory limit of this process, when one is set.
    private static func cgroupMemoryLimit() -> Int? {
        guard let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Bytes charged to an ``AnswerBudget``, given back once: by ``release()`` when the answer has
/// been written, or when the last reference to it goes (an answer dropped unwritten).
final class AnswerCharge: Sendable {
    private let budget: AnswerBudget
    /// The bytes charged.
    let bytes: Int
    private let released = Atomic(false)

    fileprivate init(budget: AnswerBudget, bytes: Int) {
        self.budget = budget
        self.bytes = bytes
    }

    /// Gives the bytes back; later calls do nothing.
    func release() {
        guard released.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        budget.release(bytes)
    }

    deinit { release() }
}

/// The size of a glTF answer, known from the request before the model is called: the buffer
/// ``GLTFEncoder`` lays out (every frame's time once; per sample, a rotation per joint and frame,
/// the root's translation per frame and, for a model that moves joints, every other joint's
/// translation per frame, 4 bytes a float), in base64, and the JSON around it.
enum AnswerEstimate {
    /// The bytes of the JSON document answering `validated`, an upper bound for a GLB too (a GLB
    /// is made from that document).
    static func bytes(for validated: ValidatedRequest) -> Int {
        let request = validated.request
        let frames = max(0, request.totalFrames)
        let samples = max(1, request.numSamples)
        let joints = request.skeleton.joints.count
        let translated = validated.spec.supportsJointTranslation ? max(0, joints - 1) : 0
        let floatsPerFrame = 4 * joints + 3 + 3 * translated
        let floats = frames + samples * frames * floatsPerFrame
        let base64 = (floats * 4 + 2) / 3 * 4
        // Accessors, buffer views, channels and samplers (about 400 bytes per track), the nodes,
        // and per frame the extension's contacts and trajectory.
        let tracks = samples * (joints + 1 + translated)
        return 16_384 + base64 + tracks * 400 + joints * 256 + samples * frames * 64
    }
}
