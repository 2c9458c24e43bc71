import Testing

@testable import MotionMCPProtocol

/// docs/protocol.md §10 cases 73–83: options, guidance, timing, and the gates S6, S7, S12.
@Suite("Options, guidance and timing")
struct OptionsTests {
    private func options(_ text: String) -> JSONValue { ValidationFixture.base.with("options", text) }

    @Test(
        "option bounds (cases 73, 74, 76)",
        arguments: [
            (#"{"diffusion_steps":0}"#, #"greater_than_equal ["options","diffusion_steps"]"#),
            (#"{"diffusion_steps":501}"#, #"less_than_equal ["options","diffusion_steps"]"#),
            (#"{"num_samples":0}"#, #"greater_than_equal ["options","num_samples"]"#),
            (#"{"num_samples":17}"#, #"less_than_equal ["options","num_samples"]"#),
            (#"{"transition_frames":-1}"#, #"greater_than_equal ["options","transition_frames"]"#),
            (#"{"transition_frames":61}"#, #"less_than_equal ["options","transition_frames"]"#),
        ])
    func bounds(_ text: String, _ entry: String) {
        expectSchemaErrors(options(text), [entry])
    }

    @Test("the upper bounds themselves are accepted (cases 73, 74, 76)")
    func boundsInclusive() {
        let validated = expectAccepted(options(#"{"diffusion_steps":500,"num_samples":16,"transition_frames":60}"#))
        #expect(validated?.request.numSamples == 16)
        #expect(validated?.request.options?.diffusionSteps == 500)
    }

    @Test("more samples than the model's max_num_samples is invalid_options (case 75)")
    func modelSampleLimit() {
        expectRefused(options(#"{"num_samples":5}"#), ValidationFixture.models { $0.limits.maxNumSamples = 4 }, code: .invalidOptions, details: "{}")
    }

    @Test("guidance weights must suit the type (case 77)")
    func guidance() {
        expectAccepted(options(#"{"guidance":{"type":"nocfg"}}"#))
        expectSchemaErrors(options(#"{"guidance":{"type":"nocfg","weight":[1]}}"#), [#"value_error ["options","guidance"]"#])
        expectSchemaErrors(options(#"{"guidance":{"type":"regular"}}"#), [#"value_error ["options","guidance"]"#])
        #expect(
            expectAccepted(options(#"{"guidance":{"type":"separated","weight":[2,2]}}"#))?.request.options?.guidance
                == Guidance(type: "separated", weight: [2, 2]))
        expectSchemaErrors(options(#"{"guidance":{"type":"cfg","weight":[2]}}"#), [#"literal_error ["options","guidance","type"]"#])
        expectSchemaErrors(options(#"{"guidance":{"type":"regular","weight":[2],"scale":1}}"#), [#"extra_forbidden ["options","guidance","scale"]"#])
    }

    @Test("supported_guidance_types is not enforced (case 78)")
    func guidanceTypesNotEnforced() {
        expectAccepted(
            options(#"{"guidance":{"type":"separated","weight":[2,2]}}"#), ValidationFixture.models { $0.supportedGuidanceTypes = ["nocfg"] })
    }

    @Test("loop needs the model's support, then exactly one segment (cases 79, 80)")
    func loop() {
        expectRefused(options(#"{"loop":true}"#), code: .invalidOptions, details: #"{"model":"null"}"#)
        let looping = ValidationFixture.models { $0.supportsLoop = true }
        #expect(expectAccepted(options(#"{"loop":true}"#), looping)?.request.loop == true)
        let two = ValidationFixture.base(
            segments: #"[{"type":"text","prompt":"a","duration_frames":5},{"type":"text","prompt":"b","duration_frames":5}]"#)
        let error = expectRefused(two.with("options", #"{"loop":true}"#), looping, code: .invalidOptions, details: #"{"segments":2}"#)
        #expect(error?.message.contains("one segment") == true)
        let constraintsOnly = ValidationFixture.constraintsOnly(#"[{"type":"pose_keyframe","frame":1,"joint_rotations":{"Hips":[0,0,0,1]}}]"#)
        expectRefused(constraintsOnly.with("options", #"{"loop":true}"#), looping, code: .invalidOptions, details: #"{"segments":0}"#)
    }

    @Test("keyframe_budget needs the model's support and must be positive (case 81)")
    func keyframeBudget() {
        expectRefused(options(#"{"keyframe_budget":0.01}"#), code: .invalidOptions, details: #"{"model":"null"}"#)
        expectSchemaErrors(options(#"{"keyframe_budget":0}"#), [#"greater_than ["options","keyframe_budget"]"#])
        expectSchemaErrors(options(#"{"keyframe_budget":-1}"#), [#"greater_than ["options","keyframe_budget"]"#])
        expectSchemaErrors(options(#"{"keyframe_budget":NaN}"#), [#"greater_than ["options","keyframe_budget"]"#])
        let error = expectRefused(options(#"{"keyframe_budget":0}"#), code: .schemaValidation)
        #expect(error?.details["errors"]?.arrayValue?.first?.objectValue?["ctx"] == ["gt": .double(0)])
    }

    @Test("options may be null or empty but not a list; unknown keys are refused (case 82)")
    func optionsShape() {
        #expect(expectAccepted(options("null"))?.request.options == nil)
        #expect(expectAccepted(options("{}"))?.request.options == Options())
        expectSchemaErrors(options("[]"), [#"model_type ["options"]"#])
        expectSchemaErrors(options(#"{"zz":1}"#), [#"extra_forbidden ["options","zz"]"#])
    }

    @Test("every option field reports its own error, unknown keys last")
    func allOptionErrors() {
        expectSchemaErrors(
            options(
                #"{"diffusion_steps":null,"num_samples":"x","seed":1.5,"post_processing":"maybe","transition_frames":[],"guidance":5,"loop":2,"keyframe_budget":"abc","model_options":[1],"zz":1}"#
            ),
            [
                #"int_type ["options","diffusion_steps"]"#, #"int_parsing ["options","num_samples"]"#,
                #"int_from_float ["options","seed"]"#, #"bool_parsing ["options","post_processing"]"#,
                #"int_type ["options","transition_frames"]"#, #"model_type ["options","guidance"]"#,
                #"bool_parsing ["options","loop"]"#, #"float_parsing ["options","keyframe_budget"]"#,
                #"dict_type ["options","model_options"]"#, #"extra_forbidden ["options","zz"]"#,
            ])
    }

    @Test("model_options sent to a model that declares none (case 83)")
    func modelOptionsUndeclared() {
        expectRefused(options(#"{"model_options":{"x":1,"a":2}}"#), code: .invalidOptions, details: #"{"model":"null","sent":["a","x"]}"#)
        expectAccepted(options(#"{"model_options":{}}"#))
        expectSchemaErrors(options(#"{"model_options":[1]}"#), [#"dict_type ["options","model_options"]"#])
    }

    @Test("timing sets the request's frame rate and must be positive")
    func timing() {
        #expect(expectAccepted(ValidationFixture.base.with("timing", #"{"fps":24}"#))?.request.fps(native: 30) == 24)
        expectSchemaErrors(ValidationFixture.base.with("timing", "{}"), [#"missing ["timing","fps"]"#])
        expectSchemaErrors(ValidationFixture.base.with("timing", #"{"fps":0}"#), [#"greater_than ["timing","fps"]"#])
        expectSchemaErrors(ValidationFixture.base.with("timing", #"{"fps":24,"x":1}"#), [#"extra_forbidden ["timing","x"]"#])
        expectSchemaErrors(ValidationFixture.base.with("timing", "5"), [#"model_type ["timing"]"#])
    }
}
