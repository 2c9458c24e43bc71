import Foundation
import Testing

@testable import MotionMCPProtocol

@Suite("JSON parsing")
struct JSONParserTests {
    @Test("objects keep their key order and a repeated key keeps its first place and last value")
    func keyOrderAndDuplicates() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":2,"b":3}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a"])
        #expect(object["b"] == .int(3))
    }

    @Test("keys that are canonically equivalent but spelled differently stay two keys")
    func keysByScalars() throws {
        let object = try #require(try JSONParser.parse("{\"\u{e9}\":1,\"e\u{301}\":2}").objectValue)
        #expect(object.count == 2)
        #expect(object["e\u{301}"] == .int(2))
    }

    @Test("large arrays and objects are built in one pass, keeping order and the last duplicate")
    func largeContainers() throws {
        let numbers = (0..<200_000).map(String.init).joined(separator: ",")
        #expect(try JSONParser.parse("[\(numbers)]").arrayValue?.count == 200_000)
        let members = (0..<5_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let object = try #require(try JSONParser.parse("{\(members),\"k7\":-1}").objectValue)
        #expect(object.count == 5_000)
        #expect(object["k7"] == .int(-1))
        #expect(object.keys.prefix(3) == ["k0", "k1", "k2"])
    }

    @Test("integer literals, float literals and booleans stay apart")
    func numberKinds() throws {
        let value = try JSONParser.parse(#"[10, 10.0, 1e1, true, -0, -0.0, 123456789012345678901234567890]"#)
        #expect(
            value == .array([.int(10), .double(10), .double(10), .bool(true), .int(0), .double(-0.0), .bigInt("123456789012345678901234567890")]))
        if case .double(let negativeZero) = value.arrayValue?[5] { #expect(negativeZero.sign == .minus) }
    }

    @Test(
        "decimal literals read back as the nearest double",
        arguments: ["0.1", "0.95", "1.7976931348623157e308", "5e-324", "2.2250738585072014e-308", "123456789012345678.5", "0.30000000000000004"])
    func decimalConversion(literal: String) throws {
        #expect(try JSONParser.parse(literal) == .double(Double(literal)!))
    }

    @Test("NaN, Infinity and overflowing numbers are read as non-finite doubles for validation to refuse")
    func nonFiniteTokens() throws {
        let values = try #require(try JSONParser.parse("[NaN, Infinity, -Infinity, 1e400]").arrayValue)
        #expect(values[0].numberValue?.isNaN == true)
        #expect(values[1] == .double(.infinity))
        #expect(values[2] == .double(-.infinity))
        #expect(values[3] == .double(.infinity))
    }

    @Test("escapes, surrogate pairs and a byte-order mark are decoded")
    func strings() throws {
        #expect(try JSONParser.parse(#""a\n\u00e9\ud83d\ude00\/""#) == .string("a\n\u{e9}\u{1F600}/"))
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == .array([.int(1)]))
    }

    @Test(
        "malformed documents are refused with the reference's wording",
        arguments: [
            ("", "Expecting value: line 1 column 1 (char 0)"),
            ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
            ("[1] x", "Extra data: line 1 column 5 (char 4)"),
            ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
            ("{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)"),
            ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
            ("\"a\u{1}\"", "Invalid control character at: line 1 column 3 (char 2)"),
            ("01", "Extra data: line 1 column 2 (char 1)"),
        ])
    func malformed(text: String, reason: String) {
        #expect(throws: JSONParseError(kind: "JSONDecodeError", reason: reason)) { try JSONParser.parse(text) }
    }

    @Test("invalid UTF-8 is refused as a decoding error")
    func invalidUTF8() {
        #expect(throws: JSONParseError(kind: "UnicodeDecodeError", reason: "'utf-8' codec can't decode byte 0xff in position 1: invalid start byte"))
        {
            try JSONParser.parse([UInt8(ascii: "\""), 0xFF, UInt8(ascii: "\"")])
        }
    }

    @Test("nesting far beyond the limit is refused without exhausting the stack")
    func deepNesting() throws {
        let deep = String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let allowed = String(repeating: "[", count: 900) + String(repeating: "]", count: 900)
        #expect(try JSONParser.parse(allowed).arrayValue != nil)
    }
}

@Suite("JSON writing")
struct JSONWriterTests {
    @Test(
        "floats are written in the reference's shortest form",
        arguments: [
            (30.0, "30.0"), (0.95, "0.95"), (-0.1, "-0.1"), (0.0001, "0.0001"), (0.00004, "4e-05"),
            (1.5e-7, "1.5e-07"), (1e16, "1e+16"), (1e15, "1000000000000000.0"), (9999999999999998.0, "9999999999999998.0"),
            (9272338175043790.0, "9272338175043790.0"), (-0.0, "-0.0"), (0.06666667014360428, "0.06666667014360428"),
        ])
    func floats(value: Double, text: String) {
        var writer = JSONWriter()
        writer.double(value)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == text)
    }

    @Test("the short-decimal path writes exactly what the shortest-digits path writes, or leaves the value to it")
    func shortDecimals() {
        var random = SplitMix(seed: 20_261_125)
        var values: [Double] = [
            0, -0.0, 1e-4, -1e-4, 0.00009999999999999999, 0.0001000001, 999_999_999.999999, 999_999_999.9999999, 1e9,
            0.1 + 0.2, 1 / 3, 123_456.123456, .leastNonzeroMagnitude, 0x1p-1022, 0.95, -0.5, 2.5e-4, 100_000_000.1,
        ]
        for _ in 0..<20_000 {
            // Decimals of 0 to 8 places (the short path's own and its neighbours), in every range
            // it covers and just outside, and raw bit patterns.
            let places = Int.random(in: 0...8, using: &random)
            let exponent = Int.random(in: -6...10, using: &random)
            let mantissa = Double.random(in: -1...1, using: &random) * pow(10, Double(exponent))
            values.append(roundDecimal(mantissa, places: places))
            values.append(mantissa)
            let bits = Double(bitPattern: random.next())
            if bits.isFinite { values.append(bits) }
        }
        var short = 0
        for value in values {
            var fast = JSONWriter()
            var reference = JSONWriter()
            reference.writeShortestDigits(value)
            if fast.writeShortDecimal(value) {
                short += 1
                #expect(fast.bytes == reference.bytes, "\(value)")
            } else {
                #expect(fast.bytes.isEmpty)
            }
        }
        // Both paths are exercised.
        #expect(short > 2_000 && short < values.count)
    }

    @Test("strings escape only what the reference escapes")
    func strings() {
        var writer = JSONWriter()
        writer.string("a\"\\/\n\u{1}é😀\u{7F}")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "\"a\\\"\\\\/\\n\\u0001é😀\u{7F}\"")
        var ascii = JSONWriter(escapesNonASCII: true)
        ascii.string("é😀\u{7F}")
        #expect(String(decoding: ascii.bytes, as: UTF8.self) == #""\u00e9\ud83d\ude00\u007f""#)
    }

    @Test(
        "base64 is standard and padded",
        arguments: [([UInt8](), ""), ([0], "AA=="), ([0, 1], "AAE="), ([0, 1, 2], "AAEC"), (Array("hello!?".utf8), "aGVsbG8hPw==")])
    func base64(bytes: [UInt8], text: String) {
        var writer = JSONWriter()
        bytes.withUnsafeBytes { writer.base64($0) }
        #expect(String(decoding: writer.bytes, as: UTF8.self) == text)
    }

    @Test("a document written and parsed again is unchanged")
    func roundTrip() throws {
        let text = #"{"a":[1,2.5,-0.0,"x",null,true,{"b":{}}],"c":"\u00e9"}"#
        let value = try JSONParser.parse(text)
        #expect(try JSONParser.parse(value.serialized) == value)
        #expect(String(decoding: value.serialized, as: UTF8.self) == #"{"a":[1,2.5,-0.0,"x",null,true,{"b":{}}],"c":"é"}"#)
    }
}
