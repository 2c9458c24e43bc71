/// The small API an operations console (or any program embedding the SDK) drives a running server
/// through. Nothing of it is reachable over HTTP.
public protocol ServerControl: Sendable {
    /// A picture of the server and its models as of now; cheap enough to call several times a second.
    func snapshot() -> RuntimeSnapshot

    /// Adds a NullBackbone under `id` (its capabilities overlaid by the spec file at `specPath`, as
    /// `--null ID=FILE` does). It is set up in the background and shows as `settingUp` until ready.
    /// Throws at once for a duplicate id or a bad spec file.
    func addNullModel(id: String, specPath: String?) throws

    /// Starts draining the model: new requests are refused with 503, requests in flight finish,
    /// then `teardown()` runs and the model is removed. Returns at once; progress shows in
    /// snapshots. Throws ``ControlError`` when no such model is served or it is not ready.
    func drain(_ key: String) throws

    /// Switches `/openapi.json`, `/docs` and `/redoc` on or off.
    func setOpenAPIEnabled(_ enabled: Bool)

    /// Drains every model (in parallel, teardowns in registration order; see
    /// ``MMCPServer/drainAll()``) and returns when all are removed.
    func drainAll() async
}

/// Why a control action was refused.
public enum ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No model is served under this id.
    case unknownModel(String)
    /// The model is not ready (setting up, draining, failed), so it cannot be drained.
    case notReady(String, ModelState)

    public var description: String {
        switch self {
        case .unknownModel(let key): "no model '\(key)' is served"
        case .notReady(let key, let state): "model '\(key)' is \(state.name), not ready"
        }
    }
}
