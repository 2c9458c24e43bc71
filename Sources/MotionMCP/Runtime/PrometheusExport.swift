import CoreMetrics
import NIOCore
public import Prometheus
import Synchronization

/// The server's Prometheus metrics: one collector registry per server (no process-wide
/// bootstrap, so several servers and tests can coexist), exported as text at `/metrics`.
///
/// Every series is labelled `model` with the registry key.
public final class PrometheusExport: Sendable {
    /// The collector registry; add your own metrics to it to export them at the same endpoint.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    /// Buckets of the request, wait and generate duration histograms, from 1 ms to 5 min.
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
    ]

    /// A fresh registry.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.durationBuckets
        self.factory = factory
    }

    /// The Prometheus text exposition of every metric.
    public func text() -> [UInt8] { registry.emitToBuffer() }

    func instruments(model: String) -> ModelInstruments { ModelInstruments(model: model, factory: factory) }
}

/// One model's Prometheus series.
final class ModelInstruments: Sendable {
    private let model: String
    private let factory: PrometheusMetricsFactory
    private let inFlight: Meter
    private let requestDuration: CoreMetrics.Timer
    private let queueWait: CoreMetrics.Timer
    private let generateDuration: CoreMetrics.Timer
    private let setupDuration: Recorder
    private let teardownDuration: Recorder
    /// Request counters by "status code|error code", made on first use.
    private let requestCounters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let stateGauges: [String: Recorder]

    init(model: String, factory: PrometheusMetricsFactory) {
        self.model = model
        self.factory = factory
        let labels = [("model", model)]
        inFlight = Meter(label: "mmcp_requests_in_flight", dimensions: labels, factory: factory)
        requestDuration = CoreMetrics.Timer(label: "mmcp_request_duration_seconds", dimensions: labels, factory: factory)
        queueWait = CoreMetrics.Timer(label: "mmcp_queue_wait_seconds", dimensions: labels, factory: factory)
        generateDuration = CoreMetrics.Timer(label: "mmcp_generate_duration_seconds", dimensions: labels, factory: factory)
        setupDuration = Recorder(label: "mmcp_setup_duration_seconds", dimensions: labels, aggregate: false, factory: factory)
        teardownDuration = Recorder(label: "mmcp_teardown_duration_seconds", dimensions: labels, aggregate: false, factory: factory)
        stateGauges = Dictionary(
            uniqueKeysWithValues: ModelState.allNames.map { name in
                (name, Recorder(label: "mmcp_model_state", dimensions: labels + [("state", name)], aggregate: false, factory: factory))
            })
    }

    func requestStarted() { inFlight.increment() }
    func requestEnded() { inFlight.decrement() }

    /// One answered request: its status, error code, total time, and (when the backbone was
    /// called) the wait before the call and the call itself.
    func record(status: Int, errorCode: String?, total: Duration, wait: Duration?, generate: Duration?) {
        let key = "\(status)|\(errorCode ?? "")"
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(
                label: "mmcp_requests_total",
                dimensions: [("model", model), ("status", String(status)), ("code", errorCode ?? "")], factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
        requestDuration.recordNanoseconds(TimeAmount(total).nanoseconds)
        if let wait { queueWait.recordNanoseconds(TimeAmount(wait).nanoseconds) }
        if let generate { generateDuration.recordNanoseconds(TimeAmount(generate).nanoseconds) }
    }

    func recordSetup(_ duration: Duration) { setupDuration.record(duration / .seconds(1)) }
    func recordTeardown(_ duration: Duration) { teardownDuration.record(duration / .seconds(1)) }

    /// Sets `mmcp_model_state{state}` to 1 for `state` and 0 for the others.
    func setState(_ state: ModelState) {
        for (name, gauge) in stateGauges { gauge.record(name == state.name ? 1 : 0) }
    }
}
