import Synchronization

@testable import MotionMCP

/// A ServerControl that serves a fixed snapshot and records the commands it is given.
final class FakeControl: ServerControl {
    /// A command the console sent.
    enum Call: Equatable {
        case addNull(id: String, specPath: String?)
        case drain(String)
        case openAPI(Bool)
        case drainAll
    }

    private let state: Mutex<(snapshot: RuntimeSnapshot, calls: [Call])>
    /// Thrown by `drain` and `addNullModel` when set.
    private let failure: String?

    init(_ snapshot: RuntimeSnapshot, failing failure: String? = nil) {
        state = Mutex((snapshot, []))
        self.failure = failure
    }

    /// The commands received, in order.
    var calls: [Call] { state.withLock { $0.calls } }

    func snapshot() -> RuntimeSnapshot { state.withLock { $0.snapshot } }

    /// Replaces the snapshot later calls return.
    func serve(_ snapshot: RuntimeSnapshot) { state.withLock { $0.snapshot = snapshot } }

    func addNullModel(id: String, specPath: String?) throws {
        state.withLock { $0.calls.append(.addNull(id: id, specPath: specPath)) }
        if let failure { throw FakeError(message: failure) }
    }

    func drain(_ key: String) throws {
        state.withLock { $0.calls.append(.drain(key)) }
        if let failure { throw FakeError(message: failure) }
    }

    func setOpenAPIEnabled(_ enabled: Bool) {
        state.withLock {
            $0.calls.append(.openAPI(enabled))
            $0.snapshot.openAPIEnabled = enabled
        }
    }

    func drainAll() async {
        state.withLock { $0.calls.append(.drainAll) }
    }
}

struct FakeError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
