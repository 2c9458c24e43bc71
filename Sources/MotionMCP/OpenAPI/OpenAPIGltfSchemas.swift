// The body of a successful single `POST /generate`: a glTF 2.0 document (docs/response.md §3) with the
// `MMCP_motion` extension (§5) and its travel trajectory (§8). The schemas name what the server
// writes but stay open, as glTF itself allows `extras`, extensions and further keys.

extension OpenAPIDocument {
    /// The glTF component schemas, in the order they appear in the document.
    static let gltfSchemas: [(String, JSONValue)] = [
        ("GltfDocument", gltfDocument),
        ("MMCPMotion", motionExtension),
        ("MotionSample", motionSample),
        ("Trajectory", trajectory),
    ]

    /// An index into one of the document's arrays.
    private static let index: JSONValue = ["type": "integer", "minimum": 0]

    private static let gltfDocument = object(
        "A glTF 2.0 document: one node per request joint (same order), one skin over all of them, one animation per sample, and the raw data in a single base64 buffer. Motion metadata is in `extensions.MMCP_motion`.",
        required: [
            "asset", "nodes", "scenes", "scene", "skins", "animations", "accessors", "bufferViews", "buffers",
            "extensionsUsed", "extensions",
        ],
        closed: false,
        properties: [
            "asset": object(
                "Format version and producer.", required: ["version"], closed: false,
                properties: ["version": ["type": "string", "const": "2.0"], "generator": ["type": "string"]]),
            "nodes": array(of: node, "The joints, in request order."),
            "scenes": array(
                of: object(
                    "A scene.", required: ["nodes"], closed: false,
                    properties: ["nodes": array(of: index, "The root node.")]), "A single scene."),
            "scene": ["type": "integer", "minimum": 0, "description": "The scene to show."],
            "skins": array(
                of: object(
                    "The skin.", required: ["joints"], closed: false,
                    properties: ["name": ["type": "string"], "joints": array(of: index, "Every node, in order.")]),
                "A single skin over all joints."),
            "animations": array(of: animation, "One animation per sample, named `sample_<b>`."),
            "accessors": array(of: accessor, "Typed views of the buffer; accessor k uses buffer view k."),
            "bufferViews": array(
                of: object(
                    "A contiguous byte range of the buffer.", required: ["buffer", "byteLength"], closed: false,
                    properties: [
                        "buffer": index, "byteOffset": ["type": "integer", "minimum": 0],
                        "byteLength": ["type": "integer", "minimum": 1],
                    ]), "The buffer views."),
            "buffers": array(
                of: object(
                    "The little-endian float32 data.", required: ["byteLength", "uri"], closed: false,
                    properties: [
                        "byteLength": ["type": "integer", "minimum": 1],
                        "uri": [
                            "type": "string", "pattern": "^data:application/octet-stream;base64,",
                            "description": "The bytes as a base64 data URI.",
                        ],
                    ]), "A single buffer."),
            "extensionsUsed": [
                "type": "array", "items": ["type": "string"], "contains": ["const": "MMCP_motion"],
                "description": "Lists `MMCP_motion`.",
            ],
            "extensions": object(
                "Document-level extensions.", required: ["MMCP_motion"], closed: false,
                properties: ["MMCP_motion": ref("MMCPMotion")]),
        ])

    /// A node: one joint at rest.
    private static let node = object(
        "A joint: its rest pose relative to its parent, and its children.", required: ["name", "translation", "rotation"],
        closed: false,
        properties: [
            "name": ["type": "string"],
            "translation": ref("Vector3", "The joint's `rest_translation` as sent."),
            "rotation": ref("Quaternion", "The joint's `rest_rotation` as sent."),
            "children": array(of: index, minItems: 1, "Child nodes in ascending order; absent for a leaf."),
        ])

    /// An animation: parallel channels and samplers.
    private static let animation = object(
        "One sample's motion. Channel k uses sampler k: a rotation channel per joint, then the root translation, then translations of non-root joints that move.",
        required: ["name", "channels", "samplers"], closed: false,
        properties: [
            "name": ["type": "string", "pattern": #"^sample_\d+$"#],
            "channels": array(
                of: object(
                    "Which node property a sampler drives.", required: ["sampler", "target"], closed: false,
                    properties: [
                        "sampler": index,
                        "target": object(
                            "The animated property.", required: ["node", "path"], closed: false,
                            properties: ["node": index, "path": ["type": "string", "enum": ["rotation", "translation"]]]),
                    ]), "The channels."),
            "samplers": array(
                of: object(
                    "Key times and values.", required: ["input", "output"], closed: false,
                    properties: [
                        "input": index, "output": index,
                        "interpolation": ["type": "string", "const": "LINEAR", "default": "LINEAR"],
                    ]), "The samplers."),
        ])

    /// An accessor: float32 times or values.
    private static let accessor = object(
        "Float32 data: key times (`SCALAR`, with `min`/`max`), rotations (`VEC4`) or translations (`VEC3`).",
        required: ["bufferView", "componentType", "count", "type"], closed: false,
        properties: [
            "bufferView": index,
            "componentType": ["type": "integer", "const": 5126, "description": "5126 = float32."],
            "count": ["type": "integer", "minimum": 1],
            "type": ["type": "string", "enum": ["SCALAR", "VEC3", "VEC4"]],
            "min": array(of: ["type": "number"], minItems: 1, "Smallest value per component."),
            "max": array(of: ["type": "number"], minItems: 1, "Largest value per component."),
        ])

    private static let motionExtension = object(
        "Motion metadata that glTF has no place for.", required: ["version", "model", "fps", "samples"], closed: false,
        properties: [
            "version": ["type": "string", "description": "The server's protocol version (`1.4`), whatever the request said."],
            "model": ["type": "string", "description": "The id of the model that produced the motion."],
            "fps": ["type": "number", "exclusiveMinimum": 0, "description": "The frame rate of the animations."],
            "samples": array(of: ref("MotionSample"), "One entry per animation, same order."),
            "canonical_to_request": [
                "type": "object", "additionalProperties": ["type": "string"],
                "description": "How the model's joints map to the request's when it retargeted; absent otherwise.",
            ],
            "notes": array(
                of: object(
                    "A remark about the answer (not an error).", closed: false,
                    properties: [
                        "code": ["type": "string"],
                        "severity": ["type": "string", "description": "For example `info` or `warning`."],
                        "message": ["type": "string"],
                    ]), "The model's remarks; absent when there are none."),
        ])

    private static let motionSample = object(
        "Per-sample metadata.", required: ["name", "num_frames", "chunk_boundaries"], closed: false,
        properties: [
            "name": ["type": "string", "pattern": #"^sample_\d+$"#, "description": "The animation's name."],
            "num_frames": ["type": "integer", "minimum": 0, "description": "Frames in the sample."],
            "chunk_boundaries": array(
                of: ["type": "integer"], "Frames where separately generated chunks were stitched; `[]` when none."),
            "foot_contacts": [
                "type": "object", "additionalProperties": ["type": "array", "items": ["type": "boolean"]],
                "description": "Per joint name, whether it touches the ground at each frame; absent when not predicted.",
            ],
            "trajectory": ref("Trajectory"),
        ])

    /// A list of frame indices.
    private static let frames: JSONValue = ["type": "array", "items": ["type": "integer"]]

    private static let trajectory = object(
        "The sample's travel over the ground: where its root goes and which way it faces, fitted to a simple shape. Absent when it cannot be computed (e.g. very short motions). A model may supply its own, which is passed through.",
        required: ["model", "loop", "params", "heading", "markers", "position", "yaw"], closed: false,
        properties: [
            "model": [
                "type": "string", "enum": ["still", "line", "arc", "bezier"],
                "description": "The shape the travel path was fitted to.",
            ],
            "loop": ["type": "boolean", "description": "The request's `options.loop`."],
            "params": object(
                "The fitted shape's numbers; which keys appear depends on `model`.", closed: false,
                properties: [
                    "heading_deg": ["type": "number", "description": "A line's direction: 0 is +Z, positive towards +X."],
                    "radius_m": ["type": "number", "description": "An arc's radius."],
                    "control_points_xz": array(
                        of: numbers(2, "[x, z]"), minItems: 4, maxItems: 4, "A curve's cubic Bézier control points."),
                    "off_cm": ["type": "number", "description": "RMS distance between path and shape, centimetres."],
                    "speed": ["type": "number", "description": "Mean speed, metres per second."],
                    "speed_range": numbers(2, "Slowest and fastest speed."),
                    "turned_deg": ["type": "number", "description": "How far the direction of travel turns."],
                    "turn_deg_s": ["type": "number", "description": "`turned_deg` per second."],
                ]),
            "heading": [
                "type": "string", "enum": ["fixed", "steady", "keyed", "path"],
                "description": "How `yaw` was obtained.",
            ],
            "markers": object(
                "Frames where each foot touches down.", required: ["LeftFootDown", "RightFootDown"], closed: false,
                properties: ["LeftFootDown": frames, "RightFootDown": frames]),
            "position": array(
                of: numbers(2, "[x, z] in metres."), "The trajectory point on the ground plane at each frame."),
            "yaw": array(of: ["type": "number"], "The turn about +Y at each frame, radians."),
        ])
}
