import NIOCore
import NIOPosix
import Synchronization

/// An MMCP upstream that lists its models like a real server but answers `/generate` in one chosen
/// broken way, for the gateway's tests: it stalls, drips, cuts its answer short, resets the
/// connection, or never answers. It speaks just enough HTTP/1.1 over NIO to do that on purpose,
/// which no real server would.
package final class MisbehavingUpstream: Sendable {
    /// How `/generate` is answered. A `200` head announces `announcedLength` bytes: more than the
    /// gateway reads whole before passing an answer on, so its relay is what is tested, unless a
    /// test asks for a small one.
    package enum Behaviour: Sendable {
        /// A `200` head, 27 bytes of its body, then silence with the connection open.
        case stall
        /// A `200` head, then one byte every 100 ms.
        case drip
        /// A `200` head, 27 bytes of its body, then the connection closed.
        case cut
        /// The connection reset (`RST`) once the request has arrived.
        case reset
        /// Nothing at all, the connection left open.
        case hang
    }

    /// The port it listens on, on 127.0.0.1.
    package let port: Int
    private let listener: any Channel
    private let record: Record

    /// What the connections did, for the tests to read.
    final class Record: Sendable {
        let connections = Mutex<[ObjectIdentifier: any Channel]>([:])
        let generateRequests = Atomic(0)
        /// Connections that carried a `/generate` and were closed (by either side).
        let closedGenerateConnections = Atomic(0)
    }

    /// Starts listening on a free loopback port; `capabilities` is the `/capabilities` document
    /// it answers (a healthy twin's, so that the gateway takes both as replicas of one model).
    package static func start(capabilities: [UInt8], behaviour: Behaviour, announcedLength: Int = 10_000_000) async throws -> MisbehavingUpstream {
        let record = Record()
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                record.connections.withLock { $0[ObjectIdentifier(channel)] = channel }
                channel.closeFuture.whenComplete { _ in
                    record.connections.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        Handler(capabilities: capabilities, behaviour: behaviour, announcedLength: announcedLength, record: record))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return MisbehavingUpstream(port: listener.localAddress?.port ?? 0, listener: listener, record: record)
    }

    private init(port: Int, listener: any Channel, record: Record) {
        self.port = port
        self.listener = listener
        self.record = record
    }

    /// `POST /generate` requests received so far.
    package var generateRequests: Int { record.generateRequests.load(ordering: .relaxed) }
    /// Connections that carried a `/generate` request and have been closed since.
    package var closedGenerateConnections: Int { record.closedGenerateConnections.load(ordering: .relaxed) }

    /// Stops listening and closes every connection.
    package func stop() async {
        try? await listener.close()
        for connection in record.connections.withLock({ Array($0.values) }) { try? await connection.close() }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let capabilities: [UInt8]
        let behaviour: Behaviour
        let announcedLength: Int
        let record: Record
        private var received: [UInt8] = []
        private var drip: RepeatedTask?
        private var carriedGenerate = false

        init(capabilities: [UInt8], behaviour: Behaviour, announcedLength: Int, record: Record) {
            self.capabilities = capabilities
            self.behaviour = behaviour
            self.announcedLength = announcedLength
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received.append(contentsOf: unwrapInboundIn(data).readableBytesView)
            while let request = takeRequest() { answer(request, context: context) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            drip?.cancel()
            if carriedGenerate { record.closedGenerateConnections.add(1, ordering: .relaxed) }
            context.fireChannelInactive()
        }

        /// The next whole request's line, once its head and body have arrived.
        private func takeRequest() -> String? {
            let separator: [UInt8] = [13, 10, 13, 10]
            guard received.count >= 4, let end = (0...(received.count - 4)).first(where: { received[$0..<$0 + 4].elementsEqual(separator) })
            else { return nil }
            let head = String(decoding: received[..<end], as: UTF8.self).lowercased()
            let length =
                head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            guard received.count >= end + 4 + length else { return nil }
            received.removeFirst(end + 4 + length)
            return head.split(separator: "\r\n").first.map(String.init)
        }

        private func answer(_ requestLine: String, context: ChannelHandlerContext) {
            if requestLine.hasPrefix("get /capabilities") {
                write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: \(capabilities.count)\r\n\r\n", context: context)
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: capabilities)), promise: nil)
                return
            }
            guard requestLine.hasPrefix("post /generate") else {
                write("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", context: context)
                return
            }
            record.generateRequests.add(1, ordering: .relaxed)
            carriedGenerate = true
            let head = "HTTP/1.1 200 OK\r\ncontent-type: model/gltf+json\r\ncontent-length: \(announcedLength)\r\n\r\n"
            let start = #"{"asset":{"version":"2.0"}"#
            switch behaviour {
            case .stall:
                write(head + start, context: context)
            case .cut:
                write(head + start, context: context)
                context.close(promise: nil)
            case .drip:
                write(head, context: context)
                let channel = context.channel
                drip = context.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
                    channel.writeAndFlush(ByteBuffer(string: " "), promise: nil)
                }
            case .reset:
                // SO_LINGER with a zero timeout: close() sends RST instead of FIN.
                let channel = context.channel
                _ = (channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).always { _ in
                    channel.close(promise: nil)
                }
            case .hang:
                break
            }
        }

        private func write(_ text: String, context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        }
    }
}
