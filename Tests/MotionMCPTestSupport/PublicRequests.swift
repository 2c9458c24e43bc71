import Foundation
import MotionMCP

/// The requests tests send to a server's public port, off the cooperative pool.
extension RawHTTPClient {
    /// `GET path`.
    package func get(_ path: String) async throws -> Response {
        try await offPool { try send(Array("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)) }
    }

    /// The small `POST /generate` of ``TestRequests/base`` for `model`.
    package func generate(model: String = "null") async throws -> Response {
        let body = TestRequests.base(model: model)
        let request = "POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        return try await offPool { try send(Array(request.utf8)) }
    }

    /// The model ids `/capabilities` lists, in order.
    package func capabilityIDs() async throws -> [String] {
        let body = try await get("/capabilities").body
        return try JSONParser.parse(body).objectValue?["models"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.stringValue } ?? []
    }
}

/// How a process a test ran ended, and what it printed.
package struct FinishedProcess {
    package var status: Int32
    /// Its standard output.
    package var output: String
    /// Its standard error.
    package var errors: String

    package init(status: Int32, output: String, errors: String) {
        (self.status, self.output, self.errors) = (status, output, errors)
    }
}

/// Runs `executable` with `arguments` to its end, off the cooperative pool, in `environment`
/// (this process's when `nil`), killed after `timeout`; standard output and error are captured
/// apart (standard error through a file, so neither pipe can fill while the other is read).
package func runToEnd(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Duration = .seconds(30)
) async throws -> FinishedProcess {
    try await offPool {
        let errorsFile = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorsFile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errorsFile)
        try process.run()
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + Double(timeout.components.seconds), execute: watchdog)
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return FinishedProcess(
            status: process.terminationStatus, output: String(decoding: printed, as: UTF8.self),
            errors: (try? String(contentsOf: errorsFile, encoding: .utf8)) ?? "")
    }
}
