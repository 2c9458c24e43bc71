import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// One upstream MMCP server as the gateway knows it: the models it lists, whether it answers its
/// probes, whether failed requests ejected it, and its traffic. Shared by every model it serves.
///
/// The serving path only reads this state (``availability(for:entry:at:)``); probes and the
/// outcome of requests write it. Nothing here waits.
final class Upstream: Sendable {
    let address: UpstreamAddress
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
        var consecutiveFailures = 0
        var consecutivePasses = 0
        var lastProbe: ProbeReport?
        var lastPass: ContinuousClock.Instant?
        var listing: [Listed] = []
        /// Until when failed requests keep it out, and how many ejections the next one counts.
        var ejectedUntil: ContinuousClock.Instant?
        var ejectionMultiplier = 0
        var ejections = 0
        var consecutiveServerErrors = 0
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
    /// Consecutive 5xx answers other than `503 model_unavailable` that eject it: one bad input
    /// making a model raise must not take a GPU host out.
    static let serverErrorsToEject = 3

    init(address: UpstreamAddress) {
        self.address = address
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
    func record(_ outcome: ProbeOutcome, at now: ContinuousClock.Instant = .now) -> Bool {
        let inFlight = self.inFlight
        return state.withLock { state in
            let listing: [Listed]
            switch outcome {
            case .failed(let reason, let timedOut):
                let busy = timedOut && state.lastAnswer.map { now - $0 < Self.busyEvidence } ?? false
                let failure = busy ? "\(reason) (busy: \(inFlight) requests in flight)" : reason
                state.lastProbe = ProbeReport(at: Date().timeIntervalSince1970, passed: false, failure: failure)
                state.consecutivePasses = 0
                guard !busy else { return false }
                state.consecutiveFailures += 1
                if state.consecutiveFailures >= Self.fall || state.lastPass == nil { state.isUp = false }
                return false
            case .passed(let read):
                listing = read
            }
            state.lastProbe = ProbeReport(at: Date().timeIntervalSince1970, passed: true, failure: nil)
            state.consecutiveFailures = 0
            state.consecutivePasses += 1
            if state.consecutivePasses >= Self.rise || state.lastPass == nil { state.isUp = true }
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
                try ModelSpec(id: key, fps: 30, canonicalSkeleton: NullBackbone.defaultSkeleton).overlaid(with: object)
            }
            return Listed(key: key, entry: entry, value: value, spec: spec)
        }
    }

    // MARK: Serving

    /// Whether a request for the model `key` (advertised as `entry`) may go here now.
    func availability(for key: String, entry: JSONValue, at now: ContinuousClock.Instant = .now) -> ReplicaState {
        state.withLock { state in
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

    /// An answer came back with `status` (for the model `key`, carrying `errorCode`).
    func answered(status: Int, errorCode: String?, for key: String) {
        state.withLock { state in
            state.lastAnswer = .now
            if status == 503, errorCode == ErrorCode.modelUnavailable.rawValue {
                state.drainingSince[key] = .now
            } else if status >= 500 {
                state.consecutiveServerErrors += 1
                if state.consecutiveServerErrors >= Self.serverErrorsToEject { Self.eject(&state) }
            } else {
                state.consecutiveServerErrors = 0
            }
        }
    }

    /// The connection failed (refused, reset, timed out connecting): out at once.
    func connectionFailed() {
        state.withLock { Self.eject(&$0) }
    }

    /// A request that failed here unprocessed went to another replica.
    func countRetry() {
        retryCount.add(1, ordering: .relaxed)
    }

    private static func eject(_ state: inout State) {
        state.consecutiveServerErrors = 0
        state.ejectionMultiplier += 1
        state.ejections += 1
        let length = min(baseEjection * state.ejectionMultiplier, maximumEjection)
        state.ejectedUntil = .now + length
    }

    /// The replica as a snapshot shows it, for the model `key`.
    func snapshot(for key: String, entry: JSONValue, at now: ContinuousClock.Instant) -> ReplicaSnapshot {
        let availability = self.availability(for: key, entry: entry, at: now)
        let (probe, ejections) = state.withLock { ($0.lastProbe, $0.ejections) }
        return ReplicaSnapshot(
            address: address.url, state: availability, lastProbe: probe, inFlight: inFlight,
            requests: requestCount.load(ordering: .relaxed), ejections: ejections, retries: retryCount.load(ordering: .relaxed))
    }
}
