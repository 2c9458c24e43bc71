import Testing

@testable import MotionMCPProtocol

/// docs/protocol.md §10 cases 107–114: video reference segments (§3.3–§3.4, §8.1, check S4).
@Suite("Video references")
struct VideoReferenceTests {
    /// N[segments+=video_reference, max_video_bytes=1036, max_video_seconds=10.0].
    private let models = ValidationFixture.models {
        $0.supportedSegments += ["video_reference"]
        $0.limits.maxVideoBytes = 1036
        $0.limits.maxVideoSeconds = 10
    }

    private func video(_ source: String, extra: String = "") -> JSONValue {
        ValidationFixture.base(segments: "[" + ValidationFixture.video(source, extra: extra) + "]")
    }

    /// Standard base64 of `count` bytes.
    private func inline(bytes count: Int) -> String {
        var writer = JSONWriter()
        [UInt8](repeating: 7, count: count).withUnsafeBytes { writer.base64($0) }
        return #"{"data":"\#(String(decoding: writer.bytes, as: UTF8.self))","media_type":"video/mp4"}"#
    }

    @Test("a URL or inline data within the byte cap is accepted; one byte more is 413 (case 107)")
    func inlineSize() {
        #expect(
            expectAccepted(video(#"{"url":"https://cdn.example.com/a.mp4"}"#), models)?.request.videoReference?.video
                == .url("https://cdn.example.com/a.mp4"))
        #expect(expectAccepted(video(inline(bytes: 1036)), models)?.request.videoReference?.video.numBytes == 1036)
        expectRefused(
            video(inline(bytes: 1037)), models, code: .payloadTooLarge,
            details: #"{"max_video_bytes":1036,"video_bytes":1037,"segment":0}"#)
    }

    @Test("a URL's size cannot be known and is not checked (case 108)")
    func urlSizeUnknown() {
        let tiny = ValidationFixture.models {
            $0.supportedSegments += ["video_reference"]
            $0.limits.maxVideoBytes = 1
        }
        expectAccepted(video(#"{"url":"https://x.com/a.mp4"}"#), tiny)
    }

    @Test(
        "VideoSource whole-object rules (case 109)",
        arguments: [
            #"{"url":"https://x.com/a","data":"QUJD"}"#, "{}", #"{"url":"https://x.com/a","media_type":"video/mp4"}"#,
            #"{"data":"QUJD"}"#, #"{"data":"QUJD\nREVG","media_type":"video/mp4"}"#, #"{"data":"====","media_type":"video/mp4"}"#,
            #"{"data":"QUJD REVG","media_type":"video/mp4"}"#, #"{"data":"QUJ","media_type":"video/mp4"}"#,
            #"{"data":"QUJD=REVG","media_type":"video/mp4"}"#, #"{"data":"QU==QUJD","media_type":"video/mp4"}"#,
            #"{"data":"QUJD-_==","media_type":"video/mp4"}"#, #"{"data":"QQ===","media_type":"video/mp4"}"#,
            #"{"data":"QUJDRA","media_type":"video/mp4"}"#, #"{"url":null,"data":null}"#,
        ])
    func sourceRules(_ source: String) {
        expectSchemaErrors(video(source), [#"value_error ["segments",0,"video_reference","video"]"#], on: models)
    }

    @Test(
        "VideoSource field errors (case 109)",
        arguments: [
            (#"{"data":"QUJD","media_type":"video/avi"}"#, #"literal_error ["segments",0,"video_reference","video","media_type"]"#),
            (#"{"data":"","media_type":"video/mp4"}"#, #"string_too_short ["segments",0,"video_reference","video","data"]"#),
            (#"{"url":""}"#, #"string_too_short ["segments",0,"video_reference","video","url"]"#),
            ("null", #"model_type ["segments",0,"video_reference","video"]"#),
            (#"{"url":"https://x.com/a","person":0}"#, #"extra_forbidden ["segments",0,"video_reference","video","person"]"#),
        ])
    func sourceFields(_ source: String, _ entry: String) {
        expectSchemaErrors(video(source), [entry], on: models)
    }

    @Test("padded base64 decodes to the arithmetic size", arguments: [("QUJD", 3), ("AA==", 1), ("AAA=", 2), ("QUJDREVG", 6)])
    func decodedSize(_ data: String, _ bytes: Int) {
        let validated = expectAccepted(video(#"{"data":"\#(data)","media_type":"video/webm"}"#), models)
        #expect(validated?.request.videoReference?.video == .inline(data: data, mediaType: "video/webm"))
        #expect(validated?.request.videoReference?.video.numBytes == bytes)
    }

    @Test(
        "URLs that break the rule (case 110)",
        arguments: [
            "http://x.com/a", "ftp://x.com/a", "https:///a", "a.mp4", "https://u:p@x.com/a", "https://@x.com/a",
            "https://x.com:0/a", "https://x.com:65536/a", "https://x.com:abc/a", "https://x.com/a b", "https://x.com/a\\u00a0",
            "https://x.com/a\\u2028", "https://[abc/a", "https://[::1/a", "https://[1.2.3.4]/a", "https://[::g]/a",
            "https://x.com\\uff20evil.com/a", "https:x.com/a", "https://" + String(repeating: "a", count: 4089),
        ])
    func badURLs(_ url: String) {
        expectSchemaErrors(video(#"{"url":"\#(url)"}"#), [#"value_error ["segments",0,"video_reference","video"]"#], on: models)
    }

    @Test(
        "URLs that follow the rule (case 110)",
        arguments: [
            "HTTPS://X.COM/a", "https://x.com:65535/a", "https://127.0.0.1/a", "https://[::1]:8443/a", "https://x.com:/a",
            "https://[v1.x]/a", "https://[::ffff:1.2.3.4]/a", "https://ex\\u00e4mple.com/a", "https://x.com?q#f",
            "https://" + String(repeating: "a", count: 4088),
        ])
    func goodURLs(_ url: String) {
        expectAccepted(video(#"{"url":"\#(url)"}"#), models)
    }

    @Test("a stated trim over max_video_seconds is invalid_options with float details (case 111)")
    func trimmedLength() {
        let url = #"{"url":"https://x.com/a"}"#
        expectRefused(
            video(url, extra: #","end_s":10.5"#), models, code: .invalidOptions,
            details: #"{"max_video_seconds":10.0,"video_seconds":10.5,"segment":0}"#)
        expectAccepted(video(url, extra: #","start_s":1,"end_s":11"#), models)
        expectAccepted(video(url, extra: #","start_s":100"#), models)
    }

    @Test(
        "trim and rate fields (case 112)",
        arguments: [
            (#","start_s":2,"end_s":2"#, #"value_error ["segments",0,"video_reference"]"#),
            (#","start_s":3,"end_s":2"#, #"value_error ["segments",0,"video_reference"]"#),
            (#","start_s":-0.1"#, #"greater_than_equal ["segments",0,"video_reference","start_s"]"#),
            (#","end_s":0"#, #"greater_than ["segments",0,"video_reference","end_s"]"#),
            (#","fps":0"#, #"greater_than ["segments",0,"video_reference","fps"]"#),
            (#","person":0"#, #"extra_forbidden ["segments",0,"video_reference","person"]"#),
            (#","end_s":Infinity"#, #"finite_number ["segments",0,"video_reference","end_s"]"#),
        ])
    func trimFields(_ extra: String, _ entry: String) {
        expectSchemaErrors(video(#"{"url":"https://x.com/a"}"#, extra: extra), [entry], on: models)
    }

    @Test("bytes are checked before seconds, and segments in order (case 113)")
    func checkOrder() {
        expectRefused(video(inline(bytes: 1037), extra: #","end_s":20"#), models, code: .payloadTooLarge)
        let body = ValidationFixture.base(
            segments: "[" + ValidationFixture.video(#"{"url":"https://x.com/a"}"#, extra: #","end_s":20"#) + ","
                + ValidationFixture.video(inline(bytes: 1037)) + "]")
        expectRefused(body, models, code: .invalidOptions, details: #"{"max_video_seconds":10.0,"video_seconds":20.0,"segment":0}"#)
    }

    @Test("a model without video caps takes any inline size and trim (case 114)")
    func noCaps() {
        expectAccepted(video(inline(bytes: 2000), extra: #","end_s":3600"#), ValidationFixture.models { $0.supportedSegments += ["video_reference"] })
    }
}
