import Foundation
import MotionMCPControl
import MotionMCPProtocol
import Synchronization

/// One line of the event log pane.
public struct LogLine: Sendable, Hashable {
    /// When it was logged.
    public var time: Date
    /// The level's name (`info`, `warning`, …), or `output` for text captured from stdout/stderr.
    public var level: String
    /// The message with its metadata appended as `key=value`.
    public var text: String

    /// A line logged at `time`.
    public init(time: Date, level: String, text: String) {
        self.time = time
        self.level = level
        self.text = text
    }
}

/// A bounded, thread-safe buffer of the most recent log lines: the server logs into it from any
/// thread, the console reads it several times a second. When full, the oldest line goes.
public final class LogRing: Sendable {
    /// How many lines it keeps.
    public let capacity: Int

    private struct Storage {
        var lines: [LogLine] = []
        /// Where the oldest line is once the buffer has wrapped.
        var start = 0
        /// Lines appended ever, so readers can tell cheaply whether anything changed.
        var appended = 0
    }

    private let storage = Mutex(Storage())

    /// A ring keeping the last `capacity` lines (at least one).
    public init(capacity: Int = 500) {
        self.capacity = max(1, capacity)
    }

    /// Adds a line, dropping the oldest when full. Its level and text are escaped
    /// (`LogText.escaped(_:)`) first: whatever a log line, a remote server's event or captured
    /// output holds, it cannot put a control sequence on the console's screen or split a line.
    public func append(_ line: LogLine) {
        var line = line
        line.level = LogText.escaped(line.level)
        line.text = LogText.escaped(line.text)
        storage.withLock { storage in
            if storage.lines.count < capacity {
                storage.lines.append(line)
            } else {
                storage.lines[storage.start] = line
                storage.start = (storage.start + 1) % capacity
            }
            storage.appended += 1
        }
    }

    /// The lines kept, oldest first.
    public var lines: [LogLine] {
        storage.withLock { Array($0.lines[$0.start...] + $0.lines[..<$0.start]) }
    }

    /// How many lines were ever appended (kept or since dropped).
    public var appendedCount: Int {
        storage.withLock { $0.appended }
    }
}
