import AsyncHTTPClient
import Foundation
public import MotionMCPControl
import MotionMCPHTTPClient
import MotionMCPProtocol
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// A server in another process, driven over its control API: the ``ServerControl`` an attached
/// console uses. ``run()`` keeps one `GET /v1/events` stream open, so ``snapshot()`` is the last
/// picture received and never waits; when the stream breaks or falls silent the server shows as
/// unreachable, is retried with backoff (at most 2 s apart), and comes back by itself.
public final class AttachedServer: ServerControl {
    /// Where the control API is (a socket path, or an `http(s)://HOST:PORT` base URL).
    public let target: String
    private let base: Base
    private let token: String?
    private let client: HTTPClient
    private let receiveLog: @Sendable (LogRecord) -> Void
    private let state: Mutex<State>
    /// Whether the current stream has delivered a snapshot.
    private let wasLive = Atomic(false)

    /// One log line of the server, as its event stream sent it.
    public struct LogRecord: Sendable {
        /// When it was logged, seconds since 1970-01-01 UTC.
        public var at: Double
        /// The level's name (`info`, `error`…).
        public var level: String
        /// The message and its metadata as `key=value` pairs.
        public var text: String
    }

    private enum Base: Sendable {
        case socket(String)
        case url(String)
    }

    private struct State {
        var snapshot: RuntimeSnapshot?
        var reachability = Reachability.connecting
    }

    /// How long the stream may stay silent (it carries a snapshot every second) before the server
    /// counts as unreachable.
    static let silenceLimit = Duration.seconds(3)

    /// A server reached at `target` (a Unix socket path, or an `http://`/`https://` base URL with
    /// `token`; `caFile` holds the private CA that signed its certificate). Its log lines go to
    /// `receiveLog` as they arrive.
    ///
    /// `resolvedFromName` marks an address that a `dns+https:` name resolved to (a pod's IP,
    /// which no certificate can name for long): its certificate must chain to `caFile`, which is
    /// then required, but its host name is not checked against the address.
    public init(
        target: AttachTarget, token: String? = nil, caFile: String? = nil, resolvedFromName: Bool = false,
        receiveLog: @escaping @Sendable (LogRecord) -> Void = { _ in }
    ) throws(AttachTargetError) {
        switch target {
        case .socket(let path): base = .socket(path)
        case .network(let url): base = .url(url)
        case .dns: throw AttachTargetError("a dns: target names several servers: attach to each address")
        }
        self.target = target.description
        self.token = token
        self.receiveLog = receiveLog
        if resolvedFromName, case .network(let url) = target, url.hasPrefix("https://"), caFile == nil {
            throw AttachTargetError("dns+https: targets need --ca-file: each address is trusted by the CA that signed its certificate")
        }
        var trust: TLSConfiguration?
        if let caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw AttachTargetError("--ca-file '\(caFile)': \(error)")
            }
            if resolvedFromName { tls.certificateVerification = .noHostnameVerification }
            trust = tls
        }
        client = OutgoingHTTP.makeClient(connectTimeout: .seconds(2), tls: trust)
        state = Mutex(State())
    }

    // MARK: ServerControl

    public func snapshot() -> RuntimeSnapshot {
        state.withLock { $0.snapshot }
            ?? RuntimeSnapshot(
                instance: .unknown(at: target), uptime: .zero,
                openAPIEnabled: false, models: [])
    }

    public var link: ControlLink { .attached(target: target, reachability: state.withLock { $0.reachability }) }

    /// Whether a snapshot has arrived since the console started.
    public var hasSnapshot: Bool { state.withLock { $0.snapshot != nil } }

    public func addNullModel(id: String, overlay: JSONObject?) async throws {
        var body: JSONObject = ["id": .string(id)]
        if let overlay { body["spec"] = .object(overlay) }
        _ = try await call(.POST, "/v1/models", body: .object(body))
    }

    public func addUpstream(_ address: String) async throws {
        _ = try await call(.POST, "/v1/upstreams", body: ["url": .string(address)])
    }

    public func drain(_ key: String) async throws {
        let escaped = key.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? key
        _ = try await call(.POST, "/v1/models/\(escaped)/drain")
    }

    public func setOpenAPIEnabled(_ enabled: Bool) async throws {
        _ = try await call(.PUT, "/v1/openapi", body: ["enabled": .bool(enabled)])
    }

    public func shutDown() async throws {
        _ = try await call(.POST, "/v1/shutdown")
    }

    /// One `GET /v1/snapshot`, for `--once`: the picture, or why there is none.
    public func fetchSnapshot() async throws -> RuntimeSnapshot {
        let value = try await call(.GET, "/v1/snapshot")
        do {
            return try ControlWire.decodeSnapshot(value)
        } catch {
            throw ControlError.unreachable("\(target) answered something that is not a control API snapshot: \(error)")
        }
    }

    // MARK: The event stream

    /// Follows the server's event stream until the task is cancelled, reconnecting with backoff.
    public func run() async {
        var backoff = Duration.milliseconds(250)
        while !Task.isCancelled {
            do {
                try await follow()
                markUnreachable("the server closed the event stream")
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                markUnreachable(Self.reason(error))
            }
            // A stream that was live starts the backoff over: the server is restarting, not gone.
            if wasLive.exchange(false, ordering: .relaxed) { backoff = .milliseconds(250) }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(2))
        }
        await close()
    }

    /// Closes the connections; call it once done with a server whose ``run()`` never ran.
    public func close() async {
        try? await client.shutdown()
    }

    /// Reads `/v1/events` until it ends, fails or falls silent for ``silenceLimit``.
    private func follow() async throws {
        let response = try await client.execute(request(.GET, "/v1/events"), timeout: .seconds(5))
        guard response.status == .ok else { throw try await refusal(response) }
        let lastHeard = Heartbeat()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while true {
                    try await Task.sleep(for: .milliseconds(250))
                    if lastHeard.silence > Self.silenceLimit {
                        throw ControlError.unreachable("no answer for \(Self.silenceLimit.components.seconds) s")
                    }
                }
            }
            group.addTask {
                var pending: [UInt8] = []
                for try await chunk in response.body {
                    lastHeard.beat()
                    pending += chunk.readableBytesView
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        self.receive(line: pending[..<newline])
                        pending.removeSubrange(...newline)
                    }
                }
            }
            // The first to finish (the stream ending, or the watchdog) ends the other.
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func receive(line: ArraySlice<UInt8>) {
        guard let value = try? JSONParser.parse(line), case .object(let event) = value else { return }
        switch event["type"]?.stringValue {
        case "snapshot":
            guard let body = event["snapshot"], let snapshot = try? ControlWire.decodeSnapshot(body) else { return }
            state.withLock {
                $0.snapshot = snapshot
                $0.reachability = .live
            }
            wasLive.store(true, ordering: .relaxed)
        case "log":
            var text = event["message"]?.stringValue ?? ""
            for entry in event["metadata"]?.objectValue?.entries ?? [] {
                text += " \(entry.key)=\(entry.value.stringValue ?? "")"
            }
            receiveLog(LogRecord(at: event["at"]?.numberValue ?? 0, level: event["level"]?.stringValue ?? "info", text: text))
        default:
            break
        }
    }

    private func markUnreachable(_ reason: String) {
        state.withLock { state in
            if case .unreachable = state.reachability { return }
            state.reachability = .unreachable(since: Date().timeIntervalSince1970, reason: reason)
        }
    }

    // MARK: Requests

    private func request(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) -> HTTPClientRequest {
        let url: String
        switch base {
        case .socket(let socket): url = URL(httpURLWithSocketPath: socket, uri: path)?.absoluteString ?? path
        case .url(let prefix): url = prefix + path
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            var writer = JSONWriter()
            writer.value(body)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: writer.bytes))
        }
        return request
    }

    /// Sends one request and returns its JSON answer; a refusal throws ``AttachRefusal``, a
    /// transport failure ``ControlError/unreachable(_:)``.
    private func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await client.execute(request(method, path, body: body), timeout: .seconds(5))
            bytes = try await response.body.collect(upTo: 16 * 1024 * 1024)
        } catch {
            throw ControlError.unreachable(Self.reason(error))
        }
        guard (200..<300).contains(response.status.code) else { throw AttachRefusal(status: Int(response.status.code), body: bytes) }
        return (try? JSONParser.parse(bytes.readableBytesView)) ?? .null
    }

    private func refusal(_ response: HTTPClientResponse) async throws -> AttachRefusal {
        AttachRefusal(status: Int(response.status.code), body: try await response.body.collect(upTo: 1024 * 1024))
    }

    /// A transport error in one line.
    static func reason(_ error: any Error) -> String {
        if let error = error as? ControlError { return error.description }
        if let error = error as? AttachRefusal { return error.description }
        // A socket path with no socket behind it: the one failure only a control socket has.
        if let error = error as? IOError, error.errnoCode == ENOENT { return "no control socket there" }
        if "\(error)".contains("No such file") { return "no control socket there" }
        return TransportFailure.describe(error)
    }
}

/// The control API refused a request: its status and message (`403: this needs the operate level…`).
public struct AttachRefusal: Error, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public var status: Int
    /// The API's message, or the body as text.
    public var message: String

    init(status: Int, body: ByteBuffer) {
        self.status = status
        let parsed = try? JSONParser.parse(body.readableBytesView)
        message = parsed?.objectValue?["message"]?.stringValue ?? String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public var description: String { "\(status): \(message)" }
}

/// When the event stream last delivered bytes.
private final class Heartbeat: Sendable {
    private let last = Mutex(ContinuousClock.now)

    func beat() { last.withLock { $0 = .now } }

    var silence: Duration { ContinuousClock.now - last.withLock { $0 } }
}
