import Logging
import Synchronization

/// A model under the id requests use to reach it.
public struct RegisteredModel: Sendable {
    /// The registry key: what requests put in `model` and what `unknown_model` lists.
    public let key: String
    /// What answers the model's requests.
    package let source: ModelSource

    /// A backbone in this process under `key`.
    public init(key: String, backbone: any Backbone) {
        self.init(key: key, source: .backbone(backbone))
    }

    /// A model under `key` answered by `source`.
    package init(key: String, source: ModelSource) {
        self.key = key
        self.source = source
    }
}

/// Why a set of backbones cannot be served, or a model cannot be added.
public struct RegistrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// The models a server serves, in registration order, with their lifecycle.
///
/// Requests look models up here on every call (routes are fixed once the server runs, the set of
/// models is not). Readers get the current list without waiting: it is replaced as a whole, never
/// edited in place. State transitions go through one owner, the registry's lifecycle actor.
public final class ModelRegistry: Sendable {
    private let current: Mutex<[ServedModel]>
    /// The registration index the next added model gets.
    private let nextIndex: Atomic<Int>
    /// Set when any drain ran into its timeout (`mmcp-console` then exits with status 3).
    package let drainTimedOut = Atomic(false)
    package let epoch: ContinuousClock.Instant
    package let lifecycle: ModelLifecycle
    /// The Prometheus series of every model, or `nil` when metrics are off.
    public let prometheus: PrometheusExport?

    /// A registry serving `models`; throws when two share a key or a key breaks `ModelID`'s
    /// rule. With `recordsMetrics` off, no request is counted (for measuring what the metrics cost).
    public init(
        _ models: [RegisteredModel], logger: Logger = Logger(label: "mmcp"), recordsMetrics: Bool = true
    ) throws(RegistrationError) {
        var seen = Set<String>()
        for model in models {
            if let problem = ModelID.problem(model.key) { throw RegistrationError(problem) }
            guard seen.insert(model.key).inserted else { throw RegistrationError("duplicate model id '\(model.key)'") }
        }
        let epoch = ContinuousClock.now
        let prometheus = recordsMetrics ? PrometheusExport() : nil
        self.epoch = epoch
        self.prometheus = prometheus
        current = Mutex(
            models.enumerated().map { index, model in
                ServedModel(
                    key: model.key, source: model.source, registrationIndex: index, epoch: epoch,
                    instruments: prometheus?.instruments(model: model.key))
            })
        nextIndex = Atomic(models.count)
        lifecycle = ModelLifecycle(logger: logger)
    }

    /// The models served now (every state but removed), in registration order.
    public var models: [ServedModel] { current.withLock { $0 } }

    /// The model served under `key`.
    public func model(forKey key: String) -> ServedModel? {
        current.withLock { models in models.first { $0.key == key } }
    }

    /// Adds a model in state `settingUp`; throws when the key is taken or breaks `ModelID`'s rule.
    @discardableResult
    package func add(_ model: RegisteredModel) throws(RegistrationError) -> ServedModel {
        if let problem = ModelID.problem(model.key) { throw RegistrationError(problem) }
        let served = ServedModel(
            key: model.key, source: model.source, registrationIndex: nextIndex.add(1, ordering: .relaxed).oldValue,
            epoch: epoch, instruments: prometheus?.instruments(model: model.key))
        try current.withLock { (models: inout [ServedModel]) throws(RegistrationError) in
            guard !models.contains(where: { $0.key == model.key }) else {
                throw RegistrationError("a model with id '\(model.key)' is already served")
            }
            models.append(served)
        }
        return served
    }

    /// Whether any drain of this registry ran into its drain timeout (and stopped requests).
    public var anyDrainTimedOut: Bool { drainTimedOut.load(ordering: .relaxed) }

    /// Drops a model from the list (after its teardown).
    package func remove(_ model: ServedModel) {
        current.withLock { models in models.removeAll { $0 === model } }
    }
}

extension ModelRegistry {
    /// Keys for a list of backbones: each one's ``Backbone/modelID`` when it is not empty, else its
    /// spec's id (read before ``Backbone/setup()``, as the reference does).
    public static func keyed(_ backbones: [any Backbone]) throws(RegistrationError) -> [RegisteredModel] {
        guard !backbones.isEmpty else { throw RegistrationError("at least one backbone is required") }
        return backbones.map { backbone in
            let key = backbone.modelID.flatMap { $0.isEmpty ? nil : $0 } ?? backbone.capabilities().id
            return RegisteredModel(key: key, backbone: backbone)
        }
    }
}
