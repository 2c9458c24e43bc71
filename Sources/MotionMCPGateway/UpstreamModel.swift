import AsyncHTTPClient
import HTTPTypes
import Logging
import MotionMCP
import MotionMCPControl
import MotionMCPHTTPClient
import MotionMCPProtocol
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A model served by upstream MMCP servers: the entry they advertise, its replicas, and how a
/// request reaches one of them (the pick, the one retry, the passive health).
final class UpstreamModel: RemoteModel {
    /// The model's id, on the upstreams and here.
    let key: String
    /// The `/capabilities` entry every replica advertises, as the first one wrote it.
    let entry: [UInt8]
    let entryValue: JSONValue
    /// The entry read as a spec (for the body cap, batch limits and validating batch items).
    let spec: ModelSpec
    private let replicas: Mutex<[Upstream]>
    private let forwarding: Forwarding
    private let withdrawn = Atomic(false)

    init(key: String, listed: Upstream.Listed, spec: ModelSpec, first: Upstream, forwarding: Forwarding) {
        self.key = key
        self.entry = listed.entry
        self.entryValue = listed.value
        self.spec = spec
        self.replicas = Mutex([first])
        self.forwarding = forwarding
    }

    /// Adds `upstream` as a replica, unless it is one already.
    func adopt(_ upstream: Upstream) {
        replicas.withLock { replicas in
            if !replicas.contains(where: { $0 === upstream }) { replicas.append(upstream) }
        }
    }

    /// Whether `upstream` is a replica of this model.
    func has(_ upstream: Upstream) -> Bool { replicas.withLock { $0.contains { $0 === upstream } } }

    /// Whether the model was drained and removed: the gateway does not bring it back by itself.
    var isWithdrawn: Bool { withdrawn.load(ordering: .relaxed) }

    /// Marks the model removed (its teardown).
    func withdraw() { withdrawn.store(true, ordering: .relaxed) }

    /// The replicas as a snapshot shows them.
    func replicaSnapshots() -> [ReplicaSnapshot] {
        replicas.withLock { $0 }.map { $0.snapshot(for: key, entry: entryValue) }
    }

    /// What a call to this model watches: the client of the request being answered, and the idle
    /// limit of the gateway's answers (``GatewayOptions/idleTimeout``).
    var watch: CallWatch { CallWatch(client: ClientConnection.channel, idleLimit: forwarding.idleTimeout, watcher: forwarding.watcher) }

    /// The replica for the next request: among those that are up, the one with the fewest
    /// requests in flight (ties to the earliest added); when every one of them is ejected, the
    /// ejected ones (a gateway that refuses everything helps nobody); `nil` when none is up.
    func pick(excluding tried: Upstream?) -> Upstream? {
        var best: Upstream?
        var bestEjected: Upstream?
        for replica in replicas.withLock({ $0 }) where replica !== tried {
            switch replica.availability(for: key, entry: entryValue) {
            case .up:
                if best == nil || replica.inFlight < best!.inFlight { best = replica }
            case .ejected:
                if bestEjected == nil || replica.inFlight < bestEjected!.inFlight { bestEjected = replica }
            case .down, .draining, .mismatch:
                continue
            }
        }
        return best ?? bestEjected
    }

    /// The `503 model_unavailable` for a model none of whose replicas takes requests.
    func noReplica(_ reason: String = "none of its upstream replicas is available") -> ProtocolError {
        ProtocolError(
            .modelUnavailable, "model '\(key)' cannot take requests now: \(reason)",
            details: ["model": .string(key), "state": .string("unreachable")], retryAfterSeconds: ServedModel.retryAfterSeconds)
    }

    /// Sends `body` to `/generate` on a replica, and once more on another when the first provably
    /// did not process it (its connection was refused, or it answered `503 model_unavailable`,
    /// which comes before any work), unless `call` was stopped meanwhile. Every other answer comes
    /// back as it came. `call` is the model call this runs in: its stop (the generate timeout, a
    /// drain, the client leaving) cancels the request, and its reason says whether that counts
    /// against the replica (a timeout does; a drain or a client that left does not).
    func forward(body: ByteBuffer, contentType: String?, accept: String? = nil, lease: CallLease) async -> UpstreamExchange {
        let call = lease.running
        forwarding.begin()
        defer { forwarding.end() }
        var tried: Upstream?
        var lastRefusal: UpstreamExchange?
        for attempt in 0..<2 {
            guard let replica = pick(excluding: tried) else { break }
            if attempt > 0 {
                guard call.stopReason == nil, forwarding.startRetry() else { break }
                tried?.countRetry()
            }
            defer { if attempt > 0 { forwarding.endRetry() } }
            replica.begin()
            let response: HTTPClientResponse
            do {
                var request = HTTPClientRequest(url: replica.address.url(of: "/generate"))
                request.method = .POST
                request.headers.add(name: "content-type", value: contentType ?? "application/json")
                // The upstream negotiates the format (a GLB where it offers one).
                if let accept { request.headers.add(name: "accept", value: accept) }
                request.body = .bytes(body)
                response = try await forwarding.client.execute(request, deadline: .distantFuture)
            } catch {
                replica.finished()
                let failure = Self.failure(error, stoppedFor: call.stopReason)
                guard let failure else {
                    // Stopped by this side for a reason that is no fault of the upstream's.
                    return .refused(noReplica("the request was stopped"), failure: nil)
                }
                forwarding.logger.warning(
                    "upstream request failed",
                    metadata: [
                        "model": "\(key)", "upstream": "\(replica.address.url)", "failure": "\(failure.code)",
                        "error": "\(failure == .timeout ? "no answer within the generate timeout" : TransportFailure.describe(error))",
                    ])
                switch failure {
                case .unreachable:
                    replica.connectionFailed()
                    tried = replica
                    lastRefusal = .refused(noReplica("its upstream refused the connection"), failure: failure)
                    continue
                case .timeout:
                    replica.failed()
                    return .refused(Self.timedOut, failure: failure)
                default:
                    replica.connectionFailed()
                    return .refused(noReplica("the request to its upstream failed: \(TransportFailure.describe(error))"), failure: failure)
                }
            }
            let status = Int(response.status.code)
            if status == 200 {
                replica.answered(status: status, errorCode: nil, for: key)
                guard let length = response.headers.first(name: "content-length").flatMap({ Int($0) }), length <= Self.collectedAnswerCap
                else {
                    return .answered(UpstreamAnswer(response: response, body: .stream(response.body), errorCode: nil, replica: replica))
                }
                return await collect(response, length: length, from: replica, lease: lease)
            }
            let collected: ByteBuffer
            do {
                collected = try await response.body.collect(upTo: Self.errorBodyCap)
            } catch {
                replica.finished()
                if let failure = Self.failure(error, stoppedFor: call.stopReason) {
                    replica.connectionFailed()
                    return .refused(noReplica("its upstream's answer broke off: \(TransportFailure.describe(error))"), failure: failure)
                }
                return .refused(noReplica("the request was stopped"), failure: nil)
            }
            let code = ErrorEnvelope.code(in: Array(collected.readableBytesView))
            replica.answered(status: status, errorCode: code, for: key)
            let answer = UpstreamAnswer(response: response, body: .collected(collected), errorCode: code, replica: replica)
            if status == 503, code == ErrorCode.modelUnavailable.rawValue {
                var setAside = answer
                setAside.finish()
                tried = replica
                lastRefusal = .answered(setAside)
                continue
            }
            return .answered(answer)
        }
        return lastRefusal ?? .refused(noReplica(), failure: nil)
    }

    /// A `200` answer announcing at most this many bytes is read whole before it is passed on, as
    /// nginx buffers an upstream's answer: its body needs no relay (no task, no hand-over per
    /// chunk), and when it breaks off the client gets an error answer instead of a cut one. Larger
    /// answers are streamed.
    static let collectedAnswerCap = 256 << 10

    /// Reads a `200` answer of `length` bytes whole, marking the call's progress as it arrives (so
    /// the idle limit applies); an answer that breaks off, stalls or does not finish in time is
    /// counted against `replica` and answered by the gateway.
    private func collect(_ response: HTTPClientResponse, length: Int, from replica: Upstream, lease: CallLease) async -> UpstreamExchange {
        lease.markProgress()
        var collected = ByteBuffer()
        collected.reserveCapacity(length)
        do {
            for try await chunk in response.body {
                lease.markProgress()
                collected.writeImmutableBuffer(chunk)
            }
        } catch {
            replica.finished()
            guard let failure = Self.failure(error, stoppedFor: lease.stopReason) else {
                return .refused(noReplica("the request was stopped"), failure: nil)
            }
            // The connection failing now means the body broke off; a stop (timeout, stall) stays what it is.
            let collectFailure: UpstreamFailure = failure == .reset || failure == .unreachable ? .brokeOff : failure
            replica.failed()
            forwarding.logger.warning(
                "upstream answer did not finish",
                metadata: ["model": "\(key)", "upstream": "\(replica.address.url)", "failure": "\(collectFailure.code)"])
            let error =
                collectFailure == .brokeOff
                ? noReplica("its upstream's answer broke off: \(TransportFailure.describe(error))") : Self.timedOut
            return .refused(error, failure: collectFailure)
        }
        replica.completed()
        return .answered(UpstreamAnswer(response: response, body: .collected(collected), errorCode: nil, replica: replica))
    }

    /// The `504 timeout` for an upstream that gave no answer within the generate timeout, the same
    /// answer a backbone that overran it gets: a timeout is never a `503 model_unavailable`, which
    /// a proxy in front would take for "no work started" and send elsewhere.
    static let timedOut = ProtocolError(.timeout, "the model's upstream did not answer within the generate timeout")

    /// How a failed request failed on the upstream's side, or `nil` when this side stopped it for a
    /// reason that is none of the upstream's (a drain, the client leaving). A stop for the generate
    /// timeout is the upstream's: it did not answer in time.
    static func failure(_ error: any Error, stoppedFor reason: CallStopReason?) -> UpstreamFailure? {
        if endedByThisSide(error) || reason != nil {
            return reason == .deadline ? .timeout : reason == .stalled ? .stalled : nil
        }
        return failedBeforeSending(error) ? .unreachable : .reset
    }

    /// An error answer larger than this is not read whole (an envelope is a few hundred bytes).
    static let errorBodyCap = 1 << 20

    /// Whether the request surely never reached the upstream: the connection was refused or
    /// could not be made in time.
    static func failedBeforeSending(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return true }
        return false
    }

    /// Whether the gateway itself ended the request (its deadline, a cancellation): no fault of
    /// the upstream's.
    static func endedByThisSide(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        if let error = error as? HTTPClientError, error == .cancelled || error == .deadlineExceeded { return true }
        return false
    }

}

/// What the gateway's models share: the HTTP client (a keep-alive pool per upstream), the retry
/// budget, the logger.
final class Forwarding: Sendable {
    let logger: Logger
    /// How long a forwarded answer may stop arriving (``GatewayOptions/idleTimeout``).
    let idleTimeout: Duration
    /// Looks at every forwarded call in flight each tick: its client, its answer's progress.
    let watcher = CallWatcher()
    private let probeTimeout: Duration
    /// Made at the first use, so a server without upstreams never has one (an HTTP client must be
    /// shut down before it goes away); once shut down, it stays so.
    private let made = Mutex<(client: HTTPClient?, isShutDown: Bool)>((nil, false))
    private let retriesInFlight = Atomic(0)
    private let forwardsInFlight = Atomic(0)

    init(probeTimeout: Duration, idleTimeout: Duration, logger: Logger) {
        self.probeTimeout = probeTimeout
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    /// The HTTP client every upstream call goes through.
    var client: HTTPClient {
        made.withLock { made in
            if let client = made.client { return client }
            // The pool keeps idle connections below the 5 s keep-alive of uvicorn (the Python SDK's
            // server): a connection the upstream is about to close is never reused.
            let client = OutgoingHTTP.makeClient(connectTimeout: probeTimeout, poolIdleTimeout: .seconds(4), connectionsPerHost: 1024)
            made.client = client
            return client
        }
    }

    /// Shuts the HTTP client down, once, if it was ever made.
    func shutDown() async {
        let client = made.withLock { made -> HTTPClient? in
            guard !made.isShutDown else { return nil }
            made.isShutDown = true
            return made.client
        }
        try? await client?.shutdown()
    }

    /// Whether a retry may start: retries in flight stay under a fifth of the requests in flight,
    /// but three may always run (Envoy's retry budget), so a dead replica cannot double the load
    /// on the others.
    func startRetry() -> Bool {
        let running = retriesInFlight.add(1, ordering: .relaxed).newValue
        guard running <= max(3, forwardsInFlight.load(ordering: .relaxed) / 5) else {
            retriesInFlight.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func endRetry() { retriesInFlight.subtract(1, ordering: .relaxed) }

    /// Counts a request being forwarded (for the retry budget).
    func begin() { forwardsInFlight.add(1, ordering: .relaxed) }
    func end() { forwardsInFlight.subtract(1, ordering: .relaxed) }
}

/// How a forwarded request ended on the gateway's side.
enum UpstreamExchange: Sendable {
    /// An upstream answered; the answer goes to the client as it came.
    case answered(UpstreamAnswer)
    /// No upstream could be asked, or none answered: the gateway answers this itself; `failure`
    /// says how an upstream failed, when one did.
    case refused(ProtocolError, failure: UpstreamFailure?)
}

/// An upstream's answer: its head, and its body still arriving (a success) or read (an error).
struct UpstreamAnswer: Sendable {
    let response: HTTPClientResponse
    let body: Body
    /// The protocol error code of an error answer.
    let errorCode: String?
    /// The replica that answered; counted in flight until ``finish()``.
    let replica: Upstream
    private var counted = true

    init(response: HTTPClientResponse, body: Body, errorCode: String?, replica: Upstream) {
        self.response = response
        self.body = body
        self.errorCode = errorCode
        self.replica = replica
    }

    enum Body: Sendable {
        case stream(HTTPClientResponse.Body)
        case collected(ByteBuffer)
    }

    var status: Int { Int(response.status.code) }

    /// The body's length when the upstream stated it.
    var contentLength: Int? {
        switch body {
        case .collected(let buffer): buffer.readableBytes
        case .stream: response.headers.first(name: "content-length").flatMap { Int($0) }
        }
    }

    /// The headers that carry meaning, passed on as the upstream sent them.
    static let passedHeaders: [HTTPField.Name] = [.contentType, .retryAfter, .allow, .location]

    /// Ends the replica's count of this request, once.
    mutating func finish() {
        guard counted else { return }
        counted = false
        replica.finished()
    }
}

extension UpstreamModel {
    func answer(_ body: [UInt8], contentType: String?, accept: String?, for model: ServedModel, context: GenerateContext) async
        -> ProtocolResponse
    {
        await UpstreamForwarding(context: context).forward(body, contentType: contentType, accept: accept, to: model, upstream: self)
    }

    /// Sends a batch of `count` items of this model to a replica (with ``forward(body:contentType:accept:call:)``'s
    /// one retry) and returns each item's entry as the replica wrote it. A replica's error answer
    /// for the whole batch is an error for each item, except a `500`, which fails the whole batch
    /// as a backbone's failing `generate_batch` does. The answer is read within `lease`'s watch:
    /// one that stops arriving ends the call.
    func answerBatch(_ body: [UInt8], count: Int, lease: CallLease) async -> Result<[BatchOutcome], ProtocolError> {
        let exchange = await forward(body: ByteBuffer(bytes: body), contentType: "application/json", lease: lease)
        var answer: UpstreamAnswer
        switch exchange {
        case .answered(let answered): answer = answered
        case .refused(let error, _): return .success(Array(repeating: .error(error), count: count))
        }
        defer { answer.finish() }
        var bytes: [UInt8] = []
        switch answer.body {
        case .collected(let buffer): bytes = Array(buffer.readableBytesView)
        case .stream(let stream):
            lease.markProgress()
            do {
                for try await chunk in stream {
                    lease.markProgress()
                    guard bytes.count + chunk.readableBytes <= Self.batchAnswerCap else {
                        answer.replica.failed()
                        return .success(Array(repeating: .error(.internalError("the upstream's batch answer is too large")), count: count))
                    }
                    bytes.append(contentsOf: chunk.readableBytesView)
                }
                answer.replica.completed()
            } catch {
                let failure = Self.failure(error, stoppedFor: lease.stopReason)
                if failure != nil { answer.replica.failed() }
                return .success(Array(repeating: .error(noReplica("its upstream's answer broke off")), count: count))
            }
        }
        guard answer.status == 200 else {
            let error = ErrorEnvelope.error(in: bytes, status: answer.status)
            return error.status == 500 ? .failure(error) : .success(Array(repeating: .error(error), count: count))
        }
        do {
            let spans = try JSONSpans.elements(ofArrayAt: "results", in: bytes)
            guard spans.count == count else {
                return .success(
                    Array(repeating: .error(.internalError("the upstream returned \(spans.count) results for \(count) requests")), count: count))
            }
            return .success(spans.map { span in .remote(Array(bytes[span]), errorCode: Self.itemErrorCode(bytes[span])) })
        } catch {
            return .success(Array(repeating: .error(.internalError("the upstream's batch answer cannot be read: \(error)")), count: count))
        }
    }

    /// A batch answer larger than this is not read (16 large documents are about 25 MB).
    static let batchAnswerCap = 512 << 20

    /// The code of a batch entry that is `{"error": …}`; `nil` for a document. Only the first key is
    /// looked at, so a document is not parsed.
    static func itemErrorCode(_ entry: ArraySlice<UInt8>) -> String? {
        var position = entry.startIndex
        func skipSpace() { while position < entry.endIndex, [0x20, 0x0A, 0x0D, 0x09].contains(entry[position]) { position += 1 } }
        skipSpace()
        guard position < entry.endIndex, entry[position] == UInt8(ascii: "{") else { return nil }
        position += 1
        skipSpace()
        guard entry[position...].starts(with: Array(#""error""#.utf8)) else { return nil }
        return ErrorEnvelope.code(in: Array(entry))
    }
}
