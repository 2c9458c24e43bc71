/// Exact decimal arithmetic on doubles, for the two places where the reference relies on Python's
/// exact number handling: integers compared with float bounds, and `"%.2f"` in a message.
enum ExactDecimal {
    /// `value` with two decimals, rounded from its exact binary value, ties to even (Python's
    /// `format(value, ".2f")`, including its `inf` and `nan`).
    static func fixedTwoDecimals(_ value: Double) -> String {
        guard value.isFinite else { return PythonText.float(value) }
        let sign = value.sign == .minus ? "-" : ""
        let magnitude = value.magnitude
        if magnitude >= 0x1p63 { return sign + integerDigits(ofIntegral: magnitude) + ".00" }
        let (significand, exponent) = parts(of: magnitude)
        let hundredths: UInt128
        if exponent >= 0 {
            hundredths = UInt128(significand) << exponent * 100
        } else {
            let numerator = UInt128(significand) * 100 // < 2⁶⁰
            let shift = -exponent
            if shift >= 100 {
                hundredths = 0 // far below half a hundredth
            } else {
                let quotient = numerator >> shift
                let remainder = numerator - quotient << shift
                let half = UInt128(1) << (shift - 1)
                let roundsUp = remainder > half || (remainder == half && quotient & 1 == 1)
                hundredths = roundsUp ? quotient + 1 : quotient
            }
        }
        let fraction = hundredths % 100
        return sign + String(hundredths / 100) + "." + (fraction < 10 ? "0" : "") + String(fraction)
    }

    /// Compares a JSON number with a double exactly (as Python compares an int with a float):
    /// negative, zero or positive as `number` is below, equal to or above `bound`. `nil` when
    /// `number` is not a number.
    static func compare(_ number: JSONValue, with bound: Double) -> Int? {
        switch number {
        case .int(let integer): return bound.isFinite ? compare(integer, with: bound) : order(against: bound)
        case .double(let double): return double < bound ? -1 : (double > bound ? 1 : 0)
        case .bigInt(let text): return bound.isFinite ? compare(bigInteger: text, with: bound) : order(against: bound)
        default: return nil
        }
    }

    /// An integer against a non-finite bound: below +∞, above −∞, and (as in Python) neither
    /// below nor above NaN.
    private static func order(against bound: Double) -> Int {
        bound.isNaN ? 0 : (bound > 0 ? -1 : 1)
    }

    private static func compare(_ integer: Int64, with bound: Double) -> Int {
        if bound >= 0x1p63 { return -1 }
        if bound < -0x1p63 { return 1 }
        let floor = bound.rounded(.down) // within Int64 range now, and exact
        let whole = Int64(floor)
        if integer != whole { return integer < whole ? -1 : 1 }
        return bound == floor ? 0 : -1
    }

    /// `text` is an integer literal outside the Int64 range, so at least 2⁶³ in magnitude.
    private static func compare(bigInteger text: String, with bound: Double) -> Int {
        let negative = text.hasPrefix("-")
        let digits = text.drop { $0 == "-" || $0 == "+" || $0 == "0" }
        let sign = negative ? -1 : 1
        guard bound.magnitude >= 0x1p63, (bound < 0) == negative else { return sign }
        let boundDigits = integerDigits(ofIntegral: bound.magnitude)
        let magnitudeOrder: Int
        if digits.count != boundDigits.count {
            magnitudeOrder = digits.count < boundDigits.count ? -1 : 1
        } else if digits.utf8.elementsEqual(boundDigits.utf8) {
            magnitudeOrder = 0
        } else {
            magnitudeOrder = digits.utf8.lexicographicallyPrecedes(boundDigits.utf8) ? -1 : 1
        }
        return sign * magnitudeOrder
    }

    /// The decimal digits of an integral, non-negative, finite double.
    static func integerDigits(ofIntegral value: Double) -> String {
        if value < 0x1p63 { return String(UInt64(value)) }
        let (significand, exponent) = parts(of: value)
        // Base 10⁹ limbs, least significant first: the significand times 2^exponent.
        var limbs: [UInt64] = [
            significand % 1_000_000_000, significand / 1_000_000_000 % 1_000_000_000,
            significand / 1_000_000_000_000_000_000,
        ]
        var remaining = exponent
        while remaining > 0 {
            let step = min(remaining, 29)
            remaining -= step
            var carry: UInt64 = 0
            for index in limbs.indices {
                let product = limbs[index] << step + carry
                limbs[index] = product % 1_000_000_000
                carry = product / 1_000_000_000
            }
            while carry > 0 {
                limbs.append(carry % 1_000_000_000)
                carry /= 1_000_000_000
            }
        }
        while limbs.count > 1, limbs.last == 0 { limbs.removeLast() }
        var text = String(limbs.last ?? 0)
        for limb in limbs.dropLast().reversed() {
            let chunk = String(limb)
            text += String(repeating: "0", count: 9 - chunk.count) + chunk
        }
        return text
    }

    /// `value = significand · 2^exponent` for a finite non-negative double.
    private static func parts(of value: Double) -> (significand: UInt64, exponent: Int) {
        let biased = Int(value.exponentBitPattern)
        if biased == 0 { return (value.significandBitPattern, -1074) }
        return (value.significandBitPattern | 1 << 52, biased - 1075)
    }
}
