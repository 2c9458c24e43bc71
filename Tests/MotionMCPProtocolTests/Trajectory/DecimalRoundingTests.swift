import Foundation
import MotionMCPProtocol
import Testing

/// `roundDecimal` must equal Python's `round(x, n)` bit for bit (docs/response.md §8.3).
@Suite("Correct decimal rounding")
struct DecimalRoundingTests {
    private struct Cases: Decodable {
        /// `[value bits, places, Python round(value, places) bits]`, bits in hex.
        let cases: [[Case]]

        enum Case: Decodable {
            case bits(UInt64)
            case places(Int)

            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let places = try? c.decode(Int.self) {
                    self = .places(places)
                } else {
                    self = .bits(UInt64(try c.decode(String.self), radix: 16) ?? 0)
                }
            }
        }
    }

    @Test("a few thousand values agree with Python's round, ties and neighbours of ties included")
    func agreesWithPython() throws {
        let url = try #require(
            Bundle.module.url(
                forResource: "round-decimal", withExtension: "json",
                subdirectory: "Fixtures/trajectory"))
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url)).cases
        #expect(cases.count > 3000)
        for row in cases {
            guard case .bits(let value) = row[0], case .places(let places) = row[1], case .bits(let expected) = row[2]
            else {
                Issue.record("malformed case \(row)")
                continue
            }
            let got = roundDecimal(Double(bitPattern: value), places: places).bitPattern
            #expect(got == expected, "round(\(Double(bitPattern: value)), \(places)) = \(Double(bitPattern: expected))")
        }
    }

    @Test("exact binary ties go to the even decimal")
    func ties() {
        #expect(roundDecimal(0.03125, places: 4) == 0.0312)
        #expect(roundDecimal(0.09375, places: 4) == 0.0938)
        #expect(roundDecimal(2.5, places: 0) == 2.0)
        #expect(roundDecimal(-0.125, places: 2) == -0.12)
    }

    @Test("decimal ties that are not exact in binary round by their true value")
    func nearTies() {
        // 0.00015 is 1.49999…e-4 in binary, 2.675 is 2.67499…: both round down.
        #expect(roundDecimal(0.00015, places: 4) == 0.0001)
        #expect(roundDecimal(2.675, places: 2) == 2.67)
        #expect(roundDecimal(1.0005, places: 3) == 1.0)
    }

    @Test("signed zeros survive and non-finite values pass through")
    func zerosAndNonFinite() {
        #expect(roundDecimal(-0.0, places: 4).sign == .minus)
        #expect(roundDecimal(-0.00001, places: 4).bitPattern == (-0.0).bitPattern)
        #expect(roundDecimal(0.00001, places: 4).bitPattern == 0.0.bitPattern)
        #expect(roundDecimal(.infinity, places: 3) == .infinity)
        #expect(roundDecimal(-.infinity, places: 3) == -.infinity)
        #expect(roundDecimal(.nan, places: 3).isNaN)
    }
}
