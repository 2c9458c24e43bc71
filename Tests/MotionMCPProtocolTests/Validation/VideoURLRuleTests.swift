import Testing

@testable import MotionMCPProtocol

/// The URL rule of docs/protocol.md §8.1 on its own (the fetch helper applies it on every hop).
@Suite("The video URL rule")
struct VideoURLRuleTests {
    @Test(
        "acceptable URLs",
        arguments: [
            "https://x.com/a", "HTTPS://X.COM/a", "HtTpS://x.com", "https://x.com:65535/a", "https://x.com:080/a", "https://x.com:/a",
            "https://127.0.0.1/a", "https://localhost/a", "https://[::1]/a", "https://[::1%eth0]:8080/a", "https://[fe80::1:2:3:4:5:6]/a",
            "https://[1:2:3:4:5:6:7:8]/a", "https://[::ffff:1.2.3.4]/a", "https://[v1.x]/a", "https://exämple.com/a", "https://x.com?a#b",
        ])
    func acceptable(_ url: String) {
        #expect(VideoURLRule.violation(in: url) == nil)
    }

    @Test(
        "refused URLs, each for the first rule it breaks",
        arguments: [
            ("", "empty"), (String(repeating: "a", count: 4097), "longer"), ("https://x.com/a b", "whitespace"),
            ("https://x.com/\u{7F}", "control"), ("https://x.com/\u{2028}", "whitespace"), ("https://[abc/a", "IPv6"),
            ("https://abc]/a", "IPv6"), ("https://[1.2.3.4]/a", "IPv4"), ("https://[]/a", "IPv6"), ("https://[::1%]/a", "IPv6"),
            ("https://[1:2:3:4:5:6:7:8:9]/a", "IPv6"), ("https://[fe80::1:2:3:4:5:6:7]/a", "IPv6"), ("https://[1::2::3]/a", "IPv6"),
            ("https://[::ffff:1.2.3.04]/a", "IPv6"),
            ("https://[vz.x]/a", "IPvFuture"), ("https://x.com\u{FF20}evil.com/a", "normalise"), ("http://x.com/a", "https"),
            ("ftp://[abc/a", "IPv6"), ("a.mp4", "https"), ("1https://x.com/a", "https"), ("https://u:p@x.com/a", "user info"),
            ("https://@x.com/a", "user info"), ("https:///a", "host"), ("https:x.com/a", "host"), ("https://x.com:0/a", "port"),
            ("https://x.com:65536/a", "port"), ("https://x.com:abc/a", "port"), ("https://x.com:1:2/a", "port"),
            ("https://x.com:\u{B2}/a", "port"), ("https://x.com:99999999999999999999/a", "port"),
        ])
    func refused(_ url: String, _ gist: String) {
        #expect(VideoURLRule.violation(in: url)?.contains(gist) == true, "\(VideoURLRule.violation(in: url) ?? "accepted")")
    }
}
