import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway

/// Runs fuzz cases against one server and keeps the tally.
struct FuzzRun {
    let handler: GenerateHandler
    /// How many answers had each status, for the summary line (0: validated but too large to generate in a debug build).
    var statuses: [Int: Int] = [:]
    /// How many bodies were over the server's cap, so not sent.
    var overCap = 0
    /// How many cases reached the handler: a test that skipped them all would pass vacuously,
    /// so each test expects a floor on this.
    var sent = 0
    /// The slowest case sent, for the summary line.
    var slowest: (seconds: Double, label: String) = (0, "")

    /// Sends one case, records every contract violation as an issue naming the case, and returns
    /// the answer; `nil` when the case was not sent because its body is over the server's cap, or
    /// because the server would admit a timeline it asks for more than ``frameBudget`` frames
    /// (valid, but slow to generate in a debug build).
    @discardableResult
    mutating func run(_ fuzzCase: FuzzCase, label: String) async -> ProtocolResponse? {
        // The HTTP layer answers 413 while reading a body over the cap (docs/protocol.md §4.1): such a
        // body never reaches the handler, which is not built to parse tens of megabytes.
        if fuzzCase.body.count > handler.bodyCap {
            overCap += 1
            return nil
        }
        // A valid request may ask for up to the server's output limit (8 million rotations); such
        // a case is validated but not generated, to keep a debug-build run short.
        if admittedHugeTimeline(fuzzCase.body) != nil {
            statuses[0, default: 0] += 1
            return nil
        }
        sent += 1
        let started = ContinuousClock.now
        let answer = await handler.handle(body: fuzzCase.body)
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        statuses[answer.status, default: 0] += 1
        if seconds > slowest.seconds { slowest = (seconds, label) }
        var problems = AnswerContract.violations(of: answer, sent: fuzzCase.body)
        if fuzzCase.isValid, answer.status != 200 {
            problems.append("a valid request was refused: \(AnswerContract.preview(answer.body))")
        }
        guard !problems.isEmpty else { return answer }
        Issue.record(
            """
            \(label) \(fuzzCase.steps): \(problems.joined(separator: "; "))
            body: \(AnswerContract.preview(fuzzCase.body, limit: 2000))
            """)
        return answer
    }

    /// The most frames (summed over samples) a case may make the backbone produce; a request at
    /// the limits of the NullBackbone's spec makes 16 × 900.
    static let frameBudget = 100_000

    /// What the server would be asked to generate, when `body` holds a request that validation
    /// admits with more than ``frameBudget`` frames. Only requests with a `timing` are validated
    /// here (without one, the model's 30 fps and 30 s cap the timeline), and only bodies that spell
    /// `"timing"` are parsed: no mutation writes that key escaped, and parsing every body would
    /// cost a quarter of the run.
    func admittedHugeTimeline(_ body: [UInt8]) -> String? {
        guard body.firstRange(of: Array(#""timing""#.utf8)) != nil,
            case .object(let document)? = try? JSONParser.parse(body)
        else { return nil }
        var requests = [document]
        if document.contains("requests") {
            guard case .array(let items)? = document["requests"] else { return nil }
            requests = items.compactMap { item in
                guard var request = item.objectValue else { return nil }
                if request["protocol_version"] == nil { request["protocol_version"] = document["protocol_version"] }
                return request
            }
        }
        for request in requests where request.contains("timing") {
            guard let validated = try? RequestValidator.validate(.object(request), models: handler.directory) else { continue }
            let frames = validated.request.totalFrames.multipliedReportingOverflow(by: validated.request.numSamples)
            if frames.overflow || frames.partialValue > Self.frameBudget {
                return "\(validated.request.numSamples) × \(validated.request.totalFrames) frames"
            }
        }
        return nil
    }

    /// `0: 18, 200: 812, 400: 231, …` (status 0 counts the large valid cases not sent).
    var summary: String {
        statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
            + "; \(overCap) over the body cap"
            + "; slowest \((slowest.seconds * 1000).rounded() / 1000) s (\(slowest.label))"
    }
}
