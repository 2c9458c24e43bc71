import Foundation
import Logging
import MotionMCPAttach
import MotionMCPTestSupport
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// The control API's values, without a process: the latency histogram, the snapshot's JSON both
/// ways, log lines, token files, attach targets and the default socket path.
@Suite("The control API's wire types")
struct ControlWireTests {
    // MARK: LatencyHistogram

    /// A histogram of these latencies, in microseconds.
    static func histogram(_ samples: [Int64]) -> LatencyHistogram {
        LatencyHistogram(samples: samples.map { ($0, 1) })
    }

    @Test("the latency bands run from 10 µs to 100 s ten per decade, then one open band")
    func latencyBands() {
        let bounds = LatencyHistogram.upperBoundsMicroseconds
        #expect(bounds.count == 72)
        #expect(Array(bounds.prefix(11)) == [10, 12, 16, 20, 25, 31, 40, 50, 63, 80, 100])
        #expect(Array(bounds.suffix(2)) == [100_000_000, Int64.max])
        #expect(bounds == bounds.sorted() && Set(bounds).count == bounds.count)
        #expect(LatencyHistogram().cumulativeCounts == Array(repeating: 0, count: 72))
    }

    @Test("each count is the requests at or below its band's bound, so the last is the total")
    func cumulativeCounts() throws {
        let histogram = Self.histogram([5, 11, 12, 13, 150_000, 200_000_000])
        let counts = histogram.cumulativeCounts
        let bounds = LatencyHistogram.upperBoundsMicroseconds
        #expect(counts[0] == 1)
        #expect(counts[1] == 3)
        #expect(counts[2] == 4)
        #expect(counts[try #require(bounds.firstIndex(of: 125_000))] == 4)
        #expect(counts[try #require(bounds.firstIndex(of: 160_000))] == 5)
        #expect(counts[bounds.count - 2] == 5)
        #expect(histogram.total == 6)
        let bands = histogram.bands.filter { $0.count > 0 }
        #expect(bands.map(\.count) == [1, 2, 1, 1, 1])
        #expect(bands.map(\.upperBound) == [.microseconds(10), .microseconds(12), .microseconds(16), .microseconds(160_000), .seconds(100)])
    }

    @Test("a percentile is interpolated inside the band its rank falls in")
    func percentileInterpolation() {
        let oneBand = Self.histogram([1_100, 1_100, 1_100, 1_100])
        #expect(oneBand.percentile(50) == .microseconds(1_125))
        #expect(oneBand.percentile(100) == .microseconds(1_250))
        #expect(oneBand.percentile(25) == .microseconds(1_063))
        let twoBands = Self.histogram([11, 11, 1_100, 1_100])
        #expect(twoBands.percentile(50) == .microseconds(12))
        #expect(twoBands.percentile(75) == .microseconds(1_125))
        #expect(Self.histogram([200_000_000]).percentile(50) == .seconds(100))
        #expect(LatencyHistogram().percentile(50) == nil)
    }

    @Test("a percentile of nothing is nil, of one request its band's bound, of one band a place in it, above 100 s 100 s")
    func percentileEdges() {
        #expect(LatencyHistogram().percentile(0) == nil)
        #expect(LatencyHistogram().percentile(95) == nil)
        // One request: every percentile is its rank 1, the top of its band (1 ms < 1.1 ms ≤ 1.25 ms).
        let one = Self.histogram([1_100])
        #expect([0, 50, 95, 100].map { one.percentile($0) } == Array(repeating: .microseconds(1_250), count: 4))
        // All 100 in one band: the rank's share of the band, never outside it.
        let oneBand = Self.histogram(Array(repeating: 1_100, count: 100))
        #expect(oneBand.percentile(40) == .microseconds(1_100))
        #expect(oneBand.percentile(90) == .microseconds(1_225))
        #expect(oneBand.percentile(100) == .microseconds(1_250))
        // The first band starts at zero.
        #expect(Self.histogram([3, 3]).percentile(50) == .microseconds(5))
        // Above 100 s there is no upper bound: 100 s, a lower bound, whatever the latencies were.
        let slow = Self.histogram([50_000, 200_000_000, 3_600_000_000, Int64.max])
        #expect(slow.percentile(95) == LatencyHistogram.ceiling)
        #expect(slow.percentile(25) == .microseconds(50_000))
        #expect(LatencyHistogram.ceiling == .seconds(100))
        // Out-of-range percents are clamped to 0 and 100.
        #expect(slow.percentile(-5) == slow.percentile(0))
        #expect(slow.percentile(250) == LatencyHistogram.ceiling)
    }

    @Test("a recorded latency counts in the band whose bound is the first at or above it, rounded up to a microsecond")
    func recordRoundsUp() {
        var histogram = LatencyHistogram()
        for latency: Duration in [.microseconds(10), .nanoseconds(10_001), .zero, .nanoseconds(-5), .seconds(100), .seconds(100) + .nanoseconds(1)] {
            histogram.record(latency)
        }
        #expect(histogram.bands.prefix(2).map(\.count) == [3, 1])
        #expect(histogram.bands.suffix(2).map(\.count) == [1, 1])
        #expect(histogram.total == 6)
    }

    @Test("a percentile reads with two significant digits, the most the bands give, and as ≥100s past the last band")
    func percentileText() {
        let cases: [(Duration?, String)] = [
            (nil, "-"), (.zero, "0µs"), (.microseconds(8), "8µs"), (.microseconds(12), "12µs"), (.microseconds(854), "850µs"),
            (.microseconds(996), "1.0ms"), (.microseconds(1_125), "1.1ms"), (.microseconds(12_345), "12ms"),
            (.microseconds(48_500), "49ms"), (.microseconds(123_456), "120ms"), (.milliseconds(1_250), "1.3s"),
            (.seconds(85), "85s"), (.milliseconds(99_700), "100s"), (.seconds(100), "≥100s"), (.seconds(3600), "≥100s"),
        ]
        for (percentile, text) in cases {
            #expect(LatencyHistogram.text(of: percentile) == text, "\(String(describing: percentile))")
        }
    }

    @Test("+ adds two histograms band by band")
    func sum() {
        let first = Self.histogram([11, 1_100, 1_100])
        let second = Self.histogram([11, 50_000])
        let total = first + second
        #expect(total.cumulativeCounts == zip(first.cumulativeCounts, second.cumulativeCounts).map { $0 + $1 })
        #expect(total == Self.histogram([11, 11, 1_100, 1_100, 50_000]))
        #expect(total.total == 5)
        #expect(first + LatencyHistogram() == first)
    }

    @Test("a model's metrics count each request once, in the band of its latency, from 10 µs to past 100 s")
    func metricsFillTheBands() {
        let metrics = ModelMetrics()
        let bounds = LatencyHistogram.upperBoundsMicroseconds
        // In band k: k + 1 requests in its middle and one exactly at its bound (which belongs to
        // it, not to the next band); and three requests above 100 s.
        for (band, upper) in bounds.dropLast().enumerated() {
            let lower = band == 0 ? 0 : bounds[band - 1]
            for _ in 0...band { metrics.record(latency: .microseconds((lower + upper) / 2), errorCode: nil) }
            metrics.record(latency: .microseconds(upper), errorCode: nil)
        }
        for _ in 0..<3 { metrics.record(latency: .seconds(200), errorCode: nil) }
        let histogram = metrics.read().histogram
        #expect(histogram.bands.map(\.count) == Array(2...bounds.count) + [3])
        #expect(histogram.total == (2...bounds.count).reduce(3, +))
    }

    @Test("counts that do not fit the bands are refused: the wrong length, a decrease, a negative count")
    func refusedCounts() {
        let good = Array(0..<72)
        #expect(LatencyHistogram(cumulativeCounts: good)?.total == 71)
        #expect(LatencyHistogram(cumulativeCounts: Array(good.dropLast())) == nil)
        #expect(LatencyHistogram(cumulativeCounts: good + [71]) == nil)
        #expect(LatencyHistogram(cumulativeCounts: []) == nil)
        var decreasing = good
        decreasing[40] = 3
        #expect(LatencyHistogram(cumulativeCounts: decreasing) == nil)
        #expect(LatencyHistogram(cumulativeCounts: [-1] + Array(repeating: 0, count: 71)) == nil)
    }

    // MARK: ControlWire

    /// A server with one model of each kind: serving with traffic and a spec, failed, draining.
    static let snapshot: RuntimeSnapshot = {
        var spec = ModelSpec(id: "walker", fps: 24, canonicalSkeleton: NullBackbone.defaultSkeleton)
        spec.supportsLoop = true
        spec.supportedSegments = ["text", "pose"]
        spec.limits.maxNumSamples = 4
        return RuntimeSnapshot(
            instance: InstanceIdentity(
                hostName: "pod-7", processID: 4242, version: "0.2.0", listenAddress: "0.0.0.0:8000", startedAt: 1_796_554_172.25),
            uptime: .milliseconds(61_500), openAPIEnabled: false, isShuttingDown: true,
            models: [
                ModelSnapshot(
                    key: "walker", state: .ready, spec: spec, requests: 7, rate1s: 2.5, rate10s: 0.75, rate60s: 0.125,
                    rateHistory: [0, 1, 2, 4], latencyHistogram: histogram([11, 1_100, 1_100, 12_000, 150_000, 150_000, 150_000]),
                    inFlight: 3, errorsByCode: [("timeout", 2), ("resource_exhausted", 1)], setupDuration: .milliseconds(250),
                    transitions: [ModelTransition(state: .settingUp, at: .zero), ModelTransition(state: .ready, at: .milliseconds(250))]),
                ModelSnapshot(
                    key: "broken", state: .failed(reason: "weights missing: /models/x.pt"), setupDuration: .milliseconds(10),
                    transitions: [ModelTransition(state: .settingUp, at: .zero), ModelTransition(state: .failed(reason: ""), at: .milliseconds(10))]),
                ModelSnapshot(
                    key: "gpu", state: .ready,
                    replicas: [
                        ReplicaSnapshot(
                            address: "http://gpu-1:8000", state: .up, lastProbe: ProbeReport(at: 1_796_554_200.5, passed: true, failure: nil),
                            inFlight: 2, requests: 40, ejections: 1, retries: 3),
                        ReplicaSnapshot(
                            address: "http://gpu-2:8000/motion", state: .down,
                            lastProbe: ProbeReport(at: 1_796_554_201, passed: false, failure: "connection refused"), inFlight: 0, requests: 7,
                            ejections: 2, retries: 0),
                        ReplicaSnapshot(
                            address: "http://gpu-3:8000", state: .mismatch, lastProbe: nil, inFlight: 0, requests: 0, ejections: 0, retries: 0),
                    ],
                    batchSizes: [1: 4, 16: 2], jobs: JobCounts(queued: 1, running: 2, finished: 3)),
                ModelSnapshot(
                    key: "null", state: .draining, inFlight: 2,
                    drain: DrainProgress(inFlightLeft: 2, waited: .milliseconds(1_500), timeout: .seconds(30)),
                    transitions: [ModelTransition(state: .ready, at: .seconds(1)), ModelTransition(state: .draining, at: .seconds(60))]),
            ])
    }()

    /// `value` written as the control API sends it and parsed back, as a client receives it.
    static func overTheWire(_ value: JSONValue) throws -> JSONValue {
        var writer = JSONWriter()
        writer.value(value)
        return try JSONParser.parse(writer.bytes)
    }

    @Test("a snapshot survives the wire: instance, a failed model's reason, a drain's progress, a spec, errors by code and the histogram")
    func snapshotRoundTrip() throws {
        let original = Self.snapshot
        let decoded = try ControlWire.decodeSnapshot(try Self.overTheWire(ControlWire.encode(original)))
        #expect(decoded.instance == original.instance)
        #expect(decoded.uptime == original.uptime)
        #expect(decoded.openAPIEnabled == false)
        #expect(decoded.isShuttingDown == true)
        #expect(decoded.models.map(\.key) == ["walker", "broken", "gpu", "null"])
        for (got, sent) in zip(decoded.models, original.models) {
            #expect(got.state == sent.state, "\(sent.key)")
            #expect(got.spec == sent.spec, "\(sent.key)")
            #expect(got.requests == sent.requests, "\(sent.key)")
            #expect([got.rate1s, got.rate10s, got.rate60s] == [sent.rate1s, sent.rate10s, sent.rate60s], "\(sent.key)")
            #expect(got.rateHistory == sent.rateHistory, "\(sent.key)")
            #expect(got.latencyHistogram == sent.latencyHistogram, "\(sent.key)")
            #expect(got.inFlight == sent.inFlight, "\(sent.key)")
            #expect(got.errorsByCode.map { "\($0.code)=\($0.count)" } == sent.errorsByCode.map { "\($0.code)=\($0.count)" }, "\(sent.key)")
            #expect(got.setupDuration == sent.setupDuration, "\(sent.key)")
            #expect(got.teardownDuration == sent.teardownDuration, "\(sent.key)")
            #expect(got.drain == sent.drain, "\(sent.key)")
            #expect(got.replicas == sent.replicas, "\(sent.key)")
            #expect(got.jobs == sent.jobs, "\(sent.key)")
            #expect(got.batchSizes == sent.batchSizes, "\(sent.key)")
            #expect(got.transitions.map(\.state.name) == sent.transitions.map(\.state.name), "\(sent.key)")
            #expect(got.transitions.map(\.at) == sent.transitions.map(\.at), "\(sent.key)")
        }
        #expect(decoded.models[1].state == .failed(reason: "weights missing: /models/x.pt"))
        #expect(decoded.models[3].drain == DrainProgress(inFlightLeft: 2, waited: .milliseconds(1_500), timeout: .seconds(30)))
        #expect(decoded.models[0].spec?.supportsLoop == true)
        #expect(decoded.models[0].latencyHistogram.total == 7)
        #expect(decoded.latencyHistogram == original.latencyHistogram)
    }

    @Test("p50_ms, p95_ms and p99_ms on the wire are the histogram's percentiles; a decoder reads the histogram's again")
    func percentilesOnTheWire() throws {
        let sent = Self.snapshot.models[0]
        var wire = try #require(ControlWire.encode(Self.snapshot).objectValue)
        var models = try #require(wire["models"]?.arrayValue)
        var model = try #require(models[0].objectValue)
        let percentiles: [(field: String, value: Duration?)] = [
            ("p50_ms", sent.latencyP50), ("p95_ms", sent.latencyP95), ("p99_ms", sent.latencyP99),
        ]
        for (field, value) in percentiles {
            let expected = try #require(value)
            #expect(model[field]?.numberValue == expected / .milliseconds(1), "\(field)")
            model[field] = .double(1)
        }
        #expect(sent.latencyP95 == sent.latencyHistogram.percentile(95))
        #expect(try #require(sent.latencyP95) > .milliseconds(100), "the 150 ms band holds the rank of p95")
        models[0] = .object(model)
        wire["models"] = .array(models)
        let decoded = try ControlWire.decodeSnapshot(.object(wire)).models[0]
        #expect([decoded.latencyP50, decoded.latencyP95, decoded.latencyP99] == [sent.latencyP50, sent.latencyP95, sent.latencyP99])
    }

    /// One step into a JSON value.
    enum Step: Sendable {
        case key(String)
        case index(Int)
    }

    /// A snapshot's JSON with one value changed (or removed), and the error that must name it.
    struct Damage: Sendable, CustomTestStringConvertible {
        var path: [Step]
        var value: JSONValue?
        var message: String

        var testDescription: String { message }
    }

    static let damages = [
        Damage(path: [.key("instance"), .key("pid")], value: nil, message: "snapshot.instance.pid is missing"),
        Damage(path: [.key("instance"), .key("pid")], value: "4242", message: "snapshot.instance.pid is not an integer"),
        Damage(path: [.key("uptime_seconds")], value: "long", message: "snapshot.uptime_seconds is not a number"),
        Damage(path: [.key("models")], value: .object(JSONObject()), message: "snapshot.models is not an array"),
        Damage(
            path: [.key("models"), .index(1), .key("state")], value: "sleeping", message: "snapshot.models[1].state 'sleeping' is not a model state"),
        Damage(
            path: [.key("models"), .index(0), .key("latency_histogram"), .key("cumulative_counts")], value: [1, 2],
            message: "snapshot.models[0].latency_histogram.cumulative_counts does not fit this console's latency bands"),
        Damage(
            path: [.key("models"), .index(0), .key("errors_by_code"), .key("timeout")], value: "2",
            message: "snapshot.models[0].errors_by_code.timeout is not an integer"),
        Damage(
            path: [.key("models"), .index(0), .key("rate_history"), .index(2)], value: 2.5,
            message: "snapshot.models[0].rate_history[2] is not an integer"),
        Damage(
            path: [.key("models"), .index(3), .key("drain"), .key("in_flight_left")], value: nil,
            message: "snapshot.models[3].drain.in_flight_left is missing"),
        Damage(
            path: [.key("models"), .index(2), .key("replicas"), .index(1), .key("state")], value: "asleep",
            message: "snapshot.models[2].replicas[1].state 'asleep' is not a replica state"),
        Damage(
            path: [.key("models"), .index(2), .key("replicas"), .index(0), .key("last_probe"), .key("passed")], value: nil,
            message: "snapshot.models[2].replicas[0].last_probe.passed is missing"),
        Damage(
            path: [.key("models"), .index(0), .key("transitions"), .index(1), .key("at_seconds")], value: "late",
            message: "snapshot.models[0].transitions[1].at_seconds is not a number"),
    ]

    @Test("a snapshot that does not decode names the field's path", arguments: damages)
    func decodeErrorsNameTheField(damage: Damage) throws {
        let damaged = Self.edit(ControlWire.encode(Self.snapshot), at: damage.path[...], to: damage.value)
        let error = #expect(throws: ControlWireError.self) { try ControlWire.decodeSnapshot(try Self.overTheWire(damaged)) }
        #expect(error?.message == damage.message)
    }

    @Test("a snapshot that is not an object is refused as such")
    func decodeNotAnObject() {
        let error = #expect(throws: ControlWireError.self) { try ControlWire.decodeSnapshot([1, 2]) }
        #expect(error?.message == "snapshot is not an object")
    }

    /// `value` with the member at `path` replaced by `new` (removed when `nil`).
    static func edit(_ value: JSONValue, at path: ArraySlice<Step>, to new: JSONValue?) -> JSONValue {
        guard let step = path.first else { return new ?? .null }
        switch (step, value) {
        case (.key(let key), .object(var object)):
            if path.count == 1 {
                object[key] = new
            } else {
                object[key] = edit(object[key] ?? .null, at: path.dropFirst(), to: new)
            }
            return .object(object)
        case (.index(let index), .array(var items)):
            items[index] = edit(items[index], at: path.dropFirst(), to: new)
            return .array(items)
        default:
            Issue.record("no \(step) in \(value.typeName)")
            return value
        }
    }

    @Test("a logger tapped by a LogBroadcast hands subscribers each line at its level as a log event, with its metadata")
    func logBroadcast() throws {
        let broadcast = LogBroadcast()
        var base = Logger(label: "test") { _ in DiscardingLogHandler() }
        base.logLevel = .info
        var logger = broadcast.tapping(base)
        logger[metadataKey: "server"] = "a"
        let received = Mutex<[JSONValue]>([])
        let subscription = broadcast.subscribe { line in received.withLock { $0.append(line) } }
        logger.debug("below the level")
        logger.notice("model added", metadata: ["model": "walker"])
        broadcast.unsubscribe(subscription)
        logger.info("after unsubscribing")
        let lines = received.withLock { $0 }
        try #require(lines.count == 1, "\(lines)")
        let line = try #require(lines[0].objectValue)
        #expect(line["type"] == .string("log"))
        #expect(line["level"] == .string("notice"))
        #expect(line["message"] == .string("model added"))
        #expect(line["metadata"] == .object(JSONObject([("model", .string("walker")), ("server", .string("a"))])))
        let at = try #require(line["at"]?.numberValue)
        #expect(abs(at - Date().timeIntervalSince1970) < 60)
    }

    @Test("the event stream escapes control characters in a line's message and metadata values, as standard error does")
    func logBroadcastEscapes() throws {
        let broadcast = LogBroadcast()
        let logger = broadcast.tapping(Logger(label: "test") { _ in DiscardingLogHandler() })
        let received = Mutex<[JSONValue]>([])
        let subscription = broadcast.subscribe { line in received.withLock { $0.append(line) } }
        defer { broadcast.unsubscribe(subscription) }
        logger.warning("not used\n2026 critical mmcp: FORGED", metadata: ["model": "evil\r\n\u{1B}[2J", "list": ["a\u{0}b"]])
        let line = try #require(received.withLock { $0 }.first?.objectValue)
        #expect(line["message"] == .string(#"not used\n2026 critical mmcp: FORGED"#))
        #expect(line["metadata"]?.objectValue?["model"] == .string(#"evil\r\n\u{1B}[2J"#))
        let list = try #require(line["metadata"]?.objectValue?["list"]?.stringValue)
        #expect(list.contains("a") && !list.unicodeScalars.contains { $0.value < 0x20 }, "\(list)")
    }

    // MARK: Token files

    /// Writes `contents` to a fresh file with `mode`, runs `body` with its path, and removes it.
    func withTokenFile<T>(_ contents: String, mode: mode_t = 0o600, _ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString)").path
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        chmod(path, mode)
        return try body(path)
    }

    @Test(
        "a token file yields one token per LEVEL NAME TOKEN line, skipping comments and blank lines, with LF or CRLF line ends",
        arguments: ["\n", "\r\n"])
    func goodTokenFile(lineEnd: String) throws {
        let lines = [
            "# who may do what", "", "read watcher 0123456789abcdef", "operate\tops  ops-token-of-20-chars",
            "admin root \(String(repeating: "x", count: 40))", "",
        ]
        let tokens = try withTokenFile(lines.joined(separator: lineEnd)) { try NetworkControl.tokens(fromFile: $0) }
        #expect(
            tokens == [
                ControlToken(level: .read, name: "watcher", secret: "0123456789abcdef"),
                ControlToken(level: .operate, name: "ops", secret: "ops-token-of-20-chars"),
                ControlToken(level: .admin, name: "root", secret: String(repeating: "x", count: 40)),
            ])
    }

    @Test(
        "a token file that does not fit is refused with a message naming the problem",
        arguments: [
            ("admin root 0123456789abcdef\nread watcher 0123456789abcde\n", 0o600, "line 2: a token needs at least 16 characters"),
            ("superuser root 0123456789abcdef\n", 0o600, "line 1: expected LEVEL NAME TOKEN"),
            ("read watcher 0123456789abcdef extra\n", 0o600, "line 1: expected LEVEL NAME TOKEN"),
            ("read 0123456789abcdef\n", 0o600, "line 1: expected LEVEL NAME TOKEN"),
            ("admin root 0123456789abcdef\n", 0o640, "can be read by its group or others (mode 640); chmod 600 it"),
            ("admin root 0123456789abcdef\n", 0o604, "can be read by its group or others (mode 604)"),
            ("admin root 0123456789abcdef\n", 0o620, "(mode 620)"),
            ("", 0o600, "holds no token"),
            ("# nothing yet\n\n", 0o600, "holds no token"),
        ] as [(String, mode_t, String)])
    func badTokenFiles(contents: String, mode: mode_t, mention: String) throws {
        let error = try withTokenFile(contents, mode: mode) { path in
            #expect(throws: ControlConfigurationError.self) { try NetworkControl.tokens(fromFile: path) }
        }
        #expect(error?.message.contains(mention) == true, "\(error?.message ?? "no error")")
    }

    @Test("a token file that is not there is refused by name")
    func missingTokenFile() {
        let error = #expect(throws: ControlConfigurationError.self) { try NetworkControl.tokens(fromFile: "/nonexistent/tokens") }
        #expect(error?.message == "cannot read the token file '/nonexistent/tokens'")
    }

    // MARK: Attach targets

    @Test(
        "an attach target is a socket path, an http(s) base URL, or dns:NAME:PORT",
        arguments: [
            ("/run/mmcp/control.sock", AttachTarget.socket(path: "/run/mmcp/control.sock")),
            ("control.sock", .socket(path: "control.sock")),
            ("http://h:1", .network(url: "http://h:1")),
            ("https://h:1/", .network(url: "https://h:1")),
            ("https://[::1]:9443", .network(url: "https://[::1]:9443")),
            ("dns:name:8001", .dns(name: "name", port: 8001, secure: false)),
            ("dns+https:mmcp-headless.ns.svc.cluster.local:9443", .dns(name: "mmcp-headless.ns.svc.cluster.local", port: 9443, secure: true)),
        ])
    func attachTargets(text: String, expected: AttachTarget) throws {
        let target = try AttachTarget(parsing: text)
        #expect(target == expected)
        #expect(try AttachTarget(parsing: target.description) == target)
    }

    @Test(
        "a target that is neither is refused with a message",
        arguments: [
            ("http://nohost", "expected http(s)://HOST:PORT"), ("https://", "expected http(s)://HOST:PORT"), ("dns:name", "expected dns:NAME:PORT"),
            ("dns:name:99999", "expected dns:NAME:PORT"), ("dns:name:0", "expected dns:NAME:PORT"), ("dns::8001", "expected dns:NAME:PORT"),
            ("dns:name:http", "expected dns:NAME:PORT"), ("dns+https:name", "expected dns:NAME:PORT"), ("", "an empty target"),
        ])
    func badAttachTargets(text: String, mention: String) {
        let error = #expect(throws: AttachTargetError.self) { try AttachTarget(parsing: text) }
        #expect(error?.message.contains(mention) == true, "\(error?.message ?? "no error")")
    }

    @Test("a dns: target becomes one network target per address, IPv6 in brackets")
    func dnsAddresses() {
        #expect(AttachTarget.addresses(of: "127.0.0.1", port: 8001, secure: false) == [.network(url: "http://127.0.0.1:8001")])
        #expect(AttachTarget.addresses(of: "::1", port: 9443, secure: true) == [.network(url: "https://[::1]:9443")])
        #expect(AttachTarget.addresses(of: "no-such-host.invalid", port: 1, secure: false).isEmpty)
    }

    // MARK: The default socket path

    @Test(
        "the default control socket holds the MMCP port: MMCP_CONTROL_SOCKET as given, else control-PORT.sock in /run/mmcp for root, else XDG_RUNTIME_DIR, else /tmp/mmcp-UID",
        arguments: [
            (["MMCP_CONTROL_SOCKET": "/srv/mmcp.sock", "XDG_RUNTIME_DIR": "/run/user/1000"], UInt32(1000), "/srv/mmcp.sock"),
            (["MMCP_CONTROL_SOCKET": "/srv/mmcp.sock"], 0, "/srv/mmcp.sock"),
            (["MMCP_CONTROL_SOCKET": "", "XDG_RUNTIME_DIR": "/run/user/1000"], 1000, "/run/user/1000/mmcp/control-8001.sock"),
            (["XDG_RUNTIME_DIR": "/run/user/0"], 0, "/run/mmcp/control-8001.sock"),
            (["XDG_RUNTIME_DIR": "/run/user/1000"], 1000, "/run/user/1000/mmcp/control-8001.sock"),
            (["XDG_RUNTIME_DIR": "relative/dir"], 1000, "/tmp/mmcp-1000/control-8001.sock"),
            ([:], 1000, "/tmp/mmcp-1000/control-8001.sock"),
        ] as [([String: String], UInt32, String)])
    func defaultSocketPath(environment: [String: String], userID: UInt32, expected: String) {
        #expect(ControlSockets.defaultPath(port: 8001, environment: environment, userID: userID) == expected)
    }

    @Test("servers on two ports get two default sockets; a named socket is used as given, whatever the port")
    func defaultSocketPerPort() {
        #expect(ControlOptions().socketPath == .defaultForPort)
        #expect(ControlOptions().adminSocketPath(port: 8001) == ControlSockets.defaultPath(port: 8001))
        for userID: UInt32 in [0, 1000] {
            let paths = [8000, 8001].map { ControlSockets.defaultPath(port: $0, environment: [:], userID: userID) }
            #expect(paths[0] != paths[1], "\(paths)")
        }
        #expect(ControlOptions(socketPath: .path("/srv/a.sock")).adminSocketPath(port: 8001) == "/srv/a.sock")
        #expect(ControlOptions(socketPath: nil).adminSocketPath(port: 8001) == nil)
    }

    @Test(
        "with no target, attach finds the default sockets a server answers on, by port: a stale one (connection refused) and other files are skipped"
    )
    func runningServerSockets() throws {
        let runtime = "/tmp/mmcp-find-\(UUID().uuidString.prefix(8))"
        let folder = runtime + "/mmcp"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: runtime) }
        let environment = ["XDG_RUNTIME_DIR": runtime]
        #expect(ControlSockets.running(environment: environment, userID: 1000).isEmpty)
        let live = try [9001, 80].map { try UnixListener(path: "\(folder)/control-\($0).sock", listening: true) }
        let stale = try UnixListener(path: "\(folder)/control-9002.sock", listening: false)
        let misnamed = try UnixListener(path: "\(folder)/control-+9003.sock", listening: true)
        defer { for socket in live + [stale, misnamed] { socket.close() } }
        _ = FileManager.default.createFile(atPath: "\(folder)/control-9004.sock.txt", contents: nil)
        #expect(
            ControlSockets.running(environment: environment, userID: 1000) == [
                "\(folder)/control-80.sock", "\(folder)/control-9001.sock",
            ])
        // MMCP_CONTROL_SOCKET names the one socket, as given, live or not.
        #expect(
            ControlSockets.running(environment: environment.merging(["MMCP_CONTROL_SOCKET": "/srv/gone.sock"]) { $1 }, userID: 1000)
                == ["/srv/gone.sock"])
    }
}

/// A log handler that writes nowhere but keeps its level, as the server's own handler does.
private struct DiscardingLogHandler: LogHandler {
    var logLevel = Logger.Level.info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {}
}
