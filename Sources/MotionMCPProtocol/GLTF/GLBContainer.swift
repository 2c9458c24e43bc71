/// Why a JSON document cannot be put into a GLB container, or why bytes are not a GLB a client reads.
public enum GLBContainerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The document has no `"buffers":[{"byteLength":N,"uri":"data:application/octet-stream;base64,…"}`
    /// as ``GLTFEncoder`` writes it, so there is no embedded buffer to move into the BIN chunk.
    case noEmbeddedBuffer
    /// The embedded buffer's base64 text is broken; `offset` is the document byte where it goes wrong.
    case invalidBase64(offset: Int)
    /// The base64 text decodes to `decoded` bytes, but the buffer declares `byteLength` `declared`.
    case bufferLengthMismatch(declared: Int, decoded: Int)
    /// The container would be `byteCount` bytes, more than a GLB's 32-bit length field can state.
    case tooLarge(byteCount: Int)
    /// Fewer than the 12 bytes of a GLB header.
    case tooShort(byteCount: Int)
    /// The first four bytes are not `glTF`.
    case wrongMagic(UInt32)
    /// The header's version is not 2.
    case unsupportedVersion(UInt32)
    /// The header's length is not the number of bytes there are.
    case lengthMismatch(declared: UInt32, actual: Int)
    /// The chunk header starting at `offset` is cut off by the end of the data.
    case truncatedChunkHeader(offset: Int)
    /// The chunk whose header starts at `offset` says it holds `length` bytes, running past the end.
    case chunkPastEnd(offset: Int, length: UInt32)
    /// The container holds no chunk at all, so no JSON chunk.
    case missingJSONChunk
    /// The first chunk's type is not `JSON` (`0x4E4F534A`).
    case firstChunkNotJSON(type: UInt32)
    /// The JSON chunk is not a JSON object in UTF-8 without a byte-order mark; `reason` says why.
    case jsonChunkNotObject(reason: String)
    /// The JSON chunk's `buffers[0]` is not `{"byteLength":N}`, where the embedded buffer goes back.
    case unexpectedBufferMember

    /// The reason in words, for logs and for the 500 a failed conversion becomes.
    public var description: String {
        switch self {
        case .noEmbeddedBuffer:
            "the document has no buffers[0] with a base64 data URI to move into a BIN chunk"
        case .invalidBase64(let offset):
            "the embedded buffer's base64 text is invalid at byte \(offset)"
        case .bufferLengthMismatch(let declared, let decoded):
            "the embedded buffer decodes to \(decoded) bytes but declares byteLength \(declared)"
        case .tooLarge(let byteCount):
            "a GLB of \(byteCount) bytes exceeds the 32-bit length field"
        case .tooShort(let byteCount):
            "\(byteCount) bytes are too few for a GLB header (12)"
        case .wrongMagic(let magic):
            "the magic is 0x\(String(magic, radix: 16)), not glTF (0x46546c67)"
        case .unsupportedVersion(let version):
            "GLB version \(version) is not 2"
        case .lengthMismatch(let declared, let actual):
            "the header says \(declared) bytes but there are \(actual)"
        case .truncatedChunkHeader(let offset):
            "the chunk header at byte \(offset) is incomplete"
        case .chunkPastEnd(let offset, let length):
            "the chunk at byte \(offset) holds \(length) bytes, past the end of the data"
        case .missingJSONChunk:
            "the GLB has no JSON chunk"
        case .firstChunkNotJSON(let type):
            "the first chunk's type is 0x\(String(type, radix: 16)), not JSON (0x4e4f534a)"
        case .jsonChunkNotObject(let reason):
            "the JSON chunk is not a JSON object: \(reason)"
        case .unexpectedBufferMember:
            "the JSON chunk's buffers[0] is not {\"byteLength\":N}"
        }
    }
}

/// The binary glTF (GLB) container of docs/extensions.md §2.2–§2.3, made from and read back into the
/// JSON document ``GLTFEncoder`` writes.
///
/// The GLB carries the same document: its JSON chunk is the JSON answer with the `uri` member of
/// `buffers[0]` cut out byte for byte (key order, number spelling and raw UTF-8 all unchanged), and
/// its BIN chunk is the decoded buffer. Working on the finished bytes rather than re-encoding keeps
/// the two formats from ever disagreeing, and lets a stored JSON answer (an async job's, an
/// idempotent replay's) be served as GLB later.
public enum GLBContainer {
    /// `glTF` read as a little-endian uint32.
    public static let magic: UInt32 = 0x4654_6C67
    /// The only container version there is.
    public static let version: UInt32 = 2
    /// The JSON chunk's type, `JSON` read as a little-endian uint32.
    public static let jsonChunkType: UInt32 = 0x4E4F_534A
    /// The BIN chunk's type, `BIN\0` read as a little-endian uint32.
    public static let binaryChunkType: UInt32 = 0x004E_4942

    /// The GLB carrying `json`, a document as ``GLTFEncoder`` writes it (one buffer, embedded as
    /// `"uri":"data:application/octet-stream;base64,…"` right after its `byteLength`).
    ///
    /// One pass over the document: the text before and after the `uri` member is copied into the
    /// result and the base64 text is decoded straight into the BIN chunk, in a single allocation.
    /// Throws when the document has no such buffer, its base64 is broken, or its length disagrees
    /// with `byteLength`, so a wrong GLB is never produced.
    public static func binary(fromJSONDocument json: [UInt8]) throws(GLBContainerError) -> [UInt8] {
        let member = try EmbeddedBufferMember(in: json)
        let jsonLength = json.count - (member.cut.upperBound - member.cut.lowerBound)
        let paddedJSONLength = paddedToFour(jsonLength)
        let binaryLength = member.decodedLength
        let paddedBinaryLength = paddedToFour(binaryLength)
        // §2.2: the BIN chunk is left out only for an empty buffer (never for MMCP, where N ≥ 4T).
        let hasBinaryChunk = binaryLength > 0
        let totalLength = 12 + 8 + paddedJSONLength + (hasBinaryChunk ? 8 + paddedBinaryLength : 0)
        guard totalLength <= Int(UInt32.max) else { throw .tooLarge(byteCount: totalLength) }

        var base64Failure: Int?
        let glb = json.withUnsafeBufferPointer { document in
            [UInt8](unsafeUninitializedCapacity: totalLength) { output, initializedCount in
                guard let base = output.baseAddress, let source = document.baseAddress else { return }
                let raw = UnsafeMutableRawPointer(base)
                raw.storeBytes(of: magic.littleEndian, toByteOffset: 0, as: UInt32.self)
                raw.storeBytes(of: version.littleEndian, toByteOffset: 4, as: UInt32.self)
                raw.storeBytes(of: UInt32(totalLength).littleEndian, toByteOffset: 8, as: UInt32.self)
                raw.storeBytes(of: UInt32(paddedJSONLength).littleEndian, toByteOffset: 12, as: UInt32.self)
                raw.storeBytes(of: jsonChunkType.littleEndian, toByteOffset: 16, as: UInt32.self)

                var offset = 20
                (base + offset).initialize(from: source, count: member.cut.lowerBound)
                offset += member.cut.lowerBound
                let tailCount = document.count - member.cut.upperBound
                (base + offset).initialize(from: source + member.cut.upperBound, count: tailCount)
                offset += tailCount
                (base + offset).initialize(repeating: UInt8(ascii: " "), count: paddedJSONLength - jsonLength)
                offset += paddedJSONLength - jsonLength

                if hasBinaryChunk {
                    raw.storeBytes(of: UInt32(paddedBinaryLength).littleEndian, toByteOffset: offset, as: UInt32.self)
                    raw.storeBytes(of: binaryChunkType.littleEndian, toByteOffset: offset + 4, as: UInt32.self)
                    offset += 8
                    let text = UnsafeBufferPointer(rebasing: document[member.base64])
                    if let failure = Base64.decode(text, into: base + offset) {
                        base64Failure = member.base64.lowerBound + failure
                        // Nothing of a failed container is handed out; UInt8 needs no deinitialising.
                        initializedCount = 0
                        return
                    }
                    offset += binaryLength
                    (base + offset).initialize(repeating: 0, count: paddedBinaryLength - binaryLength)
                    offset += paddedBinaryLength - binaryLength
                }
                initializedCount = offset
            }
        }
        if let base64Failure { throw .invalidBase64(offset: base64Failure) }
        return glb
    }

    /// The JSON chunk and the BIN data of `glb`, after the checks the reference client's
    /// `glb_to_gltf` makes (docs/extensions.md §2.2): at least 12 bytes, the `glTF` magic,
    /// version 2, a header length equal to the byte count, every chunk header complete and no chunk
    /// running past the end, a first chunk of type JSON holding a JSON object in UTF-8 without a
    /// byte-order mark. Other chunks are not looked at, as the client ignores them.
    public static func contents(ofBinary glb: [UInt8]) throws(GLBContainerError) -> GLBContents {
        guard glb.count >= 12 else { throw .tooShort(byteCount: glb.count) }
        let foundMagic = littleEndianWord(glb, at: 0)
        guard foundMagic == magic else { throw .wrongMagic(foundMagic) }
        let foundVersion = littleEndianWord(glb, at: 4)
        guard foundVersion == version else { throw .unsupportedVersion(foundVersion) }
        let declaredLength = littleEndianWord(glb, at: 8)
        guard Int(declaredLength) == glb.count else { throw .lengthMismatch(declared: declaredLength, actual: glb.count) }

        var chunks: [(type: UInt32, data: Range<Int>)] = []
        var offset = 12
        while offset < glb.count {
            guard glb.count - offset >= 8 else { throw .truncatedChunkHeader(offset: offset) }
            let length = littleEndianWord(glb, at: offset)
            let type = littleEndianWord(glb, at: offset + 4)
            let dataStart = offset + 8
            guard Int(length) <= glb.count - dataStart else { throw .chunkPastEnd(offset: offset, length: length) }
            chunks.append((type, dataStart..<dataStart + Int(length)))
            offset = dataStart + Int(length)
        }

        guard let first = chunks.first else { throw .missingJSONChunk }
        guard first.type == jsonChunkType else { throw .firstChunkNotJSON(type: first.type) }
        let json = Array(glb[first.data])
        // The client decodes with Python's "utf-8" codec, which keeps a byte-order mark that its
        // JSON parser then refuses; ours would skip it, so it is refused here.
        if json.starts(with: [0xEF, 0xBB, 0xBF]) { throw .jsonChunkNotObject(reason: "it starts with a byte-order mark") }
        let value: JSONValue
        do throws(JSONParseError) {
            value = try JSONParser.parse(json)
        } catch {
            throw .jsonChunkNotObject(reason: error.description)
        }
        guard case .object = value else { throw .jsonChunkNotObject(reason: "the top-level value is not an object") }

        let binary = chunks.count > 1 && chunks[1].type == binaryChunkType ? Array(glb[chunks[1].data]) : nil
        return GLBContents(json: json, binary: binary)
    }

    /// The JSON document `glb` carries, as the reference client's `glb_to_gltf` rebuilds it: the
    /// JSON chunk without its trailing padding, with `"uri":"data:application/octet-stream;base64,…"`
    /// put back into `buffers[0]` after `byteLength`, holding the BIN chunk cut to `byteLength`.
    ///
    /// For a GLB made by ``binary(fromJSONDocument:)`` this is the original document byte for byte.
    /// Like the client, it leaves the document without a `uri` when there is no BIN chunk or
    /// `byteLength` exceeds it. It looks for `buffers[0]` byte-wise, as our documents write it, and
    /// throws ``GLBContainerError/unexpectedBufferMember`` for one spelled any other way.
    public static func jsonDocument(fromBinary glb: [UInt8]) throws(GLBContainerError) -> [UInt8] {
        let contents = try contents(ofBinary: glb)
        var jsonEnd = contents.json.count
        while jsonEnd > 0, contents.json[jsonEnd - 1] == UInt8(ascii: " ") { jsonEnd -= 1 }
        let json = contents.json[..<jsonEnd]

        guard let lengthStart = firstIndex(of: bufferMemberPrefix, in: json) else { throw .unexpectedBufferMember }
        var lengthEnd = lengthStart
        var byteLength = 0
        while lengthEnd < json.endIndex, let digit = decimalDigit(json[lengthEnd]), lengthEnd - lengthStart < 10 {
            byteLength = byteLength * 10 + digit
            lengthEnd += 1
        }
        guard lengthEnd > lengthStart, lengthEnd < json.endIndex, json[lengthEnd] == UInt8(ascii: "}") else {
            throw .unexpectedBufferMember
        }
        guard let binary = contents.binary, byteLength <= binary.count else { return Array(json) }

        var writer = JSONWriter(capacity: json.count + uriPrefix.count + (byteLength + 2) / 3 * 4 + 1)
        writer.append(Array(json[..<lengthEnd]))
        writer.append(uriPrefix)
        binary.withUnsafeBytes { writer.base64(UnsafeRawBufferPointer(rebasing: $0[..<byteLength])) }
        writer.byte(UInt8(ascii: "\""))
        writer.append(Array(json[lengthEnd...]))
        return writer.bytes
    }

    /// `count` rounded up to a multiple of 4, as every GLB chunk is.
    static func paddedToFour(_ count: Int) -> Int { (count + 3) & ~3 }

    /// The little-endian uint32 at `offset`, which the caller has checked is in bounds.
    static func littleEndianWord(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    /// What ``GLTFEncoder`` writes before `buffers[0]`'s byte length.
    static let bufferMemberPrefix: [UInt8] = Array(#""buffers":[{"byteLength":"#.utf8)

    /// What ``GLTFEncoder`` writes between `buffers[0]`'s byte length and its base64 text.
    static let uriPrefix: [UInt8] = Array(#","uri":"data:application/octet-stream;base64,"#.utf8)

    /// The index just past the first occurrence of `pattern` in `bytes`, or `nil`.
    static func firstIndex(of pattern: [UInt8], in bytes: ArraySlice<UInt8>) -> Int? {
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        var index = bytes.startIndex
        let lastStart = bytes.endIndex - pattern.count
        while index <= lastStart {
            if bytes[index] == first, bytes[index..<index + pattern.count].elementsEqual(pattern) {
                return index + pattern.count
            }
            index += 1
        }
        return nil
    }

    /// The value of an ASCII decimal digit, or `nil`.
    static func decimalDigit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}

/// What a GLB holds, as a client reads it: the JSON chunk and, when the second chunk is BIN, its data.
public struct GLBContents: Sendable, Equatable {
    /// The JSON chunk's data, padding included.
    public var json: [UInt8]
    /// The second chunk's data when that chunk is of type BIN, else `nil`.
    public var binary: [UInt8]?

    /// Contents made of these chunks.
    public init(json: [UInt8], binary: [UInt8]?) {
        self.json = json
        self.binary = binary
    }
}

/// Where the embedded buffer sits in one of our JSON documents.
private struct EmbeddedBufferMember {
    /// The bytes to cut: `,"uri":"data:application/octet-stream;base64,<B64>"`.
    let cut: Range<Int>
    /// The base64 text inside the cut.
    let base64: Range<Int>
    /// How many bytes the base64 text decodes to (already checked against `byteLength`).
    let decodedLength: Int

    /// Finds the member in `document`.
    ///
    /// The first `"buffers":[{"byteLength":` is the real one: everything ``GLTFEncoder`` writes
    /// before it has fixed keys, and a string value there (a joint name) cannot hold the pattern's
    /// unescaped quotes. Later occurrences (inside `notes`) are never reached.
    init(in document: [UInt8]) throws(GLBContainerError) {
        let bytes = document[...]
        guard let lengthStart = GLBContainer.firstIndex(of: GLBContainer.bufferMemberPrefix, in: bytes) else {
            throw .noEmbeddedBuffer
        }
        var lengthEnd = lengthStart
        var byteLength = 0
        // Ten digits cover every uint32 and cannot overflow an Int.
        while lengthEnd < bytes.endIndex, let digit = GLBContainer.decimalDigit(bytes[lengthEnd]), lengthEnd - lengthStart < 10 {
            byteLength = byteLength * 10 + digit
            lengthEnd += 1
        }
        guard lengthEnd > lengthStart,
            let base64Start = GLBContainer.firstIndex(
                of: GLBContainer.uriPrefix, in: bytes[lengthEnd..<min(bytes.endIndex, lengthEnd + GLBContainer.uriPrefix.count)])
        else { throw .noEmbeddedBuffer }
        // `byteLength` says where the closing quote must be, so the base64 text (most of a large
        // answer) is read only once, by the decoder, which refuses a quote inside it. Only a
        // document that disagrees with itself is searched, to say how.
        let expectedQuote = base64Start + (byteLength + 2) / 3 * 4
        let quote: Int
        if expectedQuote < bytes.endIndex, bytes[expectedQuote] == UInt8(ascii: "\"") {
            quote = expectedQuote
        } else if let found = bytes[base64Start...].firstIndex(of: UInt8(ascii: "\"")) {
            quote = found
        } else {
            throw .noEmbeddedBuffer
        }
        guard quote + 1 < bytes.endIndex, bytes[quote + 1] == UInt8(ascii: "}") else { throw .noEmbeddedBuffer }

        let textLength = quote - base64Start
        guard textLength % 4 == 0 else { throw .invalidBase64(offset: quote) }
        // A second `=` counts only before a first; `A=A` style text is left for the decoder to refuse.
        var padding = 0
        if textLength > 0, bytes[quote - 1] == UInt8(ascii: "=") {
            padding = bytes[quote - 2] == UInt8(ascii: "=") ? 2 : 1
        }
        let decodedLength = textLength / 4 * 3 - padding
        guard decodedLength == byteLength else { throw .bufferLengthMismatch(declared: byteLength, decoded: decodedLength) }

        cut = lengthEnd..<quote + 1
        base64 = base64Start..<quote
        self.decodedLength = decodedLength
    }
}

/// Standard padded base64 (RFC 4648 §4), decoded without Foundation.
private enum Base64 {
    /// Each byte's 6-bit value, or 0xFF for a byte outside the alphabet (`=` included).
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()

    /// Decodes `text` (a multiple of 4 characters, at most two `=` at the end) into `output`, which
    /// has room for every decoded byte. Returns the offset in `text` of the first invalid character,
    /// or `nil` when all of it decoded.
    static func decode(_ text: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>) -> Int? {
        guard !text.isEmpty else { return nil }
        return values.withUnsafeBufferPointer { values -> Int? in
            var out = output
            let lastGroup = text.count - 4
            var position = 0
            // Every group but the last is four alphabet characters; the last may end in padding.
            while position < lastGroup {
                let a = values[Int(text[position])]
                let b = values[Int(text[position + 1])]
                let c = values[Int(text[position + 2])]
                let d = values[Int(text[position + 3])]
                // An invalid character has its top bits set, so one test covers all four.
                if (a | b | c | d) & 0xC0 != 0 { return position + firstInvalid(a, b, c, d) }
                out[0] = a << 2 | b >> 4
                out[1] = b << 4 | c >> 2
                out[2] = c << 6 | d
                out += 3
                position += 4
            }
            let a = values[Int(text[position])]
            let b = values[Int(text[position + 1])]
            if (a | b) & 0xC0 != 0 { return position + firstInvalid(a, b, 0, 0) }
            out[0] = a << 2 | b >> 4
            let third = text[position + 2]
            let fourth = text[position + 3]
            if third == UInt8(ascii: "=") {
                return fourth == UInt8(ascii: "=") ? nil : position + 3
            }
            let c = values[Int(third)]
            if c & 0xC0 != 0 { return position + 2 }
            out[1] = b << 4 | c >> 2
            if fourth == UInt8(ascii: "=") { return nil }
            let d = values[Int(fourth)]
            if d & 0xC0 != 0 { return position + 3 }
            out[2] = c << 6 | d
            return nil
        }
    }

    /// The position within a group of its first invalid value.
    private static func firstInvalid(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> Int {
        if a & 0xC0 != 0 { return 0 }
        if b & 0xC0 != 0 { return 1 }
        return c & 0xC0 != 0 ? 2 : 3
    }
}
