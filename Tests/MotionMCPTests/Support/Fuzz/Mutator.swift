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
            body =
                random.chance(50)
                ? [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
                : text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
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
