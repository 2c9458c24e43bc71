import Foundation
import Logging
import MotionMCPTestSupport
import Testing

@Suite("Server output kept for a failing test")
struct ServerLogTests {
    @Test("a line is kept in the log of the task it is logged from, else in the one current where its logger was made")
    func linesGoToTheTestsLog() throws {
        let made = ServerLog()
        let running = ServerLog()
        let logger = ServerLog.$current.withValue(made) { Logger(label: "mmcp") { KeptLogHandler(label: $0) } }
        logger.info("off the test's tasks", metadata: ["model": "null"])
        ServerLog.$current.withValue(running) { logger.warning("in a test's task") }
        let test = try #require(Test.current)
        #expect(made.report(for: test).contains(" info mmcp: model=null [MotionMCPTests] off the test's tasks\n"))
        #expect(!made.report(for: test).contains("in a test's task"))
        #expect(running.report(for: test).contains(" warning mmcp: [MotionMCPTests] in a test's task\n"))
    }

    @Test("the report shows the output files of the test's child processes after its lines")
    func reportIncludesFiles() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("server-log-\(UUID().uuidString).log")
        try "child line\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let log = ServerLog()
        log.append("in-process line")
        log.include(file)
        let report = log.report(for: try #require(Test.current))
        let inProcess = try #require(report.range(of: "in-process line\n"))
        let child = try #require(report.range(of: "--- \(file.path)\nchild line\n"))
        #expect(inProcess.upperBound <= child.lowerBound)
    }

    @Test("past its capacity the log keeps the latest lines and counts the ones it dropped")
    func capacity() throws {
        let log = ServerLog()
        for index in 0...ServerLog.capacity { log.append("line \(index)") }
        let report = log.report(for: try #require(Test.current))
        #expect(report.contains("(\(ServerLog.capacity / 10) earlier lines dropped)\n"))
        #expect(!report.contains("line 0\n"))
        #expect(report.contains("line \(ServerLog.capacity)\n"))
    }
}
