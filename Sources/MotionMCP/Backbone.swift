/// A motion-generation model, as the MMCP server sees it.
///
/// Implement ``capabilities()`` and ``generate(_:)``; everything else has a default. The server
/// validates every request against the spec before calling ``generate(_:)``, so a backbone only
/// sees requests it can serve.
public protocol Backbone: Sendable {
    /// The registry id, readable before ``setup()`` (so weights need not be loaded to register).
    /// `nil` (the default) means "the id of ``capabilities()``".
    var modelID: String? { get }

    /// The model's spec. Called on every request, so it must be cheap; it may change over time.
    func capabilities() -> ModelSpec

    /// Generates a motion for a validated request. Throw a `ProtocolError` to refuse it.
    func generate(_ request: GenerateRequest) async throws -> MotionResult

    /// Generates the motions of a batch, one result per request in order. The default calls
    /// ``generate(_:)`` for each request in turn. Throwing fails the whole batch.
    func generateBatch(_ requests: [GenerateRequest]) async throws -> [Result<MotionResult, any Error>]

    /// Which requests may share one ``generateBatch(_:)`` call when the server's batch window is
    /// on (docs/extensions.md §6): requests of this model with equal keys may. Return what one call
    /// fixes (steps, guidance, clip length); the default lets any two requests share.
    func batchKey(for request: GenerateRequest) -> BatchKey

    /// Runs once at start-up, before the first request (load weights here).
    func setup() async throws

    /// Runs once at shutdown, after the last request.
    func teardown() async throws
}

extension Backbone {
    public var modelID: String? { nil }

    public func generateBatch(_ requests: [GenerateRequest]) async throws -> [Result<MotionResult, any Error>] {
        var results: [Result<MotionResult, any Error>] = []
        results.reserveCapacity(requests.count)
        for request in requests {
            do {
                results.append(.success(try await generate(request)))
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    public func batchKey(for request: GenerateRequest) -> BatchKey { .modelWide }

    public func setup() async throws {}

    public func teardown() async throws {}
}
