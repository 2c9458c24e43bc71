/// The optional features of the protocol no reference server ships (docs/extensions.md): each one off
/// by default, so that with none switched on the server answers byte for byte as the reference.
public struct ProtocolExtensions: Sendable, Equatable {
    /// Async jobs (§1): a valid single request for a model whose spec says `supports_async` is
    /// answered `202` with a job to poll at `GET /generate/jobs/{id}` (the "always" policy).
    public var asyncJobs: Bool
    /// How long a finished job's answer is kept (never less than 300 s).
    public var jobRetention: Duration
    /// How many jobs are kept at once (queued, running or finished); more are refused with
    /// `503 resource_exhausted`.
    public var jobCapacity: Int
    /// `Idempotency-Key` on `POST /generate` (§3): the same key and body again replay the first
    /// answer without calling the model; the key with another body is `409`.
    public var idempotency: Bool
    /// How long a kept answer is replayed (at least 60 s).
    public var idempotencyTimeToLive: Duration
    /// The batch window (§6): single requests for one model that arrive within it and share a
    /// ``Backbone/batchKey(for:)`` go to `generateBatch` together; `nil`: every request alone.
    public var batchWindow: Duration?
    /// Binary glTF (§2): a single request whose `Accept` prefers `model/gltf-binary` gets a GLB;
    /// `/capabilities` lists `gltf_2.0_binary`; `/generate` answers carry `Vary: Accept`.
    public var binaryGLTF: Bool
    /// `X-Request-ID` on every answer (§4.1): the client's when it is 1–128 visible ASCII
    /// characters, else a fresh lowercase UUIDv4.
    public var requestIDs: Bool
    /// `Retry-After` on `429 rate_limited` and `503 resource_exhausted`/`model_unavailable`
    /// (§4.2): the raised error's `ProtocolError.retryAfterSeconds`, else ``defaultRetryAfter``.
    public var retryAfter: Bool
    /// The `Retry-After` seconds of an error that names none.
    public var defaultRetryAfter: Int

    // The stores' byte caps (issue 19): not in the initializer, set them on the value.

    /// The bytes of answers the idempotency store keeps at once (`--idempotency-max-mb`): an
    /// answer that would pass it is sent but not kept (`Idempotency-Status: declined`). 256 MB.
    public var idempotencyMaxBytes = 256 << 20
    /// The bytes of answers the job store holds at once, finished answers and the estimated
    /// answers of queued and running jobs (`--job-store-max-mb`): a submission that would pass it
    /// is refused `503 resource_exhausted` with `Retry-After`. 256 MB.
    public var jobStoreMaxBytes = 256 << 20

    /// Every feature off.
    public init(
        asyncJobs: Bool = false, jobRetention: Duration = .seconds(300), jobCapacity: Int = 1024, idempotency: Bool = false,
        idempotencyTimeToLive: Duration = .seconds(300), binaryGLTF: Bool = false, requestIDs: Bool = false, retryAfter: Bool = false,
        defaultRetryAfter: Int = 5, batchWindow: Duration? = nil
    ) {
        self.batchWindow = batchWindow
        self.idempotency = idempotency
        self.idempotencyTimeToLive = idempotencyTimeToLive
        self.asyncJobs = asyncJobs
        self.jobRetention = jobRetention
        self.jobCapacity = max(1, jobCapacity)
        self.binaryGLTF = binaryGLTF
        self.requestIDs = requestIDs
        self.retryAfter = retryAfter
        self.defaultRetryAfter = defaultRetryAfter
    }
}

extension ProtocolExtensions {
    /// The error a failed model call is answered with, its `Retry-After` decided in this one
    /// place: the server's own refusals (a model not ready, over its cap, past a drain) keep
    /// theirs; an error the backbone raised gets none with ``retryAfter`` off (as the reference
    /// answers it) and, with it on, its own or the default on a 429 or 503, none on other codes.
    func answering(_ failure: CallFailure) -> ProtocolError {
        guard !failure.byServer else { return failure.error }
        var error = failure.error
        let retryable = error.status == 429 || error.status == 503
        error.retryAfterSeconds = retryAfter && retryable ? (error.retryAfterSeconds ?? defaultRetryAfter) : nil
        return error
    }
}

extension ProtocolExtensions {
    /// The formats a glTF answer may take, in the order `/capabilities` lists them.
    var responseFormats: [ResponseFormat] { binaryGLTF ? [.json, .binary] : [.json] }

    /// The format a single request's glTF answer takes: JSON unless binary glTF is on and the
    /// request's `Accept` prefers it (never a 406).
    func format(accepting accept: String?) -> ResponseFormat {
        binaryGLTF ? ResponseFormat.negotiate(accept: accept) : .json
    }
}
