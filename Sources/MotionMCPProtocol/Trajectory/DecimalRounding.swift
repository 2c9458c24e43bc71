// Correct decimal rounding of doubles (docs/response.md §8.3).
//
// The trajectory's numbers go on the wire rounded to a fixed number of decimals, and they must
// equal what the reference gets from Python's `round(x, n)`: the exact binary value rounded to
// `n` decimals (ties to even), read back as the nearest double. `(x·10ⁿ).rounded() / 10ⁿ` is not
// that: the product `x·10ⁿ` is itself rounded, which moves values that sit near a half-unit.

/// Correct decimal rounding of a double (§8.3): round the exact binary value to `places`
/// decimals, ties to even, and read the decimal back as the nearest double. Equals Python's
/// `round(value, places)`. Signed zero survives (`-0.00001` → `-0.0`); non-finite values are
/// returned unchanged. `places` must be in `0...22`.
public func roundDecimal(_ value: Double, places: Int) -> Double {
    precondition((0...22).contains(places), "roundDecimal supports 0...22 decimal places")
    guard value.isFinite, value != 0 else { return value }
    let scale = exactPowersOfTen[places]
    let scaled = value * scale
    let magnitude = scaled.magnitude
    if magnitude < 0x1p52 {
        // `scaled` is within half an ulp of the exact product. Unless the product's fraction lies
        // within one ulp of one half, the exact product and `scaled` round to the same integer.
        // (`magnitude - floor` is exact by Sterbenz's lemma, and so is the subtraction of 0.5
        // whenever the fraction is at least 0.25, which is the only case that can come close.)
        let fraction = magnitude - magnitude.rounded(.down)
        if (fraction - 0.5).magnitude > magnitude.ulp {
            // An integer below 2⁵² and 10ⁿ (n ≤ 22) are both exact doubles, so one correctly
            // rounded division gives the double nearest to the decimal.
            return scaled.rounded(.toNearestOrEven) / scale
        }
    }
    return roundDecimalExactly(value, places: places)
}

/// 10⁰ … 10²²: every one of them is an exact double (5²² < 2⁵³).
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// The slow, exact path: works on the integer significand, so it decides ties correctly.
private func roundDecimalExactly(_ value: Double, places: Int) -> Double {
    let biased = Int(value.exponentBitPattern)
    let significand = UInt64(value.significandBitPattern) | (biased == 0 ? 0 : 1 << 52)
    let binaryExponent = (biased == 0 ? 1 : biased) - 1075 // value = ±significand · 2^binaryExponent
    // value·10ⁿ = significand · 5ⁿ · 2^(binaryExponent+n): an integer when that exponent is ≥ 0,
    // in which case the value already has at most n decimals.
    let shift = -(binaryExponent + places)
    if shift <= 0 { return value }
    var power = UInt128(1)
    for _ in 0..<places { power *= 5 }
    let numerator = UInt128(significand) * power // < 2⁵³ · 5²² < 2¹⁰⁵
    let rounded: UInt128
    if shift >= 107 {
        rounded = 0 // below a quarter of a unit: rounds to zero
    } else {
        let quotient = numerator >> shift
        let remainder = numerator - (quotient << shift)
        let half = UInt128(1) << (shift - 1)
        if remainder > half || (remainder == half && quotient & 1 == 1) {
            rounded = quotient + 1
        } else {
            rounded = quotient
        }
    }
    let magnitude: Double
    if rounded < 1 << 53 {
        magnitude = Double(rounded) / exactPowersOfTen[places]
    } else {
        // Beyond 2⁵³ the integer is not an exact double; the decimal text is read back instead,
        // which the standard library does with correct rounding.
        magnitude = Double("\(rounded)e-\(places)") ?? Double(rounded) / exactPowersOfTen[places]
    }
    return value < 0 ? -magnitude : magnitude
}
