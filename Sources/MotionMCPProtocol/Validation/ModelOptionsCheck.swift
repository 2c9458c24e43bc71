/// `options.model_options` against the dials the model declares (docs/protocol.md §4.9, check S5).
enum ModelOptionsCheck {
    /// Throws `invalid_options` for the first thing wrong: options sent to a model that has none,
    /// then, member by member in document order, an undeclared name or a value the option refuses.
    static func check(_ sent: JSONObject?, spec: ModelSpec) throws(ProtocolError) {
        guard let sent, !sent.isEmpty else { return }
        guard !spec.modelOptions.isEmpty else {
            throw .modelOptionsUndeclared(model: spec.id, sent: sent.keys.sortedByCodePoint())
        }
        for (name, value) in sent.entries {
            // A name declared twice counts by its last declaration.
            guard let option = spec.modelOptions.last(where: { $0.name.isExactly(name) }) else {
                let declared = Set(spec.modelOptions.map { ExactName($0.name) }).map(\.text)
                throw .unknownModelOption(name, model: spec.id, declared: declared.sortedByCodePoint())
            }
            if let reason = violation(of: option, by: value) {
                // A value JSON cannot carry (NaN, ±Infinity) is echoed as its Python text.
                let echo = value.isFinite ? value : .string(PythonText.repr(value))
                throw .invalidModelOption(name, value: echo, reason: reason, model: spec.id)
            }
        }
    }

    /// Why `value` is not a value of `option`, or `nil` when it is.
    static func violation(of option: ModelOption, by value: JSONValue) -> String? {
        switch option.type {
        case .boolean:
            if case .bool = value { return nil }
            return "a boolean is required, not \(value.typeName)"
        case .number, .integer:
            return numberViolation(of: option, by: value)
        case .enum:
            let allowed = option.values ?? []
            if case .string(let text) = value, allowed.containsExactly(text) { return nil }
            return "\(PythonText.repr(value)) is not one of \(listText(allowed))"
        case .flags:
            return flagsViolation(of: option.values ?? [], by: value)
        }
    }

    private static func numberViolation(of option: ModelOption, by value: JSONValue) -> String? {
        switch value {
        case .int, .bigInt, .double: break
        default: return "a\(option.type == .integer ? "n" : "") \(option.type.rawValue) is required, not \(value.typeName)"
        }
        if case .double(let number) = value, !number.isFinite {
            return "a finite \(option.type.rawValue) is required, not \(PythonText.float(number))"
        }
        if option.type == .integer, case .double(let number) = value, number.rounded(.towardZero) != number {
            return "an integer is required, not \(PythonText.float(number))"
        }
        let shown = PythonText.repr(value)
        if let minimum = option.minimum, let order = ExactDecimal.compare(value, with: minimum), order < 0 {
            return "\(shown) is below the minimum \(PythonText.float(minimum))"
        }
        if let maximum = option.maximum, let order = ExactDecimal.compare(value, with: maximum), order > 0 {
            return "\(shown) is above the maximum \(PythonText.float(maximum))"
        }
        return nil
    }

    /// Any subset of `allowed`, each at most once, in any order; unknown items are reported before
    /// repeats.
    private static func flagsViolation(of allowed: [String], by value: JSONValue) -> String? {
        guard case .array(let items) = value else { return "a list of flags is required, not \(value.typeName)" }
        let unknown = items.filter { item in
            guard case .string(let text) = item else { return true }
            return !allowed.containsExactly(text)
        }
        if !unknown.isEmpty { return "\(PythonText.repr(.array(unknown))) are not among \(listText(allowed))" }
        let names = items.compactMap(\.stringValue).map(ExactName.init)
        return Set(names).count == names.count ? nil : "a flag is listed more than once"
    }

    private static func listText(_ values: [String]) -> String {
        PythonText.repr(.strings(values))
    }
}
