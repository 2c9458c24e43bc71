import Logging
import MotionMCPControl
public import ServiceLifecycle

/// A model whose requests another server answers (``ModelSource/remote(_:)``). The request path
/// treats it as any model — admission, the in-flight cap, drains and the metrics apply — and hands
/// it the request's body unchanged; how the body travels (the gateway's replicas, retries and
/// relay, in `MotionMCPGateway`) is the remote model's business.
package protocol RemoteModel: Sendable {
    /// The spec its `/capabilities` entry reads as: the body cap, batch limits, batch validation.
    var spec: ModelSpec { get }
    /// Its `/capabilities` entry as the remote server wrote it, listed byte for byte.
    var entry: [UInt8] { get }
    /// What a call to it watches while it runs (the client's connection, an idle limit).
    var watch: CallWatch { get }
    /// Its replicas as a snapshot shows them.
    func replicaSnapshots() -> [ReplicaSnapshot]
    /// The model was drained and removed: it is not brought back by itself.
    func withdraw()
    /// The answer to one `POST /generate` for `model`, whose body (`contentType`, `accept`) goes
    /// to the remote server unchanged; the call runs under `context`'s limits and is counted once.
    func answer(_ body: [UInt8], contentType: String?, accept: String?, for model: ServedModel, context: GenerateContext)
        async -> ProtocolResponse
    /// The entries of a batch's `count` items for this model, sent as `body` within `lease`.
    func answerBatch(_ body: [UInt8], count: Int, lease: CallLease) async -> Result<[BatchOutcome], ProtocolError>
}

/// What a remote model's call runs under: the server's limits and logger, and when the request
/// arrived.
package struct GenerateContext: Sendable {
    package let limits: ServerLimits
    package let logger: Logger
    package let started: ContinuousClock.Instant
}

/// A source of models served elsewhere that joins a server's registry: the gateway
/// (`MotionMCPGateway`) is one. The server runs it as a service beside its HTTP server.
public protocol ModelProvider: Service {
    /// Brings in the models that answer now; start-up waits for it before the models' setups.
    func discover() async
    /// Adds a source of models while the server runs (the control API's `POST /v1/upstreams`);
    /// throws a readable error for one it does not take.
    func add(_ address: String) async throws
    /// Releases what it holds (connections) once nothing is forwarded any more.
    func shutDown() async
}

/// Something that runs beside a server for its whole life, given the running server: the control
/// API (`MotionMCPControlServer`) is one. Set it in ``MMCPOptions/companions``.
public protocol ServerCompanion: Sendable {
    /// `logger` with what the companion adds to it (the control API streams its lines to
    /// attached consoles); the server logs through the result.
    func tapping(_ logger: Logger) -> Logger
    /// The service to run beside `runtime`'s server; a configuration that cannot work (a socket
    /// that cannot be made) throws before anything listens.
    func service(for runtime: MMCPRuntime) throws -> any CompanionService
}

/// The service a ``ServerCompanion`` runs.
public protocol CompanionService: Service {
    /// Where it listens, for the server's `serving` line.
    var addresses: [String] { get }
}

extension ServerCompanion {
    /// The logger unchanged.
    public func tapping(_ logger: Logger) -> Logger { logger }
}
