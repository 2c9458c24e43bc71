import Foundation
import HummingbirdTesting
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// A Swift author's own server (`buildApp`, as `serve()` uses it) with the control API turned on
/// by one option: an operator can watch and drain it from outside the process.
@Suite("The control API of buildApp and serve()", .keepsServerLogs)
struct ControlInProcessTests {
    @Test(
        "MMCPOptions(companions: [ControlOptions()]) serves the control API beside the app: the snapshot names the process and a drain through the socket removes the model"
    )
    func buildAppServesControl() async throws {
        let socket = TestEnvironment.uniqueControlSocket()
        let options = MMCPOptions(host: "127.0.0.1", port: 0, companions: [ControlOptions(socketPath: .path(socket))])
        let app = try buildApp([NullBackbone(), NullBackbone(modelID: "walker")], options: options)
        try await app.test(.live) { client in
            let control = UnixHTTPClient(path: socket)
            var snapshot = RawHTTPClient.Response(status: 0, headers: [:], body: [])
            #expect(
                try await waitUntil(attempts: 100, every: .milliseconds(50)) {
                    snapshot = (try? await offPool { try control.send("GET", "/v1/snapshot") }) ?? snapshot
                    guard snapshot.status == 200, let value = try? JSONParser.parse(snapshot.body) else { return false }
                    return (try? ControlWire.decodeSnapshot(value))?.readyCount == 2
                }, "\(snapshot.text)")
            let decoded = try ControlWire.decodeSnapshot(try JSONParser.parse(snapshot.body))
            #expect(decoded.instance.processID == Int(getpid()))
            #expect(decoded.models.map(\.key) == ["null", "walker"])
            #expect(FileManager.default.fileExists(atPath: socket))

            let drain = try await offPool { try control.send("POST", "/v1/models/walker/drain") }
            #expect(drain.status == 202, "\(drain.text)")
            #expect(
                try await waitUntil(attempts: 100, every: .milliseconds(50)) {
                    let listed = try await client.execute(uri: "/capabilities", method: .get) { String(buffer: $0.body) }
                    return !listed.contains(#""id":"walker""#) && listed.contains(#""id":"null""#)
                })
        }
        #expect(!FileManager.default.fileExists(atPath: socket), "the socket is removed when the application stops")
    }

}
