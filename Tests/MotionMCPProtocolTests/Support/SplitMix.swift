/// SplitMix64: the test target's one seeded generator, so that a random test replays from its
/// seed alone. Its whole state is one word; the sequence a seed gives is fixed by the arithmetic
/// below, not by the toolchain (the standard library's `random(in:using:)` on top of it may not be).
struct SplitMix: RandomNumberGenerator {
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
}
