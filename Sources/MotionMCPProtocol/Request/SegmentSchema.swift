/// The segment union (docs/protocol.md §3.3): discriminated by `type`, the tag a step of every location
/// inside a segment (`["segments", 0, "text", "prompt"]`).
extension SchemaDecoder {
    private static let textFields = ["type", "prompt", "duration_frames", "language", "seed"]
    private static let unconditionedFields = ["type", "duration_frames", "seed"]
    private static let poseFields = ["type", "prompt", "language"]

    /// One element of `segments`.
    mutating func segment(_ value: JSONValue) -> Segment? {
        tagged(value, tags: Segment.knownTypes) { decoder, tag, object -> Segment? in
            switch tag {
            case "text": decoder.textSegment(object).map(Segment.text)
            case "unconditioned": decoder.unconditionedSegment(object).map(Segment.unconditioned)
            case "pose": decoder.poseSegment(object).map(Segment.pose)
            case "motion_reference": decoder.motionReferenceSegment(object).map(Segment.motionReference)
            default: decoder.videoReferenceSegment(object).map(Segment.videoReference)
            }
        }
    }

    private mutating func textSegment(_ object: JSONObject) -> TextSegment? {
        members(of: object, fields: Self.textFields) { decoder, fields in
            let prompt = decoder.required(fields, "prompt") { $0.string($1, minLength: 1) }
            let duration = decoder.required(fields, "duration_frames") { $0.int($1, greaterThan: 0) }
            let language = decoder.nullable(fields, "language", absent: "en") { $0.string($1) }
            let seed = decoder.nullable(fields, "seed") { $0.int($1) }
            guard let prompt, let duration else { return nil }
            return TextSegment(prompt: prompt, durationFrames: duration, language: language, seed: seed)
        }
    }

    private mutating func unconditionedSegment(_ object: JSONObject) -> UnconditionedSegment? {
        members(of: object, fields: Self.unconditionedFields) { decoder, fields in
            let duration = decoder.required(fields, "duration_frames") { $0.int($1, greaterThan: 0) }
            let seed = decoder.nullable(fields, "seed") { $0.int($1) }
            return duration.map { UnconditionedSegment(durationFrames: $0, seed: seed) }
        }
    }

    private mutating func poseSegment(_ object: JSONObject) -> PoseSegment? {
        members(of: object, fields: Self.poseFields) { decoder, fields in
            let prompt = decoder.required(fields, "prompt") { $0.string($1, minLength: 1) }
            let language = decoder.nullable(fields, "language", absent: "en") { $0.string($1) }
            return prompt.map { PoseSegment(prompt: $0, language: language) }
        }
    }
}
