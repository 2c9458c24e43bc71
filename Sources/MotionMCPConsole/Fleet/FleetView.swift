import MotionMCPControl
import MotionMCPProtocol

/// One instance of a fleet as the console last saw it.
public struct FleetInstance: Sendable {
    /// Where it is reached (its control API target).
    public var target: String
    /// Whether it answers.
    public var reachability: Reachability
    /// Its last snapshot; `nil` until one has arrived.
    public var snapshot: RuntimeSnapshot?

    /// Whether its numbers are current: it answers and has sent a snapshot. Only these count in
    /// the fleet's totals; an unreachable instance's last numbers would be stale.
    public var isLive: Bool { reachability == .live && snapshot != nil }

    /// How the instance tables name it: host and pid once known, else the target.
    public var name: String {
        guard let instance = snapshot?.instance else { return target }
        return "\(instance.hostName) pid \(instance.processID)"
    }

    /// The instance seen through `control`.
    public init(_ control: any ServerControl) {
        switch control.link {
        case .inProcess:
            target = "in process"
            reachability = .live
        case .attached(let target, let reachability):
            self.target = target
            self.reachability = reachability
        }
        let snapshot = control.snapshot()
        // An attached server that has not answered yet gives a placeholder.
        self.snapshot = snapshot.instance.isKnown ? snapshot : nil
    }

    /// An instance with these fields, for tests and other front ends.
    public init(target: String, reachability: Reachability, snapshot: RuntimeSnapshot?) {
        self.target = target
        self.reachability = reachability
        self.snapshot = snapshot
    }
}

/// One model across a fleet: where it is served and in what state, and its traffic summed over
/// the live instances. Percentiles come from the summed latency histograms, never from averaged
/// percentiles.
public struct FleetModel: Sendable {
    /// The model's id.
    public var key: String
    /// Its state on each instance as `/readyz` names it (``ModelSnapshot/readinessName``: a
    /// lifecycle state, or `unreachable`), in the fleet's order; `nil` where it is not served or
    /// the instance does not answer (its last snapshot would be stale).
    public var states: [String?]
    /// Requests per second over the last second, live instances summed.
    public var rate1s: Double
    /// Requests in flight, live instances summed.
    public var inFlight: Int
    /// Error answers, live instances summed.
    public var errors: Int
    /// The live instances' latency histograms summed.
    public var latencyHistogram: LatencyHistogram

    /// Instances where it is ready.
    public var readyCount: Int { states.filter { $0 == ModelState.ready.name }.count }
    /// Instances that serve it at all.
    public var servedCount: Int { states.filter { $0 != nil }.count }
}

/// The fleet's numbers, computed from its instances' snapshots.
public struct FleetView: Sendable {
    /// The instances, in the order they were given (a DNS name's addresses sorted).
    public var instances: [FleetInstance]
    /// Every model served anywhere, in the order first seen.
    public var models: [FleetModel]

    /// The view of `instances`.
    public init(_ instances: [FleetInstance]) {
        self.instances = instances
        var models: [FleetModel] = []
        var index: [String: Int] = [:]
        for (position, instance) in instances.enumerated() {
            for model in instance.snapshot?.models ?? [] {
                let slot: Int
                if let known = index[model.key] {
                    slot = known
                } else {
                    slot = models.count
                    index[model.key] = slot
                    models.append(
                        FleetModel(
                            key: model.key, states: Array(repeating: nil, count: instances.count), rate1s: 0, inFlight: 0, errors: 0,
                            latencyHistogram: LatencyHistogram()))
                }
                guard instance.isLive else { continue }
                models[slot].states[position] = model.readinessName
                models[slot].rate1s += model.rate1s
                models[slot].inFlight += model.inFlight
                models[slot].errors += model.errors
                models[slot].latencyHistogram = models[slot].latencyHistogram + model.latencyHistogram
            }
        }
        self.models = models
    }

    /// Live instances.
    public var liveCount: Int { instances.filter(\.isLive).count }
    /// Requests per second over the last second, every live instance summed.
    public var totalRate: Double { models.reduce(0) { $0 + $1.rate1s } }
    /// Requests in flight on the live instances.
    public var totalInFlight: Int { models.reduce(0) { $0 + $1.inFlight } }
    /// Error answers on the live instances.
    public var totalErrors: Int { models.reduce(0) { $0 + $1.errors } }
    /// Every live instance's latency histogram summed.
    public var latencyHistogram: LatencyHistogram { models.reduce(LatencyHistogram()) { $0 + $1.latencyHistogram } }
}
