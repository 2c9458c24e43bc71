/// What one client, or one burst of traffic, may hold of the server. Defaults leave the protocol's
/// behaviour as the reference has it and only bound what the reference leaves unbounded.
public struct ServerLimits: Sendable, Equatable {
    /// Requests one model works on at once; more are refused at once with
    /// `503 resource_exhausted` (and `Retry-After`). `nil`: no cap.
    public var maxInFlightPerModel: Int?
    /// How long one `generate` (or `generateBatch`) call may run before the request is answered
    /// `504 timeout` and the call is cancelled. `nil`: no limit.
    public var generateTimeout: Duration?
    /// How long the whole request body may take to arrive; a client that trickles it is answered
    /// `408` and disconnected.
    public var bodyReadTimeout: Duration
    /// How long a connection may sit idle before it is closed.
    public var idleTimeout: Duration

    // Listener limits: what a connection may hold before it has sent a request.

    /// How long a request head may take to arrive once its first byte has; a connection whose
    /// head stops arriving is closed. 10 s by default.
    public var headerTimeout: Duration = .seconds(10)
    /// Connections the MMCP port holds at once; the next is closed as soon as it is accepted.
    /// `nil` (the default): ``defaultMaxConnections(descriptorLimit:)`` of the process's limit.
    public var maxConnections: Int?

    /// The connection cap when none is set: three quarters of the process's descriptor limit
    /// (`RLIMIT_NOFILE`) less 64, at least 16 (704 for the usual 1024), leaving the rest to the
    /// control API, upstream connections and files. 4096 when the limit cannot be read.
    public static func defaultMaxConnections(descriptorLimit: Int?) -> Int {
        guard let limit = descriptorLimit else { return 4096 }
        return max(16, limit / 4 * 3 - 64)
    }

    /// The MMCP port's connection cap: ``maxConnections``, else the default for this process.
    var effectiveMaxConnections: Int {
        maxConnections ?? Self.defaultMaxConnections(descriptorLimit: descriptorLimit())
    }

    // Memory held by answers (issue 19): not in the initializer, set them on the value.

    /// The bytes of answers held at once, server-wide (`--answer-budget`): each local `/generate`
    /// answer (a batch: all its items) is charged its estimated size before its model is called,
    /// until it has been written to the client. Default: a quarter of the machine's memory (or of
    /// the cgroup's `memory.max` when lower), at least 256 MB.
    public var answerBudget: Int = ServerLimits.defaultAnswerBudget
    /// How long a request whose answer does not fit in ``answerBudget`` waits for room before it
    /// is refused `503 resource_exhausted` with `Retry-After`. Default 2 s.
    public var answerBudgetWait: Duration = .seconds(2)

    /// The default ``answerBudget``, sized to this machine.
    public static var defaultAnswerBudget: Int { AnswerBudget.machineDefault }

    /// Limits with the defaults: no in-flight cap, no generate timeout, 30 s to send a body, 60 s idle.
    public init(
        maxInFlightPerModel: Int? = nil, generateTimeout: Duration? = nil, bodyReadTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(60)
    ) {
        self.maxInFlightPerModel = maxInFlightPerModel
        self.generateTimeout = generateTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.idleTimeout = idleTimeout
    }
}

/// A request body still arriving after ``ServerLimits/bodyReadTimeout``.
struct BodyReadTimedOut: Error {}

extension Duration {
    /// This duration, at most about 31 years: as good as "never" for a timeout, and within what
    /// every clock and timer takes (`Task.sleep` traps on an instant past `Int64` seconds).
    package var clampedForTimers: Duration { min(self, .seconds(1_000_000_000)) }
}
