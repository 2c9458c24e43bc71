import Foundation

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
