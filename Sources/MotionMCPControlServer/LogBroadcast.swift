import Foundation
public import Logging
import MotionMCP
import MotionMCPControl
import MotionMCPProtocol
import Synchronization

/// The server's log lines, handed to every `/v1/events` stream as they happen. A server with a
/// control API logs through a logger that writes both where it wrote before and here
/// (``tapping(_:)``); with no stream open a line costs one atomic load.
public final class LogBroadcast: Sendable {
    private let subscribers = Mutex<[Int: @Sendable (JSONValue) -> Void]>([:])
    private let nextID = Atomic(0)
    private let hasSubscribers = Atomic(false)

    /// A broadcast nobody listens to yet.
    public init() {}

    /// `logger` writing also into this broadcast, at the same level. One handler wraps the
    /// logger's own, so metadata set on it (Hummingbird sets a request id per request) is stored
    /// once, in the wrapped handler, and a line is formatted for the broadcast only when a stream
    /// is open.
    public func tapping(_ logger: Logger) -> Logger {
        let handler = LogBroadcastHandler(base: logger.handler, broadcast: self)
        var tapped = Logger(label: logger.label) { _ in handler }
        tapped.logLevel = logger.logLevel
        return tapped
    }

    /// Calls `receive` with each line logged until ``unsubscribe(_:)`` is called with the id returned.
    func subscribe(_ receive: @escaping @Sendable (JSONValue) -> Void) -> Int {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        subscribers.withLock {
            $0[id] = receive
            hasSubscribers.store(true, ordering: .relaxed)
        }
        return id
    }

    func unsubscribe(_ id: Int) {
        subscribers.withLock {
            $0[id] = nil
            hasSubscribers.store(!$0.isEmpty, ordering: .relaxed)
        }
    }

    /// Hands the line to every stream, escaped (``LogEscaping``) like a line on standard error;
    /// `metadata` is merged only when a stream is open.
    fileprivate func publish(level: Logger.Level, message: Logger.Message, metadata: () -> Logger.Metadata) {
        guard hasSubscribers.load(ordering: .relaxed) else { return }
        let line = ControlWire.encodeLog(
            level: level.rawValue, message: LogText.escaped(message.description),
            metadata: LogEscaping.escaped(metadata()).sorted { $0.key < $1.key }.map { ($0.key, $0.value.description) },
            at: Date().timeIntervalSince1970)
        for receive in subscribers.withLock({ Array($0.values) }) { receive(line) }
    }
}

/// The handler ``LogBroadcast/tapping(_:)`` puts around the logger's own: everything goes to the
/// wrapped handler, and each line written is also published.
private struct LogBroadcastHandler: LogHandler {
    var base: any LogHandler
    let broadcast: LogBroadcast

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        base.log(event: event)
        broadcast.publish(level: event.level, message: event.message, metadata: { base.metadata.merging(event.metadata ?? [:]) { $1 } })
    }
}
