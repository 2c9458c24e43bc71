import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#endif

/// What bounds one listener's connections besides Hummingbird's idle timeout: how long a request
/// head (and a TLS handshake) may take, and how many connections it holds at once.
package struct ConnectionPolicy: Sendable {
    /// How long a connection may sit between requests (Hummingbird's idle timeout).
    var idleTimeout: Duration
    /// How long a request head may take from its first byte to its last, and a TLS handshake
    /// from the connection's start to its end.
    var headerTimeout: Duration
    /// Connections the listener holds at once; the next one is closed as soon as it is accepted.
    var maxConnections: Int
    /// How the log names the listener.
    var listener: String

    package init(idleTimeout: Duration, headerTimeout: Duration, maxConnections: Int, listener: String) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.maxConnections = maxConnections
        self.listener = listener
    }

    /// Bounds the connections `listener` holds (``AcceptGuard``); call it once the listener runs.
    package func guardAccepts(on listener: any Channel, logger: Logger) async {
        await AcceptGuard.install(on: listener, policy: self, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with `policy`'s timeouts: the idle timeout and a request head that stops arriving
    /// close the connection. The connection cap is the listener's, installed by
    /// ``AcceptGuard/install(on:policy:logger:)``.
    package static func guardedHTTP1(_ policy: ConnectionPolicy) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in GuardedHTTP1Channel(responder: responder, policy: policy, handshake: false) }
    }
}

/// Hummingbird's HTTP/1.1 child channel with two handlers of ours around its parser:
/// ``ConnectionBytesHandler`` before it (the header and TLS handshake deadlines) and
/// ``HTTP1MessageHandler`` after it (`100 Continue`, closing after an answer that says so or to an
/// HTTP/1.0 client without keep-alive).
package struct GuardedHTTP1Channel: ServerChildChannel {
    package typealias Value = HTTP1Channel.Value
    let base: HTTP1Channel
    let headerTimeout: TimeAmount
    /// Whether the connection starts with a TLS handshake (its deadline is the header timeout);
    /// the control API's TLS listener wraps the channel in Hummingbird's `TLSChannel`.
    let handshake: Bool

    /// The channel for `responder` with `policy`'s idle and header timeouts.
    package init(responder: @escaping HTTPChannelHandler.Responder, policy: ConnectionPolicy, handshake: Bool) {
        base = HTTP1Channel(
            responder: responder,
            configuration: .init(
                additionalChannelHandlers: [ClientDepartureHandler()], idleTimeout: TimeAmount(policy.idleTimeout.clampedForTimers)))
        headerTimeout = TimeAmount(policy.headerTimeout.clampedForTimers)
        self.handshake = handshake
    }

    package func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let headerTimeout = self.headerTimeout
        let handshake = self.handshake
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let encoder = try pipeline.handler(type: HTTPResponseEncoder.self)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            let clock = RequestHeadClock(timeout: headerTimeout, logger: logger)
            try pipeline.addHandler(ConnectionBytesHandler(clock: clock, handshake: handshake), position: .before(encoder))
            try pipeline.addHandler(HTTP1MessageHandler(clock: clock), position: .after(decoder))
            return value
        }
    }

    package func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Where a connection is between requests, shared by its two handlers (on its event loop), and
/// the one deadline that may be running: a TLS handshake's, or a request head's.
final class RequestHeadClock {
    enum Phase {
        /// The TLS handshake is under way (or done, with no request begun yet).
        case handshake
        /// Between requests: the idle timeout (Hummingbird's) applies.
        case waiting
        /// The first bytes of a request head have arrived; its deadline runs.
        case head
        /// A request head has been read; its body and answer take what they take (the body
        /// deadline is the route's).
        case request
    }

    var phase = Phase.waiting
    private let timeout: TimeAmount
    private let logger: Logger
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    /// Enters `phase` with the header timeout running: the connection closes if it is still in
    /// that phase when the timeout passes.
    func start(_ phase: Phase, context: ChannelHandlerContext) {
        self.phase = phase
        deadline?.cancel()
        let logger = self.logger
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            deadline = nil
            guard self.phase == phase else { return }
            logger.debug(phase == .handshake ? "TLS handshake too slow; closing the connection" : "request head too slow; closing the connection")
            context.close(promise: nil)
        }
    }

    /// Enters `phase`, stopping the deadline.
    func enter(_ phase: Phase) {
        self.phase = phase
        deadline?.cancel()
        deadline = nil
    }
}

/// Sees a connection's bytes before the HTTP parser (after TLS): starts the TLS handshake's
/// deadline when the connection starts and a request head's when its first byte arrives. Over TLS
/// the handshake's deadline lasts until the first request's first byte: a client has the header
/// timeout to finish the handshake and start its request.
final class ConnectionBytesHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let clock: RequestHeadClock
    private let handshake: Bool

    init(clock: RequestHeadClock, handshake: Bool) {
        self.clock = clock
        self.handshake = handshake
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if handshake { clock.start(.handshake, context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        clock.enter(.waiting)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Behind TLS the first plain byte comes after the handshake: the head's deadline replaces
        // the handshake's. The parser runs within `fireChannelRead`: a head that arrives whole
        // (nearly always) is read before it returns, and needs no timer.
        let starts = clock.phase == .waiting || clock.phase == .handshake
        if starts { clock.phase = .head }
        context.fireChannelRead(data)
        if starts, clock.phase == .head { clock.start(.head, context: context) }
    }
}

/// Sees each request head as the HTTP/1 parser reads it, and each answer on its way out:
/// - stops the head's deadline;
/// - answers `Expect: 100-continue` with `100 Continue` at once, as uvicorn does when the
///   application reads the body (curl otherwise waits a second before sending it);
/// - closes the connection once an answer has been written when the request or the answer says
///   `Connection: close`, or the client speaks HTTP/1.0 without keep-alive (Hummingbird reads
///   neither the version nor the answer's header: it would leave the connection open, or go on
///   reading a body the answer refused).
final class HTTP1MessageHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let clock: RequestHeadClock
    /// Whether the connection closes after the answer being written.
    private var closeAfterAnswer = false

    init(clock: RequestHeadClock) {
        self.clock = clock
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            clock.enter(.request)
            if !head.isKeepAlive {
                closeAfterAnswer = true
                if head.version == .http1_0 {
                    // Hummingbird closes after the answer when the request says so; an HTTP/1.0
                    // request that says nothing means the same.
                    var head = head
                    head.headers.replaceOrAdd(name: "connection", value: "close")
                    context.fireChannelRead(wrapInboundOut(.head(head)))
                    return
                }
            }
            if head.version.major == 1, head.version.minor >= 1,
                head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" })
            {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case .end:
            if clock.phase == .request { clock.enter(.waiting) }
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200:
            if closeAfterAnswer || !head.isKeepAlive {
                closeAfterAnswer = true
                head.headers.replaceOrAdd(name: "connection", value: "close")
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
        case .end where closeAfterAnswer:
            let written = promise ?? context.eventLoop.makePromise()
            context.writeAndFlush(data, promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in Self.closeGently(context) }
            return
        default:
            break
        }
        context.write(data, promise: promise)
    }

    /// How long a connection closing after an answer goes on reading (and dropping) what the
    /// client still sends.
    static let linger = TimeAmount.seconds(2)

    /// Closes the connection after an answer without losing it: the output first (the client
    /// reads the answer, then the end), then, after ``linger``, the rest. Closed at once, a socket
    /// with unread bytes (the rest of a refused body) sends a reset, and the client may lose the
    /// answer it had not read yet.
    private static func closeGently(_ context: ChannelHandlerContext) {
        let halfClosed = context.eventLoop.makePromise(of: Void.self)
        context.close(mode: .output, promise: halfClosed)
        halfClosed.futureResult.assumeIsolated().whenComplete { result in
            if case .failure = result {
                context.close(promise: nil) // a channel that cannot half-close (TLS), or already closed
                return
            }
            context.eventLoop.assumeIsolated().scheduleTask(in: linger) { context.close(promise: nil) }
        }
    }
}

/// The listening socket's guard: a cap on the connections it holds, and a back-off when the
/// process runs out of file descriptors.
///
/// Beyond the cap, a newly accepted connection is closed at once (the client sees its connection
/// closed before any answer), so one listener flooded with idle connections cannot take the
/// descriptors another needs.
///
/// When `accept` fails with `EMFILE` or `ENFILE`, NIO keeps asking to accept (its own back-off
/// handler defers only reads it has not started, and the failed one stays pending), and the
/// process spins on the waiting connection. The guard keeps one descriptor in reserve for this:
/// on the failure it closes it, so the next `accept` succeeds; that connection is closed at once,
/// the reserve taken back, and accepting resumes only after `backoff`, with the reserve held.
final class AcceptGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never
    typealias OutboundOut = Never

    /// How long accepting pauses after the process ran out of descriptors.
    static let backoff = TimeAmount.seconds(1)
    /// At most one line about refused connections per listener in this long.
    private static let logInterval = TimeAmount.seconds(10)

    private let policy: ConnectionPolicy
    private let logger: Logger
    private var connections = 0
    private var reserve: CInt = -1
    /// Whether the reserve was given up for the connection being accepted, which is then shed.
    private var shedding = false
    private var resumeAt: NIODeadline?
    private var resume: Scheduled<Void>?
    private var lastLogged: NIODeadline?

    init(policy: ConnectionPolicy, logger: Logger) {
        self.policy = policy
        self.logger = logger
    }

    /// Puts a guard first in the pipeline of `listener` (a server's listening channel), as
    /// Hummingbird's `onServerRunning` gets it. Connections accepted before it are not counted.
    static func install(on listener: any Channel, policy: ConnectionPolicy, logger: Logger) async {
        do {
            try await listener.eventLoop.submit {
                try listener.pipeline.syncOperations.addHandler(AcceptGuard(policy: policy, logger: logger), position: .first)
            }.get()
        } catch {
            // Only when the listener has already closed: there is nothing left to guard.
            logger.debug("could not guard the listener", metadata: ["listener": "\(policy.listener)", "error": "\(error)"])
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        reserve = Self.openReserve()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        resume?.cancel()
        resume = nil
        if reserve >= 0 { Glibc.close(reserve) }
        reserve = -1
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let connection = unwrapInboundIn(data)
        if shedding {
            // Accepted with the reserve's descriptor: shed, and the reserve taken back.
            connection.close(promise: nil)
            shedding = false
            reserve = Self.openReserve()
            return
        }
        guard connections < policy.maxConnections else {
            connection.close(promise: nil)
            note("connection cap reached: closing new connections", ["max_connections": "\(policy.maxConnections)"])
            return
        }
        connections += 1
        connection.closeFuture.hop(to: context.eventLoop).assumeIsolated().whenComplete { [self] _ in connections -= 1 }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, error.errnoCode == EMFILE || error.errnoCode == ENFILE else {
            context.fireErrorCaught(error)
            return
        }
        note("out of file descriptors: shedding a connection and pausing accepts", ["pause": "\(Self.backoff)"])
        resumeAt = .now() + Self.backoff
        if reserve >= 0 {
            Glibc.close(reserve)
            reserve = -1
            shedding = true
        }
    }

    func read(context: ChannelHandlerContext) {
        if let resumeAt, resumeAt > .now() {
            schedule(at: resumeAt, context: context)
            return
        }
        resumeAt = nil
        if reserve < 0 {
            reserve = Self.openReserve()
            // Still no descriptor to spare: an accept would fail again; try later. (Any other
            // failure to open the reserve leaves the guard without one, accepting as usual.)
            if reserve < 0, errno == EMFILE || errno == ENFILE {
                schedule(at: .now() + Self.backoff, context: context)
                return
            }
            shedding = false
        }
        context.read()
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        guard resume == nil else { return }
        resume = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            resume = nil
            resumeAt = nil
            read(context: context)
        }
    }

    private func note(_ message: Logger.Message, _ metadata: Logger.Metadata) {
        let now = NIODeadline.now()
        if let lastLogged, now - lastLogged < Self.logInterval { return }
        lastLogged = now
        var metadata = metadata
        metadata["listener"] = "\(policy.listener)"
        logger.warning(message, metadata: metadata)
    }

    /// A descriptor to hold in reserve (`/dev/null`), or -1 with `errno` set.
    private static func openReserve() -> CInt {
        Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
    }
}

/// The process's soft limit on open file descriptors (`RLIMIT_NOFILE`), or `nil` without one.
func descriptorLimit() -> Int? {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
    return Int(clamping: limit.rlim_cur)
}
