public import MotionMCPProtocol

/// Where a served model is in its life. Transitions run one way:
/// `settingUp → ready → draining → tearingDown → removed`, or `settingUp → failed` when `setup()` throws.
public enum ModelState: Sendable, Equatable, CustomStringConvertible {
    case settingUp
    case ready
    case draining
    case tearingDown
    case removed
    case failed(reason: String)

    /// The state's name as the protocol's `details.state` and the console show it.
    public var name: String {
        switch self {
        case .settingUp: "settingUp"
        case .ready: "ready"
        case .draining: "draining"
        case .tearingDown: "tearingDown"
        case .removed: "removed"
        case .failed: "failed"
        }
    }

    public var description: String {
        if case .failed(let reason) = self { return "failed(\(reason))" }
        return name
    }

    /// Every state's ``name``, in lifecycle order (for the state gauge, the OpenAPI schema and the
    /// console's styles).
    public static let allNames = [
        ModelState.settingUp, .ready, .draining, .tearingDown, .removed, .failed(reason: ""),
    ].map(\.name)
}

/// One state change of a model, with when it happened.
public struct ModelTransition: Sendable, Equatable {
    /// The state entered.
    public var state: ModelState
    /// When, as time since the server started.
    public var at: Duration

    public init(state: ModelState, at: Duration) {
        self.state = state
        self.at = at
    }
}

/// A read-only picture of one model and its traffic, taken at one moment.
public struct ModelSnapshot: Sendable {
    /// The registry key.
    public var key: String
    /// The lifecycle state.
    public var state: ModelState
    /// The spec as of the snapshot, when the backbone could give one.
    public var spec: ModelSpec?
    /// Requests answered since the model was added.
    public var requests: Int
    /// Requests per second over the last 1, 10 and 60 seconds.
    public var rate1s: Double
    public var rate10s: Double
    public var rate60s: Double
    /// Requests answered in each of the last 60 whole seconds, oldest first.
    public var rateHistory: [Int]
    /// The latencies of the requests answered since the model was added, in the bands every
    /// server shares (so fleets can sum them): what its percentiles are read from.
    public var latencyHistogram: LatencyHistogram
    /// Requests being processed now.
    public var inFlight: Int
    /// Error answers by protocol error code.
    public var errorsByCode: [(code: String, count: Int)]
    /// How long `setup()` and `teardown()` took, once they have run.
    public var setupDuration: Duration?
    public var teardownDuration: Duration?
    /// How a drain is going, while the model drains.
    public var drain: DrainProgress?
    /// Every state change so far.
    public var transitions: [ModelTransition]
    /// The upstream servers answering the model, for a model served through the gateway; `nil`
    /// for a model served in this process.
    public var replicas: [ReplicaSnapshot]?
    /// The model's async jobs, when the server runs them (docs/extensions.md §1); `nil` when it does not.
    public var jobs: JobCounts?
    /// How many `generateBatch` calls the batch window made of each size (size → calls), when the
    /// server runs one (docs/extensions.md §6); `nil` when it does not.
    public var batchSizes: [Int: Int]?

    /// All error answers.
    public var errors: Int { errorsByCode.reduce(0) { $0 + $1.count } }

    /// Latency percentiles of the answered requests, read from ``latencyHistogram`` (so every
    /// screen, and a fleet summing the histograms, shows the same numbers); `nil` before the
    /// first request.
    public var latencyP50: Duration? { latencyHistogram.percentile(50) }
    public var latencyP95: Duration? { latencyHistogram.percentile(95) }
    public var latencyP99: Duration? { latencyHistogram.percentile(99) }

    /// The state as `/readyz` reports it and every screen shows it: the lifecycle state's name, or
    /// `unreachable` for a ready gateway model none of whose replicas takes requests (none is up,
    /// and none is ejected, which the gateway would still use when it has nothing else).
    public var readinessName: String { Self.readinessName(state: state, replicas: replicas?.map(\.state)) }

    /// The one rule of readiness, for a snapshot and for `/readyz` alike: a ready model served
    /// upstream (`replicas` not `nil`) none of whose replicas takes requests (none `up`, and none
    /// `ejected`, which are still tried when every one is) is ``unreachable``; any other model is
    /// its lifecycle state.
    public static func readinessName(state: ModelState, replicas: [ReplicaState]?) -> String {
        guard state == .ready, let replicas, !replicas.contains(where: { $0 == .up || $0 == .ejected }) else { return state.name }
        return unreachable
    }

    /// The name ``readinessName`` gives a ready gateway model that no replica answers.
    public static let unreachable = "unreachable"

    /// A snapshot; everything but the key and state defaults to "nothing happened yet".
    public init(
        key: String, state: ModelState, spec: ModelSpec? = nil, requests: Int = 0, rate1s: Double = 0, rate10s: Double = 0,
        rate60s: Double = 0, rateHistory: [Int] = [], latencyHistogram: LatencyHistogram = LatencyHistogram(), inFlight: Int = 0,
        errorsByCode: [(code: String, count: Int)] = [], setupDuration: Duration? = nil, teardownDuration: Duration? = nil,
        drain: DrainProgress? = nil, transitions: [ModelTransition] = [], replicas: [ReplicaSnapshot]? = nil,
        batchSizes: [Int: Int]? = nil, jobs: JobCounts? = nil
    ) {
        self.batchSizes = batchSizes
        self.key = key
        self.state = state
        self.spec = spec
        self.requests = requests
        self.rate1s = rate1s
        self.rate10s = rate10s
        self.rate60s = rate60s
        self.rateHistory = rateHistory
        self.latencyHistogram = latencyHistogram
        self.inFlight = inFlight
        self.errorsByCode = errorsByCode
        self.setupDuration = setupDuration
        self.teardownDuration = teardownDuration
        self.drain = drain
        self.transitions = transitions
        self.replicas = replicas
        self.jobs = jobs
    }
}

/// One upstream server answering a model through the gateway, as of a snapshot.
public struct ReplicaSnapshot: Sendable, Equatable {
    /// The upstream's base URL (never with credentials: the gateway refuses URLs that carry them).
    public var address: String
    /// Whether the gateway sends it requests now.
    public var state: ReplicaState
    /// The last probe (`GET /capabilities`): when, whether it passed, and what went wrong if not.
    public var lastProbe: ProbeReport?
    /// Requests forwarded to it and not yet answered.
    public var inFlight: Int
    /// Requests forwarded to it since it was added.
    public var requests: Int
    /// Times it was ejected for failing requests.
    public var ejections: Int
    /// Requests that failed on it unprocessed and were sent to another replica.
    public var retries: Int

    /// A replica picture with these fields.
    public init(
        address: String, state: ReplicaState, lastProbe: ProbeReport?, inFlight: Int, requests: Int, ejections: Int, retries: Int
    ) {
        self.address = address
        self.state = state
        self.lastProbe = lastProbe
        self.inFlight = inFlight
        self.requests = requests
        self.ejections = ejections
        self.retries = retries
    }
}

/// Whether the gateway sends a replica requests.
public enum ReplicaState: String, Sendable, Equatable, CaseIterable {
    /// Its probes pass: it takes requests.
    case up
    /// Its probes failed three times in a row (or it never answered one): no requests.
    case down
    /// Requests to it failed (a refused connection, a 5xx); it waits out its ejection, then takes
    /// requests again once a probe passes. Used anyway when every replica of the model is ejected.
    case ejected
    /// It answered `503 model_unavailable` (it drains or is not ready): no requests until a
    /// probe a few seconds later lists the model again.
    case draining
    /// It no longer lists the model, or lists it with an entry unlike the other replicas': not used.
    case mismatch
}

/// The result of one probe of an upstream.
public struct ProbeReport: Sendable, Equatable {
    /// When it ended, in seconds since 1970-01-01 UTC.
    public var at: Double
    /// Whether the upstream answered `/capabilities` in time with a document the gateway reads.
    public var passed: Bool
    /// What went wrong, when it failed.
    public var failure: String?

    /// A probe result with these fields.
    public init(at: Double, passed: Bool, failure: String?) {
        self.at = at
        self.passed = passed
        self.failure = failure
    }
}

/// A drain under way: what is left and how long it has waited.
public struct DrainProgress: Sendable, Equatable {
    /// Requests still in flight.
    public var inFlightLeft: Int
    /// Time since the drain began.
    public var waited: Duration
    /// When unfinished requests are cancelled.
    public var timeout: Duration

    public init(inFlightLeft: Int, waited: Duration, timeout: Duration) {
        self.inFlightLeft = inFlightLeft
        self.waited = waited
        self.timeout = timeout
    }
}

/// Which server a snapshot is of: enough to tell instances of a fleet apart, and to see one
/// restart (a new process id and start time).
public struct InstanceIdentity: Sendable, Equatable {
    /// The host's name (a pod's name in Kubernetes).
    public var hostName: String
    /// The server's process id.
    public var processID: Int
    /// The MotionMCP SDK's version (`MMCPVersion.sdk`).
    public var version: String
    /// `host:port` the MMCP routes are served on.
    public var listenAddress: String
    /// When the server started, in seconds since 1970-01-01 00:00 UTC.
    public var startedAt: Double

    /// An identity with these fields.
    public init(hostName: String, processID: Int, version: String, listenAddress: String, startedAt: Double) {
        self.hostName = hostName
        self.processID = processID
        self.version = version
        self.listenAddress = listenAddress
        self.startedAt = startedAt
    }

    /// A server not heard from yet, known only by where it is reached (process id 0).
    public static func unknown(at address: String) -> InstanceIdentity {
        InstanceIdentity(hostName: "", processID: 0, version: "", listenAddress: address, startedAt: 0)
    }

    /// Whether this names a process that answered, not an ``unknown(at:)`` placeholder.
    public var isKnown: Bool { processID != 0 }
}

/// A read-only picture of the whole server.
public struct RuntimeSnapshot: Sendable {
    /// Which server this is.
    public var instance: InstanceIdentity
    /// Time since the server started.
    public var uptime: Duration
    /// Whether `/openapi.json`, `/docs` and `/redoc` are served.
    public var openAPIEnabled: Bool
    /// Whether the server is shutting down (its `/readyz` answers 503; its models drain).
    public var isShuttingDown: Bool
    /// The models, in registration order (removed models are gone).
    public var models: [ModelSnapshot]

    /// `host:port` the server listens on.
    public var listenAddress: String { instance.listenAddress }
    /// Requests per second over the last second, all models together.
    public var totalRate: Double { models.reduce(0) { $0 + $1.rate1s } }
    /// Models that are ready and, for gateway models, reachable (``ModelSnapshot/readinessName``).
    public var readyCount: Int { models.filter { $0.readinessName == ModelState.ready.name }.count }
    /// Requests being processed now, all models together.
    public var totalInFlight: Int { models.reduce(0) { $0 + $1.inFlight } }
    /// Error answers, all models together.
    public var totalErrors: Int { models.reduce(0) { $0 + $1.errors } }
    /// Every model's latency histogram summed.
    public var latencyHistogram: LatencyHistogram { models.reduce(LatencyHistogram()) { $0 + $1.latencyHistogram } }

    /// A picture of the server `instance`.
    public init(instance: InstanceIdentity, uptime: Duration, openAPIEnabled: Bool, isShuttingDown: Bool = false, models: [ModelSnapshot]) {
        self.instance = instance
        self.uptime = uptime
        self.openAPIEnabled = openAPIEnabled
        self.isShuttingDown = isShuttingDown
        self.models = models
    }
}
