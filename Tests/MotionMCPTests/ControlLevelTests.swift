import Foundation
import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// The control API's levels as data: ``ControlEndpoint/all`` is what the routes enforce, and the
/// docs list it. Walking the table on a real server proves each refusal
/// (`ControlLevelProcessTests`, in MotionMCPProcessTests).
@Suite("The control API's level table", .keepsServerLogs)
struct ControlLevelTests {
    @Test("docs/console.md's table of control endpoints is exactly the level table")
    func documented() throws {
        let docs = try String(contentsOf: TestPaths.repository.appendingPathComponent("docs/console.md"), encoding: .utf8)
        let rows = docs.split(separator: "\n").filter { $0.hasPrefix("| `GET /v1") || $0.hasPrefix("| `POST /v1") || $0.hasPrefix("| `PUT /v1") }
        let listed = rows.map { row -> String in
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            return cells[0].trimmingCharacters(in: ["`"]) + " " + cells[1].trimmingCharacters(in: ["`"])
        }
        #expect(
            Set(listed) == Set(ControlEndpoint.all.map { "\($0.method.rawValue) \($0.path) \($0.level)" }), "\(listed)")
    }
}
