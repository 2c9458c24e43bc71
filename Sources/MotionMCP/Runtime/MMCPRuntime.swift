public import ServiceLifecycle

/// A running server as an operations console drives it: models set up in the background, added
/// and drained while the server runs, the API docs switched on and off (``ServerControl``).
///
/// Run it as a service beside the HTTP application; background work (setups, drains) runs as
/// child tasks of its ``run()``, so nothing outlives the service group.
public final class MMCPRuntime: ServerControl, Service {
    /// The server being controlled.
    public let server: MMCPServer
    private let listenAddress: String
    private let started = ContinuousClock.now
    private let commands: AsyncStream<Command>
    private let queue: AsyncStream<Command>.Continuation

    private enum Command {
        case setUp(ServedModel)
        case drain(ServedModel)
    }

    /// A runtime for `server`, which listens on `listenAddress` (shown in snapshots). The
    /// server's models are set up in the background once ``run()`` starts: a failing `setup()`
    /// leaves that model `failed` and the others carry on.
    public init(server: MMCPServer, listenAddress: String) {
        self.server = server
        self.listenAddress = listenAddress
        (commands, queue) = AsyncStream.makeStream(of: Command.self)
        for model in server.registry.models { queue.yield(.setUp(model)) }
    }

    /// Carries out the queued setups and drains until the service group shuts down; a drain under
    /// way then still finishes.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await command in commands.cancelOnGracefulShutdown() {
                switch command {
                case .setUp(let model):
                    group.addTask { try? await self.server.registry.lifecycle.setUp(model) }
                case .drain(let model):
                    group.addTask { await self.server.registry.drain([model], timeout: self.server.drainTimeout) }
                }
            }
        }
    }

    public func snapshot() -> RuntimeSnapshot {
        let now = ContinuousClock.now
        return RuntimeSnapshot(
            listenAddress: listenAddress, uptime: now - started, openAPIEnabled: server.isOpenAPIEnabled,
            models: server.registry.models.map { $0.snapshot(at: now) })
    }

    public func addNullModel(id: String, specPath: String?) throws {
        let backbone =
            try specPath.map { path throws(ModelSpecError) in try NullBackbone(modelID: id, specFile: path) }
            ?? NullBackbone(modelID: id)
        let model = try server.registry.add(RegisteredModel(key: id, backbone: backbone))
        server.logger.info("model added", metadata: ["model": "\(id)"])
        queue.yield(.setUp(model))
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

    public func drainAll() async {
        await server.drainAll()
    }
}
