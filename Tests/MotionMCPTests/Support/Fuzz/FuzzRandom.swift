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
