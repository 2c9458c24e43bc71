/// A string compared and hashed by its Unicode scalars, as the reference compares names. Swift's own
/// `==` treats canonically equivalent spellings (`"é"` and `"e\u{301}"`) as one string, which
/// would merge joint names the protocol keeps apart.
struct ExactName: Hashable {
    /// The name as sent.
    let text: String

    init(_ text: String) { self.text = text }

    static func == (lhs: ExactName, rhs: ExactName) -> Bool { lhs.text.isExactly(rhs.text) }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

extension String {
    /// Whether both strings have the same Unicode scalars (no normalisation).
    func isExactly(_ other: String) -> Bool {
        // Native strings know their UTF-8 length, so most different names part at the first test;
        // the bytes are then compared directly (two UTF8View iterators showed up in request
        // validation's profile).
        guard utf8.count == other.utf8.count else { return false }
        // Both contiguous (native) in practice; a bridged string takes the slow path. (Going
        // through `withUTF8` instead measured ~1 µs more per small request.)
        let compared = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b in
                for i in a.indices where a[i] != b[i] { return false }
                return true
            }
        }
        if let same = compared ?? nil { return same }
        return utf8.elementsEqual(other.utf8)
    }
}

extension Sequence<String> {
    /// The strings in code point order, as the reference sorts names (UTF-8 byte order is code
    /// point order).
    func sortedByCodePoint() -> [String] {
        sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Whether the sequence holds `name`, compared by Unicode scalars.
    func containsExactly(_ name: String) -> Bool { contains { $0.isExactly(name) } }
}
