import AsyncHTTPClient
import Foundation
import MotionMCP
import MotionMCPControl
import MotionMCPHTTPClient
import MotionMCPProtocol
import NIOCore
import Synchronization

/// One upstream MMCP server as the gateway knows it: the models it lists, whether it answers its
/// probes, whether failed requests ejected it, and its traffic. Shared by every model it serves.
///
/// The serving path only reads this state (``availability(for:entry:)``); probes and the
/// outcome of requests write it. Nothing here waits. Holds and ejections are timed on the
/// gateway's clock (the server's ``MMCPOptions/clock``).
final class Upstream: Sendable {
    let address: UpstreamAddress
    /// The clock ejections and holds are timed on.
    let clock: any MMCPClock
    private let state = Mutex(State())
    private let inFlightCount = Atomic(0)
    private let requestCount = Atomic(0)
    private let retryCount = Atomic(0)

    /// A model as the upstream lists it: its `/capabilities` entry as written, and as read.
    struct Listed: Sendable {
        var key: String
        var entry: [UInt8]
        var value: JSONValue
        /// The entry as a spec, or why this gateway cannot read it.
        var spec: Result<ModelSpec, ModelSpecError>
    }

    private struct State {
        var isUp = false
        var failedProbes = 0
        var passedProbes = 0
        var lastProbe: ProbeReport?
        var lastPass: ContinuousClock.Instant?
        var listing: [Listed] = []
        /// Until when failed requests keep it out, and how many ejections the next one counts.
        var ejectedUntil: ContinuousClock.Instant?
        var ejectionMultiplier = 0
        var ejections = 0
        /// Forwarded calls that failed in a row (``UpstreamFailure``); a complete answer ends the run.
        var consecutiveFailures = 0
        /// Models it answered `503 model_unavailable` for, and since when.
        var drainingSince: [String: ContinuousClock.Instant] = [:]
        /// When it last answered a forwarded request, whatever the answer.
        var lastAnswer: ContinuousClock.Instant?
    }

    /// How a probe ends: down after three failures in a row, up after two passes (one for the
    /// first answer ever, so a fresh gateway serves at once).
    static let fall = 3
    static let rise = 2
    /// The first ejection lasts this long, each further one as long again, up to ``maximumEjection``.
    static let baseEjection = Duration.seconds(5)
    static let maximumEjection = Duration.seconds(300)
    /// A replica that answered `503 model_unavailable` gets no request for at least this long.
    static let drainingHold = Duration.seconds(5)
    /// A probe that times out does not count as a failure while the upstream answered one of the
    /// gateway's requests within this long: it is busy, not down. One that answers nothing for
    /// longer (hung) is marked down by its probes as usual.
    static let busyEvidence = Duration.seconds(30)
    /// Forwarded calls failing in a row (``UpstreamFailure``) that eject it (Envoy's consecutive
    /// gateway failures): one bad input making a model raise must not take a GPU host out, but a
    /// replica that keeps hanging, cutting or resetting its answers must.
    static let failuresToEject = 3

    /// The upstream at `address`, its holds and ejections timed on `clock`.
    init(address: UpstreamAddress, clock: any MMCPClock = ContinuousClock()) {
        self.address = address
        self.clock = clock
    }

    /// The models of its last passed probe, in its order.
    var listing: [Listed] { state.withLock { $0.listing } }

    /// Whether its probes pass.
    var isUp: Bool { state.withLock { $0.isUp } }

    var inFlight: Int { inFlightCount.load(ordering: .relaxed) }

    // MARK: Probes

    /// How a probe ended: the listing it read, or why it failed and whether it timed out.
    enum ProbeOutcome: Sendable {
        case passed([Listed])
        case failed(String, timedOut: Bool)
    }

    /// Asks for `/capabilities` within `timeout` and records the result; returns whether it passed.
    @discardableResult
    func probe(with client: HTTPClient, timeout: Duration) async -> Bool {
        let outcome: ProbeOutcome
        do {
            var request = HTTPClientRequest(url: address.url(of: "/capabilities"))
            request.method = .GET
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            let body = Array(try await response.body.collect(upTo: Self.capabilitiesCap).readableBytesView)
            if response.status.code != 200 {
                outcome = .failed("/capabilities answered \(response.status.code)", timedOut: false)
            } else {
                outcome = .passed(try Self.readListing(body))
            }
        } catch {
            let timedOut = (error as? HTTPClientError).map { $0 == .deadlineExceeded || $0 == .readTimeout } ?? false
            outcome = .failed(TransportFailure.describe(error), timedOut: timedOut)
        }
        return record(outcome)
    }

    /// Records a probe's outcome: down after ``fall`` failures in a row, up after ``rise`` passes
    /// (the first answer ever at once). A probe that timed out while the upstream keeps answering
    /// the gateway's requests does not count: a Python worker busy generating may not answer
    /// `/capabilities` in time, and it is working, not down.
    @discardableResult
    func record(_ outcome: ProbeOutcome) -> Bool {
        let now = clock.now
        let inFlight = self.inFlight
        return state.withLock { state in
            let listing: [Listed]
            switch outcome {
            case .failed(let reason, let timedOut):
                let busy = timedOut && state.lastAnswer.map { now - $0 < Self.busyEvidence } ?? false
                let failure = busy ? "\(reason) (busy: \(inFlight) requests in flight)" : reason
                state.lastProbe = ProbeReport(at: Date().timeIntervalSince1970, passed: false, failure: failure)
                state.passedProbes = 0
                guard !busy else { return false }
                state.failedProbes += 1
                if state.failedProbes >= Self.fall || state.lastPass == nil { state.isUp = false }
                return false
            case .passed(let read):
                listing = read
            }
            state.lastProbe = ProbeReport(at: Date().timeIntervalSince1970, passed: true, failure: nil)
            state.failedProbes = 0
            state.passedProbes += 1
            if state.passedProbes >= Self.rise || state.lastPass == nil { state.isUp = true }
            state.lastPass = now
            state.listing = listing
            let listed = Set(listing.map(\.key))
            state.drainingSince = state.drainingSince.filter { listed.contains($0.key) }
            // An ejection long past is forgiven: the next one starts at the base again.
            if let until = state.ejectedUntil, now - until > .seconds(60) {
                state.ejectionMultiplier = 0
                state.ejectedUntil = nil
            }
            return true
        }
    }

    /// A `/capabilities` document larger than this is not read (a listing is a few kilobytes).
    static let capabilitiesCap = 4 << 20

    /// The models of a `/capabilities` document, each entry as written and as read.
    static func readListing(_ body: [UInt8]) throws -> [Listed] {
        let spans = try JSONSpans.elements(ofArrayAt: "models", in: body)
        return try spans.map { span in
            let entry = Array(body[span])
            let value = try JSONParser.parse(entry)
            guard let object = value.objectValue, let key = object["id"]?.stringValue, !key.isEmpty else {
                throw UpstreamAddressError("a /capabilities entry without an id")
            }
            let spec = Result { () throws(ModelSpecError) -> ModelSpec in
                try ModelSpec(id: key, fps: 30, canonicalSkeleton: .standIn).overlaid(with: object)
            }
            return Listed(key: key, entry: entry, value: value, spec: spec)
        }
    }

    // MARK: Serving

    /// Whether a request for the model `key` (advertised as `entry`) may go here now.
    func availability(for key: String, entry: JSONValue) -> ReplicaState {
        let now = clock.now
        return state.withLock { state in
            guard state.isUp else { return .down }
            guard let listed = state.listing.first(where: { $0.key == key }), listed.value == entry else { return .mismatch }
            if let since = state.drainingSince[key] {
                // Back once the hold has passed and a probe since the 503 still lists the model.
                guard now - since >= Self.drainingHold, let pass = state.lastPass, pass > since else { return .draining }
            }
            if let until = state.ejectedUntil, now < until || (state.lastPass.map { $0 < until } ?? true) { return .ejected }
            return .up
        }
    }

    /// Counts a request sent here; ``finished()`` ends it.
    func begin() {
        inFlightCount.add(1, ordering: .relaxed)
        requestCount.add(1, ordering: .relaxed)
    }

    /// Ends a request counted by ``begin()``.
    func finished() {
        inFlightCount.subtract(1, ordering: .relaxed)
    }

    /// An answer's head came back with `status` (for the model `key`, carrying `errorCode`): a
    /// `503 model_unavailable` holds the replica back as draining; any other 5xx is a failure; a
    /// 4xx is a complete, healthy answer. A `200` counts once its body has arrived whole
    /// (``completed()``) or failed (``failed(_:)``).
    func answered(status: Int, errorCode: String?, for key: String) {
        let now = clock.now
        state.withLock { state in
            state.lastAnswer = now
            if status == 503, errorCode == ErrorCode.modelUnavailable.rawValue {
                state.drainingSince[key] = now
            } else if status >= 500 {
                Self.countFailure(&state, at: now)
            } else if status >= 300 {
                state.consecutiveFailures = 0
            }
        }
    }

    /// A forwarded answer arrived whole: the run of failures ends.
    func completed() {
        state.withLock { $0.consecutiveFailures = 0 }
    }

    /// A forwarded call failed here (any ``UpstreamFailure`` but ``UpstreamFailure/unreachable``,
    /// which ejects at once): ``failuresToEject`` in a row eject it.
    func failed() {
        let now = clock.now
        state.withLock { Self.countFailure(&$0, at: now) }
    }

    /// The connection failed (refused, timed out connecting): out at once.
    func connectionFailed() {
        let now = clock.now
        state.withLock { Self.eject(&$0, at: now) }
    }

    /// A request that failed here unprocessed went to another replica.
    func countRetry() {
        retryCount.add(1, ordering: .relaxed)
    }

    private static func countFailure(_ state: inout State, at now: ContinuousClock.Instant) {
        state.consecutiveFailures += 1
        if state.consecutiveFailures >= failuresToEject { eject(&state, at: now) }
    }

    /// Takes the replica out for the next ejection's length. A replica already out stays out for
    /// the length it got: the requests that were on their way when it failed (a burst of resets)
    /// are one ejection, not one each.
    private static func eject(_ state: inout State, at now: ContinuousClock.Instant) {
        state.consecutiveFailures = 0
        if let until = state.ejectedUntil, now < until { return }
        state.ejectionMultiplier += 1
        state.ejections += 1
        let length = min(baseEjection * state.ejectionMultiplier, maximumEjection)
        state.ejectedUntil = now + length
    }

    /// The replica as a snapshot shows it, for the model `key`.
    func snapshot(for key: String, entry: JSONValue) -> ReplicaSnapshot {
        let availability = self.availability(for: key, entry: entry)
        let (probe, ejections) = state.withLock { ($0.lastProbe, $0.ejections) }
        return ReplicaSnapshot(
            address: address.url, state: availability, lastProbe: probe, inFlight: inFlight,
            requests: requestCount.load(ordering: .relaxed), ejections: ejections, retries: retryCount.load(ordering: .relaxed))
    }
}

/// How a call forwarded to an upstream failed on the upstream's side, counted against the replica
/// (``Upstream/failed(_:)``) and against the model under ``code``, the code the snapshot, the
/// console and `/metrics` show for it.
enum UpstreamFailure: String, Sendable {
    /// The connection was refused or could not be made in time: the request never left.
    case unreachable = "upstream_unreachable"
    /// The connection broke (reset, closed) after the request was sent, before the answer's head.
    case reset = "upstream_reset"
    /// No answer's head within the generate timeout.
    case timeout = "upstream_timeout"
    /// The answer's body broke off (reset, closed) before its end.
    case brokeOff = "upstream_broke_off"
    /// The answer's body stopped arriving for longer than the idle limit.
    case stalled = "upstream_stalled"
    /// The answer's body did not finish within the generate timeout.
    case unfinished = "upstream_unfinished"

    /// The code the failure is counted under.
    var code: String { rawValue }
}
