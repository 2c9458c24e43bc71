public import Logging
public import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Closes the server's listening socket without resetting the connections queued on it.
///
/// When a listening TCP socket closes, Linux resets every connection still in its accept queue:
/// connections whose handshake the kernel had completed and whose request may already have been
/// sent, but which the server had not accepted yet. Under load that is a few requests at every
/// shutdown, lost with `ECONNRESET` (curl: exit 56, "connection reset by peer").
///
/// ``close(settle:timeout:)`` runs just before the HTTP server closes its listener. It attaches a
/// socket filter to the listener that drops every segment carrying SYN: new connection attempts
/// are dropped silently, so their clients retransmit the SYN (after about a second) and then find
/// the port closed (`ECONNREFUSED`, a clean refusal that retries elsewhere), or a new instance
/// already listening on it. Handshakes already under way still complete, since their final ACK
/// carries no SYN. The server keeps accepting meanwhile, and once the accept queue has stayed empty
/// for `settle` every connection the kernel completed has been accepted and its request read;
/// those requests are answered (with a 503 while the models are drained) as usual, and the listener
/// can then close with nothing queued on it.
///
/// The server owns one (``MMCPServer/listenerGate``); `buildApp` binds it to the listening channel
/// when the server starts, and ``ShutdownSequence`` closes it at its end. It does nothing before it
/// is bound, on a listener that is not TCP (a Unix domain socket), or on platforms other than
/// Linux (where the accept queue's length cannot be read this way).
public final class ListenerGate: Sendable {
    /// The listening channel, once the server runs.
    private let listener = Mutex<(any Channel)?>(nil)
    private let logger: Logger

    /// A gate that is bound to no listener yet.
    public init(logger: Logger = Logger(label: "mmcp")) {
        self.logger = logger
    }

    /// Remembers `channel`, the server's listening channel. Pass it as Hummingbird's
    /// `onServerRunning` when you build the `Application` yourself:
    /// `Application(router: router, onServerRunning: { await server.listenerGate.bind($0) })`.
    public func bind(_ channel: any Channel) async {
        listener.withLock { $0 = channel }
    }

    /// Stops new connections and waits until every connection the kernel has already queued has
    /// been accepted: returns once the accept queue has stayed empty for `settle` (time for the
    /// last accepted connections to have their request read, so the server answers them instead
    /// of closing them unread), or after `timeout`. The listener itself stays open; the HTTP
    /// server closes it afterwards, when it shuts down. Call it only right before that: from now
    /// on connection attempts go unanswered until the port closes.
    public func close(settle: Duration = .milliseconds(250), timeout: Duration = .seconds(2)) async {
        #if os(Linux)
            guard let channel = listener.withLock({ $0 }), channel.isActive, let socket = channel as? any SocketOptionProvider else {
                return // not bound, or the server has already closed its listener
            }
            switch channel.localAddress {
            case .v4, .v6: break
            default: return // the filter reads a TCP header; other listeners keep Hummingbird's close
            }
            do {
                try await Self.dropNewConnections(socket)
            } catch {
                logger.warning("could not stop new connections before closing the listener", metadata: ["error": "\(error)"])
                return
            }
            let clock = ContinuousClock()
            let deadline = clock.now + timeout
            var emptySince: ContinuousClock.Instant?
            var peak: UInt32 = 0
            while clock.now < deadline, !Task.isCancelled {
                // On a listening socket Linux reports the accept queue's length in `tcpi_unacked`.
                guard let queued = try? await socket.getTCPInfo().get().tcpi_unacked else { return }
                if queued > 0 {
                    peak = max(peak, queued)
                    emptySince = nil
                } else if let since = emptySince {
                    if clock.now - since >= settle {
                        logger.debug("listener closed to new connections", metadata: ["peak_queue": "\(peak)"])
                        return
                    }
                } else {
                    emptySince = clock.now
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
            if !Task.isCancelled {
                logger.warning("connections still queued on the listener when it closes", metadata: ["timeout": "\(timeout)"])
            }
        #endif
    }

    #if os(Linux)
        /// One instruction of a classic BPF program (`struct sock_filter` of `<linux/filter.h>`, which
        /// Glibc's module does not export).
        private struct FilterInstruction {
            var code: UInt16
            var jumpIfTrue: UInt8
            var jumpIfFalse: UInt8
            var constant: UInt32
        }

        /// A classic BPF program (`struct sock_fprog`): its length and the address of its first
        /// instruction. The address is held as an integer so the value is `Sendable`, as
        /// `unsafeSetSocketOption` requires; the instructions must outlive the `setsockopt` call.
        private struct FilterProgram {
            var length: UInt16
            var instructions: UInt
        }

        /// Attaches to the listening socket a filter that drops every TCP segment with SYN set and
        /// passes the rest. A socket filter on a TCP socket sees the segment from its TCP header, so
        /// byte 13 holds the flags (SYN is 0x02).
        private static func dropNewConnections(_ socket: any SocketOptionProvider) async throws {
            let program: [FilterInstruction] = [
                FilterInstruction(code: 0x30, jumpIfTrue: 0, jumpIfFalse: 0, constant: 13), // ldb [13]: the flags
                FilterInstruction(code: 0x45, jumpIfTrue: 0, jumpIfFalse: 1, constant: 0x02), // jset #SYN
                FilterInstruction(code: 0x06, jumpIfTrue: 0, jumpIfFalse: 0, constant: 0), // ret #0: drop
                FilterInstruction(code: 0x06, jumpIfTrue: 0, jumpIfFalse: 0, constant: UInt32.max), // ret: pass whole
            ]
            // The option is set on the channel's event loop, later; the instructions live in memory
            // of our own until the future has completed (the kernel copies them during the call).
            let instructions = UnsafeMutableBufferPointer<FilterInstruction>.allocate(capacity: program.count)
            defer { instructions.deallocate() }
            _ = instructions.initialize(from: program)
            let value = FilterProgram(length: UInt16(program.count), instructions: UInt(bitPattern: instructions.baseAddress))
            try await socket.unsafeSetSocketOption(
                level: NIOBSDSocket.OptionLevel.socket, name: NIOBSDSocket.Option(rawValue: SO_ATTACH_FILTER), value: value
            ).get()
        }
    #endif
}
