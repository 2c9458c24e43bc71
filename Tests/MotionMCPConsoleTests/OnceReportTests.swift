import Testing

@testable import MotionMCP
@testable import MotionMCPConsole
@testable import MotionMCPControl

@Suite("--once")
struct OnceReportTests {
    @Test("--once prints a header line and an aligned plain-text table, one model a line")
    func text() {
        let report = OnceReport.render(Fixtures.server)
        #expect(
            report == """
                listen 127.0.0.1:8000  uptime 1h02m03s  8.0 req/s  openapi on  models 1/3 ready
                ID      STATE     REQ/S  REQUESTS   P50   P95   P99  INFLIGHT  ERRORS  SETUP
                walker  ready       8.0        36  22ms  49ms  96ms         2       3  1.25s
                dancer  draining    0.0         0     -     -     -         3       0  1.25s
                broken  failed      0.0         0     -     -     -         0       0      -

                """)
        #expect(!report.contains("\u{1B}"))
    }

    @Test("--once with no models prints the header and the column titles")
    func empty() {
        let report = OnceReport.render(Fixtures.snapshot("0.0.0.0:8000", uptime: .seconds(5), openAPIEnabled: false, models: []))
        #expect(
            report.split(separator: "\n") == [
                "listen 0.0.0.0:8000  uptime 5s  0.0 req/s  openapi off  models 0/0 ready",
                "ID  STATE  REQ/S  REQUESTS  P50  P95  P99  INFLIGHT  ERRORS  SETUP",
            ])
    }
}
