import Foundation
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// Walking the control API's level table (`ControlLevelTests`) on a real server proves each
/// refusal.
@Suite("The control API's level table, walked on a real server", .keepsServerLogs)
struct ControlLevelProcessTests {
    /// A request of `endpoint` that changes nothing when it gets through: an unknown model for a
    /// drain, a duplicate id for an add, a host not allowed for an upstream, the docs switched on
    /// where they already are.
    static func harmless(_ endpoint: ControlEndpoint) -> (target: String, body: String?) {
        switch endpoint.action {
        case .snapshot, .events, .shutdown: (endpoint.path, nil)
        case .drain: (endpoint.path.replacingOccurrences(of: "{id}", with: "nope"), nil)
        case .openAPI: (endpoint.path, #"{"enabled": true}"#)
        case .addModel: (endpoint.path, #"{"id": "null"}"#)
        case .addUpstream: (endpoint.path, #"{"url": "http://host-not-allowed.invalid:8000"}"#)
        }
    }

    @Test("a read-only socket gets every read endpoint and a 403 naming the level for every other, and nothing changes")
    func readOnlySocketWalk() async throws {
        let readOnly = TestEnvironment.uniqueControlSocket()
        let server = try ServerProcess(
            port: try freePort(), arguments: ["--control-read-only", readOnly],
            log: FileManager.default.temporaryDirectory.appendingPathComponent("levels-\(UUID().uuidString).log"))
        defer { server.kill() }
        #expect(try await server.waitUntilReady())
        let client = UnixHTTPClient(path: readOnly)
        for endpoint in ControlEndpoint.all {
            let (target, body) = Self.harmless(endpoint)
            if endpoint.action == .events {
                let (status, first) = try await offPool {
                    var first = ""
                    let status = try client.streamLines(target, limit: .seconds(5)) { line in
                        first = line
                        return false
                    }
                    return (status, first)
                }
                #expect(status == 200)
                #expect(first.contains(#""type":"snapshot""#))
                continue
            }
            let answer = try await offPool { try client.send(endpoint.method.rawValue, target, body: body) }
            if endpoint.level == .read {
                #expect(answer.status == 200, "\(endpoint.method) \(endpoint.path): \(answer.text)")
            } else {
                #expect(answer.status == 403, "\(endpoint.method) \(endpoint.path): \(answer.text)")
                #expect(answer.text.contains("needs the \(endpoint.level) level"), "\(answer.text)")
            }
        }
        #expect(server.isRunning, "the refused shutdown did not happen")
        #expect(try await server.waitUntilReady())
    }

    @Test("over TCP an operate token passes every read and operate check and gets 403 on every admin endpoint")
    func operateTokenWalk() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("levels-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokens = folder.appendingPathComponent("tokens").path
        try "operate ops operate-token-0123456789\n".write(toFile: tokens, atomically: true, encoding: .utf8)
        chmod(tokens, 0o600)
        let controlPort = try freePort()
        let server = try ServerProcess(
            port: try freePort(), arguments: ["--control-listen", "127.0.0.1:\(controlPort)", "--control-token-file", tokens],
            log: folder.appendingPathComponent("server.log"))
        defer { server.kill() }
        #expect(try await server.waitUntilReady())
        let client = RawHTTPClient(port: controlPort)
        for endpoint in ControlEndpoint.all where endpoint.action != .events {
            let (target, body) = Self.harmless(endpoint)
            var request = "\(endpoint.method.rawValue) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(controlPort)\r\n"
            request += "Authorization: Bearer operate-token-0123456789\r\nConnection: close\r\n"
            if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
            request += "\r\n" + (body ?? "")
            let bytes = Array(request.utf8)
            let answer = try await offPool { try client.send(bytes) }
            if endpoint.level <= .operate {
                #expect(answer.status != 403 && answer.status != 401, "\(endpoint.method) \(endpoint.path): \(answer.text)")
            } else {
                #expect(answer.status == 403, "\(endpoint.method) \(endpoint.path): \(answer.text)")
            }
        }
        #expect(server.isRunning)
    }
}
