import Foundation
public import Logging
import Synchronization

/// The server's log lines, handed to every `/v1/events` stream as they happen. A server with a
/// control API logs through a logger that writes both where it wrote before and here
/// (``tapping(_:)``); with no stream open a line costs one atomic load.
public final class LogBroadcast: Sendable {
    private let subscribers = Mutex<[Int: @Sendable (JSONValue) -> Void]>([:])
    private let nextID = Atomic(0)
    private let hasSubscribers = Atomic(false)

    public init() {}

    /// `logger` writing also into this broadcast, at the same level.
    public func tapping(_ logger: Logger) -> Logger {
        let base = logger.handler
        let tap = LogBroadcastHandler(broadcast: self, logLevel: logger.logLevel)
        var tapped = Logger(label: logger.label) { _ in MultiplexLogHandler([base, tap]) }
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

    fileprivate func publish(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata) {
        guard hasSubscribers.load(ordering: .relaxed) else { return }
        let line = ControlWire.encodeLog(
            level: level.rawValue, message: message.description,
            metadata: metadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value.description) },
            at: Date().timeIntervalSince1970)
        for receive in subscribers.withLock({ Array($0.values) }) { receive(line) }
    }
}

/// The handler ``LogBroadcast/tapping(_:)`` adds beside the logger's own.
private struct LogBroadcastHandler: LogHandler {
    let broadcast: LogBroadcast
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(broadcast: LogBroadcast, logLevel: Logger.Level) {
        self.broadcast = broadcast
        self.logLevel = logLevel
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        broadcast.publish(level: event.level, message: event.message, metadata: metadata.merging(event.metadata ?? [:]) { $1 })
    }
}
