/// The `video_reference` segment and its VideoSource (docs/protocol.md §3.3–§3.4, §8.1).
extension SchemaDecoder {
    private static let segmentFields = ["type", "duration_frames", "video", "start_s", "end_s", "fps", "seed"]
    private static let sourceFields = ["url", "data", "media_type"]
    private static let mediaTypes = ["video/mp4", "video/quicktime", "video/webm"]

    mutating func videoReferenceSegment(_ object: JSONObject) -> VideoReferenceSegment? {
        members(of: object, fields: Self.segmentFields) { decoder, fields -> VideoReferenceSegment? in
            let duration = decoder.required(fields, "duration_frames") { $0.int($1, greaterThan: 0) }
            let video = decoder.required(fields, "video") { $0.videoSource($1) }
            let start = decoder.nullable(fields, "start_s") { $0.double($1, atLeast: 0, finite: true) }
            let end = decoder.nullable(fields, "end_s") { $0.double($1, greaterThan: 0, finite: true) }
            let fps = decoder.nullable(fields, "fps") { $0.double($1, greaterThan: 0, finite: true) }
            let seed = decoder.nullable(fields, "seed") { $0.int($1) }
            guard let duration, let video else { return nil }
            return VideoReferenceSegment(
                durationFrames: duration, video: video, startS: start, endS: end, fps: fps, seed: seed)
        } check: { decoder, segment in
            if let start = segment.startS, let end = segment.endS, !(start < end) {
                decoder.record(.valueError("start_s (\(PythonText.float(start))) must come before end_s (\(PythonText.float(end)))"))
            }
        }
    }

    /// Exactly one of `url` (an https URL, §8.1) and `data` (standard padded base64 with a
    /// `media_type`), checked in the protocol's order once the three fields are well-typed.
    private mutating func videoSource(_ value: JSONValue) -> VideoSource? {
        typealias Draft = (url: String?, data: String?, mediaType: String?)
        let draft = object(value, className: "VideoSource", fields: Self.sourceFields) { decoder, fields -> Draft? in
            let url = decoder.nullable(fields, "url") { $0.string($1, minLength: 1) }
            let data = decoder.nullable(fields, "data") { $0.string($1, minLength: 1) }
            let mediaType = decoder.nullable(fields, "media_type") { $0.literal($1, Self.mediaTypes) }
            return (url, data, mediaType)
        } check: { decoder, draft in
            if let reason = Self.sourceViolation(draft) { decoder.record(.valueError(reason)) }
        }
        guard let draft else { return nil }
        if let url = draft.url { return .url(url) }
        guard let data = draft.data, let mediaType = draft.mediaType else { return nil }
        return .inline(data: data, mediaType: mediaType)
    }

    private static func sourceViolation(_ draft: (url: String?, data: String?, mediaType: String?)) -> String? {
        switch (draft.url, draft.data) {
        case (.some, .some), (nil, nil):
            return "video needs exactly one of `url` and `data`"
        case (.some(let url), nil):
            if draft.mediaType != nil { return "`media_type` belongs with `data`, not with `url`" }
            return VideoURLRule.violation(in: url)
        case (nil, .some(let data)):
            if draft.mediaType == nil {
                return "video.data needs a `media_type`: one of \(mediaTypes.joined(separator: ", "))"
            }
            if !isStandardBase64(data) {
                return "video.data must be standard padded base64 (A-Z a-z 0-9 + /, = padding, no line breaks)"
            }
            if VideoSource.inline(data: data, mediaType: "").numBytes == 0 { return "video.data decodes to no bytes" }
            return nil
        }
    }

    /// `[A-Za-z0-9+/]*={0,2}` with a length that is a multiple of 4.
    private static func isStandardBase64(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count % 4 == 0 else { return false }
        var padding = 0
        for byte in bytes {
            if byte == UInt8(ascii: "=") {
                padding += 1
                if padding > 2 { return false }
            } else if padding > 0 || !isBase64Letter(byte) {
                return false
            }
        }
        return true
    }

    private static func isBase64Letter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            true
        default:
            false
        }
    }
}
