public import Logging

/// A log event made safe to write: its message, its metadata's keys and values (nested ones too)
/// and its error's description with every control character escaped (`LogText.escaped(_:)`),
/// so nothing a client, an upstream or a terminal sends can start a line of its own or forge one.
/// Every log handler of this package (standard error, the console's ring, the control API's event
/// stream) writes only what comes out of here.
public enum LogEscaping {
    /// `event` with its message and metadata escaped; an error becomes the `error.message` and
    /// `error.type` metadata swift-log's stream handler would write for it, escaped.
    public static func escaped(_ event: LogEvent) -> LogEvent {
        var event = event
        event.message = Logger.Message(stringLiteral: LogText.escaped(event.message.description))
        if let error = event.error {
            var metadata = event.metadata ?? [:]
            metadata["error.message"] = .string("\(error)")
            metadata["error.type"] = .string(String(reflecting: type(of: error)))
            event.metadata = metadata
            event.error = nil
        }
        event.metadata = event.metadata.map(escaped)
        return event
    }

    /// `metadata` with its keys and values escaped.
    public static func escaped(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var result: Logger.Metadata = [:]
        for (key, value) in metadata { result[LogText.escaped(key)] = escaped(value) }
        return result
    }

    /// `value` escaped; a string-convertible value becomes the string it describes itself as.
    public static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(LogText.escaped(text))
        case .stringConvertible(let convertible): .string(LogText.escaped(convertible.description))
        case .array(let values): .array(values.map(escaped))
        case .dictionary(let metadata): .dictionary(escaped(metadata))
        }
    }
}
