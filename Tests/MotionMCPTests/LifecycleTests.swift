import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

@testable import MotionMCP

/// Records what the backbones were asked to do, in order.
final class Journal: Sendable {
    private let entries = Mutex<[String]>([])
    func record(_ entry: String) { entries.withLock { $0.append(entry) } }
    var events: [String] { entries.withLock { $0 } }
}

/// A NullBackbone that writes its setup and teardown into a journal, and can refuse to start.
struct RecordingBackbone: Backbone {
    let id: String
    let journal: Journal
    var failsSetup = false

    var modelID: String? { id }
    func capabilities() -> ModelSpec { NullBackbone(modelID: id).spec }
    func generate(_ request: GenerateRequest) async throws -> MotionResult {
        journal.record("generate \(id)")
        return try NullBackbone.restPose(for: request)
    }
    func setup() async throws {
        journal.record("setup \(id)")
        if failsSetup { throw RuntimeError(message: "no weights for \(id)") }
    }
    func teardown() async throws { journal.record("teardown \(id)") }
}

@Suite("Registration and lifecycle")
struct LifecycleTests {
    @Test("two backbones with the same id are refused before anything runs")
    func duplicateIDs() {
        #expect(throws: RegistrationError("duplicate model id 'null'")) {
            try MMCPServer(backbones: [NullBackbone(), NullBackbone()])
        }
    }

    @Test("an empty list of backbones is refused")
    func noBackbones() {
        #expect(throws: RegistrationError("at least one backbone is required")) { try MMCPServer(backbones: []) }
    }

    @Test("a backbone is keyed by its model id, else by its spec's id")
    func keys() throws {
        struct Anonymous: Backbone {
            func capabilities() -> ModelSpec { NullBackbone(modelID: "from-spec").spec }
            func generate(_ request: GenerateRequest) async throws -> MotionResult { try NullBackbone.restPose(for: request) }
        }
        let server = try MMCPServer(backbones: [NullBackbone(modelID: "a"), Anonymous()])
        #expect(server.registry.models.map(\.key) == ["a", "from-spec"])
    }

    @Test("explicit ids are used as given and keep their order")
    func explicitIDs() throws {
        let server = try MMCPServer(models: ["fast": NullBackbone(), "best": NullBackbone()])
        #expect(server.registry.models.map(\.key) == ["fast", "best"])
    }

    @Test("setups run in registration order at start-up and teardowns in the same order at shutdown")
    func hookOrder() async throws {
        let journal = Journal()
        let backbones: [any Backbone] = ["a", "b", "c"].map { RecordingBackbone(id: $0, journal: journal) }
        let app = try buildApp(backbones)
        try await app.test(.router) { client in
            #expect(journal.events == ["setup a", "setup b", "setup c"])
            try await client.execute(uri: "/capabilities", method: .get) { #expect($0.status == .ok) }
        }
        #expect(journal.events == ["setup a", "setup b", "setup c", "teardown a", "teardown b", "teardown c"])
    }

    @Test("a failing setup stops start-up, names the model, and no teardown runs")
    func failingSetup() async throws {
        let journal = Journal()
        let backbones: [any Backbone] = [
            RecordingBackbone(id: "a", journal: journal), RecordingBackbone(id: "b", journal: journal, failsSetup: true),
            RecordingBackbone(id: "c", journal: journal),
        ]
        let app = try buildApp(backbones)
        await #expect(throws: ModelSetupError.self) {
            try await app.test(.router) { _ in }
        }
        #expect(journal.events == ["setup a", "setup b"])
    }
}
