/// An MMCP error code: the closed set of docs/protocol.md §5.2, each with its HTTP status.
public struct ErrorCode: Sendable, Hashable, CustomStringConvertible {
    /// The code as it appears on the wire.
    public let rawValue: String
    /// The HTTP status the protocol assigns to the code.
    public let status: Int

    private init(_ rawValue: String, _ status: Int) {
        self.rawValue = rawValue
        self.status = status
    }

    /// The code named by `rawValue`, or `nil` when the protocol has no such code.
    public init?(rawValue: String) {
        guard let code = ErrorCode.all.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = code
    }

    public var description: String { rawValue }

    public static let schemaValidation = ErrorCode("schema_validation", 422)
    public static let unknownModel = ErrorCode("unknown_model", 400)
    public static let retargetingUnsupported = ErrorCode("retargeting_unsupported", 400)
    public static let unsupportedConstraint = ErrorCode("unsupported_constraint", 400)
    public static let unsupportedSegment = ErrorCode("unsupported_segment", 400)
    public static let unknownJoint = ErrorCode("unknown_joint", 400)
    public static let invalidSkeleton = ErrorCode("invalid_skeleton", 400)
    public static let frameOutOfRange = ErrorCode("frame_out_of_range", 400)
    public static let invalidOptions = ErrorCode("invalid_options", 400)
    public static let invalidRequest = ErrorCode("invalid_request", 400)
    public static let versionUnsupported = ErrorCode("version_unsupported", 400)
    public static let unauthorized = ErrorCode("unauthorized", 401)
    public static let forbidden = ErrorCode("forbidden", 403)
    public static let payloadTooLarge = ErrorCode("payload_too_large", 413)
    public static let rateLimited = ErrorCode("rate_limited", 429)
    public static let internalError = ErrorCode("internal_error", 500)
    public static let resourceExhausted = ErrorCode("resource_exhausted", 503)
    public static let modelUnavailable = ErrorCode("model_unavailable", 503)
    public static let timeout = ErrorCode("timeout", 504)

    /// Every code, in the order of the protocol's table.
    public static let all: [ErrorCode] = [
        .schemaValidation, .unknownModel, .retargetingUnsupported, .unsupportedConstraint, .unsupportedSegment,
        .unknownJoint, .invalidSkeleton, .frameOutOfRange, .invalidOptions, .invalidRequest, .versionUnsupported,
        .unauthorized, .forbidden, .payloadTooLarge, .rateLimited, .internalError, .resourceExhausted,
        .modelUnavailable, .timeout,
    ]
}

/// A failure the protocol knows how to report: a code, a message safe to show, and details.
///
/// Backbones throw these to refuse a request (`throw ProtocolError(.resourceExhausted, "busy")`);
/// the server sends them as the error envelope with the code's status.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The protocol code; it decides the HTTP status.
    public var code: ErrorCode
    /// A human-readable message.
    public var message: String
    /// Machine-readable details; always an object on the wire (`{}` when empty).
    public var details: JSONObject
    /// Seconds a client should wait before retrying, sent as `Retry-After` on a `429` or `503`
    /// when the server's `Retry-After` extension is on (docs/extensions.md §4.2); never part of the
    /// envelope. `nil`: the server's default.
    public var retryAfterSeconds: Int?

    /// An error with a code, a message, optional details and an optional retry hint.
    public init(_ code: ErrorCode, _ message: String, details: JSONObject = JSONObject(), retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// The HTTP status of the error's code.
    public var status: Int { code.status }

    /// `"<code>: <message>"`, as the reference prints an error.
    public var description: String { "\(code.rawValue): \(message)" }

    /// The envelope `{"error":{"code":…,"message":…,"details":{…}}}` as a value.
    public var envelope: JSONValue {
        ["error": .object(body)]
    }

    /// The inner `{"code","message","details"}` object (a batch result's `error`).
    public var body: JSONObject {
        JSONObject([("code", .string(code.rawValue)), ("message", .string(message)), ("details", .object(details))])
    }

    /// The envelope serialised compactly.
    public var envelopeBytes: [UInt8] { envelope.serialized }
}

extension ProtocolError {
    /// The requested model is not served; `available` lists the served ids.
    public static func unknownModel(_ model: String, available: [String]) -> ProtocolError {
        ProtocolError(.unknownModel, "unknown model '\(model)'", details: ["available_models": .strings(available)])
    }

    /// A constraint type the model does not support.
    public static func unsupportedConstraint(_ type: String, supported: [String]) -> ProtocolError {
        ProtocolError(
            .unsupportedConstraint, "constraint type '\(type)' is not supported",
            details: ["supported_constraints": .strings(supported)])
    }

    /// A segment type the model does not support.
    public static func unsupportedSegment(_ type: String, supported: [String]) -> ProtocolError {
        ProtocolError(
            .unsupportedSegment, "segment type '\(type)' is not supported",
            details: ["supported_segments": .strings(supported)])
    }

    /// A joint name that the named skeleton does not have.
    public static func unknownJoint(
        _ joint: String, skeletonJoints: [String], skeleton: String = "request skeleton"
    ) -> ProtocolError {
        ProtocolError(
            .unknownJoint, "joint '\(joint)' is not in the \(skeleton)",
            details: ["skeleton_joints": .strings(skeletonJoints)])
    }

    /// A frame index outside the request's timeline.
    public static func frameOutOfRange(_ frame: Int, totalFrames: Int) -> ProtocolError {
        ProtocolError(
            .frameOutOfRange, "frame \(frame) is outside [0, \(totalFrames - 1)]",
            details: ["frame": .integer(frame), "total_frames": .integer(totalFrames)])
    }

    /// The model cannot retarget, and the request's skeleton is not its canonical one.
    public static func retargetingUnsupported() -> ProtocolError {
        ProtocolError(
            .retargetingUnsupported,
            "this model cannot retarget; send the canonical skeleton from /capabilities verbatim")
    }

    /// A protocol major version the server does not speak.
    public static func versionUnsupported(_ requested: String, supportedMajors: [String] = ["1"]) -> ProtocolError {
        ProtocolError(
            .versionUnsupported,
            "protocol_version '\(requested)' is not supported; this server speaks major version(s) \(supportedMajors.joined(separator: ", "))",
            details: ["supported_majors": .strings(supportedMajors)])
    }

    /// A failure that is not the client's fault; the message names the error's type and text.
    public static func internalError(_ message: String) -> ProtocolError {
        ProtocolError(.internalError, message)
    }
}

// MARK: - Raised by request validation (docs/protocol.md §3.8–§4.9)

extension ProtocolError {
    /// The request breaks the schema; `issues` are the `{"type","loc","msg"[,"ctx"]}` entries.
    public static func schemaValidation(issues: [JSONValue]) -> ProtocolError {
        ProtocolError(.schemaValidation, "request fails schema validation", details: ["errors": .array(issues)])
    }

    /// A skeleton is not one tree listed parents first; `message` is the first entry's.
    public static func invalidSkeleton(_ message: String, issues: [JSONValue]) -> ProtocolError {
        ProtocolError(.invalidSkeleton, message, details: ["errors": .array(issues)])
    }

    /// A frame index outside a timeline too long for an `Int` (the segments' lengths overflow).
    public static func frameOutOfRange(_ frame: Int, totalFrames: Int128) -> ProtocolError {
        if let fits = Int(exactly: totalFrames) { return frameOutOfRange(frame, totalFrames: fits) }
        return ProtocolError(
            .frameOutOfRange, "frame \(frame) is outside [0, \(totalFrames - 1)]",
            details: ["frame": .integer(frame), "total_frames": .bigInt(String(totalFrames))])
    }

    /// A motion reference clip that leaves out its skeleton's root joint.
    public static func missingRootJoint(_ root: String, skeleton: String, segment: Int) -> ProtocolError {
        ProtocolError(
            .invalidRequest, "a motion_reference clip must animate the \(skeleton)'s root joint '\(root)'",
            details: ["root_joint": .string(root), "segment": .integer(segment)])
    }

    /// A motion reference clip longer than the model's `max_reference_frames`.
    public static func referenceTooLong(frames: Int, limit: Int, segment: Int) -> ProtocolError {
        ProtocolError(
            .invalidOptions, "the motion_reference clip has \(frames) frames; this model takes at most \(limit)",
            details: [
                "max_reference_frames": .integer(limit), "reference_frames": .integer(frames),
                "segment": .integer(segment),
            ])
    }

    /// Inline video data larger than the model's `max_video_bytes`.
    public static func videoTooLarge(bytes: Int, limit: Int, segment: Int) -> ProtocolError {
        ProtocolError(
            .payloadTooLarge, "the video_reference video is \(bytes) bytes; this model takes at most \(limit)",
            details: ["max_video_bytes": .integer(limit), "video_bytes": .integer(bytes), "segment": .integer(segment)])
    }

    /// A trimmed video longer than the model's `max_video_seconds`.
    public static func videoTooLong(seconds: Double, limit: Double, segment: Int) -> ProtocolError {
        ProtocolError(
            .invalidOptions, "the video_reference asks for \(seconds) s of video; this model reads at most \(limit) s",
            details: [
                "max_video_seconds": .double(limit), "video_seconds": .double(seconds), "segment": .integer(segment),
            ])
    }

    /// `options.model_options` sent to a model that declares none.
    public static func modelOptionsUndeclared(model: String, sent: [String]) -> ProtocolError {
        ProtocolError(
            .invalidOptions, "model '\(model)' takes no model_options",
            details: ["model": .string(model), "sent": .strings(sent)])
    }

    /// A model option name the model does not declare; `declared` lists the names it does.
    public static func unknownModelOption(_ name: String, model: String, declared: [String]) -> ProtocolError {
        ProtocolError(
            .invalidOptions, "model '\(model)' has no model option '\(name)'",
            details: ["model": .string(model), "options": .strings(declared)])
    }

    /// A model option value the option does not accept; `value` echoes what was sent.
    public static func invalidModelOption(_ name: String, value: JSONValue, reason: String, model: String)
        -> ProtocolError
    {
        ProtocolError(
            .invalidOptions, "options.model_options.\(name): \(reason)",
            details: ["model": .string(model), "option": .string(name), "value": value])
    }

    /// An option the model does not support (`keyframe_budget`, `loop`).
    public static func optionUnsupported(_ option: String, model: String) -> ProtocolError {
        ProtocolError(.invalidOptions, "model '\(model)' does not support options.\(option)", details: ["model": .string(model)])
    }

    /// `options.loop` with other than one segment.
    public static func loopNeedsOneSegment(segments: Int) -> ProtocolError {
        ProtocolError(
            .invalidOptions, "options.loop works on exactly one segment; the request has \(segments)",
            details: ["segments": .integer(segments)])
    }

    /// More constraints than the model's `max_constraints_per_request`.
    public static func tooManyConstraints(_ count: Int, limit: Int) -> ProtocolError {
        ProtocolError(.invalidOptions, "too many constraints: \(count) > \(limit)")
    }

    /// More samples than the model's `max_num_samples`.
    public static func tooManySamples(_ count: Int, limit: Int) -> ProtocolError {
        ProtocolError(.invalidOptions, "num_samples \(count) exceeds max_num_samples \(limit)")
    }

    /// A prompt longer (in code points) than the model's `max_prompt_length`.
    public static func promptTooLong(_ length: Int, limit: Int) -> ProtocolError {
        ProtocolError(.invalidOptions, "prompt length \(length) exceeds max_prompt_length \(limit)")
    }

    /// A request longer than the model's `max_duration_seconds`; `duration` is already written
    /// with two decimals, `limit` as the capabilities write it.
    public static func durationTooLong(_ duration: String, limit: String) -> ProtocolError {
        ProtocolError(.invalidOptions, "total duration \(duration)s exceeds max_duration_seconds \(limit)")
    }
}
