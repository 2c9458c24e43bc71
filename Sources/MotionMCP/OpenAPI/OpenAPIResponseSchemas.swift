// The JSON answers other than the glTF document: capabilities (docs/protocol.md §2), the error
// envelope (§5) and the batch response (§6.4). Response objects stay open to later additions.

extension OpenAPIDocument {
    /// The response component schemas, in the order they appear in the document.
    static let responseSchemas: [(String, JSONValue)] = [
        ("Capabilities", capabilities),
        ("ModelCapabilities", modelCapabilities),
        ("Limits", limits),
        ("ModelOption", modelOption),
        ("ErrorEnvelope", errorEnvelope),
        ("BatchResponse", batchResponse),
    ]

    /// A list of names, e.g. of segment types or joints.
    private static func names(_ description: String) -> JSONValue {
        array(of: ["type": "string"], description)
    }

    /// A boolean capability flag (`false` unless the model says otherwise).
    private static func flag(_ description: String) -> JSONValue {
        ["type": "boolean", "description": .string(description)]
    }

    private static let capabilities = object(
        "What the server speaks and which models it serves.",
        required: ["protocol_version", "rotation_format", "coordinate_system", "units", "response_formats", "models"],
        closed: false,
        properties: [
            "protocol_version": ["type": "string", "const": "1.4", "description": "The server's protocol version."],
            "rotation_format": [
                "type": "string", "const": "quaternion_xyzw", "description": "Rotations are quaternions [x, y, z, w].",
            ],
            "coordinate_system": [
                "type": "string", "const": "right_handed_y_up", "description": "Right-handed, +Y up (glTF).",
            ],
            "units": ["type": "string", "const": "meters", "description": "Lengths are in metres."],
            "response_formats": [
                "type": "array", "items": ["type": "string", "enum": ["gltf_2.0_json"]],
                "description": "Body formats `/generate` produces.",
            ],
            "models": array(of: ref("ModelCapabilities"), "One entry per served model, in registration order."),
        ])

    private static let modelCapabilities = object(
        "One served model and what it accepts.",
        required: [
            "id", "fps", "canonical_skeleton", "supports_retargeting", "supports_joint_translation", "supports_async",
            "supports_segment_seed", "supports_loop", "supports_keyframe_reduction",
            "supports_motion_reference_mixed", "supports_batch", "supports_trajectory", "supported_constraints",
            "supported_segments", "supported_guidance_types", "predicted_contact_joints", "native_clip_seconds",
            "chunking", "recommended_max_duration_seconds", "limits",
        ],
        closed: false,
        properties: [
            "id": ["type": "string", "minLength": 1, "description": "The model's own id."],
            "fps": ["type": "number", "exclusiveMinimum": 0, "description": "The model's native frame rate."],
            "canonical_skeleton": ref(
                "Skeleton", "The rig the model animates; send it verbatim unless the model retargets."),
            "supports_retargeting": flag("Whether a request may use a skeleton other than the canonical one."),
            "supports_joint_translation": flag("Whether results animate the translation of non-root joints."),
            "supports_async": flag("Advisory; this server always answers synchronously."),
            "supports_segment_seed": flag("Advisory; per-segment seeds are accepted regardless."),
            "supports_loop": flag("Whether `options.loop` is accepted."),
            "supports_keyframe_reduction": flag("Whether `options.keyframe_budget` is accepted."),
            "model_options": array(
                of: ref("ModelOption"), "The dials `options.model_options` may set; absent when there are none."),
            "supports_motion_reference_mixed": flag("Whether `motion_reference` segments are supported."),
            "supports_batch": flag("Always true: every model accepts batches."),
            "supports_trajectory": flag("Always true: results carry a travel trajectory when one can be computed."),
            "supported_constraints": names("The constraint types accepted."),
            "supported_segments": names("The segment types accepted."),
            "supported_guidance_types": names("The guidance types the model honours (informational)."),
            "predicted_contact_joints": names("The joints the model reports foot contacts for (informational)."),
            "native_clip_seconds": ["type": "number", "description": "The clip length the model generates natively."],
            "chunking": [
                "type": "string", "enum": ["none", "stitched"],
                "description": "Whether longer motions are stitched from several clips.",
            ],
            "recommended_max_duration_seconds": [
                "type": "number", "description": "The longest motion the model produces well.",
            ],
            "limits": ref("Limits"),
        ])

    private static let limits = object(
        "The model's request limits. The last three are present only when the model sets them.",
        required: [
            "max_duration_seconds", "max_num_samples", "max_constraints_per_request", "max_prompt_length",
            "max_request_bytes", "max_batch_size",
        ],
        closed: false,
        properties: [
            "max_duration_seconds": [
                "type": "number", "default": 30.0, "description": "Longest total duration, in seconds at the effective fps.",
            ],
            "max_num_samples": ["type": "integer", "default": 16, "description": "Largest `options.num_samples`."],
            "max_constraints_per_request": ["type": "integer", "default": 64, "description": "Most constraints in one request."],
            "max_prompt_length": ["type": "integer", "default": 1000, "description": "Longest prompt, in code points."],
            "max_request_bytes": ["type": "integer", "default": 1_048_576, "description": "Largest request body or batch item."],
            "max_batch_size": ["type": "integer", "default": 16, "description": "Most items in one batch."],
            "max_reference_frames": [
                "type": "integer", "exclusiveMinimum": 0, "description": "Longest `motion_reference` clip, in frames.",
            ],
            "max_video_bytes": [
                "type": "integer", "exclusiveMinimum": 0, "description": "Largest inline video, decoded bytes.",
            ],
            "max_video_seconds": [
                "type": "number", "exclusiveMinimum": 0, "description": "Longest trimmed video, in seconds.",
            ],
        ])

    private static let modelOption = object(
        "A model-specific dial a request may set in `options.model_options`. Booleans take true/false, numbers and integers a finite value within the inclusive bounds, enums one of `values`, flags a list of distinct `values`.",
        required: ["name", "type", "title", "description", "default", "minimum", "maximum", "values"], closed: false,
        properties: [
            "name": ["type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$", "description": "The key in `model_options`."],
            "type": ["type": "string", "enum": ["number", "integer", "boolean", "enum", "flags"]],
            "title": ["type": ["string", "null"], "maxLength": 80, "description": "A short label."],
            "description": ["type": ["string", "null"], "maxLength": 400, "description": "What the dial does."],
            "default": ["description": "The value used when the request does not set the option (any JSON)."],
            "minimum": ["type": ["number", "null"], "description": "Inclusive lower bound for number and integer dials."],
            "maximum": ["type": ["number", "null"], "description": "Inclusive upper bound for number and integer dials."],
            "values": [
                "type": ["array", "null"], "items": ["type": "string"], "maxItems": 32,
                "description": "The choices of an enum or flags dial.",
            ],
        ])

    private static let errorEnvelope = object(
        "Every protocol error, as a whole response or as a batch item's result. The HTTP status follows from `code`.",
        required: ["error"], closed: false,
        properties: [
            "error": object(
                "The error.", required: ["code", "message", "details"], closed: false,
                properties: [
                    "code": [
                        "type": "string", "enum": .strings(ErrorCode.all.map(\.rawValue)),
                        "description": "Machine-readable; the set only grows in minor versions.",
                    ],
                    "message": ["type": "string", "description": "Human-readable and safe to show; not stable."],
                    "details": [
                        "type": "object",
                        "description":
                            "Code-specific data, e.g. `errors` for validation failures or `available_models`; `{}` when there is nothing to add.",
                    ],
                ])
        ])

    private static let batchResponse = object(
        "The answer to a batch: one result per item, in request order.", required: ["results"], closed: false,
        properties: [
            "results": array(
                of: [
                    "oneOf": [
                        object(
                            "An item that succeeded.", required: ["gltf"], closed: true,
                            properties: ["gltf": ref("GltfDocument")]),
                        ref("ErrorEnvelope", "An item that failed; its would-be HTTP status is not sent."),
                    ]
                ], "The results.")
        ])
}
