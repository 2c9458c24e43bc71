import Foundation

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

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
        let segmentTypes =
            full
            ? ["text", "unconditioned", "pose", "motion_reference", "video_reference"] : ["text", "unconditioned"]
        let segmentCount = random.below(4)
        var segments: [JSONValue] = []
        for _ in 0..<segmentCount {
            segments.append(segment(random.pick(segmentTypes), requestJoints: names))
        }
        let totalFrames =
            segments.isEmpty
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
        if let parent {
            members.append(("parent", .string(parent)))
        } else if random.chance(50) {
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
        default: // video_reference
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
        default: // ground_height
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
