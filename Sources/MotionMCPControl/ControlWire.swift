public import MotionMCPProtocol

/// The control API's JSON: a ``RuntimeSnapshot`` and a log line as `/v1/snapshot` and
/// `/v1/events` send them, and back. The server encodes with it and an attached console decodes
/// with it, so the two cannot drift apart.
///
/// Durations are seconds (`*_seconds`) or milliseconds (`p50_ms`…) as JSON numbers; the latency
/// histogram is cumulative counts over ``LatencyHistogram/upperBoundsMicroseconds`` (the finite
/// bounds are listed; the last count is the total), so the snapshots of several instances can be
/// summed. `p50_ms`, `p95_ms` and `p99_ms` are read from that histogram
/// (``LatencyHistogram/percentile(_:)``) for clients that want them ready-made; decoding reads
/// them from the histogram again rather than from these fields, so a console shows the numbers
/// it would compute for a fleet of one.
public enum ControlWire {
    /// The snapshot as the control API sends it.
    public static func encode(_ snapshot: RuntimeSnapshot) -> JSONValue {
        let instance = snapshot.instance
        return [
            "instance": [
                "host_name": .string(instance.hostName), "pid": .integer(instance.processID),
                "version": .string(instance.version), "listen_address": .string(instance.listenAddress),
                "started_at": .double(instance.startedAt),
            ],
            "uptime_seconds": .double(snapshot.uptime.seconds),
            "openapi_enabled": .bool(snapshot.openAPIEnabled),
            "shutting_down": .bool(snapshot.isShuttingDown),
            "models": .array(snapshot.models.map(encode)),
        ]
    }

    /// The upper bounds the histogram's counts are listed against (all but the open band's).
    static let finiteBounds = LatencyHistogram.upperBoundsMicroseconds.dropLast().map { JSONValue.int($0) }

    private static func encode(_ model: ModelSnapshot) -> JSONValue {
        var object: JSONObject = [
            "id": .string(model.key), "state": .string(model.state.name), "readiness": .string(model.readinessName),
            "transitions": .array(
                model.transitions.map { ["state": .string($0.state.name), "at_seconds": .double($0.at.seconds)] }),
            "requests": .integer(model.requests), "rate_1s": .double(model.rate1s), "rate_10s": .double(model.rate10s),
            "rate_60s": .double(model.rate60s), "rate_history": .array(model.rateHistory.map { .integer($0) }),
            "p50_ms": milliseconds(model.latencyP50), "p95_ms": milliseconds(model.latencyP95),
            "p99_ms": milliseconds(model.latencyP99),
            "latency_histogram": [
                "upper_bounds_us": .array(finiteBounds),
                "cumulative_counts": .array(model.latencyHistogram.cumulativeCounts.map { .integer($0) }),
            ],
            "in_flight": .integer(model.inFlight),
            "errors_by_code": .object(JSONObject(model.errorsByCode.map { ($0.code, .integer($0.count)) })),
            "setup_seconds": seconds(model.setupDuration), "teardown_seconds": seconds(model.teardownDuration),
        ]
        if case .failed(let reason) = model.state { object["failure_reason"] = .string(reason) }
        if let spec = model.spec {
            var writer = JSONWriter()
            spec.writeCapabilities(to: &writer)
            object["spec"] = (try? JSONParser.parse(writer.bytes)) ?? .null
        } else {
            object["spec"] = .null
        }
        if let replicas = model.replicas { object["replicas"] = .array(replicas.map(encode)) }
        if let sizes = model.batchSizes {
            object["batch_sizes"] = .object(JSONObject(sizes.sorted { $0.key < $1.key }.map { ("\($0.key)", .integer($0.value)) }))
        }
        if let jobs = model.jobs {
            object["jobs"] = ["queued": .integer(jobs.queued), "running": .integer(jobs.running), "finished": .integer(jobs.finished)]
        }
        if let drain = model.drain {
            object["drain"] = [
                "in_flight_left": .integer(drain.inFlightLeft), "waited_seconds": .double(drain.waited.seconds),
                "timeout_seconds": .double(drain.timeout.seconds),
            ]
        } else {
            object["drain"] = .null
        }
        return .object(object)
    }

    /// The snapshot in `value`; throws ``ControlWireError`` naming the first field that is missing
    /// or of the wrong type. A spec that does not decode is left out rather than failing the rest.
    public static func decodeSnapshot(_ value: JSONValue) throws(ControlWireError) -> RuntimeSnapshot {
        let root = try Reader(value, path: "snapshot")
        let instance = try root.object("instance")
        return RuntimeSnapshot(
            instance: InstanceIdentity(
                hostName: try instance.string("host_name"), processID: try instance.int("pid"),
                version: try instance.string("version"), listenAddress: try instance.string("listen_address"),
                startedAt: try instance.double("started_at")),
            uptime: .seconds(try root.double("uptime_seconds")), openAPIEnabled: try root.bool("openapi_enabled"),
            isShuttingDown: try root.bool("shutting_down"),
            models: try root.array("models").map(decodeModel))
    }

    private static func decodeModel(_ model: Reader) throws(ControlWireError) -> ModelSnapshot {
        let key = try model.string("id")
        let state = try decodeState(try model.string("state"), reason: model.optionalString("failure_reason"), at: model)
        let histogram = try model.object("latency_histogram")
        let counts = try histogram.array("cumulative_counts").map { reader throws(ControlWireError) in try reader.asInt() }
        guard let latencyHistogram = LatencyHistogram(cumulativeCounts: counts) else {
            throw ControlWireError("\(histogram.path).cumulative_counts does not fit this console's latency bands")
        }
        let drain = try model.optionalObject("drain").map { drain throws(ControlWireError) in
            DrainProgress(
                inFlightLeft: try drain.int("in_flight_left"), waited: .seconds(try drain.double("waited_seconds")),
                timeout: .seconds(try drain.double("timeout_seconds")))
        }
        let spec = model.optionalObject("spec").flatMap { entry in
            try? ModelSpec(id: key, fps: 30, canonicalSkeleton: .standIn).overlaid(with: entry.object)
        }
        return ModelSnapshot(
            key: key, state: state, spec: spec, requests: try model.int("requests"), rate1s: try model.double("rate_1s"),
            rate10s: try model.double("rate_10s"), rate60s: try model.double("rate_60s"),
            rateHistory: try model.array("rate_history").map { reader throws(ControlWireError) in try reader.asInt() },
            latencyHistogram: latencyHistogram, inFlight: try model.int("in_flight"),
            errorsByCode: try model.object("errors_by_code").object.entries.map { entry throws(ControlWireError) in
                guard case .int(let count) = entry.value else {
                    throw ControlWireError("\(model.path).errors_by_code.\(entry.key) is not an integer")
                }
                return (entry.key, Int(count))
            },
            setupDuration: model.optionalDouble("setup_seconds").map { .seconds($0) },
            teardownDuration: model.optionalDouble("teardown_seconds").map { .seconds($0) }, drain: drain,
            transitions: try model.array("transitions").map { transition throws(ControlWireError) in
                ModelTransition(
                    state: try decodeState(try transition.string("state"), reason: nil, at: transition),
                    at: .seconds(try transition.double("at_seconds")))
            },
            replicas: try model.optionalArray("replicas")?.map(decodeReplica),
            batchSizes: try model.optionalObject("batch_sizes").map { sizes throws(ControlWireError) in
                try Dictionary(
                    uniqueKeysWithValues: sizes.object.entries.map { entry throws(ControlWireError) in
                        guard let size = Int(entry.key), case .int(let count) = entry.value else {
                            throw ControlWireError("\(sizes.path).\(entry.key) is not a batch size and a count")
                        }
                        return (size, Int(count))
                    })
            },
            jobs: try model.optionalObject("jobs").map { jobs throws(ControlWireError) in
                JobCounts(queued: try jobs.int("queued"), running: try jobs.int("running"), finished: try jobs.int("finished"))
            })
    }

    /// One replica of a model served upstream.
    private static func encode(_ replica: ReplicaSnapshot) -> JSONValue {
        var object: JSONObject = [
            "address": .string(replica.address), "state": .string(replica.state.rawValue),
            "in_flight": .integer(replica.inFlight), "requests": .integer(replica.requests),
            "ejections": .integer(replica.ejections), "retries": .integer(replica.retries),
        ]
        if let probe = replica.lastProbe {
            object["last_probe"] = [
                "at": .double(probe.at), "passed": .bool(probe.passed), "failure": probe.failure.map(JSONValue.string) ?? .null,
            ]
        } else {
            object["last_probe"] = .null
        }
        return .object(object)
    }

    private static func decodeReplica(_ replica: Reader) throws(ControlWireError) -> ReplicaSnapshot {
        let name = try replica.string("state")
        guard let state = ReplicaState(rawValue: name) else {
            throw ControlWireError("\(replica.path).state '\(name)' is not a replica state")
        }
        let probe = try replica.optionalObject("last_probe").map { probe throws(ControlWireError) in
            ProbeReport(at: try probe.double("at"), passed: try probe.bool("passed"), failure: probe.optionalString("failure"))
        }
        return ReplicaSnapshot(
            address: try replica.string("address"), state: state, lastProbe: probe, inFlight: try replica.int("in_flight"),
            requests: try replica.int("requests"), ejections: try replica.int("ejections"), retries: try replica.int("retries"))
    }

    private static func decodeState(_ name: String, reason: String?, at reader: Reader) throws(ControlWireError) -> ModelState {
        switch name {
        case "settingUp": return .settingUp
        case "ready": return .ready
        case "draining": return .draining
        case "tearingDown": return .tearingDown
        case "removed": return .removed
        case "failed": return .failed(reason: reason ?? "")
        default: throw ControlWireError("\(reader.path).state '\(name)' is not a model state")
        }
    }

    /// One log line as `/v1/events` sends it: `{"type":"log","level":…,"message":…,"at":…}`
    /// (`at` in seconds since 1970-01-01 UTC), with its metadata as strings.
    public static func encodeLog(level: String, message: String, metadata: [(String, String)], at: Double) -> JSONValue {
        [
            "type": "log", "level": .string(level), "message": .string(message), "at": .double(at),
            "metadata": .object(JSONObject(metadata.map { ($0.0, .string($0.1)) })),
        ]
    }

    private static func milliseconds(_ duration: Duration?) -> JSONValue {
        duration.map { .double($0.seconds * 1000) } ?? .null
    }

    private static func seconds(_ duration: Duration?) -> JSONValue {
        duration.map { .double($0.seconds) } ?? .null
    }

    /// Typed access to a JSON object, with the path of each field for errors.
    struct Reader {
        /// The value read: an object, or an array's scalar element (read with ``asInt()``).
        private let value: JSONValue
        let path: String

        /// A reader of `value`, which must be an object.
        init(_ value: JSONValue, path: String) throws(ControlWireError) {
            guard case .object = value else { throw ControlWireError("\(path) is not an object") }
            self.init(element: value, path: path)
        }

        private init(element: JSONValue, path: String) {
            self.value = element
            self.path = path
        }

        var object: JSONObject { value.objectValue ?? JSONObject() }

        private func member(_ key: String) throws(ControlWireError) -> JSONValue {
            guard let value = object[key] else { throw ControlWireError("\(path).\(key) is missing") }
            return value
        }

        func string(_ key: String) throws(ControlWireError) -> String {
            guard case .string(let text) = try member(key) else { throw ControlWireError("\(path).\(key) is not a string") }
            return text
        }

        func optionalString(_ key: String) -> String? { object[key]?.stringValue }

        func int(_ key: String) throws(ControlWireError) -> Int {
            guard case .int(let number) = try member(key) else { throw ControlWireError("\(path).\(key) is not an integer") }
            return Int(number)
        }

        func double(_ key: String) throws(ControlWireError) -> Double {
            guard let number = try member(key).numberValue else { throw ControlWireError("\(path).\(key) is not a number") }
            return number
        }

        func optionalDouble(_ key: String) -> Double? { object[key]?.numberValue }

        func bool(_ key: String) throws(ControlWireError) -> Bool {
            guard case .bool(let flag) = try member(key) else { throw ControlWireError("\(path).\(key) is not a boolean") }
            return flag
        }

        func object(_ key: String) throws(ControlWireError) -> Reader {
            try Reader(try member(key), path: "\(path).\(key)")
        }

        func optionalObject(_ key: String) -> Reader? {
            guard let value = object[key], case .object = value else { return nil }
            return try? Reader(value, path: "\(path).\(key)")
        }

        func array(_ key: String) throws(ControlWireError) -> [Reader] {
            guard case .array(let items) = try member(key) else { throw ControlWireError("\(path).\(key) is not an array") }
            return items.enumerated().map { index, item in Reader(element: item, path: "\(path).\(key)[\(index)]") }
        }

        func optionalArray(_ key: String) throws(ControlWireError) -> [Reader]? {
            guard object[key] != nil else { return nil }
            return try array(key)
        }

        func asInt() throws(ControlWireError) -> Int {
            guard case .int(let number) = value else { throw ControlWireError("\(path) is not an integer") }
            return Int(number)
        }
    }
}

/// An answer of the control API that is not what this console expects, naming the field.
public struct ControlWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, with the field's path.
    public var message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
