import Testing

@testable import MotionMCPProtocol

/// docs/extensions.md §2.2–§2.4: the GLB made from our JSON answer, and reading it back as the reference
/// client's `glb_to_gltf` does.
@Suite("GLB container")
struct GLBContainerTests {
    /// docs/response.md §10.1's answer as the encoder writes it: the NullBackbone's rest pose held for
    /// 3 frames at 30 fps (identity rotations, the root at its rest translation).
    static func nullBackboneThreeFrameDocument() throws -> [UInt8] {
        let frames = 3
        let result = try MotionResult(
            sampleCount: 1, frameCount: frames, jointCount: 5,
            rotations: (0..<(frames * 5)).flatMap { _ in [Float(0), 0, 0, 1] },
            rootTranslations: (0..<frames).flatMap { _ in [Float(0), 0.95, 0] })
        let context = EncodingContext(skeleton: ValidationFixture.canonicalSkeleton, fps: 30, modelID: "null", jointTranslations: false, loop: false)
        var writer = JSONWriter()
        try GLTFEncoder.write(result, context: context, to: &writer)
        return writer.bytes
    }

    /// A minimal document shaped like ours around `buffer`.
    static func document(embedding buffer: [UInt8], declaredLength: Int? = nil, before: String = "", after: String = "") -> [UInt8] {
        var writer = JSONWriter()
        writer.append(Array(#"{"asset":{"version":"2.0"}\#(before),"buffers":[{"byteLength":"#.utf8))
        writer.integer(declaredLength ?? buffer.count)
        writer.append(Array(#","uri":"data:application/octet-stream;base64,"#.utf8))
        buffer.withUnsafeBytes { writer.base64($0) }
        writer.append(Array(#""}]\#(after)}"#.utf8))
        return writer.bytes
    }

    static func word(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    /// A GLB of these chunks, built independently of ``GLBContainer`` (padding included).
    static func container(json: [UInt8], binary: [UInt8]?) -> [UInt8] {
        func word(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) } }
        let paddedJSON = json + [UInt8](repeating: 0x20, count: (4 - json.count % 4) % 4)
        var chunks = word(UInt32(paddedJSON.count)) + word(0x4E4F_534A) + paddedJSON
        if let binary {
            let paddedBinary = binary + [UInt8](repeating: 0, count: (4 - binary.count % 4) % 4)
            chunks += word(UInt32(paddedBinary.count)) + word(0x004E_4942) + paddedBinary
        }
        return word(0x4654_6C67) + word(2) + word(UInt32(12 + chunks.count)) + chunks
    }

    /// Where `pattern` first starts in `bytes`, searched byte-wise (a GLB is not valid UTF-8).
    static func offset(of pattern: String, in bytes: [UInt8]) -> Int? {
        let pattern = Array(pattern.utf8)
        guard bytes.count >= pattern.count else { return nil }
        return (0...(bytes.count - pattern.count)).first { bytes[$0..<($0 + pattern.count)].elementsEqual(pattern) }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    // MARK: - The §2.4 test vector

    @Test("the §10.1 JSON answer is the spec's 2682 bytes")
    func nullBackboneThreeFrameJSON() throws {
        let json = try Self.nullBackboneThreeFrameDocument()
        #expect(json.count == 2682)
        #expect(SHA256.hexDigest(json) == "a79ee3d399ef99cbeb98a2047d773cbf63dafbf8e63f04e89c811d120760dc8d")
    }

    @Test("the §10.1 answer as GLB is the §2.4 test vector byte for byte")
    func testVector() throws {
        let glb = try GLBContainer.binary(fromJSONDocument: Self.nullBackboneThreeFrameDocument())
        #expect(glb.count == 2568)
        #expect(Self.hex(glb.prefix(20)) == "676c544602000000080a0000cc0800004a534f4e")
        #expect(Self.word(glb, at: 12) == 2252)
        #expect(Self.word(glb, at: 20 + 2252) == 288)
        #expect(Self.word(glb, at: 20 + 2252 + 4) == 0x004E_4942)
        #expect(SHA256.hexDigest(glb) == "b91e46164a0d553f9ab5b254a1322780033650e39a9d8db35711c97286e2a664")
    }

    @Test("the JSON chunk is the answer without its uri member, and the BIN chunk the decoded buffer")
    func sameDocument() throws {
        let json = try Self.nullBackboneThreeFrameDocument()
        let contents = try GLBContainer.contents(ofBinary: GLBContainer.binary(fromJSONDocument: json))
        let text = String(decoding: json, as: UTF8.self)
        let uriStart = try #require(text.range(of: #","uri":"data:application/octet-stream;base64,"#))
        let uriEnd = try #require(text[uriStart.upperBound...].firstIndex(of: "\""))
        var expected = text
        expected.removeSubrange(uriStart.lowerBound...uriEnd)
        #expect(String(decoding: contents.json, as: UTF8.self) == expected)
        #expect(expected.contains(#""buffers":[{"byteLength":288}],"extensionsUsed""#))

        let binary = try #require(contents.binary)
        #expect(binary.count == 288)
        #expect(Self.hex(binary[0..<12]) == "000000008988083d8988883d")
        #expect(Self.hex(binary[12..<28]) == "000000000000000000000000" + "0000803f")
        #expect(Self.hex(binary[252..<264]) == "000000003333733f00000000")
    }

    // MARK: - Round trips and padding

    @Test("reading the GLB back gives the JSON answer byte for byte")
    func roundTrip() throws {
        let json = try Self.nullBackboneThreeFrameDocument()
        #expect(try GLBContainer.jsonDocument(fromBinary: GLBContainer.binary(fromJSONDocument: json)) == json)
    }

    @Test("chunks are padded to four bytes, JSON with spaces and BIN with zeros, and still read back", arguments: 0..<8)
    func padding(extraJSON: Int) throws {
        for bufferLength in [1, 2, 3, 4, 5, 6, 7, 8, 13] {
            let buffer = (0..<bufferLength).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 200) }
            // Raw UTF-8 in the document must come through unchanged too.
            let json = Self.document(embedding: buffer, before: #","x":"\#(String(repeating: "x", count: extraJSON))é""#)
            let glb = try GLBContainer.binary(fromJSONDocument: json)
            let jsonChunkLength = Int(Self.word(glb, at: 12))
            let uriLength = #","uri":"data:application/octet-stream;base64,""#.utf8.count + (bufferLength + 2) / 3 * 4
            let unpadded = json.count - uriLength
            #expect(jsonChunkLength % 4 == 0 && jsonChunkLength - unpadded < 4 && jsonChunkLength >= unpadded)
            #expect(glb[(20 + unpadded)..<(20 + jsonChunkLength)].allSatisfy { $0 == 0x20 })
            let binaryStart = 20 + jsonChunkLength
            let binaryChunkLength = Int(Self.word(glb, at: binaryStart))
            #expect(binaryChunkLength == (bufferLength + 3) / 4 * 4)
            #expect(Array(glb[(binaryStart + 8)..<(binaryStart + 8 + bufferLength)]) == buffer)
            #expect(glb[(binaryStart + 8 + bufferLength)...].allSatisfy { $0 == 0 })
            #expect(glb.count == Int(Self.word(glb, at: 8)) && glb.count % 4 == 0)
            #expect(try GLBContainer.jsonDocument(fromBinary: glb) == json)
        }
    }

    @Test("random buffers of every small length decode exactly")
    func randomBuffers() throws {
        var random = SplitMix(seed: 0x61B)
        for length in 1...200 {
            let buffer = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let json = Self.document(embedding: buffer)
            let contents = try GLBContainer.contents(ofBinary: GLBContainer.binary(fromJSONDocument: json))
            #expect(contents.binary.map { Array($0.prefix(length)) } == buffer)
            #expect(try GLBContainer.jsonDocument(fromBinary: GLBContainer.binary(fromJSONDocument: json)) == json)
        }
    }

    @Test("an empty buffer gets no BIN chunk, and reads back without a uri as the client does")
    func emptyBuffer() throws {
        let json = Self.document(embedding: [])
        let glb = try GLBContainer.binary(fromJSONDocument: json)
        #expect(glb.count == 20 + Int(Self.word(glb, at: 12)))
        #expect(try GLBContainer.contents(ofBinary: glb).binary == nil)
        let expected = Array(#"{"asset":{"version":"2.0"},"buffers":[{"byteLength":0}]}"#.utf8)
        #expect(try GLBContainer.jsonDocument(fromBinary: glb) == expected)
    }

    @Test("a buffers member inside notes, after the real one, is left alone")
    func laterBuffersMember() throws {
        let note = #","notes":[{"buffers":[{"byteLength":3,"uri":"data:application/octet-stream;base64,AAAA"}]}]"#
        let json = Self.document(embedding: [1, 2, 3, 4, 5, 6], after: note)
        let glb = try GLBContainer.binary(fromJSONDocument: json)
        let contents = try GLBContainer.contents(ofBinary: glb)
        #expect(contents.binary == [1, 2, 3, 4, 5, 6, 0, 0])
        #expect(String(decoding: contents.json, as: UTF8.self).contains(note))
        #expect(try GLBContainer.jsonDocument(fromBinary: glb) == json)
    }

    @Test("a large answer (4 samples, 300 frames, 60 joints) survives the round trip")
    func largeAnswer() throws {
        let (samples, frames, jointCount) = (4, 300, 60)
        var random = SplitMix(seed: 42)
        let joints = (0..<jointCount).map { index in
            Joint(name: "joint\(index)", parent: index == 0 ? nil : "joint\(index - 1)", restTranslation: SIMD3(0, 0.1, 0))
        }
        let result = try MotionResult(
            sampleCount: samples, frameCount: frames, jointCount: jointCount,
            rotations: (0..<(samples * frames * jointCount * 4)).map { _ in Float(Int(random.next() % 2001) - 1000) / 1000 },
            rootTranslations: (0..<(samples * frames * 3)).map { _ in Float(Int(random.next() % 2001) - 1000) / 100 })
        let context = EncodingContext(
            skeleton: Skeleton(joints: joints), fps: 30, modelID: "large", jointTranslations: false, loop: false,
            trajectoryFailure: { _ in })
        var writer = JSONWriter()
        try GLTFEncoder.write(result, context: context, to: &writer)
        let json = writer.bytes
        #expect(json.count > 1_500_000)

        let glb = try GLBContainer.binary(fromJSONDocument: json)
        let binary = try #require(GLBContainer.contents(ofBinary: glb).binary)
        let floatCount = frames + samples * frames * (jointCount * 4 + 3)
        #expect(binary.count == floatCount * 4)
        #expect(glb.count < json.count)
        #expect(try GLBContainer.jsonDocument(fromBinary: glb) == json)
    }

    // MARK: - Documents that are not ours

    @Test(
        "a document without our embedded buffer is refused",
        arguments: [
            "",
            "{}",
            #"{"buffers":[]}"#,
            #"{"buffers":[{"byteLength":4}]}"#,
            #"{"buffers":[{"byteLength":,"uri":"data:application/octet-stream;base64,AAAAAA=="}]}"#,
            #"{"buffers":[{"uri":"data:application/octet-stream;base64,AAAA","byteLength":3}]}"#,
            #"{"buffers":[{"byteLength":3,"uri":"data:application/gltf-buffer;base64,AAAA"}]}"#,
            #"{"buffers":[{"byteLength":3,"uri":"data:application/octet-stream;base64,AAAA"#,
            #"{"buffers":[{"byteLength":3,"uri":"data:application/octet-stream;base64,AAAA","name":"b"}]}"#,
            #"{"buffers":[{"byteLength":12345678901,"uri":"data:application/octet-stream;base64,AAAA"}]}"#,
        ])
    func notOurDocument(text: String) {
        #expect(throws: GLBContainerError.noEmbeddedBuffer) { try GLBContainer.binary(fromJSONDocument: Array(text.utf8)) }
    }

    @Test("broken base64 is refused with the offset where it breaks")
    func brokenBase64() throws {
        func glb(_ base64: String, declaring length: Int) throws(GLBContainerError) -> [UInt8] {
            let prefix = #"{"buffers":[{"byteLength":\#(length),"uri":"data:application/octet-stream;base64,"#
            return try GLBContainer.binary(fromJSONDocument: Array((prefix + base64 + #""}]}"#).utf8))
        }
        let start = #"{"buffers":[{"byteLength":6,"uri":"data:application/octet-stream;base64,"#.utf8.count
        #expect(throws: GLBContainerError.invalidBase64(offset: start + 5)) { try glb("AAAAA!AA", declaring: 6) }
        #expect(throws: GLBContainerError.invalidBase64(offset: start + 2)) { try glb("AA=AAAAA", declaring: 6) }
        #expect(throws: GLBContainerError.invalidBase64(offset: start + 7)) { try glb("AAAAAA=A", declaring: 6) }
        #expect(throws: GLBContainerError.invalidBase64(offset: start + 1)) { try glb("A===", declaring: 1) }
        #expect(throws: GLBContainerError.invalidBase64(offset: start + 6)) { try glb("AAAAAA", declaring: 6) }
        #expect(throws: GLBContainerError.invalidBase64(offset: start + 4)) { try glb("AAAA\u{e9}A=", declaring: 5) }
        #expect(throws: GLBContainerError.bufferLengthMismatch(declared: 6, decoded: 5)) { try glb("AAAAAAA=", declaring: 6) }
        #expect(throws: GLBContainerError.bufferLengthMismatch(declared: 7, decoded: 6)) { try glb("AAAAAAAA", declaring: 7) }
        #expect(try glb("AAAAAAA=", declaring: 5).count == 20 + 32 + 8 + 8)
    }

    // MARK: - GLBs a client refuses

    @Test("malformed GLBs are refused with the reason")
    func malformed() throws {
        let glb = try GLBContainer.binary(fromJSONDocument: Self.nullBackboneThreeFrameDocument())
        func replacing(_ offset: Int, with value: UInt32, in bytes: [UInt8] = glb) -> [UInt8] {
            var copy = bytes
            for index in 0..<4 { copy[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
            return copy
        }
        func read(_ bytes: [UInt8]) throws(GLBContainerError) { _ = try GLBContainer.jsonDocument(fromBinary: bytes) }

        #expect(throws: GLBContainerError.tooShort(byteCount: 0)) { try read([]) }
        #expect(throws: GLBContainerError.tooShort(byteCount: 11)) { try read(Array(glb.prefix(11))) }
        #expect(throws: GLBContainerError.wrongMagic(0x4654_6C66)) { try read(replacing(0, with: 0x4654_6C66)) }
        #expect(throws: GLBContainerError.unsupportedVersion(1)) { try read(replacing(4, with: 1)) }
        #expect(throws: GLBContainerError.lengthMismatch(declared: 2569, actual: 2568)) { try read(replacing(8, with: 2569)) }
        #expect(throws: GLBContainerError.lengthMismatch(declared: 2568, actual: 2572)) { try read(glb + [0, 0, 0, 0]) }
        #expect(throws: GLBContainerError.lengthMismatch(declared: 2568, actual: 2567)) { try read(Array(glb.dropLast())) }
        #expect(throws: GLBContainerError.missingJSONChunk) { try read(replacing(8, with: 12, in: Array(glb.prefix(12)))) }
        #expect(throws: GLBContainerError.truncatedChunkHeader(offset: 2568)) {
            try read(replacing(8, with: 2572, in: glb + [1, 0, 0, 0]))
        }
        #expect(throws: GLBContainerError.truncatedChunkHeader(offset: 12)) { try read(replacing(8, with: 16, in: Array(glb.prefix(16)))) }
        #expect(throws: GLBContainerError.chunkPastEnd(offset: 2272, length: 292)) { try read(replacing(2272, with: 292)) }
        #expect(throws: GLBContainerError.chunkPastEnd(offset: 12, length: 0xFFFF_FFFF)) { try read(replacing(12, with: 0xFFFF_FFFF)) }
        #expect(throws: GLBContainerError.chunkPastEnd(offset: 12, length: 2252)) {
            try read(replacing(8, with: 2000, in: Array(glb.prefix(2000))))
        }
        #expect(throws: GLBContainerError.firstChunkNotJSON(type: 0x004E_4942)) { try read(replacing(16, with: 0x004E_4942)) }
    }

    @Test("a JSON chunk that is not a JSON object, or starts with a byte-order mark, is refused")
    func jsonChunkNotObject() throws {
        func container(_ json: [UInt8]) -> [UInt8] { Self.container(json: json, binary: nil) }
        for text in ["[1]", "\"x\"", "{", "{\"a\":1}x", ""] {
            #expect(throws: GLBContainerError.self) { try GLBContainer.contents(ofBinary: container(Array(text.utf8))) }
        }
        #expect(throws: GLBContainerError.jsonChunkNotObject(reason: "it starts with a byte-order mark")) {
            try GLBContainer.contents(ofBinary: container([0xEF, 0xBB, 0xBF] + Array("{}".utf8)))
        }
        #expect(throws: GLBContainerError.self) { try GLBContainer.contents(ofBinary: container([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])) }
        #expect(try GLBContainer.contents(ofBinary: container(Array("{}".utf8))) == GLBContents(json: Array("{}  ".utf8), binary: nil))
    }

    @Test("a JSON chunk whose buffers[0] is spelled another way is refused by the reader")
    func readerNeedsOurBufferMember() throws {
        let documents = [
            #"{"buffers":[{"byteLength":3,"name":"b"}]}"#,
            #"{"buffers":[{"name":"b","byteLength":3}]}"#,
            #"{"buffers":[{"byteLength": 3}]}"#,
            #"{"buffers":[{"byteLength":3,"uri":"data:application/octet-stream;base64,AQID"}]}"#,
            #"{"buffers":[]}"#,
            #"{}"#,
        ]
        for document in documents {
            #expect(throws: GLBContainerError.unexpectedBufferMember) {
                try GLBContainer.jsonDocument(fromBinary: Self.container(json: Array(document.utf8), binary: [1, 2, 3, 0]))
            }
        }
    }

    @Test("a byteLength beyond the BIN chunk leaves the document without a uri, as the client does")
    func byteLengthBeyondChunk() throws {
        let json = Self.document(embedding: [1, 2, 3, 4])
        var glb = try GLBContainer.binary(fromJSONDocument: json)
        let start = try #require(Self.offset(of: #""byteLength":4}"#, in: glb))
        glb[start + 13] = UInt8(ascii: "5")
        let expected = Array(#"{"asset":{"version":"2.0"},"buffers":[{"byteLength":5}]}"#.utf8)
        #expect(try GLBContainer.jsonDocument(fromBinary: glb) == expected)
    }

    @Test("thousands of corrupted and truncated GLBs are read without a crash")
    func corruption() throws {
        let glb = try GLBContainer.binary(fromJSONDocument: Self.nullBackboneThreeFrameDocument())
        var random = SplitMix(seed: 0xC0FFEE)
        for _ in 0..<3000 {
            var corrupted = glb
            for _ in 0..<Int(1 + random.next() % 4) {
                // Mostly the header and the chunk headers, where a wrong value matters most.
                let spots = [Int(random.next() % 28), 2272 + Int(random.next() % 8), Int(random.next() % UInt64(corrupted.count))]
                corrupted[spots[Int(random.next() % 3)]] = UInt8(truncatingIfNeeded: random.next())
            }
            if random.next() % 4 == 0 { corrupted = Array(corrupted.prefix(Int(random.next() % UInt64(corrupted.count)))) }
            _ = try? GLBContainer.jsonDocument(fromBinary: corrupted)
        }
    }
}
