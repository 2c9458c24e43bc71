import Logging

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// The two models the fuzz server serves and the valid requests for them.
///
/// `null` is the reference's plain NullBackbone (canonical skeleton only, text/unconditioned, three
/// constraint types). `full` is a NullBackbone overlaid to take every optional feature, so that
/// mutations reach every part of the schema and every semantic check instead of stopping at
/// `unsupported_segment` or `retargeting_unsupported`.
enum FuzzModels {
    /// The `full` model's capabilities overlay.
    static let fullOverlay: JSONObject = [
        "supports_retargeting": true,
        "supports_joint_translation": true,
        "supports_segment_seed": true,
        "supports_loop": true,
        "supports_keyframe_reduction": true,
        "model_options": [
            ["name": "tempo", "type": "number", "minimum": 0.5, "maximum": 2],
            ["name": "steps", "type": "integer", "minimum": 1, "maximum": 50],
            ["name": "mirror", "type": "boolean"],
            ["name": "style", "type": "enum", "values": ["calm", "brisk"]],
            ["name": "extras", "type": "flags", "values": ["a", "b", "c"]],
        ],
        "supported_constraints": ["root_path", "effector_target", "pose_keyframe", "ground_height"],
        "supported_segments": ["text", "unconditioned", "pose", "motion_reference", "video_reference"],
        // A larger body cap than `null`'s: big skeletons reach this model's backbone, and a body
        // between the two caps passes the server's cap but not `null`'s (docs/protocol.md §4.10).
        "limits": ["max_request_bytes": 4_194_304, "max_reference_frames": 300, "max_video_bytes": 4096, "max_video_seconds": 20],
    ]

    /// A server with both models, set up; it logs only critical events, since thousands of cases
    /// would otherwise print a line each about trajectories too short to compute.
    static func server() async throws -> MMCPServer {
        let full = try NullBackbone(modelID: "full", overlay: fullOverlay)
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        let server = try MMCPServer(["null": NullBackbone(), "full": full], options: MMCPOptions(documentation: APIDocumentation(), logger: logger))
        try await server.setUp()
        return server
    }
}
