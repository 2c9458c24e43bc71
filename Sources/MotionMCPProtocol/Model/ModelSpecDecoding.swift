extension ModelSpec {
    /// This spec with the fields of `entry` laid over it. `entry` is shaped like one element of
    /// `/capabilities` `models`; every field is optional, unknown fields are refused, and the three
    /// fields the server forces (`supports_batch`, `supports_trajectory`,
    /// `supports_motion_reference_mixed`) are accepted and ignored. `limits` replaces the limits as a
    /// whole (fields it leaves out take their defaults), as in the reference's spec objects.
    public func overlaid(with entry: JSONObject) throws(ModelSpecError) -> ModelSpec {
        var spec = self
        for (key, value) in entry.entries {
            let field = SpecField(key: key, value: value)
            switch key {
            case "id": spec.id = try field.nonEmptyString()
            case "fps": spec.fps = try field.positiveNumber()
            case "canonical_skeleton": spec.canonicalSkeleton = try field.skeleton()
            case "supports_retargeting": spec.supportsRetargeting = try field.bool()
            case "supports_joint_translation": spec.supportsJointTranslation = try field.bool()
            case "supports_async": spec.supportsAsync = try field.bool()
            case "supports_segment_seed": spec.supportsSegmentSeed = try field.bool()
            case "supports_loop": spec.supportsLoop = try field.bool()
            case "supports_keyframe_reduction": spec.supportsKeyframeReduction = try field.bool()
            case "supports_motion_reference_mixed": spec.supportsMotionReferenceMixed = try field.bool()
            case "supports_batch", "supports_trajectory": _ = try field.bool()
            case "model_options":
                spec.modelOptions = try field.array().map { element throws(ModelSpecError) in
                    try SpecField(key: key, value: element).modelOption()
                }
            case "supported_constraints": spec.supportedConstraints = try field.strings()
            case "supported_segments": spec.supportedSegments = try field.strings()
            case "supported_guidance_types": spec.supportedGuidanceTypes = try field.strings()
            case "predicted_contact_joints": spec.predictedContactJoints = try field.strings()
            case "native_clip_seconds": spec.nativeClipSeconds = try field.number()
            case "chunking":
                let chunking = try field.string()
                guard chunking == "none" || chunking == "stitched" else {
                    throw ModelSpecError("chunking must be \"none\" or \"stitched\"; got \"\(chunking)\"")
                }
                spec.chunking = chunking
            case "recommended_max_duration_seconds": spec.recommendedMaxDurationSeconds = try field.number()
            case "limits": spec.limits = try field.limits()
            default: throw ModelSpecError("unknown model spec field '\(LogText.escaped(key))'")
            }
        }
        try spec.validate()
        return spec
    }
}

/// One field of a spec document, read strictly (a spec file is written by a person, so a wrong
/// type is a mistake to report, not to coerce).
private struct SpecField {
    var key: String
    var value: JSONValue

    func mismatch(_ expected: String) -> ModelSpecError {
        ModelSpecError("'\(key)' must be \(expected); got \(value.typeName)")
    }

    func bool() throws(ModelSpecError) -> Bool {
        guard case .bool(let flag) = value else { throw mismatch("a boolean") }
        return flag
    }

    func number() throws(ModelSpecError) -> Double {
        guard let number = value.numberValue else { throw mismatch("a number") }
        return number
    }

    func positiveNumber() throws(ModelSpecError) -> Double {
        let number = try number()
        guard number > 0 else { throw ModelSpecError("'\(key)' must be greater than 0; got \(number)") }
        return number
    }

    func integer() throws(ModelSpecError) -> Int {
        switch value {
        case .int(let number): return Int(number)
        case .double(let number) where number.rounded() == number && abs(number) < 9e18: return Int(number)
        default: throw mismatch("an integer")
        }
    }

    func positiveInteger() throws(ModelSpecError) -> Int {
        let number = try integer()
        guard number > 0 else { throw ModelSpecError("'\(key)' must be greater than 0; got \(number)") }
        return number
    }

    func string() throws(ModelSpecError) -> String {
        guard case .string(let text) = value else { throw mismatch("a string") }
        return text
    }

    func optionalString() throws(ModelSpecError) -> String? {
        if case .null = value { return nil }
        return try string()
    }

    func nonEmptyString() throws(ModelSpecError) -> String {
        let text = try string()
        guard !text.isEmpty else { throw ModelSpecError("'\(key)' must not be empty") }
        return text
    }

    func array() throws(ModelSpecError) -> [JSONValue] {
        guard case .array(let elements) = value else { throw mismatch("an array") }
        return elements
    }

    func object() throws(ModelSpecError) -> JSONObject {
        guard case .object(let object) = value else { throw mismatch("an object") }
        return object
    }

    func strings() throws(ModelSpecError) -> [String] {
        try array().map { element throws(ModelSpecError) in
            guard case .string(let text) = element else { throw ModelSpecError("'\(key)' must list strings") }
            return text
        }
    }

    func numbers(count: Int) throws(ModelSpecError) -> [Double] {
        let numbers = try array().map { element throws(ModelSpecError) in
            guard let number = element.numberValue else { throw ModelSpecError("'\(key)' must list numbers") }
            return number
        }
        guard numbers.count == count else { throw ModelSpecError("'\(key)' must hold \(count) numbers; got \(numbers.count)") }
        return numbers
    }

    func limits() throws(ModelSpecError) -> Limits {
        var limits = Limits()
        for (name, value) in try object().entries {
            let field = SpecField(key: "limits.\(name)", value: value)
            let isNull = value == .null
            switch name {
            case "max_duration_seconds": limits.maxDurationSeconds = try field.number()
            case "max_num_samples": limits.maxNumSamples = try field.integer()
            case "max_constraints_per_request": limits.maxConstraintsPerRequest = try field.integer()
            case "max_prompt_length": limits.maxPromptLength = try field.integer()
            case "max_request_bytes": limits.maxRequestBytes = try field.integer()
            case "max_batch_size": limits.maxBatchSize = try field.integer()
            case "max_reference_frames": limits.maxReferenceFrames = isNull ? nil : try field.positiveInteger()
            case "max_video_bytes": limits.maxVideoBytes = isNull ? nil : try field.positiveInteger()
            case "max_video_seconds": limits.maxVideoSeconds = isNull ? nil : try field.positiveNumber()
            default: throw ModelSpecError("unknown limits field '\(name)'")
            }
        }
        return limits
    }

    func modelOption() throws(ModelSpecError) -> ModelOption {
        let object = try object()
        var name: String?
        var kind: ModelOption.Kind?
        var title: String?
        var description: String?
        var defaultValue = JSONValue.null
        var minimum: Double?
        var maximum: Double?
        var values: [String]?
        for (optionKey, value) in object.entries {
            let field = SpecField(key: "model_options.\(optionKey)", value: value)
            let isNull = value == .null
            switch optionKey {
            case "name": name = try field.string()
            case "type":
                let text = try field.string()
                guard let parsed = ModelOption.Kind(rawValue: text) else {
                    throw ModelSpecError("model option type must be one of number, integer, boolean, enum, flags; got '\(text)'")
                }
                kind = parsed
            case "title": title = try field.optionalString()
            case "description": description = try field.optionalString()
            case "default": defaultValue = value
            case "minimum": minimum = isNull ? nil : try field.number()
            case "maximum": maximum = isNull ? nil : try field.number()
            case "values": values = isNull ? nil : try field.strings()
            default: throw ModelSpecError("unknown model option field '\(optionKey)'")
            }
        }
        guard let name, let kind else { throw ModelSpecError("a model option needs a name and a type") }
        return try ModelOption(
            name: name, type: kind, title: title, description: description, default: defaultValue,
            minimum: minimum, maximum: maximum, values: values)
    }

    func skeleton() throws(ModelSpecError) -> Skeleton {
        let object = try object()
        var joints: [Joint] = []
        for (skeletonKey, value) in object.entries {
            let field = SpecField(key: "canonical_skeleton.\(skeletonKey)", value: value)
            switch skeletonKey {
            case "joints":
                joints = try field.array().map { element throws(ModelSpecError) in
                    try SpecField(key: "joints", value: element).joint()
                }
            case "coordinate_system":
                guard try field.string() == "right_handed_y_up" else {
                    throw ModelSpecError("coordinate_system must be right_handed_y_up")
                }
            case "units":
                guard try field.string() == "meters" else { throw ModelSpecError("units must be meters") }
            default: throw ModelSpecError("unknown skeleton field '\(skeletonKey)'")
            }
        }
        let skeleton = Skeleton(joints: joints)
        if let problem = skeleton.topologyProblem { throw ModelSpecError("canonical_skeleton: \(problem)") }
        return skeleton
    }

    func joint() throws(ModelSpecError) -> Joint {
        let object = try object()
        var name: String?
        var parent: String?
        var translation: [Double]?
        var rotation: [Double] = [0, 0, 0, 1]
        var displayName: String?
        for (jointKey, value) in object.entries {
            let field = SpecField(key: "joint.\(jointKey)", value: value)
            switch jointKey {
            case "name": name = try field.nonEmptyString()
            case "parent": parent = try field.optionalString()
            case "rest_translation": translation = try field.numbers(count: 3)
            case "rest_rotation": rotation = try field.numbers(count: 4)
            case "display_name": displayName = try field.optionalString()
            default: throw ModelSpecError("unknown joint field '\(jointKey)'")
            }
        }
        guard let name, let translation else { throw ModelSpecError("a joint needs a name and a rest_translation") }
        return Joint(
            name: name, parent: parent, restTranslation: SIMD3(translation[0], translation[1], translation[2]),
            restRotation: SIMD4(rotation[0], rotation[1], rotation[2], rotation[3]), displayName: displayName)
    }
}
