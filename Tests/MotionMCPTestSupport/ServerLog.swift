import Foundation
import Logging
import Synchronization
import Testing

/// What the servers of one test print, kept instead of printed: the log lines of its in-process
/// servers (swift-log, through ``KeptLogHandler``) and the output files of the `mmcp-console`
/// processes it starts (``ServerProcess``). A test under ``Trait/keepsServerLogs`` has one, and it
/// is printed to standard error only when that test fails, so a passing suite prints only its own
/// lines.
package final class ServerLog: Sendable {
    /// The log of the test this task runs for (set by ``KeepsServerLogs``).
    @TaskLocal package static var current: ServerLog?

    /// At most this many lines are kept, the latest: a fuzz test's servers log thousands.
    package static let capacity = 5_000

    /// Every logger made without a handler of its own logs through ``KeptLogHandler`` from now on.
    /// Runs once per process (swift-log allows one bootstrap), before the first test starts.
    package static let bootstrap: Void = LoggingSystem.bootstrap { KeptLogHandler(label: $0) }

    private struct State {
        var lines: [String] = []
        var dropped = 0
        var files: [URL] = []
        var failed = false
    }

    private let state = Mutex(State())

    package init() {}

    /// Keeps one line, dropping the oldest past ``capacity``.
    package func append(_ line: String) {
        state.withLock {
            if $0.lines.count == Self.capacity {
                $0.lines.removeFirst(Self.capacity / 10)
                $0.dropped += Self.capacity / 10
            }
            $0.lines.append(line)
        }
    }

    /// Shows the file's content (a child process's output) with the log when the test fails.
    package func include(_ file: URL) {
        state.withLock { $0.files.append(file) }
    }

    /// Notes that the test recorded a failure.
    package func markFailed() {
        state.withLock { $0.failed = true }
    }

    /// The kept lines, then each included file, with a heading naming `test`.
    package func report(for test: Test) -> String {
        let (lines, dropped, files) = state.withLock { ($0.lines, $0.dropped, $0.files) }
        let name = test.displayName ?? test.name
        var text = "--- what the servers of \"\(name)\" printed (kept, shown because it failed)\n"
        if dropped > 0 { text += "(\(dropped) earlier lines dropped)\n" }
        text += lines.map { $0 + "\n" }.joined()
        for file in files {
            text += "--- \(file.path)\n" + ((try? String(contentsOf: file, encoding: .utf8)) ?? "(unreadable)\n")
        }
        return text + "--- end of what the servers of \"\(name)\" printed\n"
    }

    /// Writes ``report(for:)`` to standard error if the test failed and its servers printed anything.
    package func printIfFailed(_ test: Test) {
        let (failed, empty) = state.withLock { ($0.failed, $0.lines.isEmpty && $0.files.isEmpty) }
        guard failed, !empty else { return }
        FileHandle.standardError.write(Data(report(for: test).utf8))
    }
}

/// A swift-log handler that keeps each line in a test's ``ServerLog`` instead of printing it: the
/// log of the task the line is logged from, else the one current where the logger was made (a
/// line logged off the test's tasks, on an event loop thread). A line with neither is dropped.
package struct KeptLogHandler: LogHandler {
    package let label: String
    /// The test log current when the logger was made.
    package let creator: ServerLog?
    package var logLevel = Logger.Level.info
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?

    package init(label: String) {
        self.label = label
        creator = ServerLog.current
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Keeps the event as swift-log's stream handler would print it: time, level, label, the
    /// metadata sorted by key, the source, the message.
    package func log(event: LogEvent) {
        guard let log = ServerLog.current ?? creator else { return }
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var line = "\(Date.now.ISO8601Format()) \(event.level) \(label):"
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { line += " \(key)=\(value)" }
        line += " [\(event.source)] \(event.message)"
        if let error = event.error { line += " error=\(error)" }
        log.append(line)
    }
}

/// Gives each test a ``ServerLog`` for what its servers print, and prints that log only when the
/// test fails (an issue that counts as a failure, or an error thrown out of it).
package struct KeepsServerLogs: SuiteTrait, TestTrait, TestScoping {
    package var isRecursive: Bool { true }

    package func prepare(for test: Test) async throws {
        _ = ServerLog.bootstrap
    }

    package func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // A suite's own scope: each of its tests gets a log of its own.
        guard testCase != nil else { return try await function() }
        let log = ServerLog()
        let watch = IssueHandlingTrait.compactMapIssues { issue in
            if issue.isFailure { log.markFailed() }
            return issue
        }
        defer { log.printIfFailed(test) }
        do {
            try await ServerLog.$current.withValue(log) {
                try await watch.provideScope(for: test, testCase: testCase, performing: function)
            }
        } catch {
            log.markFailed()
            throw error
        }
    }
}

extension Trait where Self == KeepsServerLogs {
    /// What the servers of each test print is kept, and shown only when that test fails.
    package static var keepsServerLogs: Self { Self() }
}
