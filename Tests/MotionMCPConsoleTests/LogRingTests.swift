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

@Suite("Hostile text in the event log")
struct LogRingEscapingTests {
    @Test("a newline, an escape sequence or NUL in a message, a metadata value or a remote line is escaped: one line, no control character")
    func escapes() {
        let ring = LogRing(capacity: 10)
        let logger = Logger(label: "test") { RingLogHandler(label: $0, ring: ring) }
        logger.warning("not used\n2026 critical mmcp: FORGED", metadata: ["model": "evil\r\n\u{1B}[2J\u{0}"])
        ring.append(LogLine(time: Date(), level: "info\n", text: "remote\u{1B}]0;title\u{7}"))
        #expect(ring.lines.count == 2)
        for line in ring.lines {
            #expect(!line.text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, "\(line.text)")
            #expect(!line.level.unicodeScalars.contains { $0.value < 0x20 })
        }
        #expect(ring.lines[0].text == #"not used\n2026 critical mmcp: FORGED model=evil\r\n\u{1B}[2J\u{0}"#)
        #expect(ring.lines[1].text == #"remote\u{1B}]0;title\u{7}"#)
    }
}
