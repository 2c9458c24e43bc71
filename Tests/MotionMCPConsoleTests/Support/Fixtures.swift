@testable import MotionMCP
@testable import MotionMCPConsole
@testable import MotionMCPControl

/// Snapshots to render: a small server with a busy model, a draining one and a failed one.
enum Fixtures {
    /// A model with quiet defaults; tests override what they look at.
    static func model(
        _ key: String, state: ModelState = .ready, rate: Double = 0, history: [Int] = Array(repeating: 0, count: 60),
        inFlight: Int = 0, errors: [(code: String, count: Int)] = [], drain: DrainProgress? = nil,
        buckets: [(upperBound: Duration, count: Int)] = [], setup: Duration? = .milliseconds(1250)
    ) -> ModelSnapshot {
        ModelSnapshot(
            key: key, state: state, spec: ModelSpec(id: key, fps: 30, canonicalSkeleton: skeleton),
            requests: history.reduce(0, +), rate1s: rate, rate10s: rate, rate60s: rate, rateHistory: history,
            latencyHistogram: histogram(buckets), inFlight: inFlight,
            errorsByCode: errors, setupDuration: setup, teardownDuration: nil, drain: drain,
            transitions: [ModelTransition(state: .settingUp, at: .zero), ModelTransition(state: state, at: .seconds(1))])
    }

    /// A histogram holding `count` requests at each band's upper bound.
    static func histogram(_ buckets: [(upperBound: Duration, count: Int)]) -> LatencyHistogram {
        LatencyHistogram(samples: buckets.map { (Int64($0.upperBound / .microseconds(1)), $0.count) })
    }

    /// A server's identity, listening on `address`.
    static func instance(_ address: String) -> InstanceIdentity {
        InstanceIdentity(hostName: "host-a", processID: 4242, version: "test", listenAddress: address, startedAt: 0)
    }

    /// A server listening on `address` with `models`.
    static func snapshot(
        _ address: String = "x", uptime: Duration = .zero, openAPIEnabled: Bool = true, models: [ModelSnapshot]
    ) -> RuntimeSnapshot {
        RuntimeSnapshot(instance: instance(address), uptime: uptime, openAPIEnabled: openAPIEnabled, models: models)
    }

    /// A three-joint skeleton, enough for the spec summary.
    static let skeleton = Skeleton(joints: [
        Joint(name: "pelvis", restTranslation: SIMD3(0, 1, 0)),
        Joint(name: "spine", parent: "pelvis", restTranslation: SIMD3(0, 0.2, 0)),
        Joint(name: "head", parent: "spine", restTranslation: SIMD3(0, 0.4, 0)),
    ])

    /// A rate history climbing from nothing to 8 requests a second over the last eight seconds.
    static let ramp: [Int] = Array(repeating: 0, count: 52) + Array(1...8)

    /// The busy model: ramping traffic, latencies (p50 22ms, p95 49ms, p99 96ms), an error.
    static let walker = model(
        "walker", rate: 8, history: ramp, inFlight: 2, errors: [("invalid_request", 3)],
        buckets: [(.milliseconds(10), 40), (.milliseconds(25), 100), (.milliseconds(50), 20), (.milliseconds(100), 5)])

    /// A model halfway through a drain.
    static let dancer = model(
        "dancer", state: .draining, inFlight: 3,
        drain: DrainProgress(inFlightLeft: 3, waited: .milliseconds(2500), timeout: .seconds(30)))

    /// A model whose setup threw.
    static let broken = model("broken", state: .failed(reason: "no weights"), setup: nil)

    /// The server with those three models.
    static let server = snapshot("127.0.0.1:8000", uptime: .seconds(3723), models: [walker, dancer, broken])

    /// A session on a fake control serving `snapshot`, with the built-in themes.
    static func session(
        _ snapshot: RuntimeSnapshot = server, link: ControlLink = .inProcess, readOnly: Bool = false, failing: String? = nil
    ) -> (ConsoleSession, FakeControl) {
        let control = FakeControl(snapshot, link: link, failing: failing)
        let catalog = ThemeCatalog(themes: [.builtInDefault, .builtInMonochrome])
        return (ConsoleSession(control: control, catalog: catalog, readOnly: readOnly), control)
    }
}

extension ConsoleSession {
    /// Presses each key in turn, running the server commands they ask for as the terminal layer
    /// does (``ConsoleSession/execute(_:on:)``, then ``ConsoleSession/report(_:)``).
    mutating func press(_ keys: Key...) async {
        for key in keys {
            if case .perform(let command)? = handle(key) { report(await ConsoleSession.execute(command, on: control)) }
        }
    }

    /// Types `text` one character at a time.
    mutating func type(_ text: String) {
        for character in text { handle(.character(character)) }
    }

    /// The screen at `width` × `height`, with `log` in the event pane.
    func screen(_ width: Int = 80, _ height: Int = 24, log: [LogLine] = []) -> Screen {
        ConsoleRenderer.render(self, log: log, size: Size(width: width, height: height))
    }
}

extension Screen {
    /// Every row joined, for `contains` checks that do not care where.
    var text: String { lines.joined(separator: "\n") }

    /// The style of the first cell of the first occurrence of `text`.
    func style(of text: String) -> StyleName? {
        position(of: text).map { self[$0.x, $0.y].style }
    }

    /// The row holding `text`.
    func row(containing text: String) -> Int? { position(of: text)?.y }
}
