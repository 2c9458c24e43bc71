@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

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
