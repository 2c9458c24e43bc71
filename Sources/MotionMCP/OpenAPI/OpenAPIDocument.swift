/// The OpenAPI 3.1 document describing the MMCP routes.
///
/// Unlike the reference, which publishes the two paths without any schema, this document describes
/// every request and response body, so that generated clients and the `/docs` page are useful.
/// Everything except the title, the description, the mount prefix and what the switched-on protocol
/// extensions add is built once; with no extension on, the document is the same bytes whatever
/// else the server's options say.
enum OpenAPIDocument {
    /// The document as compact JSON bytes. `pathPrefix` is where the MMCP routes are mounted ("" or e.g. "/motion"); paths are written with it.
    /// With `operational`, `/healthz`, `/readyz` and `/metrics` are described too; every extension
    /// on in `extensions` adds its paths, status codes, media types and headers.
    static func render(
        title: String, description: String, pathPrefix: String, operational: Bool = false,
        extensions: ProtocolExtensions = ProtocolExtensions()
    ) -> [UInt8] {
        var document = template
        document["info"] = ["title": .string(title), "version": "1.4", "description": .string(description)]
        var paths = [
            (pathPrefix + "/capabilities", capabilitiesPathItem),
            (pathPrefix + "/generate", generatePathItem),
        ]
        if extensions.asyncJobs { paths.append((pathPrefix + "/generate/jobs/{id}", jobPathItem(extensions))) }
        if operational {
            paths += [
                (pathPrefix + "/healthz", healthPathItem), (pathPrefix + "/readyz", readinessPathItem),
                (pathPrefix + "/metrics", metricsPathItem),
            ]
        }
        document["paths"] = .object(JSONObject(paths))
        var root = JSONValue.object(document)
        describe(extensions, in: &root, generatePath: pathPrefix + "/generate")
        return root.serialized
    }

    /// `GET /healthz`.
    private static let healthPathItem: JSONValue = [
        "get": [
            "summary": "Liveness",
            "description": "200 while the process serves requests at all.",
            "operationId": "get_healthz",
            "responses": [
                "200": [
                    "description": "The process is alive.",
                    "content": ["application/json": ["schema": ["type": "object", "properties": ["status": ["const": "ok"]]]]],
                ]
            ],
        ]
    ]

    /// `GET /readyz`.
    private static let readinessPathItem: JSONValue = {
        let readiness: JSONValue = [
            "type": "object",
            "required": ["status", "shutting_down", "models"],
            "properties": [
                "status": ["enum": ["ready", "unavailable"]],
                "shutting_down": ["type": "boolean"],
                "models": [
                    "type": "object", "description": "Each model's lifecycle state by id.",
                    "additionalProperties": ["enum": .strings(ModelState.allNames)],
                ],
            ],
        ]
        return [
            "get": [
                "summary": "Readiness",
                "description": "200 when every model is ready and the server is not shutting down; otherwise 503, with each model's state.",
                "operationId": "get_readyz",
                "responses": [
                    "200": ["description": "Ready for traffic.", "content": ["application/json": ["schema": readiness]]],
                    "503": ["description": "Not ready, or shutting down.", "content": ["application/json": ["schema": readiness]]],
                ],
            ]
        ]
    }()

    /// `GET /metrics`.
    private static let metricsPathItem: JSONValue = [
        "get": [
            "summary": "Prometheus metrics",
            "description":
                "Requests by status and error code, requests in flight, request, wait and generate durations, setup and teardown durations and model states, labelled `model`.",
            "operationId": "get_metrics",
            "responses": [
                "200": ["description": "The Prometheus text exposition format.", "content": ["text/plain": ["schema": ["type": "string"]]]]
            ],
        ]
    ]

    /// The constant part of the document. `info` and `paths` are placeholders that only fix the
    /// key order; `render` replaces them in place.
    private static let template: JSONObject = [
        "openapi": "3.1.0",
        "info": .null,
        "paths": .null,
        "components": ["schemas": .object(JSONObject(requestSchemas + responseSchemas + gltfSchemas))],
    ]

    /// `GET /capabilities`.
    private static let capabilitiesPathItem: JSONValue = [
        "get": [
            "summary": "Describe the served models",
            "description":
                "Lists the protocol constants and, for every registered model, what it accepts: segment and constraint types, skeleton, frame rate, limits and model options. Rebuilt on every call.",
            "operationId": "get_capabilities_capabilities_get",
            "responses": [
                "200": [
                    "description": "The server's capabilities.",
                    "content": ["application/json": ["schema": ref("Capabilities")]],
                ]
            ],
        ]
    ]

    /// `POST /generate`, single and batch.
    private static let generatePathItem: JSONValue = [
        "post": [
            "summary": "Generate motion",
            "description":
                "A single request is answered with one glTF 2.0 document (`model/gltf+json`). A body that is an object with a `requests` key is a batch and is answered with one result per item (`application/json`, status 200 even when items fail). The `Content-Type` of the request is ignored; the body is always read as JSON.",
            "operationId": "post_generate_generate_post",
            "requestBody": [
                "required": true,
                "content": [
                    "application/json": [
                        "schema": ["oneOf": [ref("GenerateRequest"), ref("BatchRequest")]],
                        "examples": requestExamples,
                    ]
                ],
            ],
            "responses": generateResponses,
        ]
    ]

    /// The answers of `POST /generate`: the success body, then one entry per error status.
    private static let generateResponses: JSONValue = {
        var responses: JSONObject = [
            "200": [
                "description":
                    "Success. A single request yields a glTF document, a batch yields one result per item in request order.",
                "content": [
                    "model/gltf+json": ["schema": ref("GltfDocument")],
                    "application/json": ["schema": ref("BatchResponse")],
                ],
            ]
        ]
        for (status, explanation) in errorStatuses { responses[String(status)] = errorResponse(status, explanation) }
        return .object(responses)
    }()

    /// The error envelope answered with `status`, described by the codes that map to it and `explanation`.
    static func errorResponse(_ status: Int, _ explanation: String) -> JSONValue {
        // The codes are read from the protocol's table so that the two cannot drift apart.
        let codes = ErrorCode.all.filter { $0.status == status }.map { "`\($0.rawValue)`" }
        return [
            "description": .string(codes.joined(separator: ", ") + ": " + explanation),
            "content": ["application/json": ["schema": ref("ErrorEnvelope")]],
        ]
    }

    /// Every HTTP status an error code maps to (docs/protocol.md §5.2), with when it happens.
    static let errorStatuses: [(status: Int, explanation: String)] = [
        (400, "the request was refused as it stands (see `message` and `details`); fix it before retrying."),
        (401, "raised by a model or a deployment, never by the server itself."),
        (403, "raised by a model or a deployment, never by the server itself."),
        (413, "the body exceeds `max_request_bytes`, an inline video exceeds `max_video_bytes`, or a fetched video is too large."),
        (422, "the body is not JSON or does not match the request schema; `details.errors` lists the field problems."),
        (429, "raised by a model or a deployment; retry with backoff."),
        (500, "the model failed or returned something unusable; do not retry."),
        (503, "the model cannot serve right now; retry with backoff."),
        (504, "the model or a video download took too long; retry with backoff."),
    ]

    /// Ready-made bodies for the `/docs` page's "try it out"; they succeed on a NullBackbone server.
    private static let requestExamples: JSONValue = [
        "single": [
            "summary": "One text segment",
            "value": [
                "protocol_version": "1.4", "model": "null", "skeleton": nullBackboneSkeleton,
                "segments": [["type": "text", "prompt": "walk forward", "duration_frames": 60]],
            ],
        ],
        "batch": [
            "summary": "A batch whose item inherits the batch's protocol version",
            "value": [
                "protocol_version": "1.4",
                "requests": [
                    [
                        "model": "null", "skeleton": nullBackboneSkeleton,
                        "segments": [["type": "unconditioned", "duration_frames": 30]],
                    ]
                ],
            ],
        ],
    ]

    /// NullBackbone's canonical skeleton: the examples must send it verbatim, as that model cannot retarget.
    private static let nullBackboneSkeleton: JSONValue = [
        "joints": [
            ["name": "Hips", "rest_translation": [0, 0.95, 0], "rest_rotation": [0, 0, 0, 1]],
            ["name": "Spine", "parent": "Hips", "rest_translation": [0, 0.5, 0], "rest_rotation": [0, 0, 0, 1]],
            ["name": "Head", "parent": "Spine", "rest_translation": [0, 0.3, 0], "rest_rotation": [0, 0, 0, 1]],
            ["name": "LeftFoot", "parent": "Hips", "rest_translation": [0.1, -0.95, 0], "rest_rotation": [0, 0, 0, 1]],
            ["name": "RightFoot", "parent": "Hips", "rest_translation": [-0.1, -0.95, 0], "rest_rotation": [0, 0, 0, 1]],
        ]
    ]
}

// Small builders shared by the schema files; they keep the literals short and uniform.
extension OpenAPIDocument {
    /// A reference to the component schema `name`, with an optional description of its use.
    static func ref(_ name: String, _ description: String? = nil) -> JSONValue {
        var schema: JSONObject = ["$ref": .string("#/components/schemas/" + name)]
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    /// `schema` or JSON null, for a field the protocol lets a client send as null ("not given").
    static func nullable(_ schema: JSONValue, _ description: String, default value: JSONValue = .null) -> JSONValue {
        ["anyOf": [schema, ["type": "null"]], "default": value, "description": .string(description)]
    }

    /// An object schema. `closed` objects refuse unknown keys (`additionalProperties: false`), as
    /// every request object does; response objects stay open so that additions don't break clients.
    static func object(
        _ description: String, required: [String] = [], closed: Bool, properties: JSONObject
    ) -> JSONValue {
        var schema: JSONObject = ["type": "object", "description": .string(description)]
        schema["properties"] = .object(properties)
        if !required.isEmpty { schema["required"] = .strings(required) }
        if closed { schema["additionalProperties"] = false }
        return .object(schema)
    }

    /// An array schema of `items`, with optional length bounds.
    static func array(
        of items: JSONValue, minItems: Int? = nil, maxItems: Int? = nil, _ description: String? = nil
    ) -> JSONValue {
        var schema: JSONObject = ["type": "array", "items": items]
        if let minItems { schema["minItems"] = .integer(minItems) }
        if let maxItems { schema["maxItems"] = .integer(maxItems) }
        if let description { schema["description"] = .string(description) }
        return .object(schema)
    }

    /// An array of exactly `count` numbers (a vector, a quaternion or a ground-plane point).
    static func numbers(_ count: Int, _ description: String) -> JSONValue {
        array(of: ["type": "number"], minItems: count, maxItems: count, description)
    }

    /// The discriminator property of a segment or constraint: a string that must equal `tag`.
    static func tag(_ tag: String) -> JSONValue {
        ["type": "string", "const": .string(tag)]
    }

    /// A `oneOf` over component schemas, told apart by their `type` member.
    static func union(_ description: String, tags: [(tag: String, schema: String)]) -> JSONValue {
        let mapping = JSONObject(tags.map { ($0.tag, .string("#/components/schemas/" + $0.schema)) })
        return [
            "description": .string(description),
            "oneOf": .array(tags.map { ref($0.schema) }),
            "discriminator": ["propertyName": "type", "mapping": .object(mapping)],
        ]
    }
}
