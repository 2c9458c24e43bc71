import Foundation
public import MotionMCPControl
public import ServiceLifecycle

/// A running server as an operations console drives it: models set up in the background, added
/// and drained while the server runs, the API docs switched on and off, the shutdown started
/// (`ServerControl`).
///
/// Run it as a service beside the HTTP application, with `successTerminationBehavior:
/// .gracefullyShutdownGroup` (``ServerAssembly`` does): background work (setups, drains, a
/// shutdown) runs as child tasks of its ``run()``, so nothing outlives the service group, and
/// ``run()`` returns once a shutdown asked through it has drained everything, which ends the group.
public final class MMCPRuntime: ServerControl, Service {
    /// The server being controlled.
    public let server: MMCPServer
    /// Which server this is, as snapshots and the control API report it.
    public let instance: InstanceIdentity
    private let started = ContinuousClock.now
    private let commands: AsyncStream<Command>
    private let queue: AsyncStream<Command>.Continuation

    private enum Command {
        case setUp(ServedModel)
        case drain(ServedModel)
        case shutDown
    }

    /// A runtime for `server`, which listens on `listenAddress` (shown in snapshots). The
    /// server's models are set up in the background once ``run()`` starts: a failing `setup()`
    /// leaves that model `failed` and the others carry on (a model already set up is not set up
    /// again).
    public init(server: MMCPServer, listenAddress: String) {
        self.server = server
        self.instance = InstanceIdentity(
            hostName: Self.hostName(), processID: Int(getpid()), version: MMCPVersion.sdk,
            listenAddress: listenAddress, startedAt: Date().timeIntervalSince1970)
        (commands, queue) = AsyncStream.makeStream(of: Command.self)
        for model in server.registry.models { queue.yield(.setUp(model)) }
    }

    /// Carries out the queued setups, drains and shutdown until the service group shuts down, or
    /// until a shutdown asked through ``shutDown()`` is over; work under way then still finishes.
    public func run() async {
        await withDiscardingTaskGroup { group in
            await commands.forEachUntilGracefulShutdown(finishing: queue) { command in
                switch command {
                case .setUp(let model):
                    group.addTask { try? await self.server.registry.lifecycle.setUp(model) }
                case .drain(let model):
                    group.addTask {
                        await self.server.registry.drain([model], timeout: self.server.drainTimeout, clock: self.server.options.clock)
                    }
                case .shutDown:
                    group.addTask { await self.shutDown() }
                }
            }
        }
    }

    public func snapshot() -> RuntimeSnapshot {
        let now = ContinuousClock.now
        let jobs = server.jobs?.counts()
        let batchSizes = server.batchWindow?.batchSizes()
        return RuntimeSnapshot(
            instance: instance, uptime: now - started, openAPIEnabled: server.isOpenAPIEnabled,
            isShuttingDown: server.isShuttingDown,
            models: server.registry.models.map { model in
                var snapshot = model.snapshot(at: now)
                snapshot.jobs = jobs.map { $0[model.key] ?? JobCounts() }
                snapshot.batchSizes = batchSizes.map { $0[model.key] ?? [:] }
                return snapshot
            })
    }

    public var link: ControlLink { .inProcess }

    public func addNullModel(id: String, overlay: JSONObject?) throws {
        let backbone: NullBackbone
        do {
            backbone =
                try overlay.map { overlay throws(ModelSpecError) in try NullBackbone(modelID: id, overlay: overlay) }
                ?? NullBackbone(modelID: id)
        } catch {
            throw ControlError.badRequest("\(error)")
        }
        let model: ServedModel
        do {
            model = try server.registry.add(RegisteredModel(key: id, backbone: backbone))
        } catch {
            throw ControlError.badRequest(error.description)
        }
        server.logger.info("model added", metadata: ["model": "\(id)"])
        queue.yield(.setUp(model))
    }

    public func addUpstream(_ address: String) async throws {
        guard let provider = server.providers.first else {
            throw ControlError.badRequest("this server fronts no upstream servers: it was built without a gateway")
        }
        do {
            try await provider.add(address)
        } catch {
            throw ControlError.badRequest("\(error)")
        }
    }

    public func drain(_ key: String) throws {
        guard let model = server.registry.model(forKey: key) else { throw ControlError.unknownModel(key) }
        guard model.state == .ready else { throw ControlError.notReady(key, model.state) }
        queue.yield(.drain(model))
    }

    public func setOpenAPIEnabled(_ enabled: Bool) {
        server.isOpenAPIEnabled = enabled
        server.logger.info("OpenAPI docs switched \(enabled ? "on" : "off")")
    }

    /// Runs the server's shutdown (``MMCPServer/shutDown()``) and returns when every model has
    /// drained; ``run()`` then returns, which ends the service group.
    public func shutDown() async {
        await server.shutDown()
        queue.finish()
    }

    /// The host's name as `gethostname` gives it (no resolver lookup, unlike `ProcessInfo`).
    private static func hostName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "localhost" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts ``shutDown()`` in the background and returns at once (the control API answers
    /// before the drain is over).
    package func startShutdown() {
        queue.yield(.shutDown)
    }
}
