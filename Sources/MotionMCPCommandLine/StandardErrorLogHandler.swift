import Logging
import MotionMCP

/// swift-log's standard-error `StreamLogHandler`, with the logger's own metadata kept aside
/// until a line is actually written.
///
/// `StreamLogHandler` formats its metadata every time the metadata changes, and Hummingbird
/// gives every request's logger a request id, so a headless server paid for formatting a line
/// per request that it almost never writes. The output is the same: the kept metadata is laid
/// under the line's own (the line's values win) when the line is written.
///
/// Every line is escaped (``LogEscaping``) before it is written: a model id, an upstream's
/// answer or a request's field holding a newline or an escape sequence cannot forge a line.
struct StandardErrorLogHandler: LogHandler {
    private var stream: StreamLogHandler
    /// Metadata added to every line of this logger.
    var metadata: Logger.Metadata = [:]
    /// Metadata looked up when a line is written (task-local context, for instance).
    var metadataProvider: Logger.MetadataProvider?

    /// A handler for the logger `label`, writing to standard error.
    init(label: String) {
        stream = StreamLogHandler.standardError(label: label, metadataProvider: nil)
        metadataProvider = LoggingSystem.metadataProvider
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        event.metadata = merged
        stream.log(event: LogEscaping.escaped(event))
    }
}
