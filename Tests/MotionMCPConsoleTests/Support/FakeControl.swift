import Synchronization

@testable import MotionMCP

/// A ServerControl that serves a fixed snapshot and records the commands it is given.
final class FakeControl: ServerControl {
    /// A command the console sent.
    enum Call: Equatable {
        case addNull(id: String, overlay: JSONObject?)
        case drain(String)
        case openAPI(Bool)
        case shutDown
    }

    private let state: Mutex<(snapshot: RuntimeSnapshot, link: ControlLink, calls: [Call])>
    /// Thrown by `drain` and `addNullModel` when set.
    private let failure: String?

    init(_ snapshot: RuntimeSnapshot, link: ControlLink = .inProcess, failing failure: String? = nil) {
        state = Mutex((snapshot, link, []))
        self.failure = failure
    }

    /// The commands received, in order.
    var calls: [Call] { state.withLock { $0.calls } }

    func snapshot() -> RuntimeSnapshot { state.withLock { $0.snapshot } }

    var link: ControlLink { state.withLock { $0.link } }

    /// Replaces the snapshot later calls return.
    func serve(_ snapshot: RuntimeSnapshot) { state.withLock { $0.snapshot = snapshot } }

    /// Replaces how the server is reached.
    func connect(_ link: ControlLink) { state.withLock { $0.link = link } }

    func addNullModel(id: String, overlay: JSONObject?) async throws {
        state.withLock { $0.calls.append(.addNull(id: id, overlay: overlay)) }
        if let failure { throw FakeError(message: failure) }
    }

    func drain(_ key: String) async throws {
        state.withLock { $0.calls.append(.drain(key)) }
        if let failure { throw FakeError(message: failure) }
    }

    func setOpenAPIEnabled(_ enabled: Bool) async throws {
        state.withLock {
            $0.calls.append(.openAPI(enabled))
            $0.snapshot.openAPIEnabled = enabled
        }
    }

    func shutDown() async throws {
        state.withLock { $0.calls.append(.shutDown) }
    }
}

struct FakeError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
