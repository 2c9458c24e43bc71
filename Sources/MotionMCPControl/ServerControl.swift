public import MotionMCPProtocol

/// What an operations console needs of a running server: a snapshot to draw, and the actions an
/// operator takes. MotionMCP's `MMCPRuntime` implements it in process; `MotionMCPAttach`'s attached server
/// implements it over another process's control API, so one console drives either.
public protocol ServerControl: Sendable {
    /// A picture of the server and its models as of now; cheap enough to call several times a
    /// second, and never waits (an attached server returns the last picture it received).
    func snapshot() -> RuntimeSnapshot

    /// How the console reaches the server: in this process, or attached over a control API (and
    /// whether that answers now).
    var link: ControlLink { get }

    /// Adds a NullBackbone under `id`, its capabilities the default's with the fields of `overlay`
    /// (one `/capabilities` model entry, as `--null ID=FILE` reads from its file) laid over them.
    /// It is set up in the background and shows as `settingUp` until ready. Throws
    /// ``ControlError/badRequest(_:)`` for a duplicate id or an overlay that is not a valid spec.
    func addNullModel(id: String, overlay: JSONObject?) async throws

    /// Adds the upstream MMCP server at `address` (`URL` or `ID=URL`, as `--upstream` takes it):
    /// its models join once it answers a probe, each as a new model or a replica of one served
    /// already. Throws ``ControlError/badRequest(_:)`` for an address that is not an http(s) URL
    /// or names a host the server does not allow (`GatewayOptions.allowedHosts`).
    func addUpstream(_ address: String) async throws

    /// Starts draining the model: new requests are refused with 503, requests in flight finish,
    /// then `teardown()` runs and the model is removed. Returns once the drain has started;
    /// progress shows in snapshots. Throws ``ControlError`` when no such model is served or it is
    /// not ready.
    func drain(_ key: String) async throws

    /// Switches `/openapi.json`, `/docs` and `/redoc` on or off.
    func setOpenAPIEnabled(_ enabled: Bool) async throws

    /// Runs the server's graceful shutdown, the same sequence as SIGTERM (`ShutdownSequence`).
    /// In process (MotionMCP's `MMCPRuntime`) it returns once every model has drained and been torn down;
    /// attached, once the server has accepted the request (the drain then shows in snapshots).
    func shutDown() async throws
}

/// How a console reaches the server it shows.
public enum ControlLink: Sendable, Equatable {
    /// The server runs in the console's own process: quitting the console stops it.
    case inProcess
    /// The server runs elsewhere and is reached through its control API at `target`; quitting the
    /// console leaves it running.
    case attached(target: String, reachability: Reachability)

    /// Whether the server is in another process.
    public var isAttached: Bool {
        if case .attached = self { return true }
        return false
    }
}

/// Whether an attached server answers.
public enum Reachability: Sendable, Equatable {
    /// No answer yet since the console started.
    case connecting
    /// The control API answers; snapshots are live.
    case live
    /// The control API stopped answering at `since` (seconds since 1970-01-01 UTC), for `reason`;
    /// it is retried with backoff, and snapshots are the last received.
    case unreachable(since: Double, reason: String)
}

/// Why a control action was refused.
public enum ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No model is served under this id.
    case unknownModel(String)
    /// The model is not ready (setting up, draining, failed), so it cannot be drained.
    case notReady(String, ModelState)
    /// The request was not understood (a model id already served, a bad spec file, bad JSON).
    case badRequest(String)
    /// The server could not be reached, or answered something that is not the control API.
    case unreachable(String)

    public var description: String {
        switch self {
        case .unknownModel(let key): "no model '\(key)' is served"
        case .notReady(let key, let state): "model '\(key)' is \(state.name), not ready"
        case .badRequest(let reason): reason
        case .unreachable(let reason): reason
        }
    }
}
