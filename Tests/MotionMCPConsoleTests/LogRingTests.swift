import Foundation
import Logging
import Testing

@testable import MotionMCPConsole

@Suite("The log ring")
struct LogRingTests {
    @Test("the ring keeps only its capacity, newest last")
    func bound() {
        let ring = LogRing(capacity: 3)
        for index in 1...5 { ring.append(LogLine(time: Date(), level: "info", text: "line \(index)")) }
        #expect(ring.lines.map(\.text) == ["line 3", "line 4", "line 5"])
        #expect(ring.appendedCount == 5)
    }

    @Test("appends from many tasks at once are all counted and the bound holds")
    func concurrent() async {
        let ring = LogRing(capacity: 50)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<100 { ring.append(LogLine(time: Date(), level: "info", text: "\(task).\(index)")) }
                }
            }
        }
        #expect(ring.appendedCount == 800)
        #expect(ring.lines.count == 50)
    }

    @Test("the swift-log handler writes level, message, metadata and error into the ring")
    func handler() {
        let ring = LogRing(capacity: 10)
        var logger = Logger(label: "test") { RingLogHandler(label: $0, ring: ring) }
        logger[metadataKey: "model"] = "walker"
        logger.info("ready", metadata: ["setup": "1.2s"])
        logger.debug("hidden below the default level")
        logger.warning("slow", error: FakeError(message: "timeout"))
        #expect(ring.lines.map(\.level) == ["info", "warning"])
        #expect(ring.lines.map(\.text) == ["ready model=walker setup=1.2s", "slow model=walker error=timeout"])
    }
}
