import Testing

@testable import MotionMCPProtocol

/// Exact decimal arithmetic: Python's "%.2f" and int-versus-float comparisons.
@Suite("Exact decimals")
struct ExactDecimalTests {
    @Test(
        "two decimals round the exact binary value, ties to even",
        arguments: [
            (30.033333333333335, "30.03"), (30.005, "30.00"), (30.015, "30.02"), (0.125, "0.12"), (0.375, "0.38"), (2.5, "2.50"),
            (-1.005, "-1.00"), (-0.0, "-0.00"), (1e-300, "0.00"), (0.995, "0.99"), (1e22, "10000000000000000000000.00"),
            (
                1e300,
                "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375080447864043704443832883878176942523235360430575644792184786706982848387200926575803737830233794788090059368953234970799945081119038967640880074652742780142494579258788820056842838115669472196386865459400540160.00"
            ),
        ])
    func twoDecimals(_ value: Double, _ text: String) {
        #expect(ExactDecimal.fixedTwoDecimals(value) == text)
    }

    @Test(
        "integral doubles are written with all their digits",
        arguments: [
            (0.0, "0"), (9007199254740993.0, "9007199254740992"), (0x1p63, "9223372036854775808"), (0x1p64, "18446744073709551616"),
            (1e19, "10000000000000000000"),
        ])
    func integerDigits(_ value: Double, _ text: String) {
        #expect(ExactDecimal.integerDigits(ofIntegral: value) == text)
    }

    @Test(
        "JSON integers compare with doubles exactly",
        arguments: [
            ("9007199254740993", 9007199254740992.0, 1), ("9007199254740992", 9007199254740992.0, 0), ("2", 2.5, -1),
            ("-3", -2.5, -1), ("10000000000000000001", 1e19, 1), ("10000000000000000000", 1e19, 0), ("-10000000000000000001", -1e19, -1),
            ("99999999999999999999", 0.5, 1), ("-99999999999999999999", 0.5, -1), ("3.0", 3.0, 0), ("1", .infinity, -1),
            ("9223372036854775807", 0x1p63, -1), ("99999999999999999999", .infinity, -1), ("-5", -.infinity, 1), ("5", .nan, 0),
            ("99999999999999999999", .nan, 0),
        ])
    func comparisons(_ text: String, _ bound: Double, _ order: Int) {
        #expect(ExactDecimal.compare(ValidationFixture.json(text), with: bound).map { $0.signum() } == order)
    }
}
