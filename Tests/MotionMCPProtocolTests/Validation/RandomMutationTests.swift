import Testing

@testable import MotionMCPProtocol

/// Random mutations of valid requests: the validator must never trap, and must answer with either
/// a request or a protocol error of the §5.2 table, shaped as the protocol shapes it.
@Suite("Random mutations of valid requests")
struct RandomMutationTests {
    /// A model that takes every optional feature, so mutations reach every check.
    private let models = ValidationFixture.models {
        $0.supportedSegments = Segment.knownTypes
        $0.supportedConstraints = Constraint.knownTypes
        $0.supportsLoop = true
        $0.supportsKeyframeReduction = true
        $0.limits.maxReferenceFrames = 5
        $0.limits.maxVideoBytes = 6
        $0.limits.maxVideoSeconds = 10
        $0.modelOptions = [
            try! ModelOption(name: "bend", type: .number, minimum: 0, maximum: 1),
            try! ModelOption(name: "parts", type: .flags, values: ["arms", "legs"]),
        ]
    }

    private static let seeds: [JSONValue] = [
        ValidationFixture.base,
        ValidationFixture.base(
            segments:
                #"[{"type":"text","prompt":"walk","duration_frames":10,"language":"en","seed":4},{"type":"unconditioned","duration_frames":5},{"type":"pose","prompt":"stand"}]"#
        )
        .with("timing", #"{"fps":24}"#)
        .with(
            "options",
            #"{"diffusion_steps":50,"num_samples":2,"seed":7,"post_processing":false,"transition_frames":3,"guidance":{"type":"regular","weight":[2.5]},"loop":false,"keyframe_budget":0.01,"model_options":{"bend":0.5,"parts":["arms"]}}"#
        ),
        ValidationFixture.constraintsOnly(
            #"[{"type":"root_path","frames":[0,5],"positions_xz":[[0,0],[1,1]],"heading_radians":[0.1,0.2]},{"type":"effector_target","joint":"Head","frames":[3,2],"positions":[[0,1,0],[0,1,1]],"rotations":[[0,0,0,1],[0,0,0,1]]},{"type":"pose_keyframe","frame":4,"joint_rotations":{"Hips":[0,0,0,1]},"root_position":[0,1,0],"fill_mode":"rest"},{"type":"ground_height","points":[[0,0,0]]}]"#
        ),
        ValidationFixture.base(segments: "[" + ValidationFixture.clip(frames: 3, extra: #","skeleton":\#(ValidationFixture.skeletonText)"#) + "]"),
        ValidationFixture.base(
            segments: "[" + ValidationFixture.video(#"{"url":"https://x.com/a.mp4"}"#, extra: #","start_s":1,"end_s":5,"fps":30"#) + ","
                + ValidationFixture.video(#"{"data":"QUJD","media_type":"video/mp4"}"#, extra: #","end_s":3"#) + "]"),
    ]

    private static let pool: [JSONValue] = [
        0, 1, -1, 2, 10, 10.0, 10.5, 1e20, -0.0, true, false, .null, "", " ", "x", "10", " 10 ", "1_0", "10.0", "inf", "nan",
        "true", "off", [], [:], [1, 2, 3], [0, 0, 0, 1], ["a": 1], "walk", "Hips", "text", "pose", "root_path", "ground_height",
        "1.4", "2.0", "https://x.com/a", "http://x.com/a", "QUJD", "video/mp4", .double(.nan), .double(.infinity),
        .bigInt("1267650600228229401496703205376"), ["type": "text"], ["type": "audio"], "\u{e9}", "e\u{301}",
    ]

    private static let keys = ["type", "foo", "prompt", "duration_frames", "seed", "frames", "fps", "joints", "url", "data", "skeleton"]

    @Test("no mutation traps, and every refusal is a protocol error of the table", arguments: 0..<8)
    func mutationsAreAnswered(_ round: Int) {
        var random = SplitMix(seed: UInt64(round) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        for _ in 0..<400 {
            var body = Self.seeds[Int(random.next() % UInt64(Self.seeds.count))]
            for _ in 0..<(1 + Int(random.next() % 4)) { body = mutate(body, &random) }
            switch runValidator(body, models) {
            case .success(let validated):
                #expect(validated.request.totalFrames > 0)
                #expect(validated.modelKey == "null")
            case .failure(let error):
                #expect(ErrorCode.all.contains(error.code))
                #expect(error.status == error.code.status)
                if error.code == .schemaValidation || error.code == .invalidSkeleton {
                    let entries = error.details["errors"]?.arrayValue ?? []
                    #expect(!entries.isEmpty)
                    #expect(entries.allSatisfy { $0.objectValue?["loc"]?.arrayValue != nil && $0.objectValue?["msg"]?.stringValue != nil })
                }
                #expect(JSONValue.object(error.details).isFinite)
            }
        }
    }

    /// Replaces, deletes, extends or shrinks one random node.
    private func mutate(_ value: JSONValue, _ random: inout SplitMix) -> JSONValue {
        let choice = random.next() % 10
        switch value {
        case .object(var object) where !object.isEmpty && choice < 8:
            let entry = object.entries[Int(random.next() % UInt64(object.count))]
            if choice == 0 {
                object[entry.key] = nil
            } else if choice == 1 {
                object[Self.keys[Int(random.next() % UInt64(Self.keys.count))]] = pick(&random)
            } else {
                object[entry.key] = mutate(entry.value, &random)
            }
            return .object(object)
        case .array(var items) where !items.isEmpty && choice < 8:
            let index = Int(random.next() % UInt64(items.count))
            if choice == 0 {
                items.remove(at: index)
            } else if choice == 1 {
                items.append(items[index])
            } else {
                items[index] = mutate(items[index], &random)
            }
            return .array(items)
        default:
            return pick(&random)
        }
    }

    private func pick(_ random: inout SplitMix) -> JSONValue {
        Self.pool[Int(random.next() % UInt64(Self.pool.count))]
    }
}
