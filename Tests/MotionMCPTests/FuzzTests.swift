import Foundation
import Logging
import Testing

@testable import MotionMCP

// A deterministic fuzz test of POST /generate (docs/fuzzing.md): valid requests, single and batched,
// mutated at the JSON-value level and at the byte level, each answer checked against the protocol's
// contract. Every case is derived from one 64-bit seed, so a failure is reproduced by its case number.

// MARK: - Randomness

/// SplitMix64: a tiny, fast generator whose whole state is one word, so a case is replayed from its
/// seed alone. The helpers are written out (not the standard library's `random(in:using:)`) so the
/// sequence a seed gives cannot change with the toolchain.
struct FuzzRandom {
    private var state: UInt64

    /// A generator starting at `seed`.
    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// A number in `0..<bound` (`bound` > 0); the modulo bias is irrelevant for fuzzing.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// A number in `low...high`.
    mutating func between(_ low: Int, _ high: Int) -> Int { low + below(high - low + 1) }

    /// True with the given probability, in percent.
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    /// One of `items` (not empty).
    mutating func pick<Element>(_ items: [Element]) -> Element { items[below(items.count)] }

    /// `items` in a random order (Fisher–Yates).
    mutating func shuffle<Element>(_ items: inout [Element]) {
        for index in stride(from: items.count - 1, to: 0, by: -1) { items.swapAt(index, below(index + 1)) }
    }

    /// A double in `low...high` with three decimals, so the text written stays short.
    mutating func decimal(_ low: Double, _ high: Double) -> Double {
        let unit = Double(next() >> 11) / Double(UInt64(1) << 53)
        return ((low + unit * (high - low)) * 1000).rounded() / 1000
    }
}

// MARK: - Documents that need not be JSON

/// A request document as the fuzzer writes it. Unlike ``JSONValue`` it can repeat a key, and it
/// can hold bytes that are not JSON at all (`NaN` tokens, invalid UTF-8, lone surrogate escapes,
/// nesting thousands deep written flat), so a mutation can break exactly one spot of a valid body.
indirect enum FuzzNode {
    /// Bytes written as they are: numbers, literals, non-standard tokens, broken text.
    case raw([UInt8])
    /// A string, written with JSON escaping.
    case string(String)
    /// Elements in order.
    case array([FuzzNode])
    /// Members in order; the same key may appear twice.
    case object([(key: String, value: FuzzNode)])

    /// The node for a well-formed value.
    init(_ value: JSONValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .array(let elements): self = .array(elements.map(FuzzNode.init))
        case .object(let object): self = .object(object.entries.map { ($0.key, FuzzNode($0.value)) })
        default: self = .raw(value.serialized)
        }
    }

    /// A token written as it is (`"NaN"`, `"1e400"`, `"-0.0"`).
    static func token(_ text: String) -> FuzzNode { .raw(Array(text.utf8)) }

    /// The text, compact or with a line break before each member. Recursion is bounded by the
    /// corpus' depth plus a few wrappings: deep nesting is always `raw`.
    func write(into bytes: inout [UInt8], pretty: Bool = false) {
        let gap: [UInt8] = pretty ? Array("\n  ".utf8) : []
        switch self {
        case .raw(let text):
            bytes += text
        case .string(let text):
            var writer = JSONWriter()
            writer.string(text)
            bytes += writer.bytes
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes += gap
                element.write(into: &bytes, pretty: pretty)
            }
            bytes += gap
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (position, member) in members.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes += gap
                FuzzNode.string(member.key).write(into: &bytes)
                bytes += pretty ? Array(" : ".utf8) : [UInt8(ascii: ":")]
                member.value.write(into: &bytes, pretty: pretty)
            }
            bytes += gap
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// The compact text as bytes.
    var bytes: [UInt8] {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return bytes
    }

    /// Every position in the tree, as child indices from the root (the root is `[]`).
    var paths: [[Int]] {
        var found: [[Int]] = [[]]
        func walk(_ node: FuzzNode, _ prefix: [Int]) {
            switch node {
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    found.append(prefix + [index])
                    walk(element, prefix + [index])
                }
            case .object(let members):
                for (index, member) in members.enumerated() {
                    found.append(prefix + [index])
                    walk(member.value, prefix + [index])
                }
            default:
                break
            }
        }
        walk(self, [])
        return found
    }

    /// The number of elements or members (0 for a scalar).
    var childCount: Int {
        switch self {
        case .array(let elements): elements.count
        case .object(let members): members.count
        default: 0
        }
    }

    /// The node at `path`.
    func node(at path: ArraySlice<Int>) -> FuzzNode {
        guard let step = path.first else { return self }
        switch self {
        case .array(let elements): return elements[step].node(at: path.dropFirst())
        case .object(let members): return members[step].value.node(at: path.dropFirst())
        default: return self
        }
    }

    /// This tree with the node at `path` replaced.
    func replacing(at path: ArraySlice<Int>, with replacement: FuzzNode) -> FuzzNode {
        guard let step = path.first else { return replacement }
        switch self {
        case .array(var elements):
            elements[step] = elements[step].replacing(at: path.dropFirst(), with: replacement)
            return .array(elements)
        case .object(var members):
            members[step].value = members[step].value.replacing(at: path.dropFirst(), with: replacement)
            return .object(members)
        default:
            return self
        }
    }

    /// `path` with object steps shown by key (`segments/0/duration_frames`), for failure reports.
    func describe(_ path: ArraySlice<Int>) -> String {
        guard let step = path.first else { return "" }
        switch self {
        case .array(let elements):
            let rest = elements[step].describe(path.dropFirst())
            return "\(step)" + (rest.isEmpty ? "" : "/" + rest)
        case .object(let members):
            let rest = members[step].value.describe(path.dropFirst())
            return members[step].key + (rest.isEmpty ? "" : "/" + rest)
        default:
            return ""
        }
    }

    /// The member named `key`, when this is an object that has it.
    subscript(key: String) -> FuzzNode? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    /// The object without the member `key` (other nodes unchanged).
    func removing(_ key: String) -> FuzzNode {
        guard case .object(let members) = self else { return self }
        return .object(members.filter { $0.key != key })
    }

    /// The same document with every object's members in a shuffled order.
    func shufflingKeys(_ random: inout FuzzRandom) -> FuzzNode {
        switch self {
        case .array(let elements):
            return .array(elements.map { $0.shufflingKeys(&random) })
        case .object(var members):
            random.shuffle(&members)
            return .object(members.map { ($0.key, $0.value.shufflingKeys(&random)) })
        default:
            return self
        }
    }
}

// MARK: - Valid requests

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
        // between the two caps passes the server's cap but not `null`'s (PROTOCOL.md §4.10).
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

/// Builds valid requests at random: every segment type, every constraint type, options with
/// guidance and model options, timing. Frame counts stay small so a case costs milliseconds.
struct RequestFactory {
    /// The corpus' generator.
    var random: FuzzRandom

    /// Joint names for skeletons of the `full` model; some are not ASCII on purpose.
    static let jointNames = [
        "Hips", "Spine", "Chest", "Neck", "Head", "LeftArm", "RightArm", "LeftLeg", "RightLeg", "LeftFoot",
        "RightFoot", "Tail", "Über", "関節", "😀", " padded ", "a\tb",
    ]
    /// Prompts, including a lone space, a newline and a combining accent (all valid).
    static let prompts = ["walk", "a person runs in a circle", "dance ☃", " ", "jump\nthen land", "😀😀😀", "e\u{301}"]
    /// Frame rates for `timing` and clips; at 12.5 fps the longest corpus timeline is still under 30 s.
    static let fpsChoices: [Double] = [24, 30, 60, 29.97, 12.5]

    /// A valid single request for `model` (`null` or `full`).
    mutating func request(model: String) -> JSONValue {
        let full = model == "full"
        let skeleton = full && random.chance(60) ? randomSkeleton() : canonicalSkeleton()
        let names = jointNames(of: skeleton)
        let segmentTypes = full
            ? ["text", "unconditioned", "pose", "motion_reference", "video_reference"] : ["text", "unconditioned"]
        let segmentCount = random.below(4)
        var segments: [JSONValue] = []
        for _ in 0..<segmentCount {
            segments.append(segment(random.pick(segmentTypes), requestJoints: names))
        }
        let totalFrames = segments.isEmpty
            ? random.between(1, 60)
            : segments.reduce(0) { total, segment in
                total + (segment.objectValue?["type"] == "pose" ? 1 : Int(segment.intField("duration_frames")))
            }
        let constraintTypes = ["root_path", "effector_target", "pose_keyframe"] + (full ? ["ground_height"] : [])
        var constraints: [JSONValue] = []
        for _ in 0..<(segments.isEmpty ? random.between(1, 3) : random.below(3)) {
            constraints.append(constraint(random.pick(constraintTypes), joints: names, totalFrames: totalFrames))
        }
        var request: [(String, JSONValue)] = [
            ("protocol_version", .string(random.pick(["1.4", "1.0", "1.3", "01.4"]))),
            ("model", .string(model)),
            ("skeleton", skeleton),
        ]
        if !segments.isEmpty || random.chance(30) { request.append(("segments", .array(segments))) }
        if !constraints.isEmpty || random.chance(30) { request.append(("constraints", .array(constraints))) }
        if segments.isEmpty { request.append(("duration_frames", .integer(totalFrames))) }
        if random.chance(30) { request.append(("timing", ["fps": .double(random.pick(Self.fpsChoices))])) }
        if random.chance(60) { request.append(("options", options(full: full, segmentCount: segments.count))) }
        if random.chance(20) { random.shuffle(&request) }
        return .object(JSONObject(request))
    }

    /// The NullBackbone's own 5-joint skeleton, with its optional fields sometimes spelled out.
    mutating func canonicalSkeleton() -> JSONValue {
        let parents: [String?] = [nil, "Hips", "Spine", "Hips", "Hips"]
        let joints = zip(["Hips", "Spine", "Head", "LeftFoot", "RightFoot"], parents).map { name, parent in
            joint(name: name, parent: parent)
        }
        return skeletonObject(joints)
    }

    /// A tree of 1–8 distinct joints, each parented to an earlier one.
    mutating func randomSkeleton() -> JSONValue {
        var pool = Self.jointNames
        random.shuffle(&pool)
        let names = Array(pool.prefix(random.between(1, 8)))
        let joints = names.enumerated().map { index, name in
            joint(name: name, parent: index == 0 ? nil : names[random.below(index)])
        }
        return skeletonObject(joints)
    }

    /// A skeleton of these joints, sometimes with its two literal fields spelled out.
    private mutating func skeletonObject(_ joints: [JSONValue]) -> JSONValue {
        var members: [(String, JSONValue)] = [("joints", .array(joints))]
        if random.chance(30) { members.append(("coordinate_system", "right_handed_y_up")) }
        if random.chance(30) { members.append(("units", "meters")) }
        return .object(JSONObject(members))
    }

    /// A joint; the root's `parent` is sometimes an explicit `null`.
    private mutating func joint(name: String, parent: String?) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(name)),
            ("rest_translation", vector(3)),
            ("rest_rotation", random.chance(70) ? [0, 0, 0, 1] : vector(4)),
        ]
        if let parent { members.append(("parent", .string(parent))) } else if random.chance(50) {
            members.append(("parent", .null))
        }
        if random.chance(20) { members.append(("display_name", random.chance(50) ? .null : .string("joint \(name)"))) }
        return .object(JSONObject(members))
    }

    /// The names of a skeleton's joints, in order.
    func jointNames(of skeleton: JSONValue) -> [String] {
        (skeleton.objectValue?["joints"]?.arrayValue ?? []).compactMap { $0.objectValue?["name"]?.stringValue }
    }

    /// `count` small numbers, integers and floats mixed (both are valid for float fields).
    mutating func vector(_ count: Int) -> JSONValue {
        .array((0..<count).map { _ in random.chance(20) ? .integer(random.between(-2, 2)) : .double(random.decimal(-2, 2)) })
    }

    /// Sometimes a per-segment `seed`: any 64-bit integer, or `null`.
    private mutating func seedMember(_ members: inout [(String, JSONValue)]) {
        guard random.chance(30) else { return }
        members.append(("seed", random.chance(20) ? .null : .int(Int64(bitPattern: random.next()))))
    }

    /// Sometimes a `language` (free text, so the empty string is valid), or `null`.
    private mutating func language(_ members: inout [(String, JSONValue)]) {
        guard random.chance(30) else { return }
        members.append(("language", random.chance(20) ? .null : .string(random.pick(["en", "fr-CA", "ja", ""]))))
    }

    /// A valid segment of `type` for a request whose skeleton has `requestJoints`.
    mutating func segment(_ type: String, requestJoints: [String]) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", .string(type))]
        let duration = JSONValue.integer(random.between(1, 30))
        switch type {
        case "text":
            members += [("prompt", .string(random.pick(Self.prompts))), ("duration_frames", duration)]
            language(&members)
            seedMember(&members)
        case "unconditioned":
            members.append(("duration_frames", duration))
            seedMember(&members)
        case "pose":
            members.append(("prompt", .string(random.pick(Self.prompts))))
            language(&members)
        case "motion_reference":
            members.append(("duration_frames", duration))
            var clipJoints = requestJoints
            if random.chance(40) {
                let own = randomSkeleton()
                members.append(("skeleton", own))
                clipJoints = jointNames(of: own)
            }
            // The clip must animate its skeleton's root (the first joint); the others are optional.
            let animated = [clipJoints[0]] + clipJoints.dropFirst().filter { _ in random.chance(60) }
            let frames = random.between(2, 6)
            members += [
                ("joint_names", .strings(animated)),
                ("rotations", .array((0..<frames).map { _ in .array(animated.map { _ in vector(4) }) })),
                ("root_positions", .array((0..<frames).map { _ in vector(3) })),
                ("fps", .double(random.pick(Self.fpsChoices))),
            ]
            seedMember(&members)
        default:  // video_reference
            members += [("duration_frames", duration), ("video", videoSource())]
            if random.chance(50) {
                let start = random.decimal(0, 5)
                if random.chance(50) { members.append(("start_s", .double(start))) }
                members.append(("end_s", .double(start + random.decimal(0.5, 10))))
            }
            if random.chance(30) { members.append(("fps", .double(random.pick(Self.fpsChoices)))) }
            seedMember(&members)
        }
        return .object(JSONObject(members))
    }

    /// A video by URL (hosts the URL rule accepts, IP literals and IDN included) or inline base64.
    private mutating func videoSource() -> JSONValue {
        if random.chance(50) {
            let host = random.pick(["example.com", "HTTPS://X.COM", "203.0.113.7:8443", "[2001:db8::1]", "bücher.example"])
            let url = host.hasPrefix("HTTPS") ? host + "/clip.mp4" : "https://\(host)/clips/\(random.below(1000)).mp4"
            return ["url": .string(url)]
        }
        let data = Data((0..<random.between(1, 60)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        return [
            "data": .string(data.base64EncodedString()),
            "media_type": .string(random.pick(["video/mp4", "video/quicktime", "video/webm"])),
        ]
    }

    /// A valid constraint of `type` on a timeline of `totalFrames`, naming only `joints`.
    mutating func constraint(_ type: String, joints: [String], totalFrames: Int) -> JSONValue {
        var members: [(String, JSONValue)] = [("type", .string(type))]
        switch type {
        case "root_path":
            let frames = (0..<totalFrames).filter { _ in random.chance(30) }.prefix(8)
            let ascending = frames.isEmpty ? [random.below(totalFrames)] : Array(frames)
            members += [
                ("frames", .array(ascending.map { .integer($0) })),
                ("positions_xz", .array(ascending.map { _ in vector(2) })),
            ]
            if random.chance(40) { members.append(("heading_radians", .array(ascending.map { _ in .double(random.decimal(-3, 3)) }))) }
        case "effector_target":
            let frames = (0..<random.between(1, 4)).map { _ in random.below(totalFrames) }
            members += [
                ("joint", .string(random.pick(joints))),
                ("frames", .array(frames.map { .integer($0) })),
                ("positions", .array(frames.map { _ in vector(3) })),
            ]
            if random.chance(40) { members.append(("rotations", .array(frames.map { _ in vector(4) }))) }
        case "pose_keyframe":
            let keyed = joints.filter { _ in random.chance(40) }
            members += [
                ("frame", .integer(random.below(totalFrames))),
                ("joint_rotations", .object(JSONObject((keyed.isEmpty ? [joints[0]] : keyed).map { ($0, vector(4)) }))),
            ]
            if random.chance(40) { members.append(("root_position", random.chance(20) ? .null : vector(3))) }
            if random.chance(40) { members.append(("fill_mode", .string(random.pick(["rest", "generate"])))) }
        default:  // ground_height
            members.append(("points", .array((0..<random.between(1, 4)).map { _ in vector(3) })))
        }
        return .object(JSONObject(members))
    }

    /// Valid options; `loop`, `keyframe_budget` and model options only where the model takes them.
    mutating func options(full: Bool, segmentCount: Int) -> JSONValue {
        var members: [(String, JSONValue)] = []
        if random.chance(40) { members.append(("diffusion_steps", .integer(random.pick([1, 50, 100, 500])))) }
        if random.chance(40) { members.append(("num_samples", .integer(random.between(1, 3)))) }
        if random.chance(30) { members.append(("seed", random.chance(20) ? .null : .integer(random.between(0, 1 << 40)))) }
        if random.chance(30) { members.append(("post_processing", .bool(random.chance(50)))) }
        if random.chance(30) { members.append(("transition_frames", .integer(random.pick([0, 5, 60])))) }
        if random.chance(40) {
            let type = random.pick(["nocfg", "regular", "separated"])
            let count = ["nocfg": 0, "regular": 1, "separated": 2][type] ?? 0
            var guidance: [(String, JSONValue)] = [("type", .string(type))]
            if count > 0 || random.chance(50) {
                guidance.append(("weight", .array((0..<count).map { _ in .double(random.decimal(0, 10)) })))
            }
            members.append(("guidance", .object(JSONObject(guidance))))
        }
        if random.chance(20) { members.append(("loop", .bool(full && segmentCount == 1 && random.chance(70)))) }
        if full, random.chance(30) { members.append(("keyframe_budget", .double(random.decimal(0.01, 1)))) }
        if full, random.chance(50) {
            var dials: [(String, JSONValue)] = []
            if random.chance(50) { dials.append(("tempo", random.chance(30) ? 1 : .double(random.decimal(0.5, 2)))) }
            if random.chance(50) { dials.append(("steps", random.chance(30) ? 10.0 : .integer(random.between(1, 50)))) }
            if random.chance(50) { dials.append(("mirror", .bool(random.chance(50)))) }
            if random.chance(50) { dials.append(("style", .string(random.pick(["calm", "brisk"])))) }
            if random.chance(50) { dials.append(("extras", .strings(["a", "b", "c"].filter { _ in random.chance(50) }))) }
            members.append(("model_options", .object(JSONObject(dials))))
        } else if random.chance(10) {
            members.append(("model_options", random.chance(50) ? .null : [:]))
        }
        return .object(JSONObject(members))
    }
}

extension JSONValue {
    /// An integer member of an object the factory built itself.
    fileprivate func intField(_ key: String) -> Int64 {
        if case .int(let value)? = objectValue?[key] { return value }
        return 0
    }
}

// MARK: - Mutations

/// One fuzz case: the bytes sent and how they were made from a valid request.
struct FuzzCase {
    /// The body sent.
    var body: [UInt8]
    /// The mutations applied, in order (for the failure report).
    var steps: [String]
    /// Whether no mutation was applied, so the request must succeed.
    var isValid: Bool { steps.isEmpty }
}

/// Breaks valid documents: at the JSON-value level (types, bounds, keys, nesting, strings, splices
/// from other requests) and then, sometimes, at the byte level (truncation, flips, encodings).
struct Mutator {
    /// The case's generator.
    var random: FuzzRandom
    /// Valid requests to splice subtrees from, so discriminators and payloads of different types meet.
    let donors: [FuzzNode]

    /// Numbers at and beyond the bounds of every numeric field, and the lax and non-standard forms.
    static let numberTokens = [
        "0", "-1", "1", "2", "-0", "-0.0", "0.0", "1.0", "10.0", "1e1", "1E+1", "0.5", "-0.5", "2.5", "16", "17", "60",
        "61", "500", "501", "1e308", "-1e308", "1.7976931348623157e308", "1e309", "-1e400", "5e-324", "1e-400",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "1267650600228229401496703205376", "100000000000000000000000000000000000000000.0",
        "NaN", "Infinity", "-Infinity", "-NaN", "+1", ".5", "1.", "01", "0x10", "1e", "--1", "1_0",
    ]

    /// Strings that tempt the coercions and checks: numeric and boolean text, known names in the
    /// wrong place or case, whitespace, control characters, astral characters.
    static let stringTokens = [
        "", " ", "10", " 10 ", "1_0", "10.0", "1.5", "nan", "inf", "-inf", "true", "yes", "off", "0", "1.4", "2.0", "1",
        "1.4.1", "١.٤", "text", "TEXT", "text ", "pose", "motion_reference", "video_reference", "unconditioned",
        "root_path", "effector_target", "pose_keyframe", "ground_height", "nocfg", "separated", "rest", "null",
        "full", "Hips", "hips", "Spine", "right_handed_y_up", "meters", "video/mp4", "https://localhost/a.mp4",
        "http://example.com/a.mp4", "https://user@x.com/a", "https://x.com:0/a", "https://[abc/a", "QUJD", "AA==",
        "====", "QUJD\nREVG", "calm", "a", "\u{0}", "\u{7F}", "\u{2028}", "\u{FEFF}", "😀", "e\u{301}", "\u{10FFFF}",
    ]

    /// String contents written raw between quotes: bad escapes, lone surrogates, invalid UTF-8.
    static let brokenStrings: [[UInt8]] = [
        Array(#""\ud800""#.utf8), Array(#""\udc00x""#.utf8), Array(#""\ud83d\ude00""#.utf8),
        Array(#""\ud83dA""#.utf8), Array(#""\u00""#.utf8), Array(#""\x41""#.utf8), Array(#""\'""#.utf8),
        Array(#""\u0000""#.utf8), [0x22, 0xFF, 0x22], [0x22, 0xC0, 0x80, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0x41, 0x09, 0x22],
        [0x22, 0x80, 0x22], [0x22, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x22],
    ]

    /// About the largest body worth building: the `full` model's cap.
    static let bodySizeGoal = 4_194_304

    /// Member names to add: unknown ones, and known ones of other objects.
    static let strayKeys = [
        "unknown", "fidelity", "person", "requests", "protocol_version", "model", "seed", "fps", "prompt", "type",
        "duration_frames", "skeleton", "joints", "options", "model_options", "weight", "frames", "video", "data",
        "url", "media_type", "start_s", "end_s", "", "Type", "\u{0}", "😀",
    ]

    /// Applies value-level mutations to `document` (mostly one, so that most cases fail in one
    /// place and get past the checks before it), then, a quarter of the time, a byte-level one.
    mutating func mutate(_ document: FuzzNode) -> FuzzCase {
        var node = document
        var steps: [String] = []
        if random.chance(4) {
            let restructured = restructured(document, steps: &steps)
            return FuzzCase(body: restructured.bytes, steps: steps)
        }
        for _ in 0..<(random.chance(60) ? 1 : random.between(2, 3)) {
            let path = randomPath(in: node)[...]
            let (replacement, label) = mutation(of: node.node(at: path))
            steps.append("\(label) at /\(node.describe(path))")
            node = node.replacing(at: path, with: replacement)
        }
        var body = node.bytes
        if random.chance(25) { steps.append(mangle(&body)) }
        return FuzzCase(body: body, steps: steps)
    }

    /// A position to mutate: half the time any node alike (most are numbers in vectors), half the
    /// time a walk down from the root that stops at each level with even odds per member, so the
    /// top-level fields are hit as often as the thousands of numbers below them.
    mutating func randomPath(in node: FuzzNode) -> [Int] {
        if random.chance(50) { return random.pick(node.paths) }
        var path: [Int] = []
        var current = node
        while current.childCount > 0, path.isEmpty || !random.chance(30) {
            let step = random.below(current.childCount)
            path.append(step)
            current = current.node(at: [step])
        }
        return path
    }

    /// Valid-looking requests that ask for a lot: a skeleton of 129 or 1000 distinct joints (a chain
    /// or a star), or a timeline stretched by a huge frame rate. These pass the schema, so they test
    /// the semantic checks and what the backbone and the encoder are given.
    mutating func restructured(_ document: FuzzNode, steps: inout [String]) -> FuzzNode {
        guard case .object(var members) = document else { return document }
        func set(_ key: String, _ value: FuzzNode) {
            members.removeAll { $0.key == key }
            members.append((key, value))
        }
        if random.chance(50) {
            let count = random.pick([129, 1000])
            let chain = random.chance(50)
            let joints = (0..<count).map { index -> FuzzNode in
                var joint: [(key: String, value: FuzzNode)] = [
                    ("name", .string("j\(index)")), ("rest_translation", .token("[0,0.1,0]")),
                    ("rest_rotation", .token("[0,0,0,1]")),
                ]
                if index > 0 { joint.append(("parent", .string(chain ? "j\(index - 1)" : "j0"))) }
                return .object(joint)
            }
            set("skeleton", .object([("joints", .array(joints))]))
            steps.append("skeleton of \(count) joints in a \(chain ? "chain" : "star")")
        } else {
            let fps = random.pick(["1000", "1e6", "1e300", "1.7976931348623157e308"])
            let frames = random.pick(["3000", "3000000", "4611686018427387904", "9223372036854775807"])
            set("timing", .object([("fps", .token(fps))]))
            set("segments", .token(#"[{"type":"unconditioned","duration_frames":\#(frames)}]"#))
            members.removeAll { $0.key == "duration_frames" || $0.key == "constraints" }
            steps.append("timeline of \(frames) frames at \(fps) fps")
        }
        return .object(members)
    }

    /// A replacement for `node`, and what it was.
    mutating func mutation(of node: FuzzNode) -> (FuzzNode, String) {
        switch random.below(12) {
        case 0: return retyped(node)
        case 1, 2:
            if case .raw(let text) = node, let number = Double(String(decoding: text, as: UTF8.self)) {
                return nudged(number)
            }
            let token = random.pick(Self.numberTokens)
            return (.token(token), "number \(token)")
        case 3:
            let text = random.pick(Self.stringTokens)
            return (.string(text), "string \(text.debugDescription)")
        case 4:
            let raw = random.pick(Self.brokenStrings)
            return (.raw(raw), "broken string \(String(decoding: raw, as: UTF8.self).debugDescription)")
        case 5, 6: return reshaped(node)
        case 7: return (longValue(), "long value")
        case 8: return (deepNesting(), "deep nesting")
        case 9:
            let donor = random.pick(donors)
            let path = random.pick(donor.paths)[...]
            return (donor.node(at: path), "splice of /\(donor.describe(path))")
        case 10: return (random.chance(50) ? .array([node]) : .object([("value", node)]), "wrapped")
        default: return (.token("null"), "null")
        }
    }

    /// The same position holding a value of another JSON type.
    mutating func retyped(_ node: FuzzNode) -> (FuzzNode, String) {
        let choices: [(FuzzNode, String)] = [
            (.token("null"), "null"), (.token("true"), "true"), (.token("false"), "false"), (.token("0"), "0"),
            (.token("1.5"), "1.5"), (.string(""), "\"\""), (.string("x"), "\"x\""), (.array([]), "[]"),
            (.object([]), "{}"), (.array([node, node]), "[v, v]"), (.object([("k", node)]), "{k: v}"),
        ]
        let (replacement, label) = random.pick(choices)
        return (replacement, "type \(label)")
    }

    /// A number moved off its value: by one, by a factor, negated, made fractional or integral-float.
    mutating func nudged(_ number: Double) -> (FuzzNode, String) {
        let candidates = [
            number + 1, number - 1, -number, number * 1000, number * 1e300, number + 0.5, number / 3,
            number.rounded(.towardZero),
        ]
        let value = random.pick(candidates)
        let text = random.chance(30) && value.rounded() == value && abs(value) < 1e15 ? "\(Int64(value)).0" : "\(value)"
        // Swift writes infinities as "inf", which is not JSON: keep it as a non-standard token test.
        return (.token(text), "nudged to \(text)")
    }

    /// An object or array with a member or element removed, repeated, renamed, added, emptied or grown.
    mutating func reshaped(_ node: FuzzNode) -> (FuzzNode, String) {
        switch node {
        case .object(var members) where !members.isEmpty:
            let index = random.below(members.count)
            let key = members[index].key
            switch random.below(5) {
            case 0:
                members.remove(at: index)
                return (.object(members), "deleted \(key.debugDescription)")
            case 1:
                // A repeated key: the reference keeps the last value; put a wrong one first or last.
                let junk = retyped(members[index].value).0
                let duplicate = (key: key, value: junk)
                if random.chance(50) { members.insert(duplicate, at: index) } else { members.append(duplicate) }
                return (.object(members), "duplicated \(key.debugDescription)")
            case 2:
                let renamed = random.pick([key.uppercased(), key + "_", " " + key, key + "\u{0}", String(key.dropLast()), ""])
                members[index].key = renamed
                return (.object(members), "renamed \(key.debugDescription) to \(renamed.debugDescription)")
            case 3:
                let stray = random.pick(Self.strayKeys)
                members.insert((stray, retyped(.token("1")).0), at: random.below(members.count + 1))
                return (.object(members), "added \(stray.debugDescription)")
            default:
                return (.object([]), "emptied object")
            }
        case .array(var elements) where !elements.isEmpty:
            let index = random.below(elements.count)
            switch random.below(5) {
            case 0:
                elements.remove(at: index)
                return (.array(elements), "removed element \(index)")
            case 1:
                elements.insert(elements[index], at: index)
                return (.array(elements), "repeated element \(index)")
            case 2:
                elements.swapAt(index, random.below(elements.count))
                return (.array(elements), "swapped elements")
            case 3:
                // Bodies past the server's cap never reach the handler (the HTTP layer refuses them
                // while reading), so growth stops near it; writing them would only slow the run.
                let size = elements[index].bytes.count + 1
                let count = min(random.pick([17, 65, 100, 1001, 3000]), max(2, Self.bodySizeGoal / size))
                return (.array(Array(repeating: elements[index], count: count)), "grown to \(count) elements")
            default:
                return (.array([]), "emptied array")
            }
        default:
            return retyped(node)
        }
    }

    /// A long string, a long array, a string of astral characters, a number of thousands of digits
    /// (as a literal or as the lax numeric text), or (rarely, as it is slow to parse in a debug
    /// build) a string that makes the body larger than the NullBackbone's cap.
    mutating func longValue() -> FuzzNode {
        switch random.below(12) {
        case 0...2: return .string(String(repeating: "a", count: random.pick([129, 257, 1001, 5000, 70_000])))
        case 3...4: return .string(String(repeating: "😀", count: random.pick([1000, 1001, 4097])))
        case 5...6: return .array(Array(repeating: .token("0"), count: random.pick([1000, 20_000])))
        case 7...8:
            let digits = String(repeating: "9", count: random.pick([20, 400, 4300, 4301, 50_000]))
            return .token(random.pick([digits, "-" + digits, "0." + digits, digits + ".0", "1e" + digits, "1e-" + digits]))
        case 9...10:
            let digits = String(repeating: "1", count: random.pick([4300, 4301, 20_000]))
            return .string(random.pick([digits, " " + digits + " ", digits + ".000", "1_" + digits, digits + "e5"]))
        default: return .string(String(repeating: "x", count: 1_100_000))
        }
    }

    /// Arrays or objects nested around the parser's limit and far beyond it; closed or not.
    mutating func deepNesting() -> FuzzNode {
        let depth = random.pick([999, 1000, 1001, 5000, 50_000])
        let closed = random.chance(80)
        if random.chance(50) {
            return .raw(Array(repeating: UInt8(ascii: "["), count: depth) + (closed ? Array(repeating: UInt8(ascii: "]"), count: depth) : []))
        }
        let open = Array(#"{"a":"#.utf8)
        var bytes: [UInt8] = []
        for _ in 0..<depth { bytes += open }
        bytes += Array("1".utf8)
        if closed { bytes += Array(repeating: UInt8(ascii: "}"), count: depth) }
        return .raw(bytes)
    }

    /// A byte-level change to a whole body; returns what it did.
    mutating func mangle(_ body: inout [UInt8]) -> String {
        let position = body.isEmpty ? 0 : random.below(body.count)
        switch random.below(9) {
        case 0:
            body = Array(body.prefix(position))
            return "truncated at byte \(position)"
        case 1:
            let flips = random.between(1, 4)
            for _ in 0..<flips where !body.isEmpty { body[random.below(body.count)] ^= UInt8(1) << UInt8(random.below(8)) }
            return "\(flips) bit flips"
        case 2:
            let byte = random.pick([0x00, 0xFF, 0x80, 0xC3, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A] as [UInt8])
            if !body.isEmpty { body[position] = byte }
            return "byte \(position) set to \(byte)"
        case 3:
            body = [0xEF, 0xBB, 0xBF] + body
            return "UTF-8 BOM"
        case 4:
            let bom: [UInt8] = random.chance(50) ? [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] : [0xFE, 0xFF]
            body.insert(contentsOf: bom, at: random.chance(50) ? 0 : position)
            return "stray BOM bytes"
        case 5:
            let text = String(decoding: body, as: UTF8.self)
            body = random.chance(50) ? [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } : text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
            return "re-encoded as UTF-16"
        case 6:
            body += Array(random.pick([" x", "}", "]", ",", "\u{0}", " {}", "\n\n", "/* */"]).utf8)
            return "trailing data"
        case 7:
            let end = min(body.count, position + random.between(1, 64))
            body.removeSubrange(position..<end)
            return "deleted bytes \(position)..<\(end)"
        default:
            let end = min(body.count, position + random.between(1, 64))
            body.insert(contentsOf: body[position..<end], at: position)
            return "repeated bytes \(position)..<\(end)"
        }
    }
}

// MARK: - The contract every answer must keep

/// What the protocol promises about every answer to POST /generate, whatever was sent
/// (PROTOCOL.md §4.12, §5, §6.4). NullBackbone never fails, so an `internal_error` is our bug.
enum AnswerContract {
    /// The glTF document's top-level members, as GLTFEncoder writes them.
    static let gltfKeys: Set<String> = [
        "asset", "nodes", "scenes", "scene", "skins", "animations", "accessors", "bufferViews", "buffers",
        "extensionsUsed", "extensions",
    ]

    /// Every way `answer` to the body `sent` breaks the contract.
    static func violations(of answer: ProtocolResponse, sent: [UInt8]) -> [String] {
        if answer.status == 500 { return ["status 500: \(preview(answer.body))"] }
        guard let document = try? JSONSerialization.jsonObject(with: Data(answer.body)) else {
            return ["status \(answer.status) with a body that is not strict JSON: \(preview(answer.body))"]
        }
        if answer.status == 200, answer.contentType == ProtocolResponse.gltf {
            return gltfViolations(document)
        }
        guard answer.contentType == ProtocolResponse.json else { return ["content type \(answer.contentType)"] }
        if answer.status == 200 {
            return batchViolations(document, items: batchItemCount(sent))
        }
        guard let object = document as? [String: Any], object.count == 1, let error = object["error"] else {
            return ["status \(answer.status) without an error envelope: \(preview(answer.body))"]
        }
        return errorViolations(error, status: answer.status)
    }

    /// A glTF 2.0 document with the MMCP extension.
    static func gltfViolations(_ document: Any) -> [String] {
        guard let gltf = document as? [String: Any] else { return ["a glTF that is not an object"] }
        var problems: [String] = []
        if Set(gltf.keys) != gltfKeys { problems.append("glTF keys \(gltf.keys.sorted())") }
        if (gltf["asset"] as? [String: Any])?["version"] as? String != "2.0" { problems.append("glTF asset.version") }
        let motion = (gltf["extensions"] as? [String: Any])?["MMCP_motion"] as? [String: Any]
        if (motion?["samples"] as? [Any])?.isEmpty ?? true { problems.append("glTF without MMCP_motion samples") }
        return problems
    }

    /// `{"results": [...]}`, one `{"gltf"}` or `{"error"}` per item.
    static func batchViolations(_ document: Any, items: Int?) -> [String] {
        guard let object = document as? [String: Any], object.count == 1, let results = object["results"] as? [Any] else {
            return ["a 200 application/json answer that is not a batch result"]
        }
        var problems: [String] = []
        if let items, items != results.count { problems.append("\(results.count) results for \(items) items") }
        for (index, result) in results.enumerated() {
            guard let entry = result as? [String: Any], entry.count == 1 else {
                problems.append("result \(index) is not a one-member object")
                continue
            }
            if let gltf = entry["gltf"] {
                problems += gltfViolations(gltf).map { "result \(index): \($0)" }
            } else if let error = entry["error"] {
                problems += errorViolations(error, status: nil).map { "result \(index): \($0)" }
            } else {
                problems.append("result \(index) has neither gltf nor error")
            }
        }
        return problems
    }

    /// `{"code","message","details"}` with a code of the table, the code's status (when the
    /// status was sent), an object for details, and not `internal_error`.
    static func errorViolations(_ error: Any, status: Int?) -> [String] {
        guard let body = error as? [String: Any], Set(body.keys) == ["code", "message", "details"] else {
            return ["an error that is not {code, message, details}"]
        }
        guard let name = body["code"] as? String, let code = ErrorCode(rawValue: name) else {
            return ["error code \(String(describing: body["code"])) is not in the protocol's table"]
        }
        var problems: [String] = []
        if let status, status != code.status { problems.append("status \(status) for \(name) (\(code.status))") }
        if code == .internalError { problems.append("internal_error: \(body["message"] ?? "")") }
        if !(body["message"] is String) { problems.append("message is not a string") }
        if !(body["details"] is [String: Any]) { problems.append("details is not an object") }
        return problems
    }

    /// The number of items of a batch body, as the server parses it (only asked for a batch
    /// answer: parsing every body twice would double the run time).
    static func batchItemCount(_ body: [UInt8]) -> Int? {
        guard case .object(let object)? = try? JSONParser.parse(body), object.contains("requests"),
            case .array(let items)? = object["requests"]
        else { return nil }
        return items.count
    }

    /// The start of a body, readable.
    static func preview(_ bytes: [UInt8], limit: Int = 600) -> String {
        let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
        return bytes.count > limit ? text + "… (\(bytes.count) bytes)" : text
    }
}

// MARK: - The test

/// Runs fuzz cases against one server and keeps the tally.
struct FuzzRun {
    let handler: GenerateHandler
    /// How many answers had each status, for the summary line (0: validated but too large to generate in a debug build).
    var statuses: [Int: Int] = [:]
    /// How many bodies were over the server's cap, so not sent.
    var overCap = 0
    var slowest: (seconds: Double, label: String) = (0, "")

    /// A case slower than this is reported as a probable hang (debug build, shared 2-core machine).
    /// Sends one case, records every contract violation as an issue naming the case, and returns
    /// the answer; `nil` when the case was not sent because the server would admit a timeline it
    /// asks for more than ``frameBudget`` frames (valid, but slow to generate in a debug build).
    @discardableResult
    mutating func run(_ fuzzCase: FuzzCase, label: String) async -> ProtocolResponse? {
        // The HTTP layer answers 413 while reading a body over the cap (PROTOCOL.md §4.1): such a
        // body never reaches the handler, which is not built to parse tens of megabytes.
        if fuzzCase.body.count > handler.bodyCap {
            overCap += 1
            return nil
        }
        // A valid request may ask for up to the server's output limit (8 million rotations); such
        // a case is validated but not generated, to keep a debug-build run short.
        if admittedHugeTimeline(fuzzCase.body) != nil {
            statuses[0, default: 0] += 1
            return nil
        }
        let started = ContinuousClock.now
        let answer = await handler.handle(body: fuzzCase.body)
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        statuses[answer.status, default: 0] += 1
        if seconds > slowest.seconds { slowest = (seconds, label) }
        var problems = AnswerContract.violations(of: answer, sent: fuzzCase.body)
        if fuzzCase.isValid, answer.status != 200 {
            problems.append("a valid request was refused: \(AnswerContract.preview(answer.body))")
        }
        guard !problems.isEmpty else { return answer }
        Issue.record(
            """
            \(label) \(fuzzCase.steps): \(problems.joined(separator: "; "))
            body: \(AnswerContract.preview(fuzzCase.body, limit: 2000))
            """)
        return answer
    }

    /// The known bug ``FuzzTests/hugeTimeline(frames:fps:)`` reproduces.
    /// The most frames (summed over samples) a case may make the backbone produce; a request at
    /// the limits of the NullBackbone's spec makes 16 × 900.
    static let frameBudget = 100_000

    /// What the server would be asked to generate, when `body` holds a request that validation
    /// admits with more than ``frameBudget`` frames. Only requests with a `timing` are validated
    /// here (without one, the model's 30 fps and 30 s cap the timeline), and only bodies that spell
    /// `"timing"` are parsed: no mutation writes that key escaped, and parsing every body would
    /// cost a quarter of the run.
    func admittedHugeTimeline(_ body: [UInt8]) -> String? {
        guard body.firstRange(of: Array(#""timing""#.utf8)) != nil,
            case .object(let document)? = try? JSONParser.parse(body)
        else { return nil }
        var requests = [document]
        if document.contains("requests") {
            guard case .array(let items)? = document["requests"] else { return nil }
            requests = items.compactMap { item in
                guard var request = item.objectValue else { return nil }
                if request["protocol_version"] == nil { request["protocol_version"] = document["protocol_version"] }
                return request
            }
        }
        for request in requests where request.contains("timing") {
            guard let validated = try? RequestValidator.validate(.object(request), models: handler.directory) else { continue }
            let frames = validated.request.totalFrames.multipliedReportingOverflow(by: validated.request.numSamples)
            if frames.overflow || frames.partialValue > Self.frameBudget {
                return "\(validated.request.numSamples) × \(validated.request.totalFrames) frames"
            }
        }
        return nil
    }

    /// `0: 18, 200: 812, 400: 231, …` (status 0 counts the large valid cases not sent).
    var summary: String {
        statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            + "; \(overCap) over the body cap"
            + "; slowest \((slowest.seconds * 1000).rounded() / 1000) s (\(slowest.label))"
    }
}

/// Where a run starts and how long it is; the environment can change both to replay or go deeper.
struct FuzzSettings {
    /// Every case's seed derives from this one.
    var seed: UInt64 = 0x4D4D_4350_2014
    /// Scales every test's case count (`MMCP_FUZZ_SCALE=10` runs ten times as many).
    var scale = 1.0
    /// When set, only this case runs (`MMCP_FUZZ_CASE=123`), and its body is printed.
    var onlyCase: Int?

    /// The defaults, overridden by `MMCP_FUZZ_SEED`, `MMCP_FUZZ_SCALE` and `MMCP_FUZZ_CASE`.
    static func fromEnvironment() -> FuzzSettings {
        var settings = FuzzSettings()
        let environment = ProcessInfo.processInfo.environment
        if let text = environment["MMCP_FUZZ_SEED"] {
            settings.seed = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) ?? settings.seed : UInt64(text) ?? settings.seed
        }
        if let scale = environment["MMCP_FUZZ_SCALE"].flatMap(Double.init) { settings.scale = scale }
        settings.onlyCase = environment["MMCP_FUZZ_CASE"].flatMap { Int($0) }
        return settings
    }

    /// The case numbers a test of `count` cases runs.
    func cases(_ count: Int) -> [Int] {
        if let onlyCase { return [onlyCase] }
        return Array(0..<max(1, Int(Double(count) * scale)))
    }

    /// The generator of case `index` of the test `stream` (each test draws from its own stream);
    /// one round of mixing makes neighbouring cases' sequences unrelated.
    func random(stream: UInt64, index: Int) -> FuzzRandom {
        var mixer = FuzzRandom(seed: seed &+ stream &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
        return FuzzRandom(seed: mixer.next())
    }
}

@Suite("Fuzzing POST /generate with mutated requests")
struct FuzzTests {
    let settings = FuzzSettings.fromEnvironment()

    /// The valid requests every case starts from, half for each model.
    func corpus(size: Int = 96) -> [FuzzNode] {
        var factory = RequestFactory(random: settings.random(stream: 0, index: 0))
        return (0..<size).map { index in FuzzNode(factory.request(model: index % 2 == 0 ? "null" : "full")) }
    }

    /// A batch of 1–`limit` corpus requests; items sometimes leave their version to the batch.
    func batch(of corpus: [FuzzNode], random: inout FuzzRandom, limit: Int = 4) -> FuzzNode {
        let items = (0..<random.between(1, limit)).map { _ in
            let item = random.pick(corpus)
            return random.chance(40) ? item.removing("protocol_version") : item
        }
        var members: [(key: String, value: FuzzNode)] = [("protocol_version", .string("1.4")), ("requests", .array(items))]
        if random.chance(20) { members.append(("model", .string("ignored"))) }
        return .object(members)
    }

    /// Prints a replayed case's body, so it can be pasted into a reproducer.
    func show(_ fuzzCase: FuzzCase, index: Int) {
        guard settings.onlyCase != nil else { return }
        print("case \(index) \(fuzzCase.steps)\n\(String(decoding: fuzzCase.body, as: UTF8.self))")
    }

    // MARK: Reproducers of what the fuzzer found

    /// A NullBackbone request of one `unconditioned` segment of `frames` frames at `fps`.
    static func timelineBody(frames: Int64, fps: Double) -> [UInt8] {
        let skeleton = [("Hips", "null"), ("Spine", "\"Hips\""), ("Head", "\"Spine\""), ("LeftFoot", "\"Hips\""), ("RightFoot", "\"Hips\"")]
            .map { #"{"name":"\#($0.0)","parent":\#($0.1),"rest_translation":[0,0.5,0],"rest_rotation":[0,0,0,1]}"# }
            .joined(separator: ",")
        return Array(
            #"{"protocol_version":"1.4","model":"null","skeleton":{"joints":[\#(skeleton)]},"segments":[{"type":"unconditioned","duration_frames":\#(frames)}],"timing":{"fps":\#(fps)}}"#
                .utf8)
    }

    /// S14 only bounds frames ÷ fps, and nothing bounds `timing.fps`, so without the server's own
    /// output limit any number of frames would pass validation: at 2⁶² frames the buffer size
    /// B·T·J·4 overflowed `Int` and the trap killed the server (found by this fuzz test); at 3 million
    /// frames one request took 51 s and hundreds of MB. Both are now refused with invalid_options.
    @Test("a timeline past the server's output limit is refused, however high timing.fps makes the frame rate", arguments: zip([4_611_686_018_427_387_904, 3_000_000] as [Int64], [1e300, 1e6]))
    func hugeTimeline(frames: Int64, fps: Double) async throws {
        let server = try await FuzzModels.server()
        let handler = server.generateHandler
        let body = Self.timelineBody(frames: frames, fps: fps)
        let admitted = (try? RequestValidator.validate(try JSONParser.parse(body), models: handler.directory)) != nil
        #expect(!admitted, "\(frames) frames at \(fps) fps are admitted")
        if !admitted {
            let answer = await handler.handle(body: body)
            #expect(AnswerContract.violations(of: answer, sent: body).isEmpty)
        }
    }

    @Test("every request of the corpus is answered with a glTF, alone, in a batch, with a BOM, pretty-printed or reordered")
    func corpusIsValid() async throws {
        let server = try await FuzzModels.server()
        let handler = server.generateHandler
        var random = settings.random(stream: 1, index: 0)
        var run = FuzzRun(handler: handler)
        let corpus = corpus()
        for (index, request) in corpus.enumerated() {
            let sent = await run.run(FuzzCase(body: request.bytes, steps: []), label: "corpus \(index)")
            let compact = try #require(sent)
            // Encodings of the same request must get the same document, byte for byte.
            var pretty: [UInt8] = []
            request.write(into: &pretty, pretty: true)
            for variant in [[0xEF, 0xBB, 0xBF] + request.bytes, pretty, request.shufflingKeys(&random).bytes] {
                let answer = await handler.handle(body: variant)
                #expect(answer.body == compact.body, "corpus \(index): \(AnswerContract.preview(variant))")
            }
        }
        for start in stride(from: 0, to: corpus.count, by: 16) {
            let items = Array(corpus[start..<min(start + 16, corpus.count)])
            let body = FuzzNode.object([("protocol_version", .string("1.4")), ("requests", .array(items))])
            await run.run(FuzzCase(body: body.bytes, steps: []), label: "corpus batch \(start)")
        }
        print("fuzz corpus: \(corpus.count) requests; \(run.summary)")
    }

    @Test("thousands of mutated single requests are each answered with a glTF or a protocol error, never a 500")
    func mutatedSingleRequests() async throws {
        let server = try await FuzzModels.server()
        let corpus = corpus()
        var run = FuzzRun(handler: server.generateHandler)
        for index in settings.cases(3000) {
            var random = settings.random(stream: 2, index: index)
            let original = random.pick(corpus)
            var mutator = Mutator(random: random, donors: corpus)
            let fuzzCase = mutator.mutate(original)
            show(fuzzCase, index: index)
            await run.run(fuzzCase, label: "single case \(index)")
        }
        print("fuzz single requests: \(run.summary)")
    }

    @Test("mutated batches keep one result per item, each a glTF or a protocol error")
    func mutatedBatches() async throws {
        let server = try await FuzzModels.server()
        let corpus = corpus()
        var run = FuzzRun(handler: server.generateHandler)
        for index in settings.cases(800) {
            var random = settings.random(stream: 3, index: index)
            let batch = batch(of: corpus, random: &random)
            let insideItem = random.chance(70)
            let target = random.below(4)
            var mutator = Mutator(random: random, donors: corpus)
            let fuzzCase: FuzzCase
            if insideItem, case .array(let items)? = batch["requests"], target < items.count {
                // Mutate inside one item, so the batch envelope stays valid and the item count known.
                let mutated = mutator.mutate(items[target])
                var changed = items
                changed[target] = .raw(mutated.body)
                let body = FuzzNode.object([("protocol_version", .string("1.4")), ("requests", .array(changed))])
                fuzzCase = FuzzCase(body: body.bytes, steps: ["item \(target):"] + mutated.steps)
            } else {
                fuzzCase = mutator.mutate(batch)
            }
            show(fuzzCase, index: index)
            await run.run(fuzzCase, label: "batch case \(index)")
        }
        print("fuzz batches: \(run.summary)")
    }
}
