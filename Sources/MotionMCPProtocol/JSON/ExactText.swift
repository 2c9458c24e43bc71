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
        // the byte comparison then runs over contiguous storage instead of two UTF8View iterators
        // (which showed up in request validation's profile).
        guard utf8.count == other.utf8.count else { return false }
        let contiguous = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs in
                for i in 0..<mine.count where mine[i] != theirs[i] { return false }
                return true
            }
        }
        return (contiguous ?? nil) ?? utf8.elementsEqual(other.utf8)
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
