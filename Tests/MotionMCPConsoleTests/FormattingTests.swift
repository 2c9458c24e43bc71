import Testing

@testable import MotionMCPConsole

@Suite("Numbers in narrow columns")
struct FormattingTests {
    @Test("latencies, clocks, rates and counts read short")
    func formats() {
        #expect(Format.latency(.microseconds(850)) == "850µs")
        #expect(Format.latency(.milliseconds(12)) == "12ms")
        #expect(Format.latency(.milliseconds(1250)) == "1.25s")
        #expect(Format.latency(.seconds(125)) == "2m05s")
        #expect(Format.latency(nil) == "-")
        #expect(Format.clock(.seconds(42)) == "42s")
        #expect(Format.clock(.seconds(7509)) == "2h05m09s")
        #expect(Format.clock(.seconds(356_400)) == "4d03h")
        #expect(Format.rate(0) == "0.0")
        #expect(Format.rate(340.4) == "340")
        #expect(Format.rate(1234) == "1.2k")
        #expect(Format.count(12_345) == "12.3k")
        #expect(Format.fixed(-0.04, digits: 1) == "0.0")
        #expect(Format.fixed(2.05, digits: 2) == "2.05")
    }

    @Test("latency bars use eighths and merge buckets to fit")
    func bars() {
        #expect(LatencyBars.bar(1, of: 2, width: 4) == "██")
        #expect(LatencyBars.bar(1, of: 16, width: 2) == "▏")
        #expect(LatencyBars.bar(0, of: 16, width: 2) == "")
        let bars = LatencyBars(buckets: [
            (.milliseconds(1), 0), (.milliseconds(2), 1), (.milliseconds(4), 2), (.milliseconds(8), 3), (.milliseconds(16), 0),
        ])
        #expect(bars.visibleBuckets(rows: 3).map(\.count) == [1, 2, 3])
        #expect(bars.visibleBuckets(rows: 2).map(\.count) == [3, 3])
        #expect(bars.visibleBuckets(rows: 2).map(\.upperBound) == [.milliseconds(4), .milliseconds(8)])
    }
}
