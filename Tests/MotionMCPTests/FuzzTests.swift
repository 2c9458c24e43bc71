import MotionMCPTestSupport
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

// A deterministic fuzz test of POST /generate (docs/fuzzing.md): valid requests, single and batched,
// mutated at the JSON-value level and at the byte level, each answer checked against the protocol's
// contract. Every case is derived from one 64-bit seed, so a failure is reproduced by its case number.

@Suite("Fuzzing POST /generate with mutated requests", .keepsServerLogs)
struct FuzzTests {
    let settings = FuzzSettings.fromEnvironment()

    /// The valid requests every case starts from, half for each model.
    func corpus(size: Int = 96) -> [FuzzNode] {
        var factory = RequestFactory(random: settings.random(stream: 0, index: 0))
        return (0..<size).map { index in FuzzNode(factory.request(model: index % 2 == 0 ? "null" : "full")) }
    }

    /// A batch of 1–`limit` corpus requests; items sometimes leave their version to the batch.
    func batch(of corpus: [FuzzNode], random: inout FuzzRandom, limit: Int = 4) -> FuzzNode {
        let items = (0..<random.between(1, limit)).map { _ in
            let item = random.pick(corpus)
            return random.chance(40) ? item.removing("protocol_version") : item
        }
        var members: [(key: String, value: FuzzNode)] = [("protocol_version", .string("1.4")), ("requests", .array(items))]
        if random.chance(20) { members.append(("model", .string("ignored"))) }
        return .object(members)
    }

    /// Prints a replayed case's body, so it can be pasted into a reproducer.
    func show(_ fuzzCase: FuzzCase, index: Int) {
        guard settings.onlyCase != nil else { return }
        print("case \(index) \(fuzzCase.steps)\n\(String(decoding: fuzzCase.body, as: UTF8.self))")
    }

    // MARK: Reproducers of what the fuzzer found

    /// A NullBackbone request of one `unconditioned` segment of `frames` frames at `fps`.
    static func timelineBody(frames: Int64, fps: Double) -> [UInt8] {
        let skeleton = [("Hips", "null"), ("Spine", "\"Hips\""), ("Head", "\"Spine\""), ("LeftFoot", "\"Hips\""), ("RightFoot", "\"Hips\"")]
            .map { #"{"name":"\#($0.0)","parent":\#($0.1),"rest_translation":[0,0.5,0],"rest_rotation":[0,0,0,1]}"# }
            .joined(separator: ",")
        return Array(
            #"{"protocol_version":"1.4","model":"null","skeleton":{"joints":[\#(skeleton)]},"segments":[{"type":"unconditioned","duration_frames":\#(frames)}],"timing":{"fps":\#(fps)}}"#
                .utf8)
    }

    /// S14 only bounds frames ÷ fps, and nothing bounds `timing.fps`, so without the server's own
    /// output limit any number of frames would pass validation: at 2⁶² frames the buffer size
    /// B·T·J·4 overflowed `Int` and the trap killed the server (found by this fuzz test); at 3 million
    /// frames one request took 51 s and hundreds of MB. Both are now refused with invalid_options.
    @Test(
        "a timeline past the server's output limit is refused, however high timing.fps makes the frame rate",
        arguments: zip([4_611_686_018_427_387_904, 3_000_000] as [Int64], [1e300, 1e6]))
    func hugeTimeline(frames: Int64, fps: Double) async throws {
        let server = try await FuzzModels.server()
        let handler = server.generateHandler
        let body = Self.timelineBody(frames: frames, fps: fps)
        let admitted = (try? RequestValidator.validate(try JSONParser.parse(body), models: handler.directory)) != nil
        #expect(!admitted, "\(frames) frames at \(fps) fps are admitted")
        if !admitted {
            let answer = await handler.handle(body: body)
            #expect(AnswerContract.violations(of: answer, sent: body).isEmpty)
        }
    }

    @Test("every request of the corpus is answered with a glTF, alone, in a batch, with a BOM, pretty-printed or reordered")
    func corpusIsValid() async throws {
        let server = try await FuzzModels.server()
        let handler = server.generateHandler
        var random = settings.random(stream: 1, index: 0)
        var run = FuzzRun(handler: handler)
        let corpus = corpus()
        for (index, request) in corpus.enumerated() {
            let sent = await run.run(FuzzCase(body: request.bytes, steps: []), label: "corpus \(index)")
            let compact = try #require(sent)
            // Encodings of the same request must get the same document, byte for byte.
            var pretty: [UInt8] = []
            request.write(into: &pretty, pretty: true)
            for variant in [[0xEF, 0xBB, 0xBF] + request.bytes, pretty, request.shufflingKeys(&random).bytes] {
                let answer = await handler.handle(body: variant)
                #expect(answer.body == compact.body, "corpus \(index): \(AnswerContract.preview(variant))")
            }
        }
        let batchStarts = Array(stride(from: 0, to: corpus.count, by: 16))
        for start in batchStarts {
            let items = Array(corpus[start..<min(start + 16, corpus.count)])
            let body = FuzzNode.object([("protocol_version", .string("1.4")), ("requests", .array(items))])
            await run.run(FuzzCase(body: body.bytes, steps: []), label: "corpus batch \(start)")
        }
        #expect(run.sent == corpus.count + batchStarts.count, "every valid request and batch is sent")
        print("fuzz corpus: \(corpus.count) requests; \(run.summary)")
    }

    @Test("thousands of mutated single requests are each answered with a glTF or a protocol error, never a 500")
    func mutatedSingleRequests() async throws {
        let server = try await FuzzModels.server()
        let corpus = corpus()
        var run = FuzzRun(handler: server.generateHandler)
        let cases = settings.cases(3000)
        for index in cases {
            var random = settings.random(stream: 2, index: index)
            let original = random.pick(corpus)
            var mutator = Mutator(random: random, donors: corpus)
            let fuzzCase = mutator.mutate(original)
            show(fuzzCase, index: index)
            await run.run(fuzzCase, label: "single case \(index)")
        }
        print("fuzz single requests: \(run.summary)")
        #expect(run.sent >= cases.count * 9 / 10, "too few cases sent: \(run.summary)")
    }

    @Test("mutated batches keep one result per item, each a glTF or a protocol error")
    func mutatedBatches() async throws {
        let server = try await FuzzModels.server()
        let corpus = corpus()
        var run = FuzzRun(handler: server.generateHandler)
        let cases = settings.cases(800)
        for index in cases {
            var random = settings.random(stream: 3, index: index)
            let batch = batch(of: corpus, random: &random)
            let insideItem = random.chance(70)
            let target = random.below(4)
            var mutator = Mutator(random: random, donors: corpus)
            let fuzzCase: FuzzCase
            if insideItem, case .array(let items)? = batch["requests"], target < items.count {
                // Mutate inside one item, so the batch envelope stays valid and the item count known.
                let mutated = mutator.mutate(items[target])
                var changed = items
                changed[target] = .raw(mutated.body)
                let body = FuzzNode.object([("protocol_version", .string("1.4")), ("requests", .array(changed))])
                fuzzCase = FuzzCase(body: body.bytes, steps: ["item \(target):"] + mutated.steps)
            } else {
                fuzzCase = mutator.mutate(batch)
            }
            show(fuzzCase, index: index)
            await run.run(fuzzCase, label: "batch case \(index)")
        }
        print("fuzz batches: \(run.summary)")
        #expect(run.sent >= cases.count * 9 / 10, "too few cases sent: \(run.summary)")
    }
}
