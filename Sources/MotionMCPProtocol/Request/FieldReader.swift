/// Typed readers for the schema's leaf values: each reads one JSON value at the current location,
/// records what is wrong with it, and returns the value or `nil`.
extension SchemaDecoder {
    /// An integer (lax, §3.0.3) with optional bounds.
    mutating func int(_ value: JSONValue, greaterThan low: Int? = nil, atLeast floor: Int? = nil, atMost ceiling: Int? = nil)
        -> Int?
    {
        switch LaxScalar.integer(value) {
        case .failure(let problem):
            record(problem)
            return nil
        case .success(let number):
            if let low, number <= low {
                record(.greaterThan(.integer(low), "\(low)"))
                return nil
            }
            if let floor, number < floor {
                record(.greaterThanEqual(.integer(floor), "\(floor)"))
                return nil
            }
            if let ceiling, number > ceiling {
                record(.lessThanEqual(.integer(ceiling), "\(ceiling)"))
                return nil
            }
            return number
        }
    }

    /// A finite float (lax, §3.0.3) with optional lower bounds.
    ///
    /// The project refuses every non-finite number (§3.0.4). Where the reference refuses one too,
    /// this does the same at once: `finite_number` in a field the protocol marks finite
    /// (`finite: true`), the bound's error for a NaN or −∞ that fails a bound. Where the reference
    /// lets it through (+∞ past a bound, any non-finite value in an unmarked field), the value is
    /// kept and refused later (``SchemaDecoder/recordAcceptedNonFinite()``).
    mutating func double(
        _ value: JSONValue, greaterThan low: Double? = nil, atLeast floor: Double? = nil, finite: Bool = false
    ) -> Double? {
        if low == nil, floor == nil {
            // The hot path of long arrays: no bound to check.
            switch value {
            case .double(let number) where number.isFinite: return number
            case .int(let number): return Double(number)
            default: break
            }
        }
        let number: Double
        switch LaxScalar.double(value) {
        case .failure(let problem):
            record(problem)
            return nil
        case .success(let read):
            number = read
        }
        if !number.isFinite && finite {
            record(.finiteNumber)
            return nil
        }
        if let low, !(number > low) {
            record(.greaterThan(.double(low), Self.boundText(low)))
            return nil
        }
        if let floor, !(number >= floor) {
            record(.greaterThanEqual(.double(floor), Self.boundText(floor)))
            return nil
        }
        if !number.isFinite { recordAcceptedNonFinite() }
        return number
    }

    /// A boolean (lax, §3.0.3).
    mutating func bool(_ value: JSONValue) -> Bool? {
        switch LaxScalar.bool(value) {
        case .failure(let problem):
            record(problem)
            return nil
        case .success(let flag):
            return flag
        }
    }

    /// A string whose length in code points is within the bounds; numbers are never strings.
    mutating func string(_ value: JSONValue, minLength: Int? = nil, maxLength: Int? = nil) -> String? {
        guard case .string(let text) = value else {
            record(.stringType)
            return nil
        }
        guard minLength != nil || maxLength != nil else { return text }
        // Without an upper bound only the first few code points matter (a video's data is long).
        let length = maxLength == nil ? text.unicodeScalars.prefix(minLength ?? 0).count : text.unicodeScalars.count
        if let minLength, length < minLength {
            record(.stringTooShort(minLength))
            return nil
        }
        if let maxLength, length > maxLength {
            record(.stringTooLong(maxLength))
            return nil
        }
        return text
    }

    /// One of the `allowed` strings, compared byte for byte.
    mutating func literal(_ value: JSONValue, _ allowed: [String]) -> String? {
        if case .string(let text) = value, let match = allowed.first(where: { $0.isExactly(text) }) {
            return match
        }
        record(.literal(allowed))
        return nil
    }

    /// A list: `list_type` when not an array, every element read at its index, and `too_short`
    /// only when the elements were all valid.
    mutating func list<T>(_ value: JSONValue, minLength: Int = 0, _ element: (inout SchemaDecoder, JSONValue) -> T?)
        -> [T]?
    {
        guard case .array(let items) = value else {
            record(.listType)
            return nil
        }
        let start = mark
        var result: [T] = []
        result.reserveCapacity(items.count)
        for (position, item) in items.enumerated() {
            if let read = within(.index(position), { element(&$0, item) }) { result.append(read) }
        }
        guard isClean(since: start) else { return nil }
        guard items.count >= minLength else {
            record(.tooShort("List", minimum: minLength, actual: items.count))
            return nil
        }
        return result
    }

    /// A fixed-length array of `count` floats appended to `buffer` (see ``fixedFloats(_:count:_:)``);
    /// returns whether all was well, the buffer then having grown by `count`.
    @discardableResult
    mutating func floats(_ value: JSONValue, count: Int, finite: Bool = false, into buffer: inout [Double]) -> Bool {
        fixedFloats(value, count: count, finite: finite) { _, number in buffer.append(number) }
    }

    /// A fixed-length array of floats as a vector: `[x, z]`, `[x, y, z]`, `[x, y, z, w]`.
    mutating func vector<V: SIMD>(_ value: JSONValue, as _: V.Type = V.self, finite: Bool = false) -> V?
    where V.Scalar == Double {
        var vector = V()
        return fixedFloats(value, count: V.scalarCount, finite: finite) { lane, number in vector[lane] = number } ? vector : nil
    }

    /// A fixed-length array: `tuple_type` when not an array, `too_long` alone when longer, else each
    /// element (handed to `store` in order) and `missing` for each absent position.
    private mutating func fixedFloats(_ value: JSONValue, count: Int, finite: Bool, _ store: (Int, Double) -> Void)
        -> Bool
    {
        guard case .array(let items) = value else {
            record(.tupleType)
            return false
        }
        guard items.count <= count else {
            record(.tupleTooLong(maximum: count, actual: items.count))
            return false
        }
        let start = mark
        for (position, item) in items.enumerated() {
            if let number = within(.index(position), { $0.double(item, finite: finite) }) { store(position, number) }
        }
        for position in items.count..<count { record(.missing, at: .index(position)) }
        return isClean(since: start)
    }

    /// A bound as the reference's messages write it: `0`, not `0.0`.
    private static func boundText(_ bound: Double) -> String {
        bound.rounded(.towardZero) == bound && bound.magnitude < 1e15 ? "\(Int(bound))" : "\(bound)"
    }
}
