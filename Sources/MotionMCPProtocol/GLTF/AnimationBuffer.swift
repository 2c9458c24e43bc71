/// The binary side of a glTF response: one growing float32 buffer where every append is one
/// bufferView and one accessor (docs/response.md §4.1).
struct AnimationBuffer {
    /// One accessor (and its bufferView, which has the same index).
    struct Accessor {
        enum Kind: String {
            case scalar = "SCALAR"
            case vec3 = "VEC3"
            case vec4 = "VEC4"
        }
        var kind: Kind
        var count: Int
        var offset: Int
        /// Only time accessors carry bounds.
        var bounds: (min: Float, max: Float)?

        var components: Int {
            switch kind {
            case .scalar: 1
            case .vec3: 3
            case .vec4: 4
            }
        }
    }

    private(set) var floats: [Float] = []
    private(set) var accessors: [Accessor] = []
    /// The frame clock, `f32(f32(i) / f32(fps))` for every frame.
    let clock: [Float]
    /// Time accessors already written, by the bit patterns of their times (a key set is shared by
    /// every channel that uses it).
    private var timeAccessors: [[UInt32]: Int] = [:]
    /// The accessor of every frame's time, once written (the common case, looked up per channel
    /// without hashing the clock).
    private var everyFrameAccessor: Int?

    init(frameCount: Int, fps: Double, capacity: Int) {
        let rate = Float(fps)
        clock = (0..<frameCount).map { Float($0) / rate }
        floats.reserveCapacity(capacity)
    }

    /// The accessor holding the times of `frames` (every frame when `nil`), written on first use.
    mutating func timeAccessor(frames: [Int]?) -> Int {
        if frames == nil, let everyFrameAccessor { return everyFrameAccessor }
        let times = frames.map { $0.map { clock[$0] } } ?? clock
        let key = times.map(\.bitPattern)
        let index: Int
        if let existing = timeAccessors[key] {
            index = existing
        } else {
            index = append(.scalar, count: times.count) { floats in floats.append(contentsOf: times) }
            accessors[index].bounds = times.isEmpty ? nil : (times.min() ?? 0, times.max() ?? 0)
            timeAccessors[key] = index
        }
        if frames == nil { everyFrameAccessor = index }
        return index
    }

    /// Appends one accessor of `count` elements whose values `write` appends to the buffer.
    mutating func append(_ kind: Accessor.Kind, count: Int, _ write: (inout [Float]) -> Void) -> Int {
        let start = floats.count
        write(&floats)
        accessors.append(Accessor(kind: kind, count: count, offset: start * 4, bounds: nil))
        return accessors.count - 1
    }

    /// The buffer as little-endian bytes.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        #if _endian(big)
            let littleEndian = floats.map { Float(bitPattern: $0.bitPattern.littleEndian) }
            return littleEndian.withUnsafeBytes(body)
        #else
            return floats.withUnsafeBytes(body)
        #endif
    }
}
