import Synchronization

@testable import MotionMCP
@testable import MotionMCPControl

/// A ServerControl that serves a fixed snapshot and records the commands it is given.
final class FakeControl: ServerControl {
    /// A command the console sent.
    enum Call: Equatable {
        case addNull(id: String, overlay: JSONObject?)
        case addUpstream(String)
        case drain(String)
        case openAPI(Bool)
        case shutDown
    }

    private let state: Mutex<(snapshot: RuntimeSnapshot, link: ControlLink, calls: [Call])>
    /// Thrown by `drain` and `addNullModel` when set.
    private let failure: String?
    /// Whether a drain removes the model from the snapshot at once (a server whose drain is over).
    private let drainRemoves: Bool

    init(_ snapshot: RuntimeSnapshot, link: ControlLink = .inProcess, failing failure: String? = nil, drainRemoves: Bool = false) {
        state = Mutex((snapshot, link, []))
        self.failure = failure
        self.drainRemoves = drainRemoves
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

    func addUpstream(_ address: String) async throws {
        state.withLock { $0.calls.append(.addUpstream(address)) }
        if let failure { throw FakeError(message: failure) }
    }

    func drain(_ key: String) async throws {
        state.withLock { $0.calls.append(.drain(key)) }
        if let failure { throw FakeError(message: failure) }
        if drainRemoves { state.withLock { $0.snapshot.models.removeAll { $0.key == key } } }
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
