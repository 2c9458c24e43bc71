import Foundation
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// The real `mmcp-console` binary in a real terminal (tmux), driven by keys like an operator.
@Suite("The console in a terminal", .serialized)
struct ConsoleEndToEndTests {
    struct Session {
        let tmux = Tmux()
        let port: Int
        var client: RawHTTPClient { RawHTTPClient(port: port) }

        /// Starts the console; the shell records the terminal settings before and after, and the exit status.
        init(arguments: String = "") async throws {
            port = try freePort()
            let binary = TestPaths.mmcpConsole.path
            let command =
                "stty -g > /tmp/\(tmux.socket).before; SWIFT_BACKTRACE=interactive=no MMCP_CONTROL_SOCKET=\(TestEnvironment.uniqueControlSocket()) \(binary) --host 127.0.0.1 --port \(port) \(arguments); "
                + "echo EXITED $?; stty -g > /tmp/\(tmux.socket).after; cmp -s /tmp/\(tmux.socket).before /tmp/\(tmux.socket).after && echo TERMINAL-CLEAN; sleep 60"
            try await tmux.start(command)
            try await tmux.waitFor { $0.contains("1/1 ready") || $0.contains("2/2 ready") }
        }

        func get(_ path: String) async throws -> RawHTTPClient.Response { try await client.get(path) }

        func generate(model: String = "null") async throws -> RawHTTPClient.Response { try await client.generate(model: model) }

        func capabilityIDs() async throws -> [String] { try await client.capabilityIDs() }
    }

    @Test("the table appears, and traffic shows up as a rate")
    func tableAndTraffic() async throws {
        let session = try await Session()
        defer { session.tmux.kill() }
        let screen = try await session.tmux.capture()
        #expect(screen.contains("MotionMCP"))
        #expect(screen.contains("127.0.0.1:\(session.port)"))
        #expect(screen.contains("STATE"))
        #expect(screen.contains("ready"))
        for _ in 0..<30 { #expect(try await session.generate().status == 200) }
        let busy = try await session.tmux.waitFor { screen in
            screen.split(separator: "\n").contains { $0.contains("null") && $0.contains("ready") && !$0.contains(" 0.0 ") }
        }
        #expect(busy.split(separator: "\n").contains { $0.contains("null") && $0.contains("ready") && !$0.contains(" 0.0 ") }, "\(busy)")
    }

    @Test("a adds a NullBackbone that /capabilities then lists; o switches /docs off and on")
    func addAndOpenAPI() async throws {
        let session = try await Session()
        defer { session.tmux.kill() }
        try await session.tmux.send("a")
        try await session.tmux.waitFor { $0.lowercased().contains("id") }
        try await session.tmux.send("walker", "Enter")
        try await session.tmux.waitFor { $0.contains("2/2 ready") }
        #expect(try await session.capabilityIDs() == ["null", "walker"])
        #expect(try await session.generate(model: "walker").status == 200)

        #expect(try await session.get("/docs").status == 200)
        try await session.tmux.send("o")
        try await session.tmux.waitFor { $0.contains("OpenAPI off") }
        #expect(try await session.get("/docs").status == 404)
        try await session.tmux.send("o")
        try await session.tmux.waitFor { $0.contains("OpenAPI on") }
        #expect(try await session.get("/docs").status == 200)
    }

    @Test("a drain with requests in flight lets each finish with 200 while new ones get 503")
    func drainUnderLoad() async throws {
        let session = try await Session(arguments: "--latency 1500 --null null --null spare")
        defer { session.tmux.kill() }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await session.generate().status } }
            try await session.tmux.waitFor { screen in
                screen.split(separator: "\n").contains { $0.contains("null") && $0.contains("ready") && $0.contains("    4 ") }
            }
            try await session.tmux.send("d")
            // The dialog's title: the key hints always show "d drain".
            let dialog = try await session.tmux.waitFor { $0.contains("Drain null?") }
            #expect(dialog.contains("[No]") || dialog.contains("No"), "\(dialog)")
            try await session.tmux.send("y")
            try await session.tmux.waitFor { $0.contains("draining") }
            let refused = try await session.generate()
            #expect(refused.status == 503)
            #expect(refused.text.contains(#""code":"model_unavailable""#))
            #expect(try await session.generate(model: "spare").status == 200, "draining one model never touches another")
            for try await status in group { #expect(status == 200) }
        }
        try await session.tmux.waitFor { !$0.contains("▸null") && !$0.contains(" null ") }
        #expect(try await session.capabilityIDs() == ["spare"])
    }

    @Test("q asks, then drains and exits 0, leaving the terminal as it was")
    func quitLeavesTerminalClean() async throws {
        let session = try await Session()
        defer { session.tmux.kill() }
        try await session.tmux.send("q")
        try await session.tmux.waitFor { $0.contains("Quit?") }
        try await session.tmux.send("y")
        let screen = try await session.tmux.waitFor { $0.contains("TERMINAL-CLEAN") }
        #expect(screen.contains("EXITED 0"))
        #expect(screen.contains("TERMINAL-CLEAN"))
        #expect(!screen.contains("STATE"), "the console's screen is gone")
    }

    @Test("Ctrl-C ends the console and the server, and leaves the terminal clean")
    func controlC() async throws {
        let session = try await Session()
        defer { session.tmux.kill() }
        try await session.tmux.send("C-c")
        let screen = try await session.tmux.waitFor { $0.contains("TERMINAL-CLEAN") }
        #expect(screen.contains("EXITED 0"))
        #expect(screen.contains("TERMINAL-CLEAN"))
    }

    @Test("--once prints the table as plain text and exits")
    func once() async throws {
        let process = Process()
        process.executableURL = TestPaths.mmcpConsole
        process.environment = TestEnvironment.server()
        process.arguments = ["--once", "--null", "walker", "--null", "null"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = try await offPool { String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        try await offPool { process.waitUntilExit() }
        #expect(process.terminationStatus == 0)
        #expect(text.contains("walker"))
        #expect(text.contains("ready"))
        #expect(!text.contains("\u{1B}"), "plain text, no escape sequences")
    }
}
