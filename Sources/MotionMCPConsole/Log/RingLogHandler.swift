import Foundation
import Logging

/// A swift-log handler that writes into a ``LogRing`` instead of the terminal, so log output
/// shows in the console's event pane and never scribbles over the curses screen.
///
/// ```swift
/// let ring = LogRing()
/// LoggingSystem.bootstrap { label in RingLogHandler(label: label, ring: ring) }
/// ```
public struct RingLogHandler: LogHandler {
    /// The logger's label; not shown, since one process has few loggers.
    public let label: String
    /// Where lines go.
    public let ring: LogRing
    /// The lowest level written.
    public var logLevel: Logger.Level
    /// Metadata added to every line of this logger.
    public var metadata: Logger.Metadata = [:]
    /// Metadata looked up when a line is logged (task-local context, for instance).
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler for the logger `label` writing into `ring` at `logLevel` and above.
    public init(label: String, ring: LogRing, logLevel: Logger.Level = .info) {
        self.label = label
        self.ring = ring
        self.logLevel = logLevel
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Appends the event as one line: the message, then the metadata sorted by key, then the error.
    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var text = event.message.description
        // Sorted so the same metadata always reads the same way.
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\(value)"
        }
        if let error = event.error { text += " error=\(error)" }
        ring.append(LogLine(time: Date(), level: event.level.rawValue, text: text))
    }
}
