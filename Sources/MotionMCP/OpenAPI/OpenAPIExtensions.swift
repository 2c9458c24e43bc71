// What the protocol extensions (docs/extensions.md) add to the wire, written into
// the document only while they are switched on: a client generated from `/openapi.json` then
// accepts every answer the server as configured gives, and with every extension off the document
// is byte for byte the one without them.

extension OpenAPIDocument {
    /// Writes into `root` what the switched-on `extensions` add: the `202` of an async submission
    /// and the job path's schemas, `model/gltf-binary` and `Accept`, the `409` of an idempotency
    /// conflict, and the request and response headers. Its times are those the server's stores
    /// keep (they may be raised from the configured ones). `generatePath` is `/generate` under the
    /// mount prefix. The batch window changes nothing on the wire, so nothing here.
    static func describe(_ extensions: ProtocolExtensions, in root: inout JSONValue, generatePath: String) {
        let schemas = ["components", "schemas"]
        let generate = ["paths", generatePath, "post"]
        // The formats `/capabilities` lists, from the same list its answer is written from.
        root.edit(schemas + ["Capabilities", "properties", "response_formats", "items", "enum"]) {
            $0 = .strings(extensions.responseFormats.map(\.capabilityName))
        }
        // First the operations, responses and media types each extension adds ...
        if extensions.binaryGLTF {
            root.edit(generate + ["description"]) { $0 = .string(($0.stringValue ?? "") + " " + binaryDescription) }
            root.edit(generate + ["parameters"]) { $0.append(acceptParameter) }
            root.edit(generate + ["responses", "200", "content"]) { $0.set("model/gltf-binary", binaryContent) }
        }
        if extensions.asyncJobs {
            root.edit(generate + ["description"]) { $0 = .string(($0.stringValue ?? "") + " " + asyncDescription) }
            root.edit(generate + ["responses"]) { $0.insertResponse("202", accepted(submittedDescription, links: true)) }
            root.edit(schemas) {
                $0.set("JobTicket", jobTicket)
                $0.set("Detail", detail)
            }
            root.edit(schemas + ["ModelCapabilities", "properties", "supports_async", "description"]) {
                $0 = "Whether the model runs single requests as jobs: this server answers a valid single request for it `202` with a job to poll."
            }
        }
        if extensions.idempotency {
            root.edit(generate + ["description"]) { $0 = .string(($0.stringValue ?? "") + " " + idempotencyDescription(extensions)) }
            root.edit(generate + ["parameters"]) { $0.append(idempotencyKeyParameter) }
            root.edit(generate + ["responses"]) { $0.insertResponse("409", conflict) }
            root.edit(generate + ["responses", "400", "description"]) {
                $0 = .string(($0.stringValue ?? "") + " Also an `Idempotency-Key` that is not 1 to 255 visible ASCII characters (`details.header`).")
            }
        }
        // ... then the headers, on every response they come with.
        if extensions.binaryGLTF { addHeader("Vary", varyHeader, to: generate, in: &root) }
        if extensions.idempotency { addHeader("Idempotency-Status", idempotencyStatusHeader, to: generate, in: &root) }
        // The server's own 503 refusals (a full job store among them) carry Retry-After whatever
        // the flag says; with the flag, a model's 429s and 503s do too.
        if extensions.retryAfter || extensions.asyncJobs {
            addHeader("Retry-After", retryAfterHeader, to: generate, in: &root) { $0 == "503" || (extensions.retryAfter && $0 == "429") }
        }
        if extensions.retryAfter, extensions.asyncJobs {
            let poll = ["paths", generatePath + "/jobs/{id}", "get"]
            addHeader("Retry-After", retryAfterHeader, to: poll, in: &root) { $0 == "429" || $0 == "503" }
        }
        if extensions.requestIDs { describeRequestIDs(in: &root) }
    }

    /// `X-Request-ID` on every operation: taken as a request header, written on every answer.
    private static func describeRequestIDs(in root: inout JSONValue) {
        let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        for path in root.member("paths")?.objectValue?.keys ?? [] {
            for method in methods where root.member("paths")?.member(path)?.member(method) != nil {
                let operation = ["paths", path, method]
                root.edit(operation + ["parameters"]) { $0.append(requestIDParameter) }
                addHeader("X-Request-ID", requestIDHeader, to: operation, in: &root)
            }
        }
    }

    /// Adds `header` as `name` to the responses of the operation at `operation` whose status passes `applies`.
    private static func addHeader(
        _ name: String, _ header: JSONValue, to operation: [String], in root: inout JSONValue,
        where applies: (String) -> Bool = { _ in true }
    ) {
        let statuses = root.member(operation)?.member("responses")?.objectValue?.keys ?? []
        for status in statuses where applies(status) {
            root.edit(operation + ["responses", status, "headers"]) { $0.set(name, header) }
        }
    }

    // MARK: Async jobs

    private static let asyncDescription =
        "Async jobs: a valid single request for a model whose capabilities say `supports_async` is answered `202` with a job to poll at `Location` (`GET /generate/jobs/{id}`); a batch, and a request for any other model, is answered synchronously."

    private static let submittedDescription =
        "Accepted as an async job (the model's capabilities say `supports_async`): poll `Location` after `Retry-After` seconds. Validation has already passed."

    /// `GET` and `DELETE /generate/jobs/{id}`; the poll's `200` is the synchronous answer, in the
    /// format negotiated at submission. `extensions` holds the retention the job store keeps.
    static func jobPathItem(_ extensions: ProtocolExtensions) -> JSONValue {
        var finished: JSONObject = ["model/gltf+json": ["schema": ref("GltfDocument")]]
        if extensions.binaryGLTF { finished["model/gltf-binary"] = binaryContent }
        let retention = extensions.jobRetention.components.seconds
        var poll: JSONObject = [
            "200": [
                "description":
                    "The job finished: the glTF a synchronous request would have got, byte for byte, in the format negotiated when it was submitted. The same bytes on every poll until it expires.",
                "content": .object(finished),
            ],
            "202": accepted("The job is queued or running: its ticket again; poll after `Retry-After` seconds.", links: false),
            "404": notFound(
                "No such job: the id is unknown, expired (finished jobs are kept \(retention) s) or deleted, or the server restarted."),
        ]
        for (status, _) in errorStatuses {
            poll.insertResponse(
                String(status), errorResponse(status, "the job failed; its stored answer is the one a synchronous request would have got."))
        }
        return [
            "parameters": [
                [
                    "name": "id", "in": "path", "required": true, "description": "The `job_id` of the `202`.",
                    "schema": ["type": "string"],
                ]
            ],
            "get": [
                "summary": "Poll an async job",
                "description":
                    "`202` while the job is queued or running, then its stored answer, the same on every read; reading does not remove it.",
                "operationId": "get_job_generate_jobs__id__get",
                "responses": .object(poll),
            ],
            "delete": [
                "summary": "Cancel and remove an async job",
                "description": "Removes the job and cancels its model call if it still runs.",
                "operationId": "delete_job_generate_jobs__id__delete",
                "responses": [
                    "204": ["description": "The job is gone."],
                    "404": notFound("No such job: the id is unknown, expired or already deleted."),
                ],
            ],
        ]
    }

    /// A `202` carrying the job's ticket, `Location` and `Retry-After`; with `links`, how to follow it.
    private static func accepted(_ description: String, links: Bool) -> JSONValue {
        var response: JSONObject = [
            "description": .string(description),
            "headers": ["Location": locationHeader, "Retry-After": pollRetryAfterHeader],
            "content": ["application/json": ["schema": ref("JobTicket")]],
        ]
        if links {
            let id: JSONValue = ["id": "$response.body#/job_id"]
            response["links"] = [
                "PollJob": ["operationId": "get_job_generate_jobs__id__get", "parameters": id],
                "DeleteJob": ["operationId": "delete_job_generate_jobs__id__delete", "parameters": id],
            ]
        }
        return .object(response)
    }

    /// The framework's `404 {"detail":"Not Found"}`.
    private static func notFound(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ref("Detail")]]]
    }

    private static let jobTicket = object(
        "An accepted async job.", required: ["job_id", "submitted_at"], closed: false,
        properties: [
            "job_id": ["type": "string", "pattern": "^[0-9a-f]{32}$", "description": "The job's id: 32 lowercase hex digits."],
            "submitted_at": [
                "type": "string", "format": "date-time", "description": "When the job was submitted, UTC to the second.",
            ],
        ])

    private static let detail = object(
        "An answer of the web framework rather than the protocol, e.g. an unknown job id.", required: ["detail"], closed: false,
        properties: ["detail": ["type": "string", "description": "What went wrong, e.g. `Not Found`."]])

    private static let locationHeader: JSONValue = [
        "required": true, "description": "Where to poll the job: a path from the MMCP root, `/generate/jobs/{id}`.",
        "schema": ["type": "string", "pattern": "^/generate/jobs/[0-9a-f]{32}$"],
    ]

    private static let pollRetryAfterHeader: JSONValue = [
        "required": true, "description": "Seconds to wait before polling.", "schema": ["type": "integer", "minimum": 0],
    ]

    // MARK: Binary glTF

    private static let binaryDescription =
        "Binary glTF: a single request whose `Accept` prefers `model/gltf-binary` over both JSON types (by q-value) is answered with a GLB (`model/gltf-binary`), the same document with the buffer in the binary chunk; errors and batches stay JSON. Every answer carries `Vary: Accept`."

    /// A GLB body. OpenAPI 3.1 describes binary content by its media type alone.
    private static let binaryContent: JSONValue = [:]

    private static let acceptParameter: JSONValue = [
        "name": "Accept", "in": "header", "required": false,
        "description":
            "`model/gltf-binary` (with a q-value above both JSON types') asks a single request for a GLB; anything else, or none, gets JSON. Never refused.",
        "schema": ["type": "string"],
    ]

    private static let varyHeader: JSONValue = [
        "required": true, "description": "The answer's format depends on the request's `Accept`.",
        "schema": ["type": "string", "const": "Accept"],
    ]

    // MARK: Idempotency-Key

    private static func idempotencyDescription(_ extensions: ProtocolExtensions) -> String {
        "Idempotency-Key: the same key with the same body replays the first answer (`200`, `202` or a final 4xx) without calling the model for \(extensions.idempotencyTimeToLive.components.seconds) s; the key with another body is `409`."
    }

    private static let idempotencyKeyParameter: JSONValue = [
        "name": "Idempotency-Key", "in": "header", "required": false,
        "description":
            "Makes the request safe to retry: scoped by the exact `Authorization` value; 1 to 255 visible ASCII characters, else `400`.",
        "schema": ["type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"],
    ]

    private static let conflict: JSONValue = [
        "description": "`invalid_request`: the `Idempotency-Key` was used before with a different body (`details.idempotency_key`).",
        "content": ["application/json": ["schema": ref("ErrorEnvelope")]],
    ]

    private static let idempotencyStatusHeader: JSONValue = [
        "description":
            "`declined`: the key store is full of requests still running, so this answer was not kept and a retry with the key runs again.",
        "schema": ["type": "string", "const": "declined"],
    ]

    // MARK: X-Request-ID and Retry-After

    private static let requestIDParameter: JSONValue = [
        "name": "X-Request-ID", "in": "header", "required": false,
        "description": "Echoed on the answer when it is 1 to 128 visible ASCII characters; otherwise replaced by a fresh id.",
        "schema": ["type": "string"],
    ]

    private static let requestIDHeader: JSONValue = [
        "required": true, "description": "The request's own id when it could be echoed, else a fresh lowercase UUIDv4.",
        "schema": ["type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[!-~]+$"],
    ]

    private static let retryAfterHeader: JSONValue = [
        "description":
            "Seconds to wait before retrying: on the server's own refusals (a model not ready or over its in-flight cap, a full job store) and, with `Retry-After` on, on a model's `429` and `503`.",
        "schema": ["type": "integer", "minimum": 0],
    ]
}

// Editing a document in place, by a path of object keys; missing members are created.
extension JSONValue {
    /// The member `key` of an object.
    fileprivate func member(_ key: String) -> JSONValue? { objectValue?[key] }

    /// The value at `path` (object keys) below this one.
    fileprivate func member(_ path: [String]) -> JSONValue? {
        path.reduce(self) { value, key in value?.member(key) }
    }

    /// Applies `change` to the value at `path`, creating missing members as `null` (which `set`
    /// and `append` turn into an object or an array).
    fileprivate mutating func edit(_ path: [String], _ change: (inout JSONValue) -> Void) {
        guard let key = path.first else { return change(&self) }
        var object = objectValue ?? JSONObject()
        var member = object[key] ?? .null
        member.edit(Array(path.dropFirst()), change)
        object[key] = member
        self = .object(object)
    }

    /// Sets the member `key` of an object (a `null` becomes one).
    fileprivate mutating func set(_ key: String, _ value: JSONValue) {
        var object = objectValue ?? JSONObject()
        object[key] = value
        self = .object(object)
    }

    /// Appends to an array (a `null` becomes one).
    fileprivate mutating func append(_ element: JSONValue) {
        self = .array((arrayValue ?? []) + [element])
    }

    /// Adds the response `status` to a `responses` object, keeping the statuses in order.
    fileprivate mutating func insertResponse(_ status: String, _ response: JSONValue) {
        var responses = objectValue ?? JSONObject()
        responses.insertResponse(status, response)
        self = .object(responses)
    }
}

extension JSONObject {
    /// Adds the response `status`, keeping the statuses (three digits each) in ascending order.
    fileprivate mutating func insertResponse(_ status: String, _ response: JSONValue) {
        self[status] = response
        self = JSONObject(entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }
}
