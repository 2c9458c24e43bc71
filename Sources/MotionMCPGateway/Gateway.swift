import AsyncHTTPClient
import Logging
public import MotionMCP
import MotionMCPProtocol
import NIOCore
import ServiceLifecycle
import Synchronization

/// How a server fronts upstream MMCP servers (`--upstream`).
public struct GatewayOptions: Sendable {
    /// The upstreams served from the start.
    public var upstreams: [UpstreamAddress]
    /// Hosts an upstream added at run time (`POST /v1/upstreams`) may name besides those of
    /// ``upstreams``: an address the control API can point the server at is a way into the
    /// network behind it, so only these are allowed.
    public var allowedHosts: [String]
    /// Time between two probes of an upstream (each one ±20 %, so a fleet of gateways does not
    /// probe in step).
    public var probeInterval: Duration
    /// How long a probe, and a connection to an upstream, may take.
    public var probeTimeout: Duration
    /// How long a forwarded answer may stop moving (no byte from the upstream, none taken by the
    /// client) before the gateway ends it and counts it against the replica. Waiting for the
    /// answer's head is bounded by the generate timeout instead: a model may think for long.
    public var idleTimeout: Duration

    /// Options for `upstreams`, probed every 5 s with a 2 s timeout; an answer that stops for 30 s
    /// is ended.
    public init(
        upstreams: [UpstreamAddress] = [], allowedHosts: [String] = [], probeInterval: Duration = .seconds(5),
        probeTimeout: Duration = .seconds(2), idleTimeout: Duration = .seconds(30)
    ) {
        self.upstreams = upstreams
        self.allowedHosts = allowedHosts
        self.probeInterval = probeInterval
        self.probeTimeout = probeTimeout
        self.idleTimeout = idleTimeout
    }
}

/// The gateway of a server: the upstream MMCP servers it fronts, their probes, and the models
/// they bring into the registry (each as an `UpstreamModel`, the same model id on several
/// upstreams being replicas of one model).
///
/// Probes run on their own tasks and only write state that requests read: serving never waits
/// for one, and a probe never calls `/generate`.
public final class Gateway: ModelProvider, Sendable {
    let registry: ModelRegistry
    let options: GatewayOptions
    /// The clock the probes are spaced on (the server's `MMCPOptions.clock`).
    let clock: any MMCPClock
    let logger: Logger
    let forwarding: Forwarding
    private let state = Mutex(State())
    private let added: AsyncStream<Upstream>
    private let queue: AsyncStream<Upstream>.Continuation
    /// Set by the first caller of ``discover()``, which runs it; later callers wait for `discovered`.
    private let discoveryClaimed = Atomic(false)
    private let discovered = Atomic(false)
    private let discoveryChanges = ChangeSignal()

    private struct State {
        /// Every upstream with the models it was asked for, in the order they were given.
        var upstreams: [(upstream: Upstream, filter: String?)] = []
        var models: [String: UpstreamModel] = [:]
        /// Why an upstream's model is not used, as last logged (each reason is logged once).
        var refusals: [String: String] = [:]
    }

    /// A gateway bringing the models of `options`' upstreams into `registry`; give it to the
    /// server as a provider (`MMCPServer(registry:options:providers:)`), which runs it.
    public init(registry: ModelRegistry, options: GatewayOptions, clock: any MMCPClock = ContinuousClock(), logger: Logger) {
        self.registry = registry
        self.options = options
        self.clock = clock
        self.logger = logger
        forwarding = Forwarding(probeTimeout: options.probeTimeout, idleTimeout: options.idleTimeout, logger: logger)
        (added, queue) = AsyncStream.makeStream(of: Upstream.self)
        state.withLock { state in
            state.upstreams = options.upstreams.map { (Upstream(address: $0, clock: clock), $0.modelID) }
        }
        for (upstream, _) in state.withLock({ $0.upstreams }) { queue.yield(upstream) }
    }

    /// Whether this gateway fronts anything.
    var isEmpty: Bool { state.withLock { $0.upstreams.isEmpty } }

    /// Probes every upstream given at start-up once, in parallel, and brings in the models of
    /// those that answered, in the order the upstreams were given; the others join when their
    /// probes pass. Runs once; a later call waits for it to be over.
    public func discover() async {
        guard discoveryClaimed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            await discoveryChanges.wait { self.discovered.load(ordering: .acquiring) }
            return
        }
        defer {
            discovered.store(true, ordering: .releasing)
            discoveryChanges.notify()
        }
        let upstreams = state.withLock { $0.upstreams.map(\.upstream) }
        await withTaskGroup(of: Void.self) { group in
            for upstream in upstreams {
                group.addTask { await upstream.probe(with: self.forwarding.client, timeout: self.options.probeTimeout) }
            }
        }
        for upstream in upstreams {
            if upstream.isUp {
                await reconcile(upstream)
            } else {
                logger.warning(
                    "upstream did not answer; its models join when it does",
                    metadata: ["upstream": "\(upstream.address.url)"])
            }
        }
    }

    /// Adds the upstream at `address` (`URL` or `ID=URL`, as `--upstream` takes it) while the
    /// server runs; see ``add(_:)-(UpstreamAddress)``.
    public func add(_ address: String) async throws {
        try await add(try UpstreamAddress(parsing: address))
    }

    /// Adds an upstream while the server runs; its models join once it answers a probe. Throws
    /// when its host is not allowed (``GatewayOptions/allowedHosts``, the start-up upstreams' hosts).
    public func add(_ address: UpstreamAddress) async throws(UpstreamAddressError) {
        let allowed = Set(options.allowedHosts + options.upstreams.map(\.host))
        guard allowed.contains(address.host) else {
            throw UpstreamAddressError(
                "upstream host '\(address.host)' is not allowed; start the server with --upstream-allow-host \(address.host)")
        }
        let (upstream, isNew) = state.withLock { state in
            if let known = state.upstreams.first(where: { $0.upstream.address.url == address.url && $0.filter == address.modelID }) {
                return (known.upstream, false)
            }
            let upstream = Upstream(address: address, clock: clock)
            state.upstreams.append((upstream, address.modelID))
            return (upstream, true)
        }
        logger.info("upstream added", metadata: ["upstream": "\(address)"])
        // Models drained before come back when their upstream is added again.
        state.withLock { state in
            state.models = state.models.filter { !$0.value.isWithdrawn }
        }
        if await upstream.probe(with: forwarding.client, timeout: options.probeTimeout) {
            await reconcile(upstream)
        }
        if isNew { queue.yield(upstream) }
    }

    /// Probes every upstream until the service group shuts down, then closes the HTTP client
    /// (after the server has drained: nothing is forwarded any more).
    public func run() async {
        await discover()
        await withDiscardingTaskGroup { group in
            group.addTask { await self.forwarding.watcher.run() }
            await added.forEachUntilGracefulShutdown(finishing: queue) { upstream in
                group.addTask { await self.probeLoop(upstream) }
            }
        }
        await forwarding.shutDown()
    }

    /// Closes the connections to the upstreams, once nothing is forwarded any more (after the
    /// models have drained); ``run()`` does it when the service group shuts down.
    public func shutDown() async {
        await forwarding.shutDown()
    }

    private func probeLoop(_ upstream: Upstream) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let interval = options.probeInterval * Double.random(in: 0.8...1.2)
            do {
                try await cancelWhenGracefulShutdown { [clock] in try await clock.sleep(for: interval) }
            } catch {
                return
            }
            let wasUp = upstream.isUp
            if await upstream.probe(with: forwarding.client, timeout: options.probeTimeout) {
                if !wasUp && upstream.isUp { logger.info("upstream is up", metadata: ["upstream": "\(upstream.address.url)"]) }
                await reconcile(upstream)
            } else if wasUp && !upstream.isUp {
                logger.warning("upstream is down", metadata: ["upstream": "\(upstream.address.url)"])
            }
        }
    }

    /// Brings the models `upstream` lists into the registry: a new id becomes a model, a known one
    /// gains a replica; an entry unlike the model's, an id a local model has, or a spec this
    /// server cannot read is left out and logged once.
    private func reconcile(_ upstream: Upstream) async {
        let filter = state.withLock { state in state.upstreams.first { $0.upstream === upstream }?.filter }
        for listed in upstream.listing where filter == nil || listed.key == filter {
            let key = listed.key
            let existing = state.withLock { $0.models[key] }
            if let existing, !existing.isWithdrawn {
                // A replica whose entry differs is kept in the list, where it shows as a mismatch.
                existing.adopt(upstream)
                if existing.entryValue == listed.value {
                    clearRefusal(key, upstream)
                } else {
                    refuse(key, upstream, "its /capabilities entry differs from the other replicas'; not used")
                }
                continue
            }
            if existing?.isWithdrawn == true { continue }
            if registry.model(forKey: key) != nil {
                refuse(key, upstream, "a model with this id is served here already; not used")
                continue
            }
            let spec: ModelSpec
            switch listed.spec {
            case .success(let read): spec = read
            case .failure(let error):
                refuse(key, upstream, "its entry cannot be read: \(error)")
                continue
            }
            let model = UpstreamModel(key: key, listed: listed, spec: spec, first: upstream, forwarding: forwarding)
            let served: ServedModel
            do {
                served = try registry.add(RegisteredModel(key: key, source: .remote(model)))
            } catch {
                refuse(key, upstream, "\(error)")
                continue
            }
            state.withLock { $0.models[key] = model }
            logger.info("upstream model added", metadata: ["model": "\(key)", "upstream": "\(upstream.address.url)"])
            try? await registry.lifecycle.setUp(served)
        }
        // `ID=URL` naming a model the upstream does not list would otherwise wait in silence.
        if let filter, !upstream.listing.contains(where: { $0.key == filter }) {
            refuse(filter, upstream, "the upstream lists no model with this id; it joins if the upstream lists it later")
        }
    }

    private func refuse(_ key: String, _ upstream: Upstream, _ reason: String) {
        let slot = "\(key) \(upstream.address.url)"
        let isNew = state.withLock { state in
            defer { state.refusals[slot] = reason }
            return state.refusals[slot] != reason
        }
        if isNew {
            // The id may be an upstream's hostile one (a megabyte, a newline): shown escaped and cut short.
            logger.warning("upstream model not used: \(reason)", metadata: ["model": "\(ModelID.shown(key))", "upstream": "\(upstream.address.url)"])
        }
    }

    private func clearRefusal(_ key: String, _ upstream: Upstream) {
        _ = state.withLock { $0.refusals.removeValue(forKey: "\(key) \(upstream.address.url)") }
    }
}
