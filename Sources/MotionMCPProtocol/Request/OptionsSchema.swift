/// Options, Guidance and Timing (docs/protocol.md §3.6–§3.7).
extension SchemaDecoder {
    private static let optionFields = [
        "diffusion_steps", "num_samples", "seed", "post_processing", "transition_frames", "guidance", "loop",
        "keyframe_budget", "model_options",
    ]
    private static let guidanceFields = ["type", "weight"]
    private static let timingFields = ["fps"]
    private static let guidanceTypes = ["nocfg", "regular", "separated"]

    /// The `options` object; absent fields take the protocol's defaults.
    mutating func options(_ value: JSONValue) -> Options? {
        object(value, className: "Options", fields: Self.optionFields) { decoder, fields -> Options? in
            var options = Options()
            let defaults = options
            let steps = decoder.defaulted(fields, "diffusion_steps", defaults.diffusionSteps) {
                $0.int($1, atLeast: 1, atMost: 500)
            }
            let samples = decoder.defaulted(fields, "num_samples", defaults.numSamples) {
                $0.int($1, atLeast: 1, atMost: 16)
            }
            options.seed = decoder.nullable(fields, "seed") { $0.int($1) }
            let postProcessing = decoder.defaulted(fields, "post_processing", defaults.postProcessing) { $0.bool($1) }
            let transition = decoder.defaulted(fields, "transition_frames", defaults.transitionFrames) {
                $0.int($1, atLeast: 0, atMost: 60)
            }
            options.guidance = decoder.nullable(fields, "guidance") { $0.guidance($1) }
            let loop = decoder.defaulted(fields, "loop", defaults.loop) { $0.bool($1) }
            options.keyframeBudget = decoder.nullable(fields, "keyframe_budget") { $0.double($1, greaterThan: 0) }
            options.modelOptions = decoder.nullable(fields, "model_options") { decoder, value in
                guard case .object(let object) = value else {
                    decoder.record(.dictType)
                    return nil
                }
                return object
            }
            guard let steps, let samples, let postProcessing, let transition, let loop else { return nil }
            options.diffusionSteps = steps
            options.numSamples = samples
            options.postProcessing = postProcessing
            options.transitionFrames = transition
            options.loop = loop
            return options
        }
    }

    /// Guidance: the weight count must suit the type (0, 1 or 2).
    private mutating func guidance(_ value: JSONValue) -> Guidance? {
        object(value, className: "Guidance", fields: Self.guidanceFields) { decoder, fields -> Guidance? in
            let type = decoder.required(fields, "type") { $0.literal($1, Self.guidanceTypes) }
            let weight = decoder.defaulted(fields, "weight", []) { decoder, value in
                decoder.list(value) { $0.double($1) }
            }
            guard let type, let weight else { return nil }
            return Guidance(type: type, weight: weight)
        } check: { decoder, guidance in
            let expected = Self.guidanceTypes.firstIndex(of: guidance.type) ?? 0
            if guidance.weight.count != expected {
                decoder.record(
                    .valueError(
                        "guidance.weight must have \(expected) entries for type '\(guidance.type)', got \(guidance.weight.count)"
                    ))
            }
        }
    }

    /// Timing: the frame rate the request's frames are in.
    mutating func timing(_ value: JSONValue) -> Timing? {
        object(value, className: "Timing", fields: Self.timingFields) { decoder, fields in
            decoder.required(fields, "fps") { $0.double($1, greaterThan: 0) }.map(Timing.init(fps:))
        }
    }
}
