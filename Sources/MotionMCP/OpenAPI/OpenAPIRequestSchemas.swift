// The request side of the document: the generate request and everything inside it
// (docs/protocol.md §3), and the batch envelope (§6.1). Every object here refuses unknown keys except
// the batch envelope and the two free-form maps (`model_options`, `joint_rotations`).

extension OpenAPIDocument {
    /// The request component schemas, in the order they appear in the document.
    static let requestSchemas: [(String, JSONValue)] = [
        ("GenerateRequest", generateRequest),
        ("BatchRequest", batchRequest),
        ("BatchItem", batchItem),
        ("Skeleton", skeleton),
        ("Joint", joint),
        ("Vector3", numbers(3, "[x, y, z] in metres, glTF axes (right-handed, +Y up).")),
        ("Quaternion", numbers(4, "A rotation as [x, y, z, w]; unit length is expected but not checked.")),
        ("Segment", segment),
        ("TextSegment", textSegment),
        ("UnconditionedSegment", unconditionedSegment),
        ("PoseSegment", poseSegment),
        ("MotionReferenceSegment", motionReferenceSegment),
        ("VideoReferenceSegment", videoReferenceSegment),
        ("VideoSource", videoSource),
        ("Constraint", constraint),
        ("RootPathConstraint", rootPathConstraint),
        ("EffectorTargetConstraint", effectorTargetConstraint),
        ("PoseKeyframeConstraint", poseKeyframeConstraint),
        ("GroundHeightConstraint", groundHeightConstraint),
        ("Options", options),
        ("Guidance", guidance),
        ("Timing", timing),
    ]

    /// The fields of a generate request, shared by a single body and a batch item.
    private static let requestProperties: JSONObject = [
        "protocol_version": [
            "type": "string", "pattern": #"^\d+\.\d+$"#,
            "description":
                "The client's protocol version, `<major>.<minor>`. Any 1.x is served; another major is refused with 400 `version_unsupported`.",
        ],
        "model": ["type": "string", "description": "The id of a served model, as listed by `/capabilities`."],
        "skeleton": ref("Skeleton", "The rig the motion is produced for; without retargeting it must be the model's canonical skeleton."),
        "segments": [
            "type": "array", "items": ref("Segment"), "default": [],
            "description": "The timeline, played in order. Each model accepts only the segment types it lists in `supported_segments`.",
        ],
        "constraints": [
            "type": "array", "items": ref("Constraint"), "default": [],
            "description": "Spatial goals on the global timeline; frame indices must lie in [0, total_frames - 1].",
        ],
        "duration_frames": nullable(
            ["type": "integer", "exclusiveMinimum": 0],
            "The length of a constraints-only request; required when `segments` is empty and refused otherwise."),
        "timing": nullable(ref("Timing"), "The frame rate of the request; defaults to the model's fps."),
        "options": nullable(ref("Options"), "Sampling options; when absent the model receives none."),
    ]

    private static let generateRequest = object(
        "One motion to generate. Besides the per-field rules: at least one of `segments` and `constraints` must be non-empty; `duration_frames` is required when `segments` is empty and refused when it is not. The total length is the sum of the segments' lengths (a pose counts one frame), else `duration_frames`.",
        required: ["protocol_version", "model", "skeleton"], closed: true, properties: requestProperties)

    private static let batchItem = object(
        "One item of a batch: a generate request whose `protocol_version` may be left out to inherit the batch's.",
        required: ["model", "skeleton"], closed: true, properties: requestProperties)

    private static let batchRequest = object(
        "Several generate requests in one body, recognised by the `requests` key; other top-level keys are ignored. The number of items may not exceed the smallest `max_batch_size` of the served models. Each item is validated and answered on its own.",
        required: ["protocol_version", "requests"], closed: false,
        properties: [
            "protocol_version": [
                "type": "string",
                "description":
                    "The batch's protocol version, inherited by items that do not give their own. Its major (the text before the first dot) must be 1.",
            ],
            "requests": array(of: ref("BatchItem"), minItems: 1, "The items, answered in the same order."),
        ])

    private static let skeleton = object(
        "A joint hierarchy. Names are unique, exactly one joint (the first) is the root, and every other joint names a parent listed before it; a violation is 400 `invalid_skeleton`.",
        required: ["joints"], closed: true,
        properties: [
            "joints": array(of: ref("Joint"), minItems: 1, "The joints, parents before children."),
            "coordinate_system": [
                "type": "string", "const": "right_handed_y_up", "default": "right_handed_y_up",
                "description": "Always right-handed with +Y up.",
            ],
            "units": ["type": "string", "const": "meters", "default": "meters", "description": "Always metres."],
        ])

    private static let joint = object(
        "One joint with its rest pose relative to its parent.", required: ["name", "rest_translation", "rest_rotation"],
        closed: true,
        properties: [
            "name": ["type": "string", "minLength": 1, "maxLength": 128, "description": "Unique joint name."],
            "parent": nullable(["type": "string"], "The parent's name; null for the root."),
            "rest_translation": ref("Vector3", "Offset from the parent at rest (the root: its world position)."),
            "rest_rotation": ref("Quaternion", "Rotation relative to the parent at rest."),
            "display_name": nullable(
                ["type": "string", "maxLength": 256], "A human-readable label; informational only."),
        ])

    private static let segment = union(
        "One piece of the timeline, selected by `type`.",
        tags: [
            ("text", "TextSegment"), ("unconditioned", "UnconditionedSegment"), ("pose", "PoseSegment"),
            ("motion_reference", "MotionReferenceSegment"), ("video_reference", "VideoReferenceSegment"),
        ])

    /// The optional per-segment seed every timed segment accepts.
    private static let segmentSeed = nullable(
        ["type": "integer"], "Overrides the request seed for this segment; accepted whatever the model advertises.")

    /// The output length every timed segment carries.
    private static let segmentFrames: JSONValue = [
        "type": "integer", "exclusiveMinimum": 0, "description": "How many frames this segment produces.",
    ]

    /// The prompt language of text and pose segments.
    private static let segmentLanguage = nullable(
        ["type": "string"], "The prompt's language (a BCP-47 tag is intended; not checked).", default: "en")

    private static let textSegment = object(
        "Motion described by a text prompt.", required: ["type", "prompt", "duration_frames"], closed: true,
        properties: [
            "type": tag("text"),
            "prompt": [
                "type": "string", "minLength": 1,
                "description": "What to do; at most the model's `max_prompt_length` code points.",
            ],
            "duration_frames": segmentFrames,
            "language": segmentLanguage,
            "seed": segmentSeed,
        ])

    private static let unconditionedSegment = object(
        "Motion chosen freely by the model.", required: ["type", "duration_frames"], closed: true,
        properties: ["type": tag("unconditioned"), "duration_frames": segmentFrames, "seed": segmentSeed])

    private static let poseSegment = object(
        "A single still pose described by a prompt; it counts as one frame.", required: ["type", "prompt"],
        closed: true,
        properties: [
            "type": tag("pose"),
            "prompt": [
                "type": "string", "minLength": 1,
                "description": "The pose; at most the model's `max_prompt_length` code points.",
            ],
            "language": segmentLanguage,
        ])

    private static let motionReferenceSegment = object(
        "Motion guided by an example clip sent inline. `joint_names` must be unique and include the clip skeleton's root, `root_positions` and `rotations` have one entry per clip frame, and every frame of `rotations` has one quaternion per joint name. All numbers must be finite.",
        required: ["type", "duration_frames", "joint_names", "rotations", "root_positions", "fps"], closed: true,
        properties: [
            "type": tag("motion_reference"),
            "duration_frames": [
                "type": "integer", "exclusiveMinimum": 0,
                "description": "How many frames to produce, independent of the clip's length.",
            ],
            "skeleton": nullable(ref("Skeleton"), "The clip's own rig; the request skeleton when null."),
            "joint_names": [
                "type": "array", "items": ["type": "string"], "minItems": 1, "uniqueItems": true,
                "description": "The joints the clip animates, in the order of each frame's quaternions.",
            ],
            "rotations": array(
                of: array(of: ref("Quaternion")), minItems: 2,
                "Per frame, one local rotation per entry of `joint_names`; at most the model's `max_reference_frames` frames."),
            "root_positions": array(of: ref("Vector3"), minItems: 2, "Per frame, the root's world position."),
            "fps": ["type": "number", "exclusiveMinimum": 0, "description": "The clip's sample rate."],
            "seed": segmentSeed,
        ])

    private static let videoReferenceSegment = object(
        "Motion guided by a video of a performer. When both `start_s` and `end_s` are given, `start_s` must be smaller; the trimmed length may not exceed the model's `max_video_seconds`.",
        required: ["type", "duration_frames", "video"], closed: true,
        properties: [
            "type": tag("video_reference"),
            "duration_frames": segmentFrames,
            "video": ref("VideoSource"),
            "start_s": nullable(["type": "number", "minimum": 0], "Where to start reading the video, in seconds."),
            "end_s": nullable(["type": "number", "exclusiveMinimum": 0], "Where to stop reading the video, in seconds."),
            "fps": nullable(["type": "number", "exclusiveMinimum": 0], "A hint at the video's frame rate."),
            "seed": segmentSeed,
        ])

    private static let videoSource = object(
        "Where the video comes from: exactly one of `url` and `data` is non-null; `media_type` goes with `data` only.",
        closed: true,
        properties: [
            "url": nullable(
                [
                    "type": "string", "minLength": 1, "maxLength": 4096,
                    "pattern": #"^[Hh][Tt][Tt][Pp][Ss]://[^/?#@\s]+([/?#]\S*)?$"#,
                ],
                "An https URL without user info or whitespace, with a host and a port (if any) in 1–65535. The model downloads it."
            ),
            "data": nullable(
                [
                    "type": "string", "minLength": 1,
                    "pattern": "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
                ],
                "The video inline as standard padded base64, without line breaks; at most the model's `max_video_bytes` once decoded."
            ),
            "media_type": [
                "enum": ["video/mp4", "video/quicktime", "video/webm", .null], "default": .null,
                "description": "The container of inline `data`; required with it, must be null with `url`.",
            ],
        ])

    private static let constraint = union(
        "A spatial goal, selected by `type`. Each model accepts only the types it lists in `supported_constraints`.",
        tags: [
            ("root_path", "RootPathConstraint"), ("effector_target", "EffectorTargetConstraint"),
            ("pose_keyframe", "PoseKeyframeConstraint"), ("ground_height", "GroundHeightConstraint"),
        ])

    /// Frame indices of a constraint: at least one, each on the global timeline.
    private static func frameList(_ description: String) -> JSONValue {
        array(of: ["type": "integer"], minItems: 1, description)
    }

    private static let rootPathConstraint = object(
        "Waypoints for the root on the ground plane. `positions_xz` and (when given) `heading_radians` have one entry per frame.",
        required: ["type", "frames", "positions_xz"], closed: true,
        properties: [
            "type": tag("root_path"),
            "frames": frameList("Strictly ascending frame indices."),
            "positions_xz": array(
                of: numbers(2, "[x, z] on the ground plane."), minItems: 1, "Where the root is at each frame."),
            "heading_radians": nullable(
                ["type": "array", "items": ["type": "number"]], "The facing at each frame, radians about +Y."),
        ])

    private static let effectorTargetConstraint = object(
        "Targets for one joint. `positions` and (when given) `rotations` have one entry per frame.",
        required: ["type", "joint", "frames", "positions"], closed: true,
        properties: [
            "type": tag("effector_target"),
            "joint": ["type": "string", "description": "A joint of the request skeleton."],
            "frames": frameList("Frame indices, in any order."),
            "positions": array(of: ref("Vector3"), minItems: 1, "World positions of the joint."),
            "rotations": nullable(["type": "array", "items": ref("Quaternion")], "World rotations of the joint."),
        ])

    private static let poseKeyframeConstraint = object(
        "A pose to hit at one frame.", required: ["type", "frame", "joint_rotations"], closed: true,
        properties: [
            "type": tag("pose_keyframe"),
            "frame": ["type": "integer", "minimum": 0, "description": "The frame index."],
            "joint_rotations": [
                "type": "object", "minProperties": 1, "additionalProperties": ref("Quaternion"),
                "description": "Local rotations keyed by joint names of the request skeleton.",
            ],
            "root_position": nullable(ref("Vector3"), "The root's world position at that frame."),
            "fill_mode": [
                "type": "string", "enum": ["rest", "generate"], "default": "generate",
                "description": "What unlisted joints do: hold their rest rotation, or be generated.",
            ],
        ])

    private static let groundHeightConstraint = object(
        "The height of the ground under points of the floor plane; it has no frames.",
        required: ["type", "points"], closed: true,
        properties: [
            "type": tag("ground_height"),
            "points": array(
                of: numbers(3, "[x, z, y]: a floor-plane point and the surface height there; finite."),
                minItems: 1, "Sample points of the ground surface."),
        ])

    private static let options = object(
        "Sampling options.", closed: true,
        properties: [
            "diffusion_steps": ["type": "integer", "minimum": 1, "maximum": 500, "default": 100],
            "num_samples": [
                "type": "integer", "minimum": 1, "maximum": 16, "default": 1,
                "description": "How many alternative motions to return; also bounded by the model's `max_num_samples`.",
            ],
            "seed": nullable(["type": "integer"], "A seed for reproducible sampling."),
            "post_processing": ["type": "boolean", "default": true],
            "transition_frames": [
                "type": "integer", "minimum": 0, "maximum": 60, "default": 5,
                "description": "Frames used to blend from one segment into the next.",
            ],
            "guidance": nullable(ref("Guidance"), "Classifier-free guidance settings."),
            "loop": [
                "type": "boolean", "default": false,
                "description": "Ask for a seamless loop; needs `supports_loop` and exactly one segment.",
            ],
            "keyframe_budget": nullable(
                ["type": "number", "exclusiveMinimum": 0],
                "How sparse the returned curves may be; needs `supports_keyframe_reduction`."),
            "model_options": nullable(
                ["type": "object", "additionalProperties": true],
                "Values for the dials the model declares in `model_options`, keyed by option name."),
        ])

    private static let guidance = object(
        "Classifier-free guidance. `weight` has 0 entries for `nocfg`, 1 for `regular` and 2 for `separated`.",
        required: ["type"], closed: true,
        properties: [
            "type": ["type": "string", "enum": ["nocfg", "regular", "separated"]],
            "weight": [
                "type": "array", "items": ["type": "number"], "maxItems": 2, "default": [],
                "description": "The guidance scale(s).",
            ],
        ])

    private static let timing = object(
        "The request's frame rate: frame indices and durations are counted in it and the motion is produced at it.",
        required: ["fps"], closed: true,
        properties: ["fps": ["type": "number", "exclusiveMinimum": 0, "description": "Frames per second."]])
}
