import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MotionMCPTestSupport
import NIOCore
import Synchronization
import Testing

@testable import MotionMCP
@testable import MotionMCPControl
@testable import MotionMCPControlServer
@testable import MotionMCPGateway
@testable import MotionMCPProtocol

/// Issue 19: the server-wide budget for answers in flight (``AnswerBudget``), the estimate it is
/// charged (``AnswerEstimate``), and the refusal a request gets when its answer does not fit.
@Suite("The answer budget", .timeLimit(.minutes(1)), .keepsServerLogs)
struct AnswerBudgetTests {
    /// A budget's waiter, run as a child task: its charge once it has one.
    static func waiter(_ budget: AnswerBudget, _ bytes: Int, limit: Duration? = .seconds(60)) -> Task<AnswerCharge?, Never> {
        Task { await budget.charge(bytes, waitingAtMost: limit) }
    }

    @Test("charges that fit are granted at once, up to the capacity")
    func chargesWithinCapacity() async throws {
        let budget = AnswerBudget(capacity: 100)
        let first = try #require(await budget.charge(60, waitingAtMost: .zero))
        let second = try #require(await budget.charge(40, waitingAtMost: .zero))
        #expect(budget.charged == 100)
        #expect(budget.charge(now: 1) == nil)
        first.release()
        second.release()
        #expect(budget.charged == 0)
    }

    @Test("a charge that does not fit waits for a release, and is granted then")
    func waitsForRelease() async throws {
        let budget = AnswerBudget(capacity: 100)
        let holder = try #require(budget.charge(now: 80))
        let waiting = Self.waiter(budget, 50)
        try await waitUntil { budget.waiterCount == 1 }
        #expect(budget.charged == 80)
        holder.release()
        let granted = await waiting.value
        #expect(granted?.bytes == 50)
        #expect(budget.charged == 50)
    }

    @Test("a waiter not let in within its limit is refused, and the charge is unchanged")
    func boundedWait() async throws {
        let budget = AnswerBudget(capacity: 100)
        let holder = try #require(budget.charge(now: 100))
        let refused = await budget.charge(10, waitingAtMost: .milliseconds(50))
        #expect(refused == nil)
        #expect(budget.waiterCount == 0)
        #expect(budget.charged == 100)
        holder.release()
    }

    @Test("a waiter whose task is cancelled stops waiting, and the one behind it moves up")
    func cancelledWaiter() async throws {
        let budget = AnswerBudget(capacity: 100)
        let holder = try #require(budget.charge(now: 90))
        let cancelled = Self.waiter(budget, 60)
        try await waitUntil { budget.waiterCount == 1 }
        let behind = Self.waiter(budget, 10)
        try await waitUntil { budget.waiterCount == 2 }
        cancelled.cancel()
        #expect(await cancelled.value == nil)
        // The first waiter gone, the 10 bytes fit beside the 90 at once.
        let granted = await behind.value
        #expect(granted?.bytes == 10)
        #expect(budget.charged == 100)
        holder.release()
        granted?.release()
    }

    @Test("waiters are let in first come first served: a small charge does not overtake a large one")
    func firstComeFirstServed() async throws {
        let budget = AnswerBudget(capacity: 100)
        let holder = try #require(budget.charge(now: 50))
        let large = Self.waiter(budget, 80)
        try await waitUntil { budget.waiterCount == 1 }
        // 10 bytes would fit beside the 50, but the 80 came first.
        #expect(budget.charge(now: 10) == nil)
        let small = Self.waiter(budget, 10)
        try await waitUntil { budget.waiterCount == 2 }
        holder.release()
        let largeCharge = await large.value
        let smallCharge = await small.value
        #expect(largeCharge?.bytes == 80)
        #expect(smallCharge?.bytes == 10)
        #expect(budget.charged == 90)
    }

    @Test("an answer larger than the whole budget runs alone: at once when nothing is charged, else after the others")
    func largerThanBudgetRunsAlone() async throws {
        let budget = AnswerBudget(capacity: 100)
        let alone = try #require(budget.charge(now: 500))
        #expect(budget.charge(now: 1) == nil)
        alone.release()
        let small = try #require(budget.charge(now: 1))
        let large = Self.waiter(budget, 500)
        try await waitUntil { budget.waiterCount == 1 }
        small.release()
        #expect(await large.value?.bytes == 500)
    }

    @Test("a charge is given back once, by release or when the last reference goes")
    func releasedOnce() async throws {
        let budget = AnswerBudget(capacity: 100)
        let charge = try #require(budget.charge(now: 30))
        charge.release()
        charge.release()
        #expect(budget.charged == 0)
        do {
            _ = try #require(budget.charge(now: 40))
        }
        #expect(budget.charged == 0)
    }

    @Test("the default budget is a quarter of the memory the process may use, at least 256 MB")
    func machineDefault() {
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        #expect(ServerLimits().answerBudget == AnswerBudget.machineDefault)
        #expect(AnswerBudget.machineDefault >= 256 << 20)
        #expect(AnswerBudget.machineDefault <= max(physical / 4, 256 << 20))
    }

    @Test(
        "the estimate is at least the answer's size and within twice it",
        arguments: [(30, 10, 1), (3333, 3333, 2), (120, 3600, 4)])
    func estimateBoundsTheAnswer(fps: Int, frames: Int, samples: Int) async throws {
        for jointTranslation in [false, true] {
            var spec = NullBackbone().spec
            spec.supportsJointTranslation = jointTranslation
            let served = spec
            let directory = ModelDirectory(keys: ["null"]) { _ in served }
            let validated = try RequestValidator.validate(
                JSONParser.parse(Array(TestRequests.sized(fps: fps, frames: frames, samples: samples).utf8)), models: directory)
            let rest = try NullBackbone.restPose(for: validated.request)
            // Every joint moved, so that every translation is written (one at rest is left out).
            let moved = [Float](repeating: 0.25, count: rest.sampleCount * rest.frameCount * rest.jointCount * 3)
            let result = try MotionResult(
                sampleCount: rest.sampleCount, frameCount: rest.frameCount, jointCount: rest.jointCount, rotations: rest.rotations,
                rootTranslations: rest.rootTranslations, translations: jointTranslation ? moved : rest.translations)
            let answer = try GLTFEncoder.encode(result, for: validated.request, spec: spec)
            let estimate = AnswerEstimate.bytes(for: validated)
            #expect(estimate >= answer.count, "joint translation \(jointTranslation)")
            #expect(estimate <= 2 * answer.count + 32_768, "joint translation \(jointTranslation)")
        }
    }

    @Test(
        "a request whose answer does not fit within the wait is 503 resource_exhausted with Retry-After; the budget is free once answers are written")
    func refusedWhenFull() async throws {
        let gated = GatedBackbone(id: "null")
        var options = MMCPOptions()
        options.limits.answerBudget = 1
        options.limits.answerBudgetWait = .milliseconds(100)
        let server = try MMCPServer(gated, options: options)
        try await buildApp(server).test(.router) { client in
            async let held = client.execute(uri: "/generate", method: .post, body: TestRequests.body()) { Int($0.status.code) }
            try await waitUntil { gated.callsStarted == 1 }
            // The first answer is larger than the whole budget: it runs alone, so this one waits and is refused.
            let refused = try await client.execute(uri: "/generate", method: .post, body: TestRequests.body()) { response in
                (Int(response.status.code), response.headers[.retryAfter], String(buffer: response.body))
            }
            #expect(refused.0 == 503)
            #expect(refused.1 == String(ServedModel.retryAfterSeconds))
            #expect(refused.2.contains(#""code":"resource_exhausted""#))
            #expect(gated.callsStarted == 1)
            gated.open()
            #expect(try await held == 200)
            try await waitUntil { server.answerBudget.charged == 0 }
            let after = try await client.execute(uri: "/generate", method: .post, body: TestRequests.body()) { Int($0.status.code) }
            #expect(after == 200)
        }
        #expect(server.answerBudget.charged == 0)
    }

    @Test("a batch is charged the sum of its items and refused whole when it does not fit")
    func batchCharged() async throws {
        let gated = GatedBackbone(id: "null")
        var options = MMCPOptions()
        options.limits.answerBudget = 1
        options.limits.answerBudgetWait = .milliseconds(100)
        let server = try MMCPServer(gated, options: options)
        let item = TestRequests.base.replacingOccurrences(of: #""protocol_version":"1.4","#, with: "")
        let batch = #"{"protocol_version":"1.4","requests":[\#(item),\#(item)]}"#
        try await buildApp(server).test(.router) { client in
            async let held = client.execute(uri: "/generate", method: .post, body: ByteBuffer(string: batch)) { response in
                (Int(response.status.code), String(buffer: response.body))
            }
            try await waitUntil { gated.callsStarted >= 1 }
            let single = try await client.execute(uri: "/generate", method: .post, body: TestRequests.body()) { response in
                Int(response.status.code)
            }
            #expect(single == 503)
            gated.open()
            let answer = try await held
            #expect(answer.0 == 200)
            #expect(answer.1.hasPrefix(#"{"results":[{"gltf":"#))
        }
        #expect(server.answerBudget.charged == 0)
    }
}
